/*
 * test-report.c - the pure parts of the reports: aged-balance bucket
 * boundaries, the DSO formula and averages on hand-computed examples,
 * the outcome of a reminder, the table renderings (text, CSV, JSON) and
 * the dossier's .eml file names.
 */
#include "civil.h"
#include "dossier.h"
#include "report.h"
#include "rtable.h"
#include "t.h"

#include <stdlib.h>

static void
test_buckets(void)
{
    /* days_late = today - due_date, computed from real dates so the
     * month lengths are part of the case. */
    static const struct {
        const char *name, *due, *today;
        int days, bucket;
    } cases[] = {
        {"due in 5 days", "2026-07-05", "2026-06-30", -5, REPORT_NOT_DUE},
        {"due today", "2026-06-30", "2026-06-30", 0, REPORT_NOT_DUE},
        {"1 day late", "2026-06-29", "2026-06-30", 1, REPORT_1_30},
        {"30 days late", "2026-05-31", "2026-06-30", 30, REPORT_1_30},
        {"31 days late", "2026-05-30", "2026-06-30", 31, REPORT_31_60},
        {"60 days late", "2026-05-01", "2026-06-30", 60, REPORT_31_60},
        {"61 days late", "2026-04-30", "2026-06-30", 61, REPORT_61_90},
        {"90 days late", "2026-04-01", "2026-06-30", 90, REPORT_61_90},
        {"91 days late", "2026-03-31", "2026-06-30", 91, REPORT_OVER_90},
        {"over a year", "2025-01-15", "2026-06-30", 531, REPORT_OVER_90},
        {"leap February", "2024-02-28", "2024-03-29", 30, REPORT_1_30},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        int due, today;
        T_INTEQ(civil_parse_iso(cases[i].due, &due), 0);
        T_INTEQ(civil_parse_iso(cases[i].today, &today), 0);
        T_INTEQ(today - due, cases[i].days);
        T_INTEQ(report_bucket(today - due), cases[i].bucket);
    }
}

static void
test_dso(void)
{
    /* DSO = receivables / sales * days, in tenths, half away from zero. */
    static const struct {
        const char *name;
        int64_t receivables, sales;
        int days, rc;
        int64_t tenths;
    } cases[] = {
        /* 2 310,00 / 2 410,00 * 90 = 86.265 days */
        {"hand example", 231000, 241000, 90, 0, 863},
        /* 30 000 / 120 000 * 90 = 22.5 exactly */
        {"exact quarter", 3000000, 12000000, 90, 0, 225},
        {"nothing owed", 0, 50000, 90, 0, 0},
        /* 1 / 3 * 30 = 10 */
        {"thirds", 100, 300, 30, 0, 100},
        /* 1 / 20 * 1 = 0.05 day: half a tenth rounds up */
        {"half rounds up", 1, 20, 1, 0, 1},
        {"just under half", 1, 21, 1, 0, 0},
        {"receivables above sales", 302000, 100000, 90, 0, 2718},
        {"no sales", 1000, 0, 90, -1, 0},
        {"empty period", 1000, 1000, 0, -1, 0},
        /* large amounts do not overflow: 1e12 cents * 365 * 10 */
        {"large", 1000000000000LL, 1000000000000LL, 365, 0, 3650},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        int64_t tenths = -12345;
        int rc = report_dso(cases[i].receivables, cases[i].sales, cases[i].days,
                            &tenths);
        T_INTEQ(rc, cases[i].rc);
        if (rc == 0)
            T_INTEQ(tenths, cases[i].tenths);
    }

    static const struct {
        const char *name;
        int64_t sum, count;
        int rc;
        int64_t tenths;
    } avg[] = {
        {"paid late and early", 10 - 3, 2, 0, 35}, {"all early", -7, 2, 0, -35},
        {"round half away (neg)", -1, 20, 0, -1},  {"round down", 1, 3, 0, 3},
        {"percent 1 of 6", 100, 6, 0, 167},        {"none", 5, 0, -1, 0},
    };
    for (size_t i = 0; i < sizeof avg / sizeof avg[0]; i++) {
        T_CASE(avg[i].name);
        int64_t tenths = -12345;
        int rc = report_avg_tenths(avg[i].sum, avg[i].count, &tenths);
        T_INTEQ(rc, avg[i].rc);
        if (rc == 0)
            T_INTEQ(tenths, avg[i].tenths);
    }
}

static void
test_outcome(void)
{
    static const struct {
        const char *name;
        unsigned flags;
        bool open;
        int want;
    } cases[] = {
        {"nothing, window over", 0, false, OUTCOME_NONE},
        {"nothing yet", 0, true, OUTCOME_PENDING},
        {"reply", REPORT_SAW_REPLY, false, OUTCOME_REPLY},
        {"paid after a dispute", REPORT_SAW_PAID | REPORT_SAW_DISPUTE, true,
         OUTCOME_PAID},
        {"dispute and promise", REPORT_SAW_DISPUTE | REPORT_SAW_PROMISE, false,
         OUTCOME_DISPUTE},
        {"promise and reply", REPORT_SAW_PROMISE | REPORT_SAW_REPLY, false,
         OUTCOME_PROMISE},
        {"bounce alone", REPORT_SAW_BOUNCE, true, OUTCOME_BOUNCE},
        {"reply beats bounce", REPORT_SAW_BOUNCE | REPORT_SAW_REPLY, false,
         OUTCOME_REPLY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        T_INTEQ(report_outcome(cases[i].flags, cases[i].open), cases[i].want);
    }
}

static const struct rtable_col cols[] = {
    {"id", "Client", RT_TEXT},
    {"n", "Nb", RT_INT},
    {"amount_cents", "Montant", RT_MONEY},
    {"days", "Jours", RT_TENTHS},
};

static void
test_rtable(void)
{
    struct rtable t;
    rtable_init(&t, cols, 4);
    rtable_row(&t, false);
    rtable_text(&t, "Bêta; \"SA\"");
    rtable_int(&t, 3);
    rtable_money(&t, 123456, "EUR");
    rtable_tenths(&t, -35);
    rtable_row(&t, true);
    rtable_text(&t, "TOTAL");
    rtable_int(&t, 3);
    rtable_money(&t, -5, "USD");
    rtable_null(&t);
    rtable_row(&t, false);
    rtable_text(&t, "A\nB\t\x01");
    rtable_int(&t, 12);
    rtable_null(&t);
    rtable_tenths(&t, 7);

    static const struct {
        const char *name;
        int what; /* 0 text, 1 csv, 2 json rows, 3 json totals */
        const char *want;
    } cases[] = {
        {"csv: quoting, decimal comma, totals last", 1,
         "Client;Nb;Montant;Jours\r\n"
         "\"Bêta; \"\"SA\"\"\";3;1234,56;-3,5\r\n"
         "\"A\nB\t\x01\";12;;0,7\r\n"
         "TOTAL;3;-0,05;\r\n"},
        {"json rows", 2,
         "[\n  {\"id\": \"Bêta; \\\"SA\\\"\", \"n\": 3, \"amount_cents\": "
         "123456, \"days\": -3.5},\n  {\"id\": \"A\\nB\\t\\u0001\", \"n\": 12, "
         "\"amount_cents\": null, \"days\": 0.7}\n]"},
        {"json totals", 3,
         "[\n  {\"id\": \"TOTAL\", \"n\": 3, \"amount_cents\": -5, "
         "\"days\": null}\n]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        struct sbuf b = {0};
        if (cases[i].what == 1)
            rtable_write_csv(&t, &b);
        else
            rtable_write_json(&t, cases[i].what == 3, &b);
        T_STREQ(sbuf_cstr(&b), cases[i].want);
        sbuf_free(&b);
    }
    rtable_free(&t);

    T_CASE("text: aligned by characters, numbers right");
    rtable_init(&t, cols, 4);
    rtable_row(&t, false);
    rtable_text(&t, "Été");
    rtable_int(&t, 1);
    rtable_money(&t, 100000, "EUR");
    rtable_tenths(&t, 10);
    rtable_row(&t, true);
    rtable_text(&t, "Total");
    rtable_int(&t, 10);
    rtable_money(&t, 5, "EUR");
    rtable_null(&t);
    struct sbuf b = {0};
    rtable_write_text(&t, &b);
    T_STREQ(sbuf_cstr(&b), "Client  Nb     Montant  Jours\n"
                           "-----------------------------\n"
                           "Été      1  1\u00a0000,00\u00a0€    1,0\n"
                           "-----------------------------\n"
                           "Total   10      0,05\u00a0€      -\n");
    sbuf_free(&b);
    rtable_free(&t);

    T_CASE("empty table renders headers and empty arrays");
    rtable_init(&t, cols, 4);
    rtable_write_json(&t, false, &b);
    T_STREQ(sbuf_cstr(&b), "[]");
    sbuf_free(&b);
    rtable_free(&t);
}

static void
test_eml_names(void)
{
    static const struct {
        int index;
        const char *mid, *want;
    } cases[] = {
        {1, "r.abc123@relance.test", "001-r.abc123@relance.test.eml"},
        {12, "x/../y@h", "012-x_.._y@h.eml"},
        {1000, "a b<c>", "1000-a_b_c_.eml"},
        {2, "", "002-.eml"},
        {3, "caf\xc3\xa9", "003-caf__.eml"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].want);
        char *name = dossier_eml_name(cases[i].index, cases[i].mid);
        T_STREQ(name, cases[i].want);
        free(name);
    }

    T_CASE("dossier_time in Europe/Paris");
    T_INTEQ(clock_set_timezone("Europe/Paris"), 0);
    char buf[64];
    T_STREQ(dossier_time("2026-05-03T08:00:00Z", buf, sizeof buf),
            "2026-05-03 10:00:00 +0200");
    T_STREQ(dossier_time("2026-12-03T08:00:00Z", buf, sizeof buf),
            "2026-12-03 09:00:00 +0100");
    T_STREQ(dossier_time("yesterday", buf, sizeof buf), "yesterday");
}

int
main(void)
{
    test_buckets();
    test_dso();
    test_outcome();
    test_rtable();
    test_eml_names();
    return t_done();
}
