/*
 * fold.c - text folded for matching; see fold.h.
 */
#include "fold.h"

#include <stdbool.h>
#include <string.h>

/* U+00C0..U+00FF; "" = keep as is. Two letters at most, from a two-byte
 * sequence: fold_impl relies on no replacement being longer than its
 * source. */
static const char latin1[64][3] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i",
    "i", "i", "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u",
    "u", "y", "th", "ss", "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e",
    "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
    "o", "u", "u", "u", "u", "y", "th", "y",
};

/* U+0100..U+017F, base letters in pairs (upper, lower). */
static const char latinA[128 + 1] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjjjkkklllllllllln"
    "nnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static unsigned
decode(const unsigned char *s, size_t n, size_t *k)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *k = 1;
        return c;
    }
    if (n < 2) {
        *k = 1;
        return 0xfffd; /* a lead byte cut at the end: copied raw */
    }
    if ((c & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *k = 2;
        return ((c & 0x1f) << 6) | (s[1] & 0x3f);
    }
    if ((c & 0xf0) == 0xe0 && n >= 3 && (s[1] & 0xc0) == 0x80 &&
        (s[2] & 0xc0) == 0x80) {
        *k = 3;
        return ((c & 0x0f) << 12) | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    }
    *k = 1;
    return 0xfffd; /* copied raw below */
}

/* put: copies the n (<= k) bytes of rep at *o. */
static inline void
put(char **o, const char *rep, size_t n)
{
    memcpy(*o, rep, n);
    *o += n;
}

static void
fold_impl(const char *s, size_t n, struct sbuf *out, bool lower_ascii)
{
    /* No replacement is longer than the sequence it replaces, so room for
     * n bytes is made once and the output written straight into the
     * buffer: this runs over every body the milter reads. */
    sbuf_reserve(out, n);
    char *o = out->s + out->len;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x80) {
            *o++ = (char)(lower_ascii && c - 'A' < 26u ? c + 32 : c);
            i++;
            continue;
        }
        size_t k;
        unsigned cp = decode(p + i, n - i, &k);
        const char *rep = NULL;
        if (cp >= 0xc0 && cp <= 0xff && latin1[cp - 0xc0][0])
            rep = latin1[cp - 0xc0];
        else if (cp >= 0x100 && cp <= 0x17f) {
            if (cp == 0x152 || cp == 0x153)
                rep = "oe";
            else if (cp == 0x132 || cp == 0x133)
                rep = "ij";
            else if (latinA[cp - 0x100]) {
                *o++ = latinA[cp - 0x100];
                i += k;
                continue;
            }
        } else if (cp == 0xa0 || cp == 0x202f || cp == 0x2007 ||
                   (cp >= 0x2000 && cp <= 0x200a))
            rep = " ";
        else if (cp == 0x2018 || cp == 0x2019 || cp == 0x02bc || cp == 0xb4)
            rep = "'";
        else if (cp == 0x201c || cp == 0x201d || cp == 0xab || cp == 0xbb)
            rep = "\"";
        else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == 0x2014)
            rep = "-";
        else if (cp == 0xba || cp == 0xb0) /* n° written with º or ° */
            rep = "o";
        if (rep)
            put(&o, rep, strlen(rep));
        else
            put(&o, s + i, k);
        i += k;
    }
    out->len = (size_t)(o - out->s);
    out->s[out->len] = '\0';
}

void
fold_text(const char *s, size_t n, struct sbuf *out)
{
    fold_impl(s, n, out, true);
}

void
fold_accents(const char *s, size_t n, struct sbuf *out)
{
    fold_impl(s, n, out, false);
}

char *
fold_str(const char *s)
{
    struct sbuf b = {0};
    fold_text(s, strlen(s), &b);
    if (b.s == NULL)
        return xstrdup("");
    return sbuf_steal(&b);
}
