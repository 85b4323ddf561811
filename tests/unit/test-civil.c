/*
 * test-civil.c - day numbers, weekdays, ISO parsing and the fixed clock.
 */
#include "civil.h"
#include "t.h"

static const struct {
    const char *iso;
    int ok;
    int weekday; /* 0 = Monday */
} cases[] = {
    {"1970-01-01", 1, 3},  {"2026-12-25", 1, 4}, {"2026-12-28", 1, 0},
    {"2024-02-29", 1, 3},  {"2026-02-29", 0, 0}, {"2026-02-31", 0, 0},
    {"2026-13-01", 0, 0},  {"2026-1-01", 0, 0},  {"2026-01-01x", 0, 0},
    {"", 0, 0},            {"2000-02-29", 1, 1}, {"1900-02-29", 0, 0},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].iso);
        int d;
        int rc = civil_parse_iso(cases[i].iso, &d);
        T_INTEQ(rc == 0, cases[i].ok);
        if (rc == 0) {
            char buf[11];
            civil_format_iso(d, buf);
            T_STREQ(buf, cases[i].iso);
            T_INTEQ(civil_weekday(d), cases[i].weekday);
        }
    }
    T_CASE("round trip over 400 years");
    int bad = 0;
    for (int d = civil_days(1900, 1, 1); d < civil_days(2300, 1, 1); d++) {
        int y, m, dd;
        civil_from_days(d, &y, &m, &dd);
        if (civil_days(y, m, dd) != d || !civil_valid(y, m, dd))
            bad++;
    }
    T_INTEQ(bad, 0);

    T_CASE("fixed clock in Europe/Paris");
    T_INTEQ(clock_set_timezone("Europe/Paris"), 0);
    T_CHECK(clock_set_timezone("Europe/Atlantis") < 0, "unknown zone accepted");
    T_INTEQ(clock_set_now("2026-07-01 09:30"), 0);
    char buf[21];
    clock_format_utc(clock_now(), buf);
    T_STREQ(buf, "2026-07-01T07:30:00Z");  /* CEST = UTC+2 */
    T_INTEQ(clock_local_day(clock_now()), civil_days(2026, 7, 1));
    T_INTEQ(clock_local_minute(clock_now()), 9 * 60 + 30);
    T_INTEQ(clock_set_now("2026-12-01 00:15"), 0);
    clock_format_utc(clock_now(), buf);
    T_STREQ(buf, "2026-11-30T23:15:00Z");  /* CET = UTC+1 */
    time_t t;
    T_INTEQ(clock_parse_utc(buf, &t), 0);
    T_INTEQ(t, clock_now());
    T_CHECK(clock_set_now("2026-02-30 10:00") < 0, "bad date accepted");
    T_CHECK(clock_set_now("2026-02-03 25:00") < 0, "bad hour accepted");
    return t_done();
}
