/*
 * charset.c - text in any charset to UTF-8; see charset.h.
 *
 * The charsets French mail really uses (UTF-8, Latin-1/-15, Windows-1252)
 * are converted by hand, which is faster than iconv and never fails;
 * everything else goes through iconv.
 */
#include "charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>

/* utf8_len: length of a valid UTF-8 sequence at s (n bytes left), 0 if
 * invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        k = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        k = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 4, min = 0x10000;
    else
        return 0;
    if (n < k)
        return 0;
    unsigned v = c & (0x3f >> (k - 1));
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return k;
}

bool
charset_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

void
charset_put_cp(struct sbuf *out, unsigned cp)
{
    char b[4];
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = 0xfffd;
    if (cp < 0x80) {
        sbuf_addc(out, (char)cp);
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        sbuf_add(out, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        sbuf_add(out, b, 3);
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        sbuf_add(out, b, 4);
    }
}

/* Windows-1252 0x80-0x9f; 0 = undefined (becomes U+FFFD). */
static const unsigned short cp1252[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static void
latin_to_utf8(const char *s, size_t n, bool windows, bool latin9,
              struct sbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c >= 0x80 && c < 0xa0 && windows)
            c = cp1252[c - 0x80] ? cp1252[c - 0x80] : 0xfffd;
        else if (latin9)
            switch (c) { /* the eight ISO-8859-15 differences */
            case 0xa4: c = 0x20ac; break;
            case 0xa6: c = 0x0160; break;
            case 0xa8: c = 0x0161; break;
            case 0xb4: c = 0x017d; break;
            case 0xb8: c = 0x017e; break;
            case 0xbc: c = 0x0152; break;
            case 0xbd: c = 0x0153; break;
            case 0xbe: c = 0x0178; break;
            }
        charset_put_cp(out, c);
    }
}

/* UTF-8 with each invalid byte replaced by U+FFFD. */
void
charset_utf8_clean(const char *s, size_t n, struct sbuf *out)
{
    /* Valid runs are copied whole: this runs on every body the milter
     * reads, and per-character appends were its largest cost. */
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        sbuf_add(out, s + run, i - run);
        charset_put_cp(out, 0xfffd);
        run = ++i;
    }
    sbuf_add(out, s + run, n - run);
}

static bool
iconv_utf8(const char *charset, const char *s, size_t n, struct sbuf *out)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return false;
    char buf[1024];
    char *in = (char *)s;
    size_t left = n;
    struct sbuf tmp = {0};
    while (left > 0) {
        char *o = buf;
        size_t olen = sizeof buf;
        size_t r = iconv(cd, &in, &left, &o, &olen);
        sbuf_add(&tmp, buf, sizeof buf - olen);
        if (r == (size_t)-1 && errno != E2BIG) {
            /* Bad or truncated input: one replacement, skip a byte. */
            charset_put_cp(&tmp, 0xfffd);
            in++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    charset_utf8_clean(sbuf_cstr(&tmp), tmp.len, out); /* trust, but verify */
    sbuf_free(&tmp);
    return true;
}

void
charset_to_utf8(const char *charset, const char *s, size_t len, struct sbuf *out)
{
    char cs[64];
    size_t k = 0;
    for (; charset && charset[k] && k < sizeof cs - 1; k++)
        cs[k] = (char)tolower((unsigned char)charset[k]);
    cs[k] = '\0';
    bool utf8 = strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0;
    if (utf8 || k == 0 || strcmp(cs, "us-ascii") == 0 ||
        strcmp(cs, "ascii") == 0) {
        /* Unlabelled or ASCII-labelled 8-bit text: UTF-8 if it is valid,
         * else the Windows-1252 of most old clients. */
        if (utf8 || charset_utf8_valid(s, len))
            charset_utf8_clean(s, len, out);
        else
            latin_to_utf8(s, len, true, false, out);
    } else if (strcmp(cs, "iso-8859-1") == 0 || strcmp(cs, "latin1") == 0 ||
               strcmp(cs, "windows-1252") == 0 || strcmp(cs, "cp1252") == 0) {
        /* Senders who say Latin-1 mostly write Windows-1252 (the
         * WHATWG rule); C1 controls never occur in real text. */
        latin_to_utf8(s, len, true, false, out);
    } else if (strcmp(cs, "iso-8859-15") == 0 || strcmp(cs, "latin9") == 0) {
        latin_to_utf8(s, len, false, true, out);
    } else if (!iconv_utf8(charset, s, len, out)) {
        latin_to_utf8(s, len, true, false, out);
    }
}

