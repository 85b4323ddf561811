/*
 * rtable.c - report tables and their text, CSV and JSON renderings; see
 * rtable.h. Used by report.c and relancectl's report command.
 */
#include "rtable.h"

#include "log.h"
#include "money.h"

#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
rtable_init(struct rtable *t, const struct rtable_col *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
}

void
rtable_free(struct rtable *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            free(t->rows[r].cells[c].text);
        free(t->rows[r].cells);
    }
    free(t->rows);
    t->rows = NULL;
    t->nrows = t->cap = t->filled = 0;
}

void
rtable_row(struct rtable *t, bool total)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    struct rtable_row *row = &t->rows[t->nrows++];
    row->total = total;
    row->cells = xcalloc(t->ncols, sizeof *row->cells);
    for (size_t c = 0; c < t->ncols; c++)
        row->cells[c].null = true;
    t->filled = 0;
}

/* next_cell: the next cell of the current row, checked against the
 * column count (overfilling is a bug in the caller). */
static struct rtable_cell *
next_cell(struct rtable *t, int type)
{
    if (t->nrows == 0 || t->filled >= t->ncols)
        msg_panic("rtable: too many cells in a row");
    if (type >= 0 && t->cols[t->filled].type != type)
        msg_panic("rtable: column %s has another type", t->cols[t->filled].key);
    struct rtable_cell *cell = &t->rows[t->nrows - 1].cells[t->filled++];
    cell->null = false;
    return cell;
}

void
rtable_text(struct rtable *t, const char *s)
{
    struct rtable_cell *cell = next_cell(t, RT_TEXT);
    if (s == NULL)
        cell->null = true;
    else
        cell->text = xstrdup(s);
}

void
rtable_int(struct rtable *t, int64_t v)
{
    next_cell(t, RT_INT)->num = v;
}

void
rtable_money(struct rtable *t, int64_t cents, const char *currency)
{
    struct rtable_cell *cell = next_cell(t, RT_MONEY);
    cell->num = cents;
    cell->text = xstrdup(currency ? currency : "EUR");
}

void
rtable_tenths(struct rtable *t, int64_t tenths)
{
    next_cell(t, RT_TENTHS)->num = tenths;
}

void
rtable_null(struct rtable *t)
{
    next_cell(t, -1)->null = true;
}

char *
rtable_fixed(int64_t v, int decimals, char sep, char *buf, size_t len)
{
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    /* Work on the magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (decimals == 0)
        snprintf(buf, len, "%s%" PRIu64, v < 0 ? "-" : "", mag);
    else
        snprintf(buf, len, "%s%" PRIu64 "%c%0*" PRIu64, v < 0 ? "-" : "",
                 mag / (uint64_t)scale, sep, decimals, mag % (uint64_t)scale);
    return buf;
}

/* cell_text: how a cell reads in the text table (into buf, 64 bytes). */
static const char *
cell_text(const struct rtable_col *col, const struct rtable_cell *cell,
          char *buf, size_t len)
{
    if (cell->null)
        return "-";
    switch (col->type) {
    case RT_INT:
        return rtable_fixed(cell->num, 0, ',', buf, len);
    case RT_MONEY:
        return money_format_fr(cell->num, cell->text, buf, len);
    case RT_TENTHS:
        return rtable_fixed(cell->num, 1, ',', buf, len);
    default:
        return cell->text;
    }
}

/* utf8_width: characters in s (UTF-8 continuation bytes do not count). */
static size_t
utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void
pad(struct sbuf *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbuf_addc(out, ' ');
}

static void
text_cell(struct sbuf *out, const struct rtable_col *col, const char *s,
          size_t width, bool last)
{
    size_t w = utf8_width(s);
    bool right = col->type != RT_TEXT;
    if (right)
        pad(out, width - w);
    sbuf_adds(out, s);
    if (!right && !last)
        pad(out, width - w);
    sbuf_adds(out, last ? "\n" : "  ");
}

static void
text_rule(struct sbuf *out, const size_t *width, size_t ncols)
{
    size_t n = 0;
    for (size_t c = 0; c < ncols; c++)
        n += width[c] + (c + 1 < ncols ? 2 : 0);
    for (size_t i = 0; i < n; i++)
        sbuf_addc(out, '-');
    sbuf_addc(out, '\n');
}

void
rtable_write_text(const struct rtable *t, struct sbuf *out)
{
    char buf[64];
    size_t *width = xcalloc(t->ncols, sizeof *width);
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = utf8_width(t->cols[c].title);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = utf8_width(
                cell_text(&t->cols[c], &t->rows[r].cells[c], buf, sizeof buf));
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t c = 0; c < t->ncols; c++)
        text_cell(out, &t->cols[c], t->cols[c].title, width[c],
                  c + 1 == t->ncols);
    text_rule(out, width, t->ncols);
    /* Plain rows first, then the totals under a rule. */
    for (int pass = 0; pass < 2; pass++) {
        bool any = false;
        for (size_t r = 0; r < t->nrows; r++) {
            if (t->rows[r].total != (pass == 1))
                continue;
            if (pass == 1 && !any)
                text_rule(out, width, t->ncols);
            any = true;
            for (size_t c = 0; c < t->ncols; c++)
                text_cell(out, &t->cols[c],
                          cell_text(&t->cols[c], &t->rows[r].cells[c], buf,
                                    sizeof buf),
                          width[c], c + 1 == t->ncols);
        }
    }
    free(width);
}

/* csv_field appends one field, quoted by libcsv when it must be. */
static void
csv_field(struct sbuf *out, const char *s)
{
    if (strpbrk(s, ";\"\r\n") == NULL && s[0] != ' ' &&
        (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
        sbuf_adds(out, s);
        return;
    }
    size_t n = strlen(s);
    size_t need = csv_write(NULL, 0, s, n);
    char *q = xmalloc(need + 1);
    csv_write(q, need, s, n);
    sbuf_add(out, q, need);
    free(q);
}

void
rtable_write_csv(const struct rtable *t, struct sbuf *out)
{
    char buf[64];
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            sbuf_addc(out, ';');
        csv_field(out, t->cols[c].title);
    }
    sbuf_adds(out, "\r\n");
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < t->nrows; r++) {
            if (t->rows[r].total != (pass == 1))
                continue;
            for (size_t c = 0; c < t->ncols; c++) {
                const struct rtable_cell *cell = &t->rows[r].cells[c];
                if (c)
                    sbuf_addc(out, ';');
                if (cell->null)
                    continue;
                switch (t->cols[c].type) {
                case RT_INT:
                    sbuf_adds(out,
                              rtable_fixed(cell->num, 0, ',', buf, sizeof buf));
                    break;
                case RT_MONEY:
                    sbuf_adds(out,
                              rtable_fixed(cell->num, 2, ',', buf, sizeof buf));
                    break;
                case RT_TENTHS:
                    sbuf_adds(out,
                              rtable_fixed(cell->num, 1, ',', buf, sizeof buf));
                    break;
                default:
                    csv_field(out, cell->text);
                }
            }
            sbuf_adds(out, "\r\n");
        }
}

void
rtable_json_string(struct sbuf *out, const char *s)
{
    if (s == NULL) {
        sbuf_adds(out, "null");
        return;
    }
    sbuf_addc(out, '"');
    /* Characters with a short escape, and the letter after the backslash. */
    static const char special[] = "\"\\\n\r\t", letter[] = "\"\\nrt";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *sp = strchr(special, *p);
        if (sp) {
            sbuf_addc(out, '\\');
            sbuf_addc(out, letter[sp - special]);
        } else if (*p < 0x20) {
            sbuf_addf(out, "\\u%04x", *p);
        } else {
            sbuf_addc(out, (char)*p);
        }
    }
    sbuf_addc(out, '"');
}

void
rtable_write_json(const struct rtable *t, bool totals, struct sbuf *out)
{
    char buf[64];
    bool first = true;
    sbuf_addc(out, '[');
    for (size_t r = 0; r < t->nrows; r++) {
        if (t->rows[r].total != totals)
            continue;
        sbuf_adds(out, first ? "\n  {" : ",\n  {");
        first = false;
        for (size_t c = 0; c < t->ncols; c++) {
            const struct rtable_cell *cell = &t->rows[r].cells[c];
            if (c)
                sbuf_adds(out, ", ");
            rtable_json_string(out, t->cols[c].key);
            sbuf_adds(out, ": ");
            if (cell->null)
                sbuf_adds(out, "null");
            else if (t->cols[c].type == RT_TEXT)
                rtable_json_string(out, cell->text);
            else
                sbuf_adds(out,
                          rtable_fixed(cell->num, t->cols[c].type == RT_TENTHS,
                                       '.', buf, sizeof buf));
        }
        sbuf_addc(out, '}');
    }
    sbuf_adds(out, first ? "]" : "\n]");
}
