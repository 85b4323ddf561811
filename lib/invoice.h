/*
 * invoice.h - the changes finance makes to invoices and clients by hand
 * or by import: payments, holds, releases, the end of a dispute. Each
 * function writes its row changes and its event; none begins or commits
 * a transaction: the caller wraps one or many calls in db_begin/db_commit
 * (relancectl commands, lib/import.c, later the milter or the worker).
 *
 * Decisions (README):
 *  - A payment lowers amount_due_cents; the invoice stays in its status
 *    until nothing is due, then it becomes 'paid' (paid_date = the date of
 *    the payment that settled it), whatever it was (even disputed or on
 *    hold). Money beyond what is due goes to overpaid_cents with an
 *    'overpayment' event: never lost, never silently refunded.
 *  - The same payment (invoice, date, amount, reference) is recorded once.
 *  - An invoice hold remembers the status it replaced in its 'hold' event
 *    (previous_status, previous_until, previous_reason). A release puts a
 *    dispute back as it was, a pause or promise back if its date is still
 *    ahead, and anything else to 'open'. Holding a held invoice changes the
 *    reason/until and keeps the remembered status. Paid invoices cannot be
 *    held.
 *  - A client hold fills clients.hold_reason/hold_until; the worker skips
 *    the client. Its invoices keep their own status.
 *  - `until` is the first day reminders may run again.
 */
#ifndef INVOICE_H
#define INVOICE_H

#include "util.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>

/* Results: 0 or one of these; err then holds a French/English message. */
enum {
    INVOICE_EDB = -1,        /* SQLite failed */
    INVOICE_ENOTFOUND = -2,  /* no such invoice or client */
    INVOICE_ESTATE = -3,     /* not allowed in the current status */
    INVOICE_EDUPLICATE = -4, /* the same payment is already recorded */
};

/* The outcome of invoice_pay, for messages. */
struct invoice_paid {
    int64_t due_cents;      /* still due after the payment */
    int64_t overpaid_cents; /* the part of this payment beyond what was due */
    char status[12];        /* the status after the payment */
    char currency[8];
};

/*
 * invoice_pay records a payment of cents (> 0) received on day `date` (a
 * civil day number) with reference (may be NULL = ""). at is the event
 * time (NULL = now); actor names who did it. Fills *out if not NULL.
 */
int invoice_pay(sqlite3 *db, const char *number, int date, int64_t cents,
                const char *reference, const char *at, const char *actor,
                struct invoice_paid *out, char *err, size_t errlen);

/* invoice_hold: until is a day number, or -1 for "until released". */
int invoice_hold(sqlite3 *db, const char *number, const char *reason,
                 int until, const char *actor, char *err, size_t errlen);
/* invoice_release: today decides whether a pause is still worth keeping. */
int invoice_release(sqlite3 *db, const char *number, const char *reason,
                    int today, const char *actor, char *err, size_t errlen);
/* invoice_resolve ends a dispute ('disputed' -> 'open'); reason may be NULL. */
int invoice_resolve(sqlite3 *db, const char *number, const char *reason,
                    const char *actor, char *err, size_t errlen);

int client_hold(sqlite3 *db, const char *client_id, const char *reason,
                int until, const char *actor, char *err, size_t errlen);
int client_release(sqlite3 *db, const char *client_id, const char *reason,
                   const char *actor, char *err, size_t errlen);

/*
 * Event details are small JSON objects. invoice_detail_* append a member
 * to b (opening the object on first use); invoice_detail_end closes it
 * and returns the text (owned by b). A NULL string value gives null.
 */
void invoice_detail_str(struct sbuf *b, const char *key, const char *val);
void invoice_detail_int(struct sbuf *b, const char *key, long long val);
/* invoice_detail_raw appends already-valid JSON (an array, say). */
void invoice_detail_raw(struct sbuf *b, const char *key, const char *json);
const char *invoice_detail_end(struct sbuf *b);
/* invoice_json_string appends s as a JSON string literal. */
void invoice_json_string(struct sbuf *b, const char *s);

#endif
