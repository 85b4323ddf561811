/*
 * money.c - amounts as integer cents; see money.h.
 *
 * Parsing is what accounting exports write: "1 234,56", "1234.56",
 * "1 234,56 €" (French Excel uses a no-break space U+00A0 or a narrow one
 * U+202F between thousands), "-12,5", "1.234,56" and "1,234.56" when both
 * separators make the meaning plain. Anything that could be read two ways
 * ("1,234", "12,3,4") is refused rather than guessed: a wrong amount on a
 * dunning letter is worse than an import error.
 */
#include "money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the grouping separator at s (space, U+00A0, U+202F), or 0. */
static size_t
group_sep_len(const char *s)
{
    if (s[0] == ' ')
        return 1;
    if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 2;
    if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
        (unsigned char)s[2] == 0xAF)
        return 3;
    return 0;
}

/* Drops blanks (space, tab, U+00A0, U+202F) at the end of [s, e). */
static const char *
rtrim_blanks(const char *s, const char *e)
{
    for (;;) {
        if (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        else if (e - s >= 2 && (unsigned char)e[-2] == 0xC2 &&
                 (unsigned char)e[-1] == 0xA0)
            e -= 2;
        else if (e - s >= 3 && (unsigned char)e[-3] == 0xE2 &&
                 (unsigned char)e[-2] == 0x80 && (unsigned char)e[-1] == 0xAF)
            e -= 3;
        else
            return e;
    }
}

static bool
ends_with(const char *s, const char *e, const char *suffix)
{
    size_t n = strlen(suffix);
    return (size_t)(e - s) >= n && memcmp(e - n, suffix, n) == 0;
}

int
money_parse(const char *text, int64_t *cents, const char **why)
{
    const char *s = text;
    size_t g;
    while ((g = group_sep_len(s)) > 0 || *s == '\t')
        s += g ? g : 1;
    const char *end = rtrim_blanks(s, s + strlen(s));
    if (ends_with(s, end, "\xE2\x82\xAC"))
        end = rtrim_blanks(s, end - 3);
    else if (ends_with(s, end, "EUR"))
        end = rtrim_blanks(s, end - 3);
    bool neg = false;
    if (s < end && *s == '-') {
        neg = true;
        s++;
    }
    if (s == end) {
        *why = "empty amount";
        return -1;
    }
    /*
     * Scan once, remembering every separator: its byte, and how many
     * digits follow it up to the next separator.
     */
    struct {
        char kind; /* ' ' (any blank), ',' or '.' */
        int digits_after;
    } seps[16];
    int nsep = 0, lead_digits = 0;
    uint64_t whole = 0; /* every digit, as if no separator */
    int ndigits = 0;
    for (const char *p = s; p < end;) {
        g = group_sep_len(p);
        if (*p >= '0' && *p <= '9') {
            if (ndigits >= 15) {
                *why = "amount too large";
                return -1;
            }
            whole = whole * 10 + (uint64_t)(*p - '0');
            ndigits++;
            if (nsep == 0)
                lead_digits++;
            else
                seps[nsep - 1].digits_after++;
            p++;
        } else if (g > 0 || *p == ',' || *p == '.') {
            if (nsep == (int)(sizeof seps / sizeof seps[0])) {
                *why = "too many separators";
                return -1;
            }
            seps[nsep].kind = g > 0 ? ' ' : *p;
            seps[nsep].digits_after = 0;
            nsep++;
            p += g > 0 ? g : 1;
        } else {
            *why = "not a number";
            return -1;
        }
    }
    if (ndigits == 0 || lead_digits == 0) {
        *why = "not a number";
        return -1;
    }
    /*
     * The decimal separator, if any, is the last separator when it is ','
     * or '.' and followed by 1 or 2 digits. Every other separator groups
     * thousands: all of one kind, each followed by exactly 3 digits,
     * the first preceded by 1 to 3 digits.
     */
    int decimals = 0, ngroup = nsep;
    if (nsep > 0 && seps[nsep - 1].kind != ' ') {
        char dec = seps[nsep - 1].kind;
        bool other_kind_seen = false, same_kind_seen = false;
        for (int i = 0; i < nsep - 1; i++) {
            if (seps[i].kind == dec)
                same_kind_seen = true;
            else if (seps[i].kind != ' ')
                other_kind_seen = true;
        }
        int d = seps[nsep - 1].digits_after;
        if (d >= 1 && d <= 2 && !same_kind_seen) {
            decimals = d;
            ngroup = nsep - 1;
        } else if (d == 3 && !other_kind_seen && !same_kind_seen &&
                   nsep == 1) {
            *why = "ambiguous amount (thousands or decimals?)";
            return -1;
        } else if (d == 0 || d > 3) {
            *why = d == 0 ? "missing digits after the separator"
                          : "more than 2 decimals";
            return -1;
        }
    }
    if (ngroup > 0) {
        char kind = seps[0].kind;
        if (lead_digits > 3) {
            *why = "misplaced thousands separator";
            return -1;
        }
        for (int i = 0; i < ngroup; i++) {
            if (seps[i].kind != kind) {
                *why = "mixed thousands separators";
                return -1;
            }
            if (seps[i].digits_after != 3) {
                *why = "misplaced separator";
                return -1;
            }
        }
        if (decimals > 0 && kind == seps[nsep - 1].kind) {
            *why = "misplaced separator";
            return -1;
        }
    }
    int64_t v = (int64_t)whole;
    for (int i = decimals; i < 2; i++)
        v *= 10;
    *cents = neg ? -v : v;
    return 0;
}

/*
 * Writes |cents| with `group` between thousands and `dec` before the
 * cents into out; returns out.
 */
static char *
format_plain(int64_t cents, const char *group, char dec, char *out,
             size_t len)
{
    uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu",
                     (unsigned long long)(u / 100));
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            for (const char *g = group; *g && o + 1 < len; g++)
                out[o++] = *g;
        if (o + 1 < len)
            out[o++] = digits[i];
    }
    if (o + 4 < len) {
        out[o++] = dec;
        out[o++] = (char)('0' + (u % 100) / 10);
        out[o++] = (char)('0' + u % 10);
    }
    out[o] = '\0';
    return out;
}

static bool
is_euro(const char *currency)
{
    return currency == NULL || *currency == '\0' ||
           strcmp(currency, "EUR") == 0;
}

char *
money_format_fr(int64_t cents, const char *currency, char *buf, size_t len)
{
    char num[64];
    format_plain(cents, "\xC2\xA0", ',', num, sizeof num);
    snprintf(buf, len, "%s%s\xC2\xA0%s", cents < 0 ? "-" : "", num,
             is_euro(currency) ? "\xE2\x82\xAC" : currency);
    return buf;
}

char *
money_format_en(int64_t cents, const char *currency, char *buf, size_t len)
{
    char num[64];
    format_plain(cents, ",", '.', num, sizeof num);
    if (is_euro(currency))
        snprintf(buf, len, "%s\xE2\x82\xAC%s", cents < 0 ? "-" : "", num);
    else
        snprintf(buf, len, "%s%s %s", cents < 0 ? "-" : "", currency, num);
    return buf;
}
