/*
 * html2text.c - an HTML mail body as plain text; see html2text.h.
 *
 * One pass over the bytes, no DOM: mail HTML is too broken for a strict
 * parser to help, and a tag scanner is fast and cannot be made to loop.
 */
#include "html2text.h"
#include "charset.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct h2t {
    struct sbuf *out;
    size_t start;        /* out->len when we began */
    int skip;            /* inside head/style/script/title */
    int quote;           /* inside blockquote */
    int pre;
    bool space;          /* a collapsed space is pending */
    bool cut;            /* a reply-header container was seen: stop */
};

static const struct {
    const char *name;
    unsigned cp;
} entities[] = {
    {"nbsp", 0xa0}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
    {"apos", '\''}, {"eacute", 0xe9}, {"Eacute", 0xc9}, {"egrave", 0xe8},
    {"Egrave", 0xc8}, {"ecirc", 0xea}, {"Ecirc", 0xca}, {"euml", 0xeb},
    {"agrave", 0xe0}, {"Agrave", 0xc0}, {"acirc", 0xe2}, {"Acirc", 0xc2},
    {"auml", 0xe4}, {"ccedil", 0xe7}, {"Ccedil", 0xc7}, {"icirc", 0xee},
    {"iuml", 0xef}, {"ocirc", 0xf4}, {"Ocirc", 0xd4}, {"ouml", 0xf6},
    {"ucirc", 0xfb}, {"ugrave", 0xf9}, {"uuml", 0xfc}, {"oelig", 0x153},
    {"OElig", 0x152}, {"laquo", 0xab}, {"raquo", 0xbb}, {"euro", 0x20ac},
    {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"ldquo", 0x201c},
    {"rdquo", 0x201d}, {"hellip", 0x2026}, {"ndash", 0x2013},
    {"mdash", 0x2014}, {"copy", 0xa9}, {"reg", 0xae}, {"deg", 0xb0},
    {"szlig", 0xdf}, {"ntilde", 0xf1}, {"aacute", 0xe1}, {"iacute", 0xed},
    {"oacute", 0xf3}, {"uacute", 0xfa}, {"bull", 0x2022}, {"middot", 0xb7},
};

static bool
emitting(const struct h2t *h)
{
    return !h->skip && !h->quote && !h->cut;
}

static void
flush_space(struct h2t *h)
{
    if (h->space && h->out->len > h->start &&
        h->out->s[h->out->len - 1] != '\n')
        sbuf_addc(h->out, ' ');
    h->space = false;
}

static void
newline(struct h2t *h)
{
    h->space = false;
    if (!emitting(h))
        return;
    /* At most one blank line in a row. */
    size_t n = h->out->len;
    if (n >= h->start + 2 && h->out->s[n - 1] == '\n' &&
        h->out->s[n - 2] == '\n')
        return;
    while (h->out->len > h->start && h->out->s[h->out->len - 1] == ' ')
        h->out->s[--h->out->len] = '\0';
    sbuf_addc(h->out, '\n');
}

/* Decode the entity at p (just after '&'); returns bytes consumed after
 * '&', 0 if it is not one. */
static size_t
entity(const char *p, const char *e, unsigned *cp)
{
    const char *q = p;
    if (q < e && *q == '#') {
        q++;
        int base = 10;
        if (q < e && (*q == 'x' || *q == 'X'))
            base = 16, q++;
        unsigned long v = 0;
        const char *d = q;
        while (q < e && q - d < 8 &&
               (base == 16 ? isxdigit((unsigned char)*q)
                           : isdigit((unsigned char)*q))) {
            v = v * (unsigned long)base +
                (unsigned long)(isdigit((unsigned char)*q)
                                    ? *q - '0'
                                    : tolower((unsigned char)*q) - 'a' + 10);
            q++;
        }
        if (q == d)
            return 0;
        *cp = v > 0x10ffff ? 0xfffd : (unsigned)v;
        if (*cp >= 0x80 && *cp < 0xa0) /* Windows-1252 numerics */
            *cp = 0xfffd;
        return (size_t)(q - p) + (q < e && *q == ';');
    }
    while (q < e && q - p < 10 && isalnum((unsigned char)*q))
        q++;
    size_t n = (size_t)(q - p);
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
        if (strlen(entities[i].name) == n &&
            memcmp(entities[i].name, p, n) == 0) {
            *cp = entities[i].cp;
            return n + (q < e && *q == ';');
        }
    return 0;
}

/* Case-insensitive search of needle in [s, e). */
static bool
has(const char *s, const char *e, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = s; p + n <= e; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

static bool
is_name(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static void
tag(struct h2t *h, const char *name, size_t n, bool close, const char *attr,
    const char *aend)
{
    static const char *const skipped[] = {"head", "style", "script",
                                          "title"};
    static const char *const blocks[] = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "ul", "ol", "hr", "pre", "dt", "dd", "address"};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (is_name(name, n, skipped[i])) {
            h->skip += close ? (h->skip > 0 ? -1 : 0) : 1;
            return;
        }
    if (is_name(name, n, "blockquote")) {
        newline(h);
        h->quote += close ? (h->quote > 0 ? -1 : 0) : 1;
        return;
    }
    if (!close && (is_name(name, n, "div") || is_name(name, n, "p") ||
                   is_name(name, n, "span") || is_name(name, n, "table"))) {
        if (has(attr, aend, "gmail_quote") || has(attr, aend, "divRplyFwdMsg") ||
            has(attr, aend, "OutlookMessageHeader") ||
            has(attr, aend, "moz-cite-prefix") ||
            has(attr, aend, "yahoo_quoted") ||
            (is_name(name, n, "div") && has(attr, aend, "border-top"))) {
            newline(h);
            h->cut = true;
            return;
        }
    }
    if (is_name(name, n, "pre"))
        h->pre += close ? (h->pre > 0 ? -1 : 0) : 1;
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (is_name(name, n, blocks[i])) {
            newline(h);
            if (!close && (name[0] == 'p' || name[0] == 'P') && n == 1)
                newline(h);
            return;
        }
    if (is_name(name, n, "td") || is_name(name, n, "th"))
        h->space = true;
}

void
html_to_text(const char *html, size_t len, struct sbuf *out)
{
    struct h2t h = {.out = out, .start = out->len};
    const char *p = html, *e = html + len;
    while (p < e && !h.cut) {
        if (*p == '<') {
            if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
                const char *q = p + 4;
                while (q + 3 <= e && memcmp(q, "-->", 3) != 0)
                    q++;
                p = q + 3 <= e ? q + 3 : e;
                continue;
            }
            const char *q = p + 1;
            bool close = q < e && *q == '/';
            if (close)
                q++;
            const char *name = q;
            while (q < e && (isalnum((unsigned char)*q) || *q == ':'))
                q++;
            size_t n = (size_t)(q - name);
            if (n == 0 && !(q < e && (*q == '!' || *q == '?'))) {
                /* A lone '<' is text. */
                if (emitting(&h)) {
                    flush_space(&h);
                    sbuf_addc(out, '<');
                }
                p++;
                continue;
            }
            const char *attr = q;
            char quote = 0;
            while (q < e && (quote || *q != '>')) {
                if (quote && *q == quote)
                    quote = 0;
                else if (!quote && (*q == '"' || *q == '\''))
                    quote = *q;
                q++;
            }
            tag(&h, name, n, close, attr, q);
            p = q < e ? q + 1 : e;
        } else if (*p == '&') {
            unsigned cp;
            size_t k = entity(p + 1, e, &cp);
            if (emitting(&h)) {
                flush_space(&h);
                if (k)
                    charset_put_cp(out, cp);
                else
                    sbuf_addc(out, '&');
            }
            p += 1 + k;
        } else if (isspace((unsigned char)*p) && !h.pre) {
            h.space = h.space || emitting(&h);
            p++;
        } else {
            if (emitting(&h)) {
                flush_space(&h);
                sbuf_addc(out, *p);
            }
            p++;
        }
    }
    while (out->len > h.start &&
           isspace((unsigned char)out->s[out->len - 1]))
        out->s[--out->len] = '\0';
    size_t lead = h.start;
    while (lead < out->len && out->s[lead] == '\n')
        lead++;
    if (lead > h.start) {
        memmove(out->s + h.start, out->s + lead, out->len - lead + 1);
        out->len -= lead - h.start;
    }
}
