/*
 * calendar.h - the business calendar: French public holidays (computed
 * for any year, Easter by the Gregorian computus), optional Alsace-Moselle
 * days, extra closure dates from the config, weekends.
 *
 * Dates are day numbers (civil.h). Pure code: no clock, no I/O.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stdbool.h>

struct calendar;

/*
 * calendar_new: alsace_moselle adds Good Friday and 26 December;
 * closures is the ClosureDates text (YYYY-MM-DD separated by spaces or
 * commas, may be empty). Returns NULL with a message naming the bad date
 * in err.
 */
struct calendar *calendar_new(bool alsace_moselle, const char *closures,
                              char *err, unsigned errlen);
void calendar_free(struct calendar *c);

/* calendar_easter: Easter Sunday of year y as a day number. */
int calendar_easter(int y);
/* calendar_holiday: the holiday's French name ("Fermeture" for a
 * ClosureDates day), or NULL if not a holiday. */
const char *calendar_holiday(const struct calendar *c, int day);
bool calendar_is_business_day(const struct calendar *c, int day);
/* calendar_next_business_day: day itself if it is one, else the next. */
int calendar_next_business_day(const struct calendar *c, int day);
/* calendar_add_business_days: n business days after day (n >= 0). */
int calendar_add_business_days(const struct calendar *c, int day, int n);

#endif
