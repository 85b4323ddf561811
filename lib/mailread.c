/*
 * mailread.c - one mail message into decoded UTF-8 text; see mailread.h.
 *
 * Header fields are split and unfolded here (the milter hands them over
 * one by one anyway); the body's MIME tree is parsed by libetpan from a
 * small buffer holding the top-level MIME headers and the body, and
 * walked by mimewalk.c. Charsets are converted by charset.c.
 */
#include "mailread.h"
#include "charset.h"
#include "civil.h"
#include "html2text.h"
#include "mimewalk.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>

static char empty[] = "";

static void
set_str(char **field, const char *s, size_t n)
{
    if (*field != empty)
        free(*field);
    *field = n ? xstrndup(s, n) : empty;
}

static void
set_sbuf(char **field, struct sbuf *b)
{
    set_str(field, sbuf_cstr(b), b->len);
    sbuf_reset(b);
}

static void
clear_fields(struct mail *m)
{
    char **strs[] = {&m->subject, &m->from_addr, &m->from_name,
                     &m->message_id, &m->in_reply_to, &m->references,
                     &m->content_type, &m->text, &m->report_type,
                     &m->report, &m->returned_headers};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        set_str(strs[i], NULL, 0);
    for (int i = 0; i < m->nrcpts; i++)
        free(m->rcpts[i]);
    m->nrcpts = 0;
    for (size_t i = 0; i < m->nfields; i++) {
        free(m->fields[i].name);
        free(m->fields[i].value);
    }
    m->nfields = 0;
    m->has_headers = false;
    m->body_read = false;
    m->text_from_html = false;
    m->truncated = false;
    m->date = 0;
    m->date_day = -1;
    sbuf_reset(&m->scratch);
}

void
mail_init(struct mail *m)
{
    memset(m, 0, sizeof *m);
    char **strs[] = {&m->subject, &m->from_addr, &m->from_name,
                     &m->message_id, &m->in_reply_to, &m->references,
                     &m->content_type, &m->text, &m->report_type,
                     &m->report, &m->returned_headers};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = empty;
    m->date_day = -1;
}

void
mail_reset(struct mail *m)
{
    clear_fields(m);
}

void
mail_free(struct mail *m)
{
    clear_fields(m);
    free(m->fields);
    sbuf_free(&m->scratch);
    mail_init(m);
}

/* Unfold: CR and LF are dropped (folding keeps the white space after). */
static char *
unfold(const char *v, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n')
            out[k++] = v[i];
    out[k] = '\0';
    return out;
}

static void
add_field(struct mail *m, const char *name, size_t nlen, const char *value,
          size_t vlen)
{
    if (m->nfields == m->capfields) {
        m->capfields = m->capfields ? 2 * m->capfields : 32;
        m->fields = xrealloc(m->fields, m->capfields * sizeof *m->fields);
    }
    while (vlen && (*value == ' ' || *value == '\t'))
        value++, vlen--;
    m->fields[m->nfields].name = xstrndup(name, nlen);
    m->fields[m->nfields].value = unfold(value, vlen);
    m->nfields++;
    m->has_headers = true;
}

void
mail_add_header(struct mail *m, const char *name, const char *value)
{
    add_field(m, name, strlen(name), value, strlen(value));
}

const char *
mail_header(const struct mail *m, const char *name)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (strcasecmp(m->fields[i].name, name) == 0)
            return m->fields[i].value;
    return NULL;
}

/* ---- addresses ---- */

/* addr_spec: the address in one mailbox text ("Name <a@b>" or "a@b"),
 * lowercased, into out; false if none. */
static bool
addr_spec(const char *s, size_t n, struct sbuf *out)
{
    const char *lt = memchr(s, '<', n);
    const char *b = s, *e = s + n;
    if (lt) {
        const char *gt = memchr(lt, '>', (size_t)(s + n - lt));
        b = lt + 1;
        e = gt ? gt : s + n;
    } else {
        const char *at = memchr(s, '@', n);
        if (at == NULL)
            return false;
        b = at;
        while (b > s && !isspace((unsigned char)b[-1]) && b[-1] != '"' &&
               b[-1] != '(' && b[-1] != ',' && b[-1] != ';')
            b--;
        e = at;
        while (e < s + n && !isspace((unsigned char)*e) && *e != ')' &&
               *e != ',' && *e != ';')
            e++;
    }
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (e == b || memchr(b, '@', (size_t)(e - b)) == NULL)
        return false;
    sbuf_reset(out);
    for (const char *p = b; p < e; p++)
        sbuf_addc(out, (char)tolower((unsigned char)*p));
    return true;
}

/* Split an address list at commas outside quotes and <>. */
static void
add_rcpts(struct mail *m, const char *v)
{
    const char *start = v;
    bool quoted = false;
    int angle = 0;
    for (const char *p = v;; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '<' && !quoted)
            angle++;
        else if (*p == '>' && !quoted && angle)
            angle--;
        if (*p == '\0' || (*p == ',' && !quoted && angle == 0)) {
            if (m->nrcpts < MAIL_MAX_RCPTS &&
                addr_spec(start, (size_t)(p - start), &m->scratch))
                m->rcpts[m->nrcpts++] = sbuf_steal(&m->scratch);
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
}

static void
decode_from(struct mail *m, const char *v)
{
    size_t n = strlen(v);
    if (addr_spec(v, n, &m->scratch))
        set_sbuf(&m->from_addr, &m->scratch);
    const char *lt = strchr(v, '<');
    size_t nl = lt ? (size_t)(lt - v) : 0;
    char *name = xstrndup(v, nl);
    str_trim(name);
    size_t k = strlen(name);
    if (k >= 2 && name[0] == '"' && name[k - 1] == '"') {
        memmove(name, name + 1, k - 2);
        name[k - 2] = '\0';
    }
    mail_decode_words(name, &m->scratch);
    set_sbuf(&m->from_name, &m->scratch);
    free(name);
}

static void
decode_date(struct mail *m, const char *v)
{
    size_t idx = 0;
    struct mailimf_date_time *dt = NULL;
    if (mailimf_date_time_parse(v, strlen(v), &idx, &dt) != MAILIMF_NO_ERROR)
        return;
    int y = dt->dt_year;
    if (y >= 0 && y < 100)
        y += y < 50 ? 2000 : 1900;
    /* libetpan reads any digits: check every field, the zone too. */
    if (y >= 1900 && y < 10000 && civil_valid(y, dt->dt_month, dt->dt_day) &&
        dt->dt_hour >= 0 && dt->dt_hour < 24 && dt->dt_min >= 0 &&
        dt->dt_min < 60 && dt->dt_sec >= 0 && dt->dt_sec < 61 &&
        dt->dt_zone >= -2400 && dt->dt_zone <= 2400) {
        int day = civil_days(y, dt->dt_month, dt->dt_day);
        int zone = dt->dt_zone; /* +0130 is 130 */
        long off = (long)(zone / 100) * 3600 + (long)(zone % 100) * 60;
        m->date = (time_t)day * 86400 + dt->dt_hour * 3600 + dt->dt_min * 60 +
                  dt->dt_sec - off;
        m->date_day = day;
    }
    mailimf_date_time_free(dt);
}

void
mail_end_headers(struct mail *m)
{
    const char *v;
    if ((v = mail_header(m, "Subject"))) {
        mail_decode_words(v, &m->scratch);
        set_sbuf(&m->subject, &m->scratch);
    }
    if ((v = mail_header(m, "From")))
        decode_from(m, v);
    if ((v = mail_header(m, "Date")))
        decode_date(m, v);
    struct {
        const char *name;
        char **field;
    } raw[] = {{"Message-ID", &m->message_id},
               {"In-Reply-To", &m->in_reply_to},
               {"References", &m->references},
               {"Content-Type", &m->content_type}};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        if ((v = mail_header(m, raw[i].name)))
            set_str(raw[i].field, v, strlen(v));
    for (size_t i = 0; i < m->nfields; i++)
        if (strcasecmp(m->fields[i].name, "To") == 0 ||
            strcasecmp(m->fields[i].name, "Cc") == 0)
            add_rcpts(m, m->fields[i].value);
}

/* ---- the header block of a whole message ---- */

static bool
is_field_name(const char *p, const char *e, size_t *nlen)
{
    const char *q = p;
    while (q < e && *q > ' ' && *q < 127 && *q != ':')
        q++;
    if (q == p || q >= e || *q != ':')
        return false;
    *nlen = (size_t)(q - p);
    return true;
}

/* Known names: a bare body starting with "Note: ..." is not a header. */
static bool
known_name(const char *p, size_t n)
{
    static const char *const names[] = {
        "from", "to", "cc", "subject", "date", "message-id", "received",
        "return-path", "content-type", "mime-version", "delivered-to",
        "reply-to", "sender", "in-reply-to", "references", "x-", "envelope-to",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && strncasecmp(p, names[i], k) == 0 &&
            (n == k || names[i][k - 1] == '-'))
            return true;
    }
    return false;
}

/*
 * header_block: the text at p starts with header fields up to a blank
 * line (or the end), one of them with a name mail really uses.
 */
static bool
header_block(const char *p, const char *e)
{
    bool known = false;
    size_t nlen;
    for (int lines = 0; p < e; lines++) {
        if (*p == '\n' || (*p == '\r' && p + 1 < e && p[1] == '\n'))
            return known;
        if (lines > 0 && (*p == ' ' || *p == '\t')) {
            /* continuation */
        } else if (is_field_name(p, e, &nlen)) {
            known = known || known_name(p, nlen);
        } else {
            return false;
        }
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        p = nl ? nl + 1 : e;
    }
    return known;
}

/*
 * split_headers adds the fields of the header block at data and returns
 * the offset of the body, or 0 (nothing added) if data does not start
 * with a header block.
 */
static size_t
split_headers(struct mail *m, const char *data, size_t len)
{
    const char *p = data, *e = data + len;
    /* An mbox "From " line first is not part of the message. */
    if (len > 5 && memcmp(p, "From ", 5) == 0) {
        const char *nl = memchr(p, '\n', len);
        p = nl ? nl + 1 : e;
    }
    if (!header_block(p, e))
        return 0;
    size_t nlen;
    while (p < e) {
        if (*p == '\n' || (*p == '\r' && p + 1 < e && p[1] == '\n'))
            return (size_t)(p + (*p == '\r' ? 2 : 1) - data);
        if (!is_field_name(p, e, &nlen))
            break; /* not a header line: the body starts here */
        const char *v = p + nlen + 1, *q = v;
        for (;;) {
            const char *nl = memchr(q, '\n', (size_t)(e - q));
            if (nl == NULL) {
                q = e;
                break;
            }
            q = nl + 1;
            if (q >= e || (*q != ' ' && *q != '\t'))
                break;
        }
        add_field(m, p, nlen, v, (size_t)(q - v));
        p = q;
    }
    return (size_t)(p - data);
}

void
mail_read(struct mail *m, const char *data, size_t len, size_t max_bytes)
{
    size_t off = split_headers(m, data, len);
    mail_end_headers(m);
    mail_read_body(m, data + off, len - off, max_bytes);
}

void
mail_decode_words(const char *value, struct sbuf *out)
{
    size_t n = strlen(value), idx = 0;
    char *res = NULL;
    const char *from = charset_utf8_valid(value, n) ? "utf-8" : "windows-1252";
    if (strstr(value, "=?") &&
        mailmime_encoded_phrase_parse(from, value, n, &idx, "utf-8", &res) ==
            MAILIMF_NO_ERROR &&
        res) {
        charset_utf8_clean(res, strlen(res), out);
        free(res);
        return;
    }
    free(res);
    charset_to_utf8(NULL, value, n, out);
}

/* ---- the body ---- */

/*
 * Text with CRLF/CR line ends made LF, NUL bytes dropped. The result is
 * never longer than s: it is written straight into a buffer made once,
 * and that buffer becomes m->text without another copy.
 */
static void
set_text(struct mail *m, const char *s, size_t n)
{
    struct sbuf *b = &m->scratch;
    sbuf_reset(b);
    sbuf_reserve(b, n);
    char *o = b->s;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            *o++ = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else if (s[i] != '\0') {
            *o++ = s[i];
        }
    }
    b->len = (size_t)(o - b->s);
    b->s[b->len] = '\0';
    if (b->len == 0) {
        set_str(&m->text, NULL, 0);
        return;
    }
    if (m->text != empty)
        free(m->text);
    m->text = sbuf_steal(b);
}

static bool
blank(const struct sbuf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (!isspace((unsigned char)b->s[i]))
            return false;
    return true;
}

/*
 * A bare body (a file without headers): decode quoted-printable if it
 * plainly is (soft line breaks and =XX escapes), and take it as HTML if
 * it starts with markup.
 */
static void
read_bare(struct mimewalk *w, const char *body, size_t len)
{
    int soft = 0, esc = 0, bad = 0;
    for (size_t i = 0; i < len; i++) {
        if (body[i] != '=')
            continue;
        if (i + 1 < len && (body[i + 1] == '\n' ||
                            (body[i + 1] == '\r' && i + 2 < len &&
                             body[i + 2] == '\n')))
            soft++;
        else if (i + 2 < len && isxdigit((unsigned char)body[i + 1]) &&
                 isxdigit((unsigned char)body[i + 2]) &&
                 !islower((unsigned char)body[i + 1]) &&
                 !islower((unsigned char)body[i + 2]))
            esc++;
        else
            bad++;
    }
    char *dec = NULL;
    size_t dlen = 0;
    if ((soft || esc >= 2) && bad == 0 &&
        mimewalk_decode(body, len, MAILMIME_MECHANISM_QUOTED_PRINTABLE, &dec,
                        &dlen) == MAILIMF_NO_ERROR) {
        body = dec;
        len = dlen;
    }
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    size_t look = len - i < 512 ? len - i : 512;
    bool html = false;
    if (i < len && body[i] == '<') {
        static const char *const tags[] = {"<html", "<!doctype", "<?xml",
                                           "<div", "<p>", "<p ", "<br",
                                           "<body", "<table"};
        for (size_t t = 0; t < sizeof tags / sizeof tags[0] && !html; t++)
            for (size_t k = i; k + strlen(tags[t]) <= i + look && !html; k++)
                html = strncasecmp(body + k, tags[t], strlen(tags[t])) == 0;
    }
    charset_to_utf8(NULL, body, len, html ? &w->html : &w->plain);
    w->have_html = html;
    w->have_plain = !html;
    if (dec)
        mailmime_decoded_part_free(dec);
}

void
mail_read_body(struct mail *m, const char *body, size_t len, size_t max_bytes)
{
    m->body_read = true;
    if (max_bytes && len > max_bytes) {
        len = max_bytes;
        m->truncated = true;
    }
    const char *ct = mail_header(m, "Content-Type");
    const char *cte = mail_header(m, "Content-Transfer-Encoding");
    struct mimewalk w;
    memset(&w, 0, sizeof w);
    bool plain = ct == NULL || strncasecmp(ct, "text/plain", 10) == 0;
    bool identity = cte == NULL || strncasecmp(cte, "7bit", 4) == 0 ||
                    strncasecmp(cte, "8bit", 4) == 0;
    if (!m->has_headers) {
        read_bare(&w, body, len);
    } else if (plain && identity && ct == NULL) {
        /* Fast path: plain text without MIME. */
        charset_to_utf8(NULL, body, len, &w.plain);
        w.have_plain = true;
    } else if (!mimewalk_single(&w, ct ? ct : "text/plain", cte, body, len)) {
        struct sbuf mime = {0};
        sbuf_addf(&mime, "Content-Type: %s\r\n", ct ? ct : "text/plain");
        if (cte)
            sbuf_addf(&mime, "Content-Transfer-Encoding: %s\r\n", cte);
        sbuf_adds(&mime, "\r\n");
        sbuf_add(&mime, body, len);
        if (!mimewalk_parse(&w, mime.s, mime.len)) {
            charset_to_utf8(NULL, body, len, &w.plain);
            w.have_plain = true;
        }
        sbuf_free(&mime);
    }
    if (w.have_plain && (!blank(&w.plain) || !w.have_html)) {
        set_text(m, sbuf_cstr(&w.plain), w.plain.len);
    } else if (w.have_html) {
        sbuf_reset(&w.tmp);
        html_to_text(sbuf_cstr(&w.html), w.html.len, &w.tmp);
        set_text(m, sbuf_cstr(&w.tmp), w.tmp.len);
        m->text_from_html = true;
    }
    if (w.report_type[0])
        set_str(&m->report_type, w.report_type, strlen(w.report_type));
    if (w.have_report)
        set_sbuf(&m->report, &w.report);
    if (w.have_returned)
        set_sbuf(&m->returned_headers, &w.returned);
    mimewalk_free(&w);
}
