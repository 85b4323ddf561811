/*
 * profile.h - a client's payment behaviour from its history, scenario
 * overrides, and the explanation of a scenario choice.
 *
 * The history numbers that scenario conditions test (lib/scenario.h) are
 * computed here from the invoices table, by one SQL aggregate:
 *   - invoices-paid: invoices of the client with status 'paid' (ever);
 *   - client-age: days from the client's first invoice (earliest
 *     issue_date) to today: a client whose first invoice is recent is new;
 *   - avg-days-late and late-ratio: over the client's RECENT paid
 *     invoices (paid_date within PROFILE_RECENT_DAYS of today), the mean
 *     of max(0, paid_date - due_date) rounded to the nearest day, and the
 *     % paid after their due date. No recent paid invoice: unknown (-1).
 * So a client whose recent invoices were paid late becomes a "chronic
 * late payer" (rules/scenarios/late-payer.scn) without anyone tagging it,
 * and stops being one a year after it mended its ways.
 *
 * Overrides: invoices.scenario wins over clients.scenario, which wins
 * over the rules. An override naming no loaded scenario is ignored (with
 * the reason in the explanation and a warning from the caller).
 *
 * Users: lib/planload (the worker, every client at once) and relancectl
 * (`relancectl scenario NUMBER`, one invoice).
 */
#ifndef PROFILE_H
#define PROFILE_H

#include "scenario.h"

#include <sqlite3.h>
#include <stdbool.h>

struct sbuf;

/* Paid invoices this recent (days) make the payment behaviour. */
#define PROFILE_RECENT_DAYS 365

struct profile_history {
    int paid;       /* -1 unknown */
    int age_days;   /* -1 unknown */
    int avg_late;   /* -1 unknown */
    int late_pct;   /* -1 unknown */
};

/*
 * profile_history_prepare prepares the aggregate: rows (client_id, then
 * the numbers read by profile_history_row), one per client, in client_id
 * order. client_id NULL: every client; else that client only. today is
 * the local day (the recent window ends there). Returns NULL (with the
 * SQLite error in db) on failure; the caller finalizes the statement.
 */
sqlite3_stmt *profile_history_prepare(sqlite3 *db, const char *client_id,
                                      int today);

/* profile_history_row reads the current row into h (today for ages). */
void profile_history_row(sqlite3_stmt *st, int today,
                         struct profile_history *h);

/*
 * profile_history_client: the history of one client. Returns 0 (h all
 * -1 when the client has no invoice), or -1 on a database error.
 */
int profile_history_client(sqlite3 *db, const char *client_id, int today,
                           struct profile_history *h);

/* profile_apply copies h (NULL: all unknown) into the profile p. */
void profile_apply(struct scenario_profile *p,
                   const struct profile_history *h);

/* Where a choice came from. */
enum profile_source {
    PROFILE_BY_RULES,
    PROFILE_BY_INVOICE, /* invoices.scenario */
    PROFILE_BY_CLIENT,  /* clients.scenario */
};

/*
 * profile_choose: the scenario for an invoice: its own override if it
 * names a loaded scenario, else the client's, else scenario_choose(set,
 * p). inv_override/client_override may be NULL or "". *source (may be
 * NULL) says which; *bad_override (may be NULL) gets an override that
 * named no scenario (NULL when none), for the caller's warning.
 */
const struct scenario *profile_choose(const struct scenario_set *set,
                                      const char *inv_override,
                                      const char *client_override,
                                      const struct scenario_profile *p,
                                      int *source, const char **bad_override);

/*
 * profile_explain appends to out, in French then English words as the
 * finance team reads them, why the invoice gets its scenario: the facts
 * of the profile, the overrides, then every scenario in the order tried
 * with each condition and whether it holds, up to the chosen one. Lines
 * end with "\n". Pure; never fails.
 */
void profile_explain(struct sbuf *out, const struct scenario_set *set,
                     const char *inv_override, const char *client_override,
                     const struct scenario_profile *p);

#endif
