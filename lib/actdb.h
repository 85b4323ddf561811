/*
 * actdb.h - the SQL side of act.c: the prepared statements, the state of
 * one act_apply run, and the reads and writes act's rules are made of.
 *
 * Internal to the act module (lib/act.c and lib/actdb.c); nothing else
 * includes it. Every statement is prepared once per connection
 * (actdb_prepare) and reset before each use. Errors: the helpers never
 * fail loudly; the first SQLite error is kept in run->rc and act_apply
 * rolls the decision back.
 */
#ifndef ACTDB_H
#define ACTDB_H

#include "act.h"
#include "classify.h"
#include "lookup.h"
#include "util.h"

#include <sqlite3.h>
#include <stdbool.h>

enum {
    ACTDB_APPLIED_GET,
    ACTDB_APPLIED_PUT,
    ACTDB_INVOICE_GET,
    ACTDB_INVOICE_STATUS,
    ACTDB_INVOICE_WAIT,
    ACTDB_EVENT,
    ACTDB_NOTICE,
    ACTDB_UNDELIVERABLE,
    ACTDB_HANDOFF,
    ACTDB_SAVEPOINT,
    ACTDB_RELEASE,
    ACTDB_ROLLBACK_TO,
    ACTDB_COUNT
};

/* A handle of act.h: the statements on one connection. */
struct act {
    sqlite3 *db;
    sqlite3_stmt *st[ACTDB_COUNT];
    struct lookup_db ldb; /* the classifier's lookups, shared */
    struct classify_lookup lk;
};

/* One invoice as read inside the transaction. */
struct act_inv {
    char number[ACT_NUMBER_LEN];
    char client_id[ACT_ID_LEN];
    char client_name[128];
    char status[16];
    char paused_until[11];
    char wait_until[11];
    bool trusted;
};

/* The state of one act_apply call. */
struct act_run {
    struct act *a;
    const struct act_params *p;
    const struct act_decision *d;
    struct act_result *res;
    int today;
    int rc; /* first SQLite error, or SQLITE_OK */
};

/* actdb_prepare prepares every statement on db and the classifier's
 * lookups (lookup.h); -1 with err on failure (finalize anyway). */
int actdb_prepare(struct act *a, sqlite3 *db, char *err, size_t errlen);
void actdb_finalize(struct act *a);

/* actdb_stmt: statement i, reset and unbound, ready for binding. */
sqlite3_stmt *actdb_stmt(struct act_run *r, int i);
/* actdb_bind binds s (NULL or "" as SQL NULL); s must live until the
 * statement is reset. */
void actdb_bind(sqlite3_stmt *st, int i, const char *s);
/* actdb_step steps st once and keeps the first error in r->rc. */
int actdb_step(struct act_run *r, sqlite3_stmt *st);
/* actdb_col copies column i as text ("" for NULL) into dst[n]. */
void actdb_col(sqlite3_stmt *st, int i, char *dst, size_t n);
/* An event (actor 'milter', the mail's Message-ID and queue ID). */
void actdb_event(struct act_run *r, const char *kind, const char *invoice,
                 const char *client_id, const char *detail);
/* A notice for the worker to send; counted in r->res. */
void actdb_notice(struct act_run *r, const char *kind, const char *audience,
                  const char *invoice, const char *client_id,
                  const char *subject, const char *text);
/* The client of addr (lookup.h: exact address, else a domain only one
 * client uses) into out[n]; "" if none. */
void actdb_client_of_addr(struct act_run *r, const char *addr, char *out,
                          size_t n);
/* Reads invoice number into iv; false if there is no such invoice. */
bool actdb_load_invoice(struct act_run *r, const char *number,
                        struct act_inv *iv);
/* The later of an existing YYYY-MM-DD (may be "") and day. */
int actdb_later_date(const char *existing, int day);
/* Sets status and paused_until (day number, -1 for NULL) of a non-paid
 * invoice; iv and r->res follow. */
void actdb_set_status(struct act_run *r, struct act_inv *iv, const char *status,
                      int until, const char *reason);
/* Moves wait_until to until unless it is already later. */
void actdb_set_wait(struct act_run *r, struct act_inv *iv, int until);

#endif
