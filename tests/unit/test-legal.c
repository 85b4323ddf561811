/*
 * test-legal.c - late-payment interest and indemnity against worked
 * examples computed by hand, on the shipped rate tables; table parse
 * errors; missing rates; the calculation text.
 *
 * Rates from rules/ecb-rates.tsv (ECB rate in force on the first day of
 * the half-year, + 10 points):
 *   H1 2024: 4.50 (since 2023-09-20) -> 14.50 %
 *   H2 2024: 4.25 (since 2024-06-12) -> 14.25 %
 *   H1 2025: 3.15 (since 2024-12-11) -> 13.15 %
 *   H2 2025: 2.15 (since 2025-06-11) -> 12.15 %
 * Legal rates for professionals (rules/legal-rates.tsv): H1 2025 3.71 %,
 * H2 2025 2.76 %. Interest = base x rate x days / 365 per period,
 * rounded to the cent per period.
 */
#include "civil.h"
#include "legal.h"
#include "textfmt.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

#define NBSP "\xC2\xA0"

struct pay {
    const char *day;
    int64_t cents;
};

static const struct {
    const char *name;
    bool public_sector;
    int contract_bp;
    int64_t amount;
    const char *due, *until;
    struct pay pays[3];
    int64_t want_interest, want_indemnity;
    int want_days, want_periods, want_last_rate;
} cases[] = {
    /* 10 000 € x 13.15 % x 30/365 = 108.082 -> 108.08 € (1 to 30 April). */
    {"one half-year", false, 0, 1000000, "2025-03-31", "2025-04-30", {{0}},
     10808, 4000, 30, 1, 1315},
    /* 1 000 € x 13.15 % x 10/365 = 3.6027 -> 3.60 (21-30 June)
     * 1 000 € x 12.15 % x 10/365 = 3.3288 -> 3.33 (1-10 July)
     * total 6.93 €. */
    {"across 1 July", false, 0, 100000, "2025-06-20", "2025-07-10", {{0}},
     693, 4000, 20, 2, 1215},
    /* 5 000 € from 1 June 2024 to 31 January 2025:
     *   x 14.50 % x  30/365 =  59.589 ->  59.59 (June 2024)
     *   x 14.25 % x 184/365 = 359.178 -> 359.18 (July-December 2024)
     *   x 13.15 % x  31/365 =  55.842 ->  55.84 (January 2025)
     * total 474.61 €, 245 days. */
    {"three half-years", false, 0, 500000, "2024-05-31", "2025-01-31", {{0}},
     47461, 4000, 245, 3, 1315},
    /* 2 000 € due 30 Sept 2025; 500 € paid 10 Oct, 1 500 € paid 20 Oct:
     *   2 000 € x 12.15 % x 10/365 = 6.6575 -> 6.66 (1-10 Oct)
     *   1 500 € x 12.15 % x 10/365 = 4.9932 -> 4.99 (11-20 Oct)
     * then nothing is due: 11.65 €, 20 days, one indemnity. */
    {"partial payments", false, 0, 200000, "2025-09-30", "2025-11-30",
     {{"2025-10-20", 150000}, {"2025-10-10", 50000}},
     1165, 4000, 20, 2, 1215},
    /* Payment before the due date lowers the base from the start:
     * 600 € x 13.15 % x 30/365 = 6.4849 -> 6.48 (1-30 April). */
    {"part paid before the due date", false, 0, 100000, "2025-03-31",
     "2025-04-30", {{"2025-03-15", 40000}}, 648, 4000, 30, 1, 1315},
    /* Public buyer: ECB of 1 January 2025 (3.15) + 8 = 11.15 %, kept in
     * July: 10 000 € x 11.15 % x 10/365 = 30.548 -> 30.55, twice:
     * 61.10 €. */
    {"public sector keeps its rate", true, 0, 1000000, "2025-06-20",
     "2025-07-10", {{0}}, 6110, 4000, 20, 2, 1115},
    /* Contract rate 5 % is below 3 x legal: H1 2025 3 x 3.71 = 11.13 %,
     *   10 000 € x 11.13 % x 10/365 = 30.493 -> 30.49
     * H2 2025 3 x 2.76 = 8.28 %,
     *   10 000 € x 8.28 % x 10/365 = 22.685 -> 22.68 (22.6849)
     * total 53.17 €. */
    {"contract rate raised to the floor", false, 500, 1000000, "2025-06-20",
     "2025-07-10", {{0}}, 5317, 4000, 20, 2, 828},
    /* Contract rate 15 % above the floor: 10 000 € x 15 % x 10/365 =
     * 41.0959 -> 41.10, twice: 82.20 €. */
    {"contract rate above the floor", false, 1500, 1000000, "2025-06-20",
     "2025-07-10", {{0}}, 8220, 4000, 20, 2, 1500},
    /* Paid on the due date: no interest, no indemnity. */
    {"paid on time", false, 0, 100000, "2025-06-20", "2025-07-10",
     {{"2025-06-20", 100000}}, 0, 0, 0, 0, 0},
    /* Computed on the due date itself: nothing yet. */
    {"not late yet", false, 0, 100000, "2025-06-20", "2025-06-20", {{0}}, 0,
     0, 0, 0, 0},
    /* Paid the day after: 1 000 € x 13.15 % x 1/365 = 0.3603 -> 0.36 €
     * and the full 40 € indemnity. */
    {"one day late", false, 0, 100000, "2025-03-31", "2025-04-30",
     {{"2025-04-01", 100000}}, 36, 4000, 1, 1, 1315},
};

static const struct {
    const char *name;
    int contract_bp;
    const char *due, *until;
    const char *want_err;
} missing_cases[] = {
    {"ECB rate before the table", 0, "2023-01-15", "2023-02-15",
     "no ECB rate in force on 1 January 2023"},
    {"legal rate not yet published", 1500, "2026-06-25", "2026-07-05",
     "no legal interest rate for the half-year starting 1 July 2026"},
};

static const struct {
    const char *name;
    bool legal;
    const char *text;
    const char *want_err;
} parse_cases[] = {
    {"ecb ok with comments", false, "# c\n\n2024-01-01\t4.5\n2024-06-01 4,25\n",
     NULL},
    {"ecb bad date", false, "2024-13-01 4.5\n", "t.tsv:1: \"2024-13-01\" is not a date"},
    {"ecb dates must increase", false, "2024-06-01 4.5\n2024-01-01 4.25\n",
     "t.tsv:2: dates must increase"},
    {"ecb bad rate", false, "# x\n2024-06-01 4.567\n",
     "t.tsv:2: \"4.567\" is not a rate"},
    {"ecb missing rate", false, "2024-06-01\n", "t.tsv:1: expected a date and 1 rate"},
    {"legal ok", true, "2025-01-01 3.71 7.21\n2025-07-01 2.76 6.65\n", NULL},
    {"legal not a half-year start", true, "2025-02-01 3.71 7.21\n",
     "t.tsv:1: 2025-02-01: a half-year starts on 1 January or 1 July"},
    {"legal one rate only", true, "2025-01-01 3.71\n",
     "t.tsv:1: expected a date and 2 rates, found 2 fields"},
};

int
main(void)
{
    char err[512];
    struct legal_rates r;
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *rules = xasprintf("%s/rules", src);
    T_CASE("shipped tables load");
    T_CHECK(legal_rates_load(&r, rules, err, sizeof err) == 0, "%s", err);
    T_INTEQ(legal_ecb_on(&r, t_day("2025-06-10")), 240);
    T_INTEQ(legal_ecb_on(&r, t_day("2025-06-11")), 215);
    T_INTEQ(legal_ecb_on(&r, t_day("2023-09-19")), -1);
    T_INTEQ(legal_pro_rate(&r, t_day("2025-12-31")), 276);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        struct legal_payment pays[3];
        size_t np = 0;
        for (; np < 3 && cases[i].pays[np].day; np++)
            pays[np] = (struct legal_payment){t_day(cases[i].pays[np].day),
                                              cases[i].pays[np].cents};
        struct legal_terms t = {cases[i].public_sector, cases[i].contract_bp};
        struct legal_result res;
        int rc = legal_compute(&r, &t, cases[i].amount, t_day(cases[i].due),
                               pays, np, t_day(cases[i].until), &res, err,
                               sizeof err);
        T_CHECK(rc == 0, "%s", err);
        T_INTEQ(res.interest_cents, cases[i].want_interest);
        T_INTEQ(res.indemnity_cents, cases[i].want_indemnity);
        T_INTEQ(res.days_late, cases[i].want_days);
        T_INTEQ(res.nperiods, cases[i].want_periods);
        T_INTEQ(res.rate_bp, cases[i].want_last_rate);
        legal_result_free(&res);
    }

    for (size_t i = 0; i < sizeof missing_cases / sizeof missing_cases[0];
         i++) {
        T_CASE(missing_cases[i].name);
        struct legal_terms t = {false, missing_cases[i].contract_bp};
        struct legal_result res;
        err[0] = '\0';
        T_CHECK(legal_compute(&r, &t, 100000, t_day(missing_cases[i].due), NULL,
                              0, t_day(missing_cases[i].until), &res, err,
                              sizeof err) < 0 &&
                    strstr(err, missing_cases[i].want_err),
                "error \"%s\" lacks \"%s\"", err, missing_cases[i].want_err);
        T_INTEQ(res.nperiods, 0);
    }

    T_CASE("calculation text, French and English");
    struct legal_terms dflt = {false, 0};
    struct legal_result res;
    T_INTEQ(legal_compute(&r, &dflt, 100000, t_day("2025-06-20"), NULL, 0,
                          t_day("2025-07-10"), &res, err, sizeof err),
            0);
    char *fr = legal_detail(&res, LANG_FR, "\n");
    T_STREQ(fr, "1" NBSP "000,00" NBSP "€ × 13,15" NBSP "% × 10 j / 365 = "
                "3,60" NBSP "€ (du 21 juin 2025 au 30 juin 2025 ; taux BCE "
                "3,15" NBSP "% au 1er janvier 2025 + 10 points)\n"
                "1" NBSP "000,00" NBSP "€ × 12,15" NBSP "% × 10 j / 365 = "
                "3,33" NBSP "€ (du 1er juillet 2025 au 10 juillet 2025 ; "
                "taux BCE 2,15" NBSP "% au 1er juillet 2025 + 10 points)");
    char *en = legal_detail(&res, LANG_EN, " / ");
    T_CHECK(strstr(en, "€1,000.00 × 13.15% × 10 days / 365 = €3.60 (21 June "
                       "2025 to 30 June 2025; ECB rate 3.15% on 1 January "
                       "2025 + 10 points) / ") == en,
            "%s", en);
    free(fr);
    free(en);
    legal_result_free(&res);
    struct legal_terms floor = {false, 500};
    T_INTEQ(legal_compute(&r, &floor, 100000, t_day("2025-06-20"), NULL, 0,
                          t_day("2025-06-30"), &res, err, sizeof err),
            0);
    fr = legal_detail(&res, LANG_FR, "\n");
    T_CHECK(strstr(fr, "11,13" NBSP "%") &&
                strstr(fr, "taux contractuel porté à 3 fois le taux d'intérêt "
                           "légal"),
            "%s", fr);
    free(fr);
    legal_result_free(&res);
    char *empty = legal_detail(&res, LANG_FR, "\n");
    T_STREQ(empty, "");
    free(empty);
    legal_rates_free(&r);

    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        T_CASE(parse_cases[i].name);
        struct legal_rates t = {0};
        err[0] = '\0';
        int rc = parse_cases[i].legal
                     ? legal_parse_legal(&t, "t.tsv", parse_cases[i].text, err,
                                         sizeof err)
                     : legal_parse_ecb(&t, "t.tsv", parse_cases[i].text, err,
                                       sizeof err);
        T_RESULT(rc, err, parse_cases[i].want_err);
        legal_rates_free(&t);
    }
    T_CASE("parsed values");
    struct legal_rates t = {0};
    T_INTEQ(legal_parse_ecb(&t, "t.tsv", parse_cases[0].text, err, sizeof err),
            0);
    T_INTEQ(t.necb, 2);
    T_INTEQ(t.necb == 2 ? t.ecb[0].bp : -1, 450);
    T_INTEQ(t.necb == 2 ? t.ecb[1].bp : -1, 425);
    legal_rates_free(&t);

    T_CASE("missing table file");
    T_CHECK(legal_rates_load(&r, "/nonexistent", err, sizeof err) < 0 &&
                strstr(err, "/nonexistent/ecb-rates.tsv"),
            "%s", err);
    free(rules);
    return t_done();
}
