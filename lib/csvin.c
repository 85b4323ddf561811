/*
 * csvin.c - CSV reading for the importers; see csvin.h.
 *
 * libcsv does the quoting. We feed it one physical line at a time, so we
 * always know the line being parsed: a record's first line is the line
 * where its first field ends minus the line breaks inside that field.
 *
 * Messages may come from two threads (the reader, and the importer's
 * writer naming a row it was handed earlier): a mutex guards the report,
 * and csvin_close sorts the errors by line if they came out of order.
 */
#include "csvin.h"
#include "log.h"

#include <csv.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where one error message starts in the report, and its line. */
struct msgpos {
    long line;
    size_t off;
};

struct csvin {
    const char *path;
    const struct csvin_col *cols;
    int ncols;
    csvin_row_fn fn;
    void *arg;
    struct csvin_report *rep;
    FILE *f;
    struct csv_parser parser;

    pthread_mutex_t mu;    /* guards rep and the fields below */
    struct msgpos *epos;   /* every error added by this read */
    int nepos, cap_epos;
    bool unordered;        /* an error came after one of a later line */

    long line;          /* the physical line being fed */
    long rec_line;      /* first line of the record being built */
    struct sbuf fields; /* the record's fields, each NUL-terminated */
    size_t *offs;       /* offset of each field in fields */
    int nfields, cap_fields;

    bool have_header;
    int *map;  /* map[i]: file column of spec column i, -1 if absent */
    int nhead; /* columns in the header */
    const char **vals;
    atomic_bool stop; /* the callback asked to stop, or too many errors */
};

static const char *
basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Remembers where the error about line starts (the caller holds mu). */
static void
note_error(struct csvin *in, long line)
{
    if (in->nepos == in->cap_epos) {
        in->cap_epos = in->cap_epos ? in->cap_epos * 2 : 16;
        in->epos = xrealloc(in->epos, in->cap_epos * sizeof *in->epos);
    }
    if (in->nepos > 0 && line < in->epos[in->nepos - 1].line)
        in->unordered = true;
    in->epos[in->nepos++] = (struct msgpos){line, in->rep->errors.len};
}

/* Adds a message; the caller holds mu. */
static void
add_msg_locked(struct csvin *in, bool error, long line, int col,
               const char *fmt, va_list ap)
{
    struct sbuf *b = error ? &in->rep->errors : &in->rep->warnings;
    if (!error && in->rep->nwarnings >= CSVIN_MAX_WARNINGS) {
        in->rep->nwarnings++;
        return;
    }
    if (error)
        note_error(in, line);
    sbuf_addf(b, "%s:%ld: ", basename_of(in->path), line);
    if (col >= 0 && col < in->ncols && in->map && in->map[col] >= 0)
        sbuf_addf(b, "column %d (%s): ", in->map[col] + 1, in->cols[col].name);
    else if (col >= 0 && col < in->ncols)
        sbuf_addf(b, "column %s: ", in->cols[col].name);
    sbuf_vaddf(b, fmt, ap);
    sbuf_addc(b, '\n');
    if (!error) {
        in->rep->nwarnings++;
        return;
    }
    if (++in->rep->nerrors >= CSVIN_MAX_ERRORS && !in->stop) {
        note_error(in, LONG_MAX); /* stays last */
        sbuf_addf(b, "%s: too many errors, stopped reading\n",
                  basename_of(in->path));
        in->stop = true;
    }
}

static void
add_msg(struct csvin *in, bool error, long line, int col, const char *fmt,
        va_list ap)
{
    pthread_mutex_lock(&in->mu);
    add_msg_locked(in, error, line, col, fmt, ap);
    pthread_mutex_unlock(&in->mu);
}

void
csvin_error(struct csvin *in, const struct csvin_row *row, int col,
            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_msg(in, true, row ? row->line : in->line, col, fmt, ap);
    va_end(ap);
}

void
csvin_warn(struct csvin *in, const struct csvin_row *row, int col,
           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_msg(in, false, row ? row->line : in->line, col, fmt, ap);
    va_end(ap);
}

static void
line_error(struct csvin *in, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line_error(struct csvin *in, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_msg(in, true, line, -1, fmt, ap);
    va_end(ap);
}

int
csvin_nerrors(const struct csvin *in)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&in->mu;
    pthread_mutex_lock(mu);
    int n = in->rep->nerrors;
    pthread_mutex_unlock(mu);
    return n;
}

const char *
csvin_path(const struct csvin *in)
{
    return in->path;
}

void
csvin_report_free(struct csvin_report *report)
{
    sbuf_free(&report->errors);
    sbuf_free(&report->warnings);
}

/* Length of the UTF-8 sequence at s, or 0 if invalid or a control. */
static int
utf8_char_ok(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x20 || c == 0x7F)
        return 0;
    if (c < 0x80)
        return 1;
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4)
        return 0;
    unsigned cp = c & (0x3F >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0; /* overlong, out of range, surrogate */
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029)
        return 0; /* C1 controls, Unicode line separators */
    return n;
}

bool
csvin_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = utf8_char_ok(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static long
count_nl(const char *s, size_t n)
{
    long c = 0;
    for (size_t i = 0; i < n; i++)
        c += s[i] == '\n';
    return c;
}

static void
on_field(void *data, size_t len, void *arg)
{
    struct csvin *in = arg;
    if (in->nfields == 0)
        in->rec_line = in->line - count_nl(data, len);
    if (in->nfields == in->cap_fields) {
        in->cap_fields = in->cap_fields ? in->cap_fields * 2 : 16;
        in->offs = xrealloc(in->offs, in->cap_fields * sizeof *in->offs);
    }
    size_t start = in->fields.len;
    in->offs[in->nfields++] = start;
    sbuf_add(&in->fields, data, len);
    sbuf_add(&in->fields, "", 1); /* the field's terminating NUL */
    /* A NUL inside the data stays visible to the text check below. */
    for (char *p = in->fields.s + start, *end = p + len;
         (p = memchr(p, '\0', (size_t)(end - p))) != NULL;)
        *p++ = 1;
}

/* Field i of the current record, trimmed in place. */
static char *
field(struct csvin *in, int i)
{
    return str_trim(in->fields.s + in->offs[i]);
}

static void
take_header(struct csvin *in)
{
    in->nhead = in->nfields;
    for (int c = 0; c < in->ncols; c++)
        in->map[c] = -1;
    for (int f = 0; f < in->nfields; f++) {
        char *name = field(in, f);
        if (*name == '\0')
            continue;
        int c;
        for (c = 0; c < in->ncols; c++)
            if (str_iequal(name, in->cols[c].name))
                break;
        if (c == in->ncols) {
            struct csvin_row r = {.line = in->rec_line};
            csvin_warn(in, &r, -1, "column %d \"%s\" is not used, ignored",
                       f + 1, csvin_text_ok(name) ? name : "?");
        } else if (in->map[c] >= 0) {
            line_error(in, in->rec_line,
                       "column \"%s\" appears twice (columns %d and %d)",
                       in->cols[c].name, in->map[c] + 1, f + 1);
        } else {
            in->map[c] = f;
        }
    }
    for (int c = 0; c < in->ncols; c++)
        if (in->cols[c].required && in->map[c] < 0)
            line_error(in, in->rec_line, "missing required column \"%s\"",
                       in->cols[c].name);
    if (csvin_nerrors(in) > 0)
        in->stop = true;
    in->have_header = true;
}

static void
take_row(struct csvin *in)
{
    struct csvin_row row = {.line = in->rec_line, .val = in->vals};
    if (in->nfields < in->nhead) {
        line_error(in, row.line, "%d fields, the header has %d",
                   in->nfields, in->nhead);
        return;
    }
    for (int f = in->nhead; f < in->nfields; f++)
        if (*field(in, f) != '\0') {
            line_error(in, row.line, "%d fields, the header has %d",
                       in->nfields, in->nhead);
            return;
        }
    bool bad = false;
    for (int c = 0; c < in->ncols; c++) {
        in->vals[c] = in->map[c] >= 0 ? field(in, in->map[c]) : NULL;
        if (in->vals[c] && !csvin_text_ok(in->vals[c])) {
            bool ctl = false;
            for (const char *q = in->vals[c]; *q; q++)
                ctl |= (unsigned char)*q < 0x20 || *q == 0x7F;
            csvin_error(in, &row, c, "%s",
                        ctl ? "control character (line break, tab...) not "
                              "allowed here"
                            : "invalid UTF-8 or control character (save the "
                              "file as \"CSV UTF-8\")");
            bad = true;
        }
    }
    for (int c = 0; c < in->ncols && !bad; c++)
        if (in->cols[c].required && in->vals[c] && *in->vals[c] == '\0') {
            csvin_error(in, &row, c, "required value is empty");
            bad = true;
        }
    if (bad)
        return;
    in->rep->rows++;
    if (in->fn(in, &row, in->arg) < 0)
        in->stop = true;
}

static void
on_record(int c, void *arg)
{
    struct csvin *in = arg;
    (void)c;
    if (in->stop)
        goto done;
    bool empty = true;
    for (int f = 0; f < in->nfields && empty; f++)
        empty = *field(in, f) == '\0';
    if (empty)
        goto done;
    if (!in->have_header)
        take_header(in);
    else
        take_row(in);
done:
    in->nfields = 0;
    sbuf_reset(&in->fields);
}

/* The separator the header line uses: the commoner of ';' and ','. */
static unsigned char
detect_separator(const char *line, size_t n)
{
    size_t semi = 0, comma = 0;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (!quoted && line[i] == ';')
            semi++;
        else if (!quoted && line[i] == ',')
            comma++;
    }
    return semi > comma ? ';' : ',';
}

static int
feed(struct csvin *in, struct csv_parser *p, FILE *f)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!in->stop && (n = getdelim(&buf, &cap, '\n', f)) > 0) {
        in->line++;
        char *s = buf;
        if (in->line == 1) {
            if (n >= 2 && ((unsigned char)s[0] == 0xFF ||
                           (unsigned char)s[0] == 0xFE)) {
                line_error(in, 1, "file is UTF-16; save it as \"CSV UTF-8\"");
                break;
            }
            if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
                s += 3;
                n -= 3;
            }
            csv_set_delim(p, detect_separator(s, (size_t)n));
        }
        if (csv_parse(p, s, (size_t)n, on_field, on_record, in) !=
            (size_t)n) {
            line_error(in, in->line, "column %d: malformed quoting (a quote "
                       "inside an unquoted field, or text after a closing "
                       "quote)", in->nfields + 1);
            in->stop = true;
            break;
        }
    }
    bool read_error = ferror(f);
    free(buf);
    if (read_error) {
        line_error(in, in->line, "read error: %s", strerror(errno));
        return -1;
    }
    if (in->stop)
        return -1;
    if (csv_fini(p, on_field, on_record, in) != 0) {
        long start = in->nfields > 0
                         ? in->rec_line
                         : in->line - count_nl((char *)p->entry_buf,
                                               p->entry_pos);
        line_error(in, start, "quoted field is never closed (broken quote)");
        return -1;
    }
    return 0;
}

struct csvin *
csvin_open(const char *path, const struct csvin_col *cols, int ncols,
           struct csvin_report *report)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        sbuf_addf(&report->errors, "%s: %s\n", path, strerror(errno));
        report->nerrors++;
        return NULL;
    }
    struct csvin *in = xcalloc(1, sizeof *in);
    in->path = path;
    in->cols = cols;
    in->ncols = ncols;
    in->rep = report;
    in->f = f;
    if (csv_init(&in->parser, CSV_STRICT | CSV_STRICT_FINI |
                                  CSV_APPEND_NULL) != 0)
        msg_panic("csv_init failed");
    pthread_mutex_init(&in->mu, NULL);
    in->map = xcalloc((size_t)ncols, sizeof *in->map);
    in->vals = xcalloc((size_t)ncols, sizeof *in->vals);
    return in;
}

int
csvin_run(struct csvin *in, csvin_row_fn fn, void *arg)
{
    in->fn = fn;
    in->arg = arg;
    int rc = feed(in, &in->parser, in->f);
    if (rc == 0 && !in->have_header)
        line_error(in, in->line, "no header row (empty file)");
    return rc < 0 || csvin_nerrors(in) > 0 ? -1 : 0;
}

static int
by_line(const void *a, const void *b)
{
    const struct msgpos *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->off > y->off) - (x->off < y->off); /* stable */
}

/*
 * Rewrites this read's errors in line order. Each message runs from its
 * start to the next one's; the first starts at epos[0].off.
 */
static void
sort_errors(struct csvin *in)
{
    struct sbuf *e = &in->rep->errors;
    size_t base = in->epos[0].off, n = (size_t)in->nepos;
    char *old = xmalloc(e->len - base);
    memcpy(old, e->s + base, e->len - base);
    size_t *end = xmalloc(n * sizeof *end);
    for (size_t i = 0; i < n; i++)
        end[i] = (i + 1 < n ? in->epos[i + 1].off : e->len) - base;
    for (size_t i = 0; i < n; i++) /* off becomes the message's index */
        in->epos[i].off = i;
    qsort(in->epos, n, sizeof *in->epos, by_line);
    e->len = base;
    for (size_t i = 0; i < n; i++) {
        size_t k = in->epos[i].off, from = k ? end[k - 1] : 0;
        sbuf_add(e, old + from, end[k] - from);
    }
    free(end);
    free(old);
}

int
csvin_close(struct csvin *in)
{
    fclose(in->f);
    csv_free(&in->parser);
    if (in->unordered)
        sort_errors(in);
    int rc = in->rep->nerrors > 0 ? -1 : 0;
    pthread_mutex_destroy(&in->mu);
    free(in->epos);
    free(in->map);
    free(in->vals);
    free(in->offs);
    sbuf_free(&in->fields);
    free(in);
    return rc;
}

int
csvin_read(const char *path, const struct csvin_col *cols, int ncols,
           csvin_row_fn fn, void *arg, struct csvin_report *report)
{
    struct csvin *in = csvin_open(path, cols, ncols, report);
    if (in == NULL)
        return -1;
    int rc = csvin_run(in, fn, arg);
    return csvin_close(in) < 0 ? -1 : rc;
}
