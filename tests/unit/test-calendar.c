/*
 * test-calendar.c - Easter over several years, French public holidays,
 * Alsace-Moselle days, closure dates, next/add business day, bad input.
 */
#include "calendar.h"
#include "civil.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

/* Easter Sundays from published tables. */
static const struct {
    int year;
    const char *easter;
} easter_cases[] = {
    {2000, "2000-04-23"}, {2008, "2008-03-23"}, {2011, "2011-04-24"},
    {2019, "2019-04-21"}, {2024, "2024-03-31"}, {2025, "2025-04-20"},
    {2026, "2026-04-05"}, {2027, "2027-03-28"}, {2038, "2038-04-25"},
    {2285, "2285-03-22"}, /* earliest possible date */
};

static const struct {
    const char *name;
    bool alsace;
    const char *closures;
    const char *date;
    const char *holiday;  /* expected name, NULL = none */
    bool business;
    const char *next;     /* calendar_next_business_day */
} day_cases[] = {
    {"new year 2026 (Thursday)", false, "", "2026-01-01", "Jour de l'an",
     false, "2026-01-02"},
    {"Easter Monday 2025", false, "", "2025-04-21", "Lundi de Pâques", false,
     "2025-04-22"},
    {"Easter Monday 2024", false, "", "2024-04-01", "Lundi de Pâques", false,
     "2024-04-02"},
    {"Ascension 2026 (Thursday)", false, "", "2026-05-14", "Ascension", false,
     "2026-05-15"},
    {"Whit Monday 2026", false, "", "2026-05-25", "Lundi de Pentecôte", false,
     "2026-05-26"},
    {"Ascension 2027", false, "", "2027-05-06", "Ascension", false,
     "2027-05-07"},
    {"1 May 2026 Friday then weekend", false, "", "2026-05-01",
     "Fête du Travail", false, "2026-05-04"},
    {"8 May 2025 Thursday", false, "", "2025-05-08", "Victoire 1945", false,
     "2025-05-09"},
    {"14 July 2026", false, "", "2026-07-14", "Fête nationale", false,
     "2026-07-15"},
    {"15 August 2025 Friday", false, "", "2025-08-15", "Assomption", false,
     "2025-08-18"},
    {"1 November 2027 Monday", false, "", "2027-11-01", "Toussaint", false,
     "2027-11-02"},
    {"11 November 2026", false, "", "2026-11-11", "Armistice 1918", false,
     "2026-11-12"},
    {"Christmas 2026 Friday -> Monday 28", false, "", "2026-12-25", "Noël",
     false, "2026-12-28"},
    {"26 December is a Saturday anyway", false, "", "2026-12-26", NULL, false,
     "2026-12-28"},
    {"26 December 2025 is a working Friday", false, "", "2025-12-26", NULL,
     true, "2025-12-26"},
    {"26 December 2025 in Alsace-Moselle", true, "", "2025-12-26",
     "Saint-Étienne", false, "2025-12-29"},
    {"Good Friday 2026 not a holiday in France", false, "", "2026-04-03", NULL,
     true, "2026-04-03"},
    {"Good Friday 2026 in Alsace-Moselle", true, "", "2026-04-03",
     "Vendredi saint", false, "2026-04-07"},
    {"plain Wednesday", false, "", "2026-03-11", NULL, true, "2026-03-11"},
    {"Saturday", false, "", "2026-03-14", NULL, false, "2026-03-16"},
    {"Easter Sunday itself is a Sunday", false, "", "2026-04-05", NULL, false,
     "2026-04-07"},
    {"closure date", false, "2026-03-11", "2026-03-11", "Fermeture", false,
     "2026-03-12"},
    {"closure bridge after Ascension", false, "2026-05-15, 2026-12-24",
     "2026-05-14", "Ascension", false, "2026-05-18"},
    {"several closures, unsorted, mixed separators", false,
     "2026-12-31,2026-12-29  2026-12-30", "2026-12-28", NULL, true,
     "2026-12-28"},
    {"closures make the year end", false, "2026-12-31,2026-12-29  2026-12-30",
     "2026-12-29", "Fermeture", false, "2027-01-04"},
};

static const struct {
    const char *from;
    int n;
    const char *want;
} add_cases[] = {
    {"2026-12-24", 1, "2026-12-28"}, /* over Christmas and the weekend */
    {"2026-12-24", 0, "2026-12-24"},
    {"2025-04-17", 2, "2025-04-22"}, /* Thursday, Friday, Easter Monday */
    {"2026-05-13", 3, "2026-05-19"}, /* over Ascension and the weekend */
    {"2026-03-09", 5, "2026-03-16"},
};

static const struct {
    const char *closures;
    const char *want_err;
} bad_cases[] = {
    {"2026-02-30", "\"2026-02-30\" is not a date"},
    {"2026-03-01 tomorrow", "\"tomorrow\" is not a date"},
    {"01/03/2026", "\"01/03/2026\" is not a date"},
    {"2026-03-01,2026-3-2", "\"2026-3-2\" is not a date"},
    {"2026-03-01-2026-03-05", "is not a date"},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof easter_cases / sizeof easter_cases[0]; i++) {
        char buf[11];
        T_CASE(easter_cases[i].easter);
        civil_format_iso(calendar_easter(easter_cases[i].year), buf);
        T_STREQ(buf, easter_cases[i].easter);
    }

    for (size_t i = 0; i < sizeof day_cases / sizeof day_cases[0]; i++) {
        T_CASE(day_cases[i].name);
        char err[128] = "";
        struct calendar *c = calendar_new(day_cases[i].alsace,
                                          day_cases[i].closures, err,
                                          sizeof err);
        T_CHECK(c != NULL, "calendar_new: %s", err);
        if (c == NULL)
            continue;
        int d = t_day(day_cases[i].date);
        T_STREQ(calendar_holiday(c, d), day_cases[i].holiday);
        T_INTEQ(calendar_is_business_day(c, d), day_cases[i].business);
        char buf[11];
        civil_format_iso(calendar_next_business_day(c, d), buf);
        T_STREQ(buf, day_cases[i].next);
        calendar_free(c);
    }

    char err[128];
    struct calendar *c = calendar_new(false, NULL, err, sizeof err);
    for (size_t i = 0; i < sizeof add_cases / sizeof add_cases[0]; i++) {
        T_CASE(add_cases[i].from);
        char buf[11];
        civil_format_iso(
            calendar_add_business_days(c, t_day(add_cases[i].from), add_cases[i].n),
            buf);
        T_STREQ(buf, add_cases[i].want);
    }

    /* No movable holiday falls on a fixed one between 2020 and 2040 (an
     * Ascension on 1 or 8 May needs Easter on 23 or 30 March). */
    T_CASE("eleven holidays every year in France, thirteen in Alsace-Moselle");
    struct calendar *am = calendar_new(true, "", err, sizeof err);
    for (int y = 2020; y <= 2040; y++) {
        int n = 0, n_am = 0;
        for (int d = civil_days(y, 1, 1); d < civil_days(y + 1, 1, 1); d++) {
            n += calendar_holiday(c, d) != NULL;
            n_am += calendar_holiday(am, d) != NULL;
        }
        T_INTEQ(n, 11);
        T_INTEQ(n_am, 13);
    }
    calendar_free(am);
    calendar_free(c);

    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        T_CASE(bad_cases[i].closures);
        err[0] = '\0';
        struct calendar *bad = calendar_new(false, bad_cases[i].closures, err,
                                            sizeof err);
        T_CHECK(bad == NULL, "accepted bad closures");
        T_CHECK(strstr(err, bad_cases[i].want_err) != NULL,
                "error \"%s\" lacks \"%s\"", err, bad_cases[i].want_err);
        calendar_free(bad);
    }
    return t_done();
}
