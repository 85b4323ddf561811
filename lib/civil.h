/*
 * civil.h - calendar dates as day numbers, and the program clock.
 *
 * A date is an int: days since 1970-01-01 (proleptic Gregorian), so date
 * arithmetic is integer arithmetic. Stored dates are "YYYY-MM-DD" text.
 *
 * The clock is the wall clock unless clock_set_now() fixed it (--now in
 * the worker and relancectl): every time-based decision asks clock_now(),
 * never time() directly. Local time means the configured Timezone, set
 * once at start-up with clock_set_timezone().
 */
#ifndef CIVIL_H
#define CIVIL_H

#include <stdbool.h>
#include <time.h>

int civil_days(int y, int m, int d);
void civil_from_days(int days, int *y, int *m, int *d);
/* civil_weekday: 0 = Monday ... 6 = Sunday. */
int civil_weekday(int days);
bool civil_valid(int y, int m, int d);
int civil_days_in_month(int y, int m);
/* civil_parse_iso reads exactly YYYY-MM-DD; 0 on success, -1 if bad. */
int civil_parse_iso(const char *s, int *days);
/*
 * civil_parse_date reads a date as people and spreadsheets write it:
 * YYYY-MM-DD or DD/MM/YYYY (day and month may have one digit); the date
 * must exist (31/02/2026 is refused). 0 on success, -1 if bad.
 */
int civil_parse_date(const char *s, int *days);
/* civil_format_iso writes YYYY-MM-DD into buf (at least 11 bytes). */
void civil_format_iso(int days, char *buf);

/* clock_set_timezone sets TZ for this process; -1 if tz is unknown. */
int clock_set_timezone(const char *tz);
/*
 * clock_set_now fixes the clock at a local time "YYYY-MM-DD HH:MM" (or
 * "YYYY-MM-DD", meaning 12:00). Returns -1 if the text is not a valid
 * local time. The fixed clock does not advance.
 */
int clock_set_now(const char *local);
time_t clock_now(void);
/* Local calendar day and minute-of-day of an instant. */
int clock_local_day(time_t t);
int clock_local_minute(time_t t);
/* clock_from_local: the instant of local day `days` at `minute`. */
time_t clock_from_local(int days, int minute);
/* clock_format_utc writes YYYY-MM-DDTHH:MM:SSZ into buf (>= 21 bytes). */
void clock_format_utc(time_t t, char *buf);
/* clock_parse_utc reads that format back; -1 if bad. */
int clock_parse_utc(const char *s, time_t *t);

#endif
