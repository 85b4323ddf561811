/*
 * test-textfmt.c - French and English dates, day counts, rates, amounts.
 */
#include "civil.h"
#include "textfmt.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

#define NBSP "\xC2\xA0"

static const struct {
    const char *iso;
    int lang;
    const char *want;
} date_cases[] = {
    {"2026-02-15", LANG_FR, "15 février 2026"},
    {"2026-02-15", LANG_EN, "15 February 2026"},
    {"2026-03-01", LANG_FR, "1er mars 2026"},
    {"2026-03-01", LANG_EN, "1 March 2026"},
    {"2026-08-02", LANG_FR, "2 août 2026"},
    {"2025-12-31", LANG_FR, "31 décembre 2025"},
    {"2027-01-01", LANG_FR, "1er janvier 2027"},
    {"2024-02-29", LANG_EN, "29 February 2024"},
};

static const struct {
    int n, lang;
    const char *want;
} days_cases[] = {
    {0, LANG_FR, "0" NBSP "jour"},   {1, LANG_FR, "1" NBSP "jour"},
    {2, LANG_FR, "2" NBSP "jours"},  {31, LANG_FR, "31" NBSP "jours"},
    {0, LANG_EN, "0 days"},          {1, LANG_EN, "1 day"},
    {12, LANG_EN, "12 days"},
};

static const struct {
    int bp, lang;
    const char *want;
} pct_cases[] = {
    {1215, LANG_FR, "12,15" NBSP "%"}, {1215, LANG_EN, "12.15%"},
    {1000, LANG_FR, "10,00" NBSP "%"}, {5, LANG_EN, "0.05%"},
};

static const struct {
    const char *s;
    int want;
} lang_cases[] = {
    {"fr", LANG_FR}, {"FR", LANG_FR}, {"en", LANG_EN}, {"", LANG_FR},
    {NULL, LANG_FR}, {"de", -1},      {"english", -1},
};

int
main(void)
{
    char buf[64];
    for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
        T_CASE(date_cases[i].want);
        T_STREQ(textfmt_date(t_day(date_cases[i].iso), date_cases[i].lang, buf,
                             sizeof buf),
                date_cases[i].want);
    }
    for (size_t i = 0; i < sizeof days_cases / sizeof days_cases[0]; i++) {
        T_CASE(days_cases[i].want);
        T_STREQ(textfmt_days(days_cases[i].n, days_cases[i].lang, buf,
                             sizeof buf),
                days_cases[i].want);
    }
    for (size_t i = 0; i < sizeof pct_cases / sizeof pct_cases[0]; i++) {
        T_CASE(pct_cases[i].want);
        T_STREQ(textfmt_percent(pct_cases[i].bp, pct_cases[i].lang, buf,
                                sizeof buf),
                pct_cases[i].want);
    }
    for (size_t i = 0; i < sizeof lang_cases / sizeof lang_cases[0]; i++) {
        T_CASE(lang_cases[i].s ? lang_cases[i].s : "(null)");
        T_INTEQ(textfmt_lang_parse(lang_cases[i].s), lang_cases[i].want);
    }
    T_CASE("amounts go through money.h");
    T_STREQ(textfmt_money(1234567, "EUR", LANG_FR, buf, sizeof buf),
            "12" NBSP "345,67" NBSP "\xE2\x82\xAC");
    T_STREQ(textfmt_money(1234567, "EUR", LANG_EN, buf, sizeof buf),
            "\xE2\x82\xAC" "12,345.67");
    T_STREQ(textfmt_lang_code(LANG_EN), "en");
    T_STREQ(textfmt_month(8, LANG_FR), "août");
    return t_done();
}
