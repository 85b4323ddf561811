/*
 * datephrase.h - dates written in French or English mail text.
 *
 * Used by the classifier for the promised payment date of a reply and
 * the return date of an out-of-office. Pure code: the reference day (the
 * mail's Date header, civil.h day number) is an input. The text is
 * folded (fold.h: lowercase, no accents).
 *
 * Understood, at a word boundary:
 *   numeric     15/12, 15/12/2026, 15.12.26, 15-12-2026, 2026-12-15
 *   with month  15 décembre, 1er décembre 2026, lundi 5 janvier,
 *               15 dec., 5th of January, December 15, Dec 15th, 2026
 *   relative    demain/tomorrow, après-demain, aujourd'hui/today,
 *               fin du mois/fin de mois/end of the month (last day of
 *               the month), fin de la semaine/end of the week (Friday),
 *               semaine prochaine/next week (Friday of next week),
 *               mois prochain/next month (last day of next month),
 *               dans|sous|d'ici N jours/semaines, in|within N days/weeks
 *   weekday     vendredi, friday (the next one after the reference day)
 *
 * Numeric dates are read day/month (French and British usage, and what
 * French companies' clients write); when that reading is impossible and
 * month/day is valid (12/25), month/day is used. So "back on 12/02"
 * is 12 February, never 2 December: documented, predictable, and
 * the month name forms are unambiguous.
 * A date without a year is the next such date: this year, or next year
 * when it would be more than 30 days before the reference day.
 */
#ifndef DATEPHRASE_H
#define DATEPHRASE_H

#include <stddef.h>

/*
 * datephrase_at reads a date expression starting exactly at s[0]
 * (n bytes available). Returns its day number, or -1 if none; *used gets
 * the bytes read.
 */
int datephrase_at(const char *s, size_t n, int ref_day, size_t *used);

/*
 * datephrase_find returns the day of the first date expression in
 * s[from..n) that starts at a word boundary, or -1; *at (may be NULL)
 * gets its offset.
 */
int datephrase_find(const char *s, size_t n, size_t from, int ref_day,
                    size_t *at);

#endif
