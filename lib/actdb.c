/*
 * actdb.c - the SQL side of act.c: statements and the small reads and
 * writes the rules are made of; see actdb.h.
 */
#include "actdb.h"
#include "civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sql[ACTDB_COUNT] = {
    [ACTDB_APPLIED_GET] = "SELECT 1 FROM spool_applied WHERE digest = ?1",
    [ACTDB_APPLIED_PUT] =
        "INSERT INTO spool_applied (digest, applied_at) VALUES (?1, ?2)",
    [ACTDB_INVOICE_GET] =
        "SELECT i.client_id, i.status, i.paused_until, i.wait_until, c.name "
        "FROM invoices i JOIN clients c ON c.id = i.client_id "
        "WHERE i.number = ?1",
    [ACTDB_INVOICE_STATUS] =
        "UPDATE invoices SET status = ?2, paused_until = ?3, "
        "status_reason = ?4 WHERE number = ?1 AND status <> 'paid'",
    [ACTDB_INVOICE_WAIT] =
        "UPDATE invoices SET wait_until = ?2 WHERE number = ?1",
    [ACTDB_EVENT] =
        "INSERT INTO events (at, kind, invoice, client_id, message_id, "
        "queue_id, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'milter', "
        "?7)",
    [ACTDB_NOTICE] =
        "INSERT INTO notices (created_at, kind, audience, invoice, client_id, "
        "subject, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ACTDB_UNDELIVERABLE] = "UPDATE client_emails SET undeliverable_at = ?2, "
                            "undeliverable_reason = ?3 WHERE address = ?1 "
                            "AND undeliverable_at IS NULL",
    [ACTDB_HANDOFF] =
        "UPDATE messages SET handed_off_at = ?2, handed_off_queue_id = ?3 "
        "WHERE token = ?1 AND handed_off_at IS NULL",
    [ACTDB_SAVEPOINT] = "SAVEPOINT act",
    [ACTDB_RELEASE] = "RELEASE act",
    [ACTDB_ROLLBACK_TO] = "ROLLBACK TO act",
};

int
actdb_prepare(struct act *a, sqlite3 *db, char *err, size_t errlen)
{
    a->db = db;
    for (int i = 0; i < ACTDB_COUNT; i++) {
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &a->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "act: cannot prepare statement %d: %s", i,
                     sqlite3_errmsg(db));
            return -1;
        }
    }
    return lookup_db_init(&a->ldb, db, &a->lk, err, errlen);
}

void
actdb_finalize(struct act *a)
{
    for (int i = 0; i < ACTDB_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    lookup_db_free(&a->ldb);
}

/* stmt returns statement i reset and unbound, ready for binding. */
sqlite3_stmt *
actdb_stmt(struct act_run *r, int i)
{
    sqlite3_stmt *st = r->a->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

void
actdb_bind(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL || *s == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* step runs st to completion-or-row and records the first error. */
int
actdb_step(struct act_run *r, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && r->rc == SQLITE_OK)
        r->rc = rc;
    return rc;
}

void
actdb_col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    act_copy(dst, n, (const char *)sqlite3_column_text(st, i));
}

void
actdb_event(struct act_run *r, const char *kind, const char *invoice,
            const char *client_id, const char *detail)
{
    sqlite3_stmt *st = actdb_stmt(r, ACTDB_EVENT);
    actdb_bind(st, 1, r->d->at);
    actdb_bind(st, 2, kind);
    actdb_bind(st, 3, invoice);
    actdb_bind(st, 4, client_id);
    actdb_bind(st, 5, r->d->message_id);
    actdb_bind(st, 6, r->d->queue_id);
    actdb_bind(st, 7, detail);
    actdb_step(r, st);
}

void
actdb_notice(struct act_run *r, const char *kind, const char *audience,
             const char *invoice, const char *client_id, const char *subject,
             const char *text)
{
    sqlite3_stmt *st = actdb_stmt(r, ACTDB_NOTICE);
    actdb_bind(st, 1, r->d->at);
    actdb_bind(st, 2, kind);
    actdb_bind(st, 3, audience);
    actdb_bind(st, 4, invoice);
    actdb_bind(st, 5, client_id);
    actdb_bind(st, 6, subject);
    actdb_bind(st, 7, text);
    if (actdb_step(r, st) == SQLITE_DONE && r->res)
        r->res->nnotices++;
}

/* client_of_addr: the client using addr (lookup.h: exact address, else a
 * domain only one client uses). "" if none. */
void
actdb_client_of_addr(struct act_run *r, const char *addr, char *out, size_t n)
{
    char id[CLASSIFY_ID_MAX] = "";
    *out = '\0';
    if (*addr && r->a->lk.client_of_address(r->a->lk.ctx, addr, id))
        act_copy(out, n, id);
}

bool
actdb_load_invoice(struct act_run *r, const char *number, struct act_inv *iv)
{
    memset(iv, 0, sizeof *iv);
    sqlite3_stmt *st = actdb_stmt(r, ACTDB_INVOICE_GET);
    actdb_bind(st, 1, number);
    if (actdb_step(r, st) != SQLITE_ROW)
        return false;
    act_copy(iv->number, sizeof iv->number, number);
    actdb_col(st, 0, iv->client_id, sizeof iv->client_id);
    actdb_col(st, 1, iv->status, sizeof iv->status);
    actdb_col(st, 2, iv->paused_until, sizeof iv->paused_until);
    actdb_col(st, 3, iv->wait_until, sizeof iv->wait_until);
    actdb_col(st, 4, iv->client_name, sizeof iv->client_name);
    return true;
}

/* later_date: the later of an existing YYYY-MM-DD (may be "") and day. */
int
actdb_later_date(const char *existing, int day)
{
    int e;
    if (existing && civil_parse_iso(existing, &e) == 0 && e > day)
        return e;
    return day;
}

void
actdb_set_status(struct act_run *r, struct act_inv *iv, const char *status,
                 int until, const char *reason)
{
    char buf[11] = "";
    if (until >= 0)
        civil_format_iso(until, buf);
    sqlite3_stmt *st = actdb_stmt(r, ACTDB_INVOICE_STATUS);
    actdb_bind(st, 1, iv->number);
    actdb_bind(st, 2, status);
    actdb_bind(st, 3, buf);
    actdb_bind(st, 4, reason);
    actdb_step(r, st);
    act_copy(iv->status, sizeof iv->status, status);
    act_copy(iv->paused_until, sizeof iv->paused_until, buf);
    if (r->res)
        act_copy(r->res->until, sizeof r->res->until, buf);
}

void
actdb_set_wait(struct act_run *r, struct act_inv *iv, int until)
{
    int day = actdb_later_date(iv->wait_until, until);
    char buf[11];
    civil_format_iso(day, buf);
    sqlite3_stmt *st = actdb_stmt(r, ACTDB_INVOICE_WAIT);
    actdb_bind(st, 1, iv->number);
    actdb_bind(st, 2, buf);
    actdb_step(r, st);
    if (r->res)
        act_copy(r->res->until, sizeof r->res->until, buf);
}
