/*
 * test-money.c - amounts as accounting exports write them, and the French
 * and English formats; plus the user date parser civil_parse_date.
 */
#include "civil.h"
#include "money.h"
#include "t.h"

#include <stdint.h>

#define NBSP "\xC2\xA0"
#define NNBSP "\xE2\x80\xAF"

static const struct {
    const char *in;
    int ok;
    int64_t cents;
} parse_cases[] = {
    {"1234,56", 1, 123456},
    {"1234.56", 1, 123456},
    {"1 234,56", 1, 123456},
    {"1" NBSP "234,56", 1, 123456},
    {"1" NNBSP "234,56", 1, 123456},
    {"12 345 678,9", 1, 1234567890},
    {"  42  ", 1, 4200},
    {"0,5", 1, 50},
    {"-12,50", 1, -1250},
    {"12,50 €", 1, 1250},
    {"12,50€", 1, 1250},
    {"1 000 EUR", 1, 100000},
    {"1" NBSP "000,00" NBSP "€", 1, 100000},
    {"1.234,56", 1, 123456},
    {"1,234.56", 1, 123456},
    {"1,234,567", 1, 123456700},
    {"1.234.567,89", 1, 123456789},
    {"12,3,4", 0, 0},
    {"1,234", 0, 0},
    {"1.234", 0, 0},
    {"12,345", 0, 0},
    {"1,2345", 0, 0},
    {"12,", 0, 0},
    {",5", 0, 0},
    {"", 0, 0},
    {"€", 0, 0},
    {"-", 0, 0},
    {"abc", 0, 0},
    {"12a", 0, 0},
    {"1e5", 0, 0},
    {"+12", 0, 0},
    {"12 34", 0, 0},
    {"1234 567", 0, 0},
    {"1 234.567", 0, 0},
    {"1.234.56", 0, 0},
    {"1 234,5 6", 0, 0},
    {"99999999999999999999", 0, 0},
    {"12,34 USD", 0, 0},
};

static const struct {
    int64_t cents;
    const char *cur;
    const char *fr;
    const char *en;
} format_cases[] = {
    {0, "EUR", "0,00" NBSP "€", "€0.00"},
    {5, "EUR", "0,05" NBSP "€", "€0.05"},
    {123456, "EUR", "1" NBSP "234,56" NBSP "€", "€1,234.56"},
    {1200000, "EUR", "12" NBSP "000,00" NBSP "€", "€12,000.00"},
    {-4000, "EUR", "-40,00" NBSP "€", "-€40.00"},
    {100000, "USD", "1" NBSP "000,00" NBSP "USD", "USD 1,000.00"},
    {123456789012, NULL, "1" NBSP "234" NBSP "567" NBSP "890,12" NBSP "€",
     "€1,234,567,890.12"},
};

static const struct {
    const char *in;
    const char *iso; /* NULL = refused */
} date_cases[] = {
    {"2026-02-15", "2026-02-15"}, {"15/02/2026", "2026-02-15"},
    {"5/2/2026", "2026-02-05"},   {"29/02/2024", "2024-02-29"},
    {"31/02/2026", NULL},         {"29/02/2026", NULL},
    {"15/13/2026", NULL},         {"00/01/2026", NULL},
    {"15/02/26", NULL},           {"15-02-2026", NULL},
    {"15/02/2026 ", NULL},        {"/02/2026", NULL},
    {"2026/02/15", NULL},         {"", NULL},
    {"123/02/2026", NULL},        {"15/02/20266", NULL},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        T_CASE(parse_cases[i].in);
        int64_t c = -1;
        const char *why = NULL;
        int rc = money_parse(parse_cases[i].in, &c, &why);
        T_CHECK((rc == 0) == parse_cases[i].ok, "rc %d why %s", rc,
                why ? why : "-");
        if (rc == 0 && parse_cases[i].ok)
            T_INTEQ(c, parse_cases[i].cents);
        if (rc != 0)
            T_CHECK(why != NULL && *why, "no reason given");
    }
    for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0];
         i++) {
        T_CASE(format_cases[i].en);
        char buf[64];
        T_STREQ(money_format_fr(format_cases[i].cents, format_cases[i].cur,
                                buf, sizeof buf),
                format_cases[i].fr);
        T_STREQ(money_format_en(format_cases[i].cents, format_cases[i].cur,
                                buf, sizeof buf),
                format_cases[i].en);
        /* What we print, we read back. */
        int64_t back;
        const char *why;
        if (format_cases[i].cur == NULL ||
            strcmp(format_cases[i].cur, "EUR") == 0) {
            T_INTEQ(money_parse(money_format_fr(format_cases[i].cents, "EUR",
                                                buf, sizeof buf),
                                &back, &why),
                    0);
            T_INTEQ(back, format_cases[i].cents);
        }
    }
    for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
        T_CASE(date_cases[i].in);
        int d;
        int rc = civil_parse_date(date_cases[i].in, &d);
        T_INTEQ(rc == 0, date_cases[i].iso != NULL);
        if (rc == 0 && date_cases[i].iso) {
            char buf[11];
            civil_format_iso(d, buf);
            T_STREQ(buf, date_cases[i].iso);
        }
    }
    return t_done();
}
