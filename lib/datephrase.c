/*
 * datephrase.c - dates written in French or English mail text; see
 * datephrase.h. A hand-written scanner: the forms are few, and a regex
 * per form would cost more and say less.
 */
#include "datephrase.h"
#include "civil.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

struct word {
    const char *w;
    int v;
};

/* Longest first where one is a prefix of another. */
static const struct word months[] = {
    {"janvier", 1}, {"january", 1}, {"janv", 1}, {"jan", 1},
    {"fevrier", 2}, {"february", 2}, {"fevr", 2}, {"fev", 2}, {"feb", 2},
    {"mars", 3}, {"march", 3}, {"mar", 3},
    {"avril", 4}, {"april", 4}, {"avr", 4}, {"apr", 4},
    {"mai", 5}, {"may", 5},
    {"juin", 6}, {"june", 6}, {"jun", 6},
    {"juillet", 7}, {"july", 7}, {"juil", 7}, {"jul", 7},
    {"aout", 8}, {"august", 8}, {"aug", 8},
    {"septembre", 9}, {"september", 9}, {"sept", 9}, {"sep", 9},
    {"octobre", 10}, {"october", 10}, {"oct", 10},
    {"novembre", 11}, {"november", 11}, {"nov", 11},
    {"decembre", 12}, {"december", 12}, {"dec", 12},
};

/* 0 = Monday, as civil_weekday. */
static const struct word weekdays[] = {
    {"lundi", 0}, {"monday", 0}, {"mardi", 1}, {"tuesday", 1},
    {"mercredi", 2}, {"wednesday", 2}, {"jeudi", 3}, {"thursday", 3},
    {"vendredi", 4}, {"friday", 4}, {"samedi", 5}, {"saturday", 5},
    {"dimanche", 6}, {"sunday", 6},
};

static bool
alpha(char c)
{
    return isalpha((unsigned char)c);
}

/* A whole word from the list at s: its value, *len its length; -1. */
static int
word_at(const struct word *list, size_t nlist, const char *s, size_t n,
        size_t *len)
{
    for (size_t i = 0; i < nlist; i++) {
        size_t k = strlen(list[i].w);
        if (k <= n && memcmp(s, list[i].w, k) == 0 &&
            (k == n || !alpha(s[k]))) {
            *len = k + (k < n && s[k] == '.');
            return list[i].v;
        }
    }
    return -1;
}

static size_t
spaces(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
        i++;
    return i;
}

/* Up to max digits at s: the value, *len digits read (0 if none). */
static int
number(const char *s, size_t n, int max, size_t *len)
{
    int v = 0;
    size_t i = 0;
    while (i < n && (int)i < max && isdigit((unsigned char)s[i]))
        v = v * 10 + (s[i++] - '0');
    if (i < n && isdigit((unsigned char)s[i]))
        i = 0; /* too many digits: not ours */
    *len = i;
    return v;
}

/* An optional four-digit year after offset *j (advanced past it); -1. */
static int
year_after(const char *s, size_t n, size_t *j)
{
    size_t y0 = *j + spaces(s + *j, n - *j), yl;
    int y = number(s + y0, n - y0, 4, &yl);
    if (yl != 4)
        return -1;
    *j = y0 + 4;
    return y;
}

static int
make_date(int y, int m, int d, int ref)
{
    int yy = y;
    if (y < 0) {
        int ry, rm, rd;
        civil_from_days(ref, &ry, &rm, &rd);
        yy = ry;
    } else if (y < 100) {
        yy = 2000 + y;
    }
    if (!civil_valid(yy, m, d) || yy > 9999)
        return -1;
    int day = civil_days(yy, m, d);
    if (y < 0 && day < ref - 30 && civil_valid(yy + 1, m, d))
        day = civil_days(yy + 1, m, d);
    return day;
}

static int
end_of_month(int ref, int add_months)
{
    int y, m, d;
    civil_from_days(ref, &y, &m, &d);
    m += add_months;
    while (m > 12)
        m -= 12, y++;
    return civil_days(y, m, civil_days_in_month(y, m));
}

/* The next given weekday strictly after ref. */
static int
next_weekday(int ref, int wd)
{
    int delta = (wd - civil_weekday(ref) + 7) % 7;
    return ref + (delta == 0 ? 7 : delta);
}

static bool
phrase(const char *s, size_t n, const char *p, size_t *used)
{
    size_t k = strlen(p);
    if (k <= n && memcmp(s, p, k) == 0 && (k == n || !alpha(s[k]))) {
        *used = k;
        return true;
    }
    return false;
}

static int
relative(const char *s, size_t n, int ref, size_t *used)
{
    static const struct {
        const char *p;
        int kind; /* 0 +days, 1 end of month+v, 2 friday of week+v */
        int v;
    } rel[] = {
        {"apres-demain", 0, 2}, {"apres demain", 0, 2}, {"demain", 0, 1},
        {"tomorrow", 0, 1}, {"aujourd'hui", 0, 0}, {"today", 0, 0},
        {"fin du mois prochain", 1, 1}, {"fin du mois", 1, 0},
        {"fin de mois", 1, 0}, {"fin de ce mois", 1, 0},
        {"end of the month", 1, 0}, {"end of month", 1, 0},
        {"end of this month", 1, 0}, {"end of next month", 1, 1},
        {"mois prochain", 1, 1}, {"next month", 1, 1},
        {"fin de la semaine", 2, 0}, {"fin de semaine", 2, 0},
        {"end of the week", 2, 0}, {"end of this week", 2, 0},
        {"semaine prochaine", 2, 1}, {"next week", 2, 1},
    };
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        if (!phrase(s, n, rel[i].p, used))
            continue;
        switch (rel[i].kind) {
        case 0:
            return ref + rel[i].v;
        case 1:
            return end_of_month(ref, rel[i].v);
        default:
            return ref - civil_weekday(ref) + 4 + 7 * rel[i].v;
        }
    }
    /* "le 15" alone: the next 15th of a month. */
    if (n > 3 && memcmp(s, "le ", 3) == 0) {
        size_t dl, j;
        int d = number(s + 3, n - 3, 2, &dl);
        j = 3 + dl;
        if (dl && d >= 1 && d <= 31) {
            if (phrase(s + j, n - j, "er", used))
                j += 2;
            size_t after = j + spaces(s + j, n - j), ml;
            bool more = j < n && (s[j] == '/' || s[j] == '.' || s[j] == '-' ||
                                  s[j] == 'h' || s[j] == ':');
            if (!more && word_at(months, sizeof months / sizeof months[0],
                                 s + after, n - after, &ml) < 0) {
                int y, m, rd;
                civil_from_days(ref, &y, &m, &rd);
                for (int tries = 0; tries < 3; tries++) {
                    if (d >= rd || tries > 0) {
                        if (civil_valid(y, m, d)) {
                            *used = j;
                            return civil_days(y, m, d);
                        }
                    }
                    if (++m > 12)
                        m = 1, y++;
                }
            }
        }
    }
    /* dans/sous/d'ici/in/within N jours|days|semaines|weeks */
    static const char *const lead[] = {"dans ", "sous ", "d'ici ", "in ",
                                       "within "};
    for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++) {
        size_t k = strlen(lead[i]), dl;
        if (k >= n || memcmp(s, lead[i], k) != 0)
            continue;
        int v = number(s + k, n - k, 3, &dl);
        if (dl == 0)
            continue;
        size_t p = k + dl + spaces(s + k + dl, n - k - dl), wl;
        static const struct word units[] = {
            {"jours", 1}, {"jour", 1}, {"days", 1}, {"day", 1},
            {"semaines", 7}, {"semaine", 7}, {"weeks", 7}, {"week", 7},
        };
        int unit = word_at(units, sizeof units / sizeof units[0], s + p,
                           n - p, &wl);
        if (unit > 0) {
            *used = p + wl;
            return ref + v * unit;
        }
    }
    return -1;
}

int
datephrase_at(const char *s, size_t n, int ref, size_t *used)
{
    size_t i = 0, k;
    int v;
    if ((v = relative(s, n, ref, used)) >= 0)
        return v;
    /* An optional weekday before a day and month: "lundi 5 janvier". */
    int wd = word_at(weekdays, 14, s, n, &k);
    if (wd >= 0) {
        size_t j = k + spaces(s + k, n - k), dl;
        number(s + j, n - j, 2, &dl);
        if (dl == 0) {
            *used = k;
            return next_weekday(ref, wd);
        }
        i = j;
    }
    /* Month name first: "december 15", "dec 15th, 2026". */
    int m = word_at(months, sizeof months / sizeof months[0], s + i, n - i, &k);
    if (m > 0) {
        size_t j = i + k + spaces(s + i + k, n - i - k), dl;
        int d = number(s + j, n - j, 2, &dl);
        if (dl == 0)
            return -1;
        j += dl;
        static const char *const sfx[] = {"st", "nd", "rd", "th"};
        for (size_t t = 0; t < 4; t++)
            if (phrase(s + j, n - j, sfx[t], &k))
                j += k;
        int y = year_after(s, n, &j);
        *used = j;
        return make_date(y, m, d, ref);
    }
    size_t dl;
    int a = number(s + i, n - i, 4, &dl);
    if (dl == 0)
        return -1;
    size_t j = i + dl;
    /* ISO 2026-12-15 */
    if (dl == 4 && j < n && s[j] == '-') {
        size_t ml, dl2;
        int mm = number(s + j + 1, n - j - 1, 2, &ml);
        if (ml && j + 1 + ml < n && s[j + 1 + ml] == '-') {
            int dd = number(s + j + 2 + ml, n - j - 2 - ml, 2, &dl2);
            if (dl2) {
                *used = j + 2 + ml + dl2;
                return make_date(a, mm, dd, ref);
            }
        }
        return -1;
    }
    if (dl > 2)
        return -1;
    /* Numeric dd/mm[/yy[yy]]. */
    if (j < n && (s[j] == '/' || s[j] == '.' || s[j] == '-')) {
        char sep = s[j];
        size_t ml;
        int b = number(s + j + 1, n - j - 1, 2, &ml);
        if (ml == 0)
            return -1;
        size_t e = j + 1 + ml;
        int y = -1;
        if (e + 1 < n && s[e] == sep && isdigit((unsigned char)s[e + 1])) {
            size_t yl;
            int yv = number(s + e + 1, n - e - 1, 4, &yl);
            if (yl == 2 || yl == 4)
                y = yv, e += 1 + yl;
        }
        if (sep == '.' && y < 0)
            return -1; /* "12.50" is an amount, not a date */
        *used = e;
        int r = make_date(y, b, a, ref);
        return r >= 0 ? r : make_date(y, a, b, ref);
    }
    /* Day then month name: "15 decembre", "1er janvier 2027", "5th of
     * january". */
    static const char *const sfx[] = {"er", "st", "nd", "rd", "th"};
    for (size_t t = 0; t < 5; t++)
        if (phrase(s + j, n - j, sfx[t], &k)) {
            j += k;
            break;
        }
    j += spaces(s + j, n - j);
    if (phrase(s + j, n - j, "of", &k) || phrase(s + j, n - j, "de", &k))
        j += k + spaces(s + j + k, n - j - k);
    m = word_at(months, sizeof months / sizeof months[0], s + j, n - j, &k);
    if (m < 0)
        return -1;
    j += k;
    int y = year_after(s, n, &j);
    *used = j;
    return make_date(y, m, a, ref);
}

int
datephrase_find(const char *s, size_t n, size_t from, int ref, size_t *at)
{
    for (size_t i = from; i < n; i++) {
        if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '/' ||
                      s[i - 1] == '.' || s[i - 1] == '-'))
            continue;
        if (!isalnum((unsigned char)s[i]))
            continue;
        size_t used;
        int d = datephrase_at(s + i, n - i, ref, &used);
        if (d >= 0) {
            if (at)
                *at = i;
            return d;
        }
    }
    return -1;
}
