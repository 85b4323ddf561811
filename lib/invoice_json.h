/*
 * invoice_json.h - invoices as JSON objects, built by SQLite's JSON
 * functions (json_object, json_group_array) from invoices, clients,
 * reminders + messages, payments and events.
 *
 * The object (DESIGN.md §6, "invoice show --json"): number, client_id,
 * client_name, issue_date, due_date (YYYY-MM-DD), amount_cents,
 * amount_due_cents, overpaid_cents, currency, status, status_reason,
 * paused_until, wait_until, step, step_name, paid_date, payment_link,
 * pdf, client_hold ({reason, until} or null), reminders [{step,
 * step_name, sent_at, message_id, state}], payments [{date,
 * amount_cents, reference}], and with events: events [{id, at, kind,
 * invoice, actor, message_id, queue_id, detail}] (detail is JSON when it
 * is valid JSON, else a string). Used by `relancectl invoice`, and by
 * anything that wants the same view (reports, dossier).
 */
#ifndef INVOICE_JSON_H
#define INVOICE_JSON_H

#include "util.h"

#include <sqlite3.h>
#include <stdbool.h>

/*
 * invoice_json_one appends the object of invoice `number` (with its
 * events when with_events) to out. Returns 1, 0 if there is no such
 * invoice, -1 on a database error (logged).
 */
int invoice_json_one(sqlite3 *db, const char *number, bool with_events,
                     struct sbuf *out);

/*
 * invoice_json_list calls fn with the object (without events) of every
 * invoice whose status is `status` and client is `client_id` (NULL = any),
 * ordered by due date then number. The text is borrowed for the call.
 * Returns the number of invoices, or -1 on a database error (logged).
 */
long invoice_json_list(sqlite3 *db, const char *status,
                       const char *client_id,
                       void (*fn)(const char *json, void *arg), void *arg);

#endif
