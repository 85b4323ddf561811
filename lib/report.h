/*
 * report.h - the finance reports of `relancectl report`: aged balance,
 * DSO and payment delays, effectiveness of each reminder step.
 *
 * Two layers. The pure functions (buckets, DSO, averages, the outcome of
 * a reminder) take numbers and do no I/O: the unit tests drive them. The
 * report_* loaders run the SQL and fill a struct rtable (rtable.h) that
 * the caller renders as text, CSV or JSON.
 *
 * Dates are civil.h day numbers in the configured time zone; instants
 * are the schema's UTC text.
 */
#ifndef REPORT_H
#define REPORT_H

#include "rtable.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Aged-balance buckets, by days past the due date. */
enum report_bucket {
    REPORT_NOT_DUE, /* due today or later (days_late <= 0) */
    REPORT_1_30,
    REPORT_31_60,
    REPORT_61_90,
    REPORT_OVER_90,
    REPORT_NBUCKETS
};

/* report_bucket: the bucket of an amount days_late days past due
 * (today - due_date; 0 = due today, not yet late). */
int report_bucket(int days_late);

/*
 * report_dso: Days Sales Outstanding, receivables / sales * days, in
 * tenths of a day rounded half away from zero. Returns -1 (no value)
 * when sales <= 0 or days <= 0, else 0 with *tenths set.
 */
int report_dso(int64_t receivables, int64_t sales, int days, int64_t *tenths);

/*
 * report_avg_tenths: sum / count in tenths, rounded half away from zero
 * (sum may be negative: invoices paid early). -1 when count <= 0.
 */
int report_avg_tenths(int64_t sum, int64_t count, int64_t *tenths);

/* What happened after a reminder, most significant first. */
enum report_outcome {
    OUTCOME_PAID, /* the invoice was paid in the window */
    OUTCOME_DISPUTE,
    OUTCOME_PROMISE,
    OUTCOME_REPLY, /* any other human reply, paid claims included */
    OUTCOME_BOUNCE,
    OUTCOME_PENDING, /* nothing yet, but the window is still open */
    OUTCOME_NONE,    /* no answer in the whole window */
    OUTCOME_COUNT
};

/* Flags seen in a reminder's window (events of the invoice). */
enum {
    REPORT_SAW_PAID = 1,
    REPORT_SAW_DISPUTE = 2,
    REPORT_SAW_PROMISE = 4,
    REPORT_SAW_REPLY = 8,
    REPORT_SAW_BOUNCE = 16,
};

/*
 * report_outcome: one outcome from the flags, in the order of the enum
 * (a payment counts more than the dispute that preceded it). With no
 * flag: OUTCOME_PENDING while window_open, else OUTCOME_NONE.
 */
int report_outcome(unsigned flags, bool window_open);

/*
 * The loaders fill t (rtable_init'ed by them; the caller rtable_frees it
 * even on failure) and return 0, or -1 after a logged message.
 *
 * report_aging_load: open amounts (status other than paid, amount due
 * > 0, issued on or before today) by client and currency, in buckets as
 * of today; one totals row per currency.
 */
int report_aging_load(sqlite3 *db, int today, struct rtable *t);

/*
 * report_dso_load: over the days from..to (inclusive): credit sales
 * (invoices issued in the period), receivables at the end of `to` (what
 * was still due that day, rebuilt from payments dated after it), DSO,
 * and the paid invoices of the period with their average delay
 * paid_date - due_date; per client and currency, totals per currency.
 */
int report_dso_load(sqlite3 *db, int from, int to, struct rtable *t);

/*
 * report_steps_load: reminders sent (messages in state sent) from..to,
 * by step, with the outcome of each in the `within` days after it (cut
 * short by the next reminder of the same invoice); now decides whether
 * a window is still open. One totals row.
 */
int report_steps_load(sqlite3 *db, int from, int to, int within, time_t now,
                      struct rtable *t);

#endif
