/*
 * calendar.c - the business calendar; see calendar.h.
 *
 * Holidays are computed, not listed, so the calendar works for any year:
 * the fixed-date ones from a table, the movable ones from Easter Sunday
 * (Gregorian computus, the "anonymous Gregorian algorithm" of Meeus).
 * Closure dates from the config are kept in a sorted array.
 */
#include "calendar.h"
#include "civil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct calendar {
    bool alsace_moselle;
    int *closures; /* sorted day numbers */
    size_t nclosures;
};

static const struct fixed_holiday {
    int month, day;
    bool alsace_only;
    const char *name;
} fixed[] = {
    {1, 1, false, "Jour de l'an"},
    {5, 1, false, "Fête du Travail"},
    {5, 8, false, "Victoire 1945"},
    {7, 14, false, "Fête nationale"},
    {8, 15, false, "Assomption"},
    {11, 1, false, "Toussaint"},
    {11, 11, false, "Armistice 1918"},
    {12, 25, false, "Noël"},
    {12, 26, true, "Saint-Étienne"},
};

/* Movable holidays, as offsets from Easter Sunday. */
static const struct easter_holiday {
    int offset;
    bool alsace_only;
    const char *name;
} movable[] = {
    {-2, true, "Vendredi saint"},
    {1, false, "Lundi de Pâques"},
    {39, false, "Ascension"},
    {50, false, "Lundi de Pentecôte"},
};

int
calendar_easter(int y)
{
    int a = y % 19, b = y / 100, c = y % 100;
    int d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return civil_days(y, month, day);
}

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

struct calendar *
calendar_new(bool alsace_moselle, const char *closures, char *err,
             unsigned errlen)
{
    struct calendar *c = xcalloc(1, sizeof *c);
    c->alsace_moselle = alsace_moselle;
    const char *p = closures ? closures : "";
    size_t cap = 0;
    for (;;) {
        p += strspn(p, " \t,");
        if (*p == '\0')
            break;
        size_t n = strcspn(p, " \t,");
        char word[16];
        int day;
        if (n >= sizeof word) {
            snprintf(err, errlen, "ClosureDates: \"%.*s\" is not a date "
                     "(YYYY-MM-DD)", (int)(n > 40 ? 40 : n), p);
            calendar_free(c);
            return NULL;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        if (civil_parse_iso(word, &day) < 0) {
            snprintf(err, errlen,
                     "ClosureDates: \"%s\" is not a date (YYYY-MM-DD)", word);
            calendar_free(c);
            return NULL;
        }
        if (c->nclosures == cap) {
            cap = cap ? cap * 2 : 8;
            c->closures = xrealloc(c->closures, cap * sizeof *c->closures);
        }
        c->closures[c->nclosures++] = day;
        p += n;
    }
    if (c->nclosures > 1)
        qsort(c->closures, c->nclosures, sizeof *c->closures, cmp_int);
    return c;
}

void
calendar_free(struct calendar *c)
{
    if (c == NULL)
        return;
    free(c->closures);
    free(c);
}

const char *
calendar_holiday(const struct calendar *c, int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].month == m && fixed[i].day == d &&
            (!fixed[i].alsace_only || c->alsace_moselle))
            return fixed[i].name;
    int easter = calendar_easter(y);
    for (size_t i = 0; i < sizeof movable / sizeof movable[0]; i++)
        if (easter + movable[i].offset == day &&
            (!movable[i].alsace_only || c->alsace_moselle))
            return movable[i].name;
    if (c->nclosures &&
        bsearch(&day, c->closures, c->nclosures, sizeof *c->closures,
                cmp_int))
        return "Fermeture";
    return NULL;
}

bool
calendar_is_business_day(const struct calendar *c, int day)
{
    return civil_weekday(day) < 5 && calendar_holiday(c, day) == NULL;
}

int
calendar_next_business_day(const struct calendar *c, int day)
{
    /* At most a weekend plus a handful of holidays and closures in a row;
     * the bound only guards against a config closing a whole year. */
    for (int i = 0; i < 3660; i++, day++)
        if (calendar_is_business_day(c, day))
            return day;
    return day;
}

int
calendar_add_business_days(const struct calendar *c, int day, int n)
{
    while (n-- > 0)
        day = calendar_next_business_day(c, day + 1);
    return day;
}
