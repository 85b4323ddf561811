/*
 * invoice.c - payments, holds, releases and resolutions; see invoice.h.
 */
#include "invoice.h"
#include "civil.h"
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

static int
db_fail(sqlite3 *db, char *err, size_t errlen)
{
    return fail(INVOICE_EDB, err, errlen, "database: %s", sqlite3_errmsg(db));
}

void
invoice_json_string(struct sbuf *b, const char *s)
{
    if (s == NULL) {
        sbuf_adds(b, "null");
        return;
    }
    sbuf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sbuf_addc(b, '\\');
            sbuf_addc(b, (char)*p);
        } else if (*p < 0x20) {
            sbuf_addf(b, "\\u%04x", *p);
        } else {
            sbuf_addc(b, (char)*p);
        }
    }
    sbuf_addc(b, '"');
}

static void
detail_key(struct sbuf *b, const char *key)
{
    sbuf_addc(b, b->len == 0 ? '{' : ',');
    invoice_json_string(b, key);
    sbuf_addc(b, ':');
}

void
invoice_detail_str(struct sbuf *b, const char *key, const char *val)
{
    detail_key(b, key);
    invoice_json_string(b, val);
}

void
invoice_detail_int(struct sbuf *b, const char *key, long long val)
{
    detail_key(b, key);
    sbuf_addf(b, "%lld", val);
}

void
invoice_detail_raw(struct sbuf *b, const char *key, const char *json)
{
    detail_key(b, key);
    sbuf_adds(b, json);
}

const char *
invoice_detail_end(struct sbuf *b)
{
    sbuf_adds(b, b->len == 0 ? "{}" : "}");
    return b->s;
}

/* Prepares sql and binds the text arguments (NULL-terminated list). */
static sqlite3_stmt *
prep(sqlite3 *db, const char *sql, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    va_list ap;
    va_start(ap, sql);
    for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++)
        db_bind_text(st, i, va_arg(ap, const char *));
    va_end(ap);
    return st;
}

/* Runs a statement without results; 0 or -1. Finalizes it. */
static int
run(sqlite3_stmt *st)
{
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int
invoice_pay(sqlite3 *db, const char *number, int date, int64_t cents,
            const char *reference, const char *at, const char *actor,
            struct invoice_paid *out, char *err, size_t errlen)
{
    if (reference == NULL)
        reference = "";
    sqlite3_stmt *st = prep(db,
                            "SELECT client_id, amount_due_cents, "
                            "overpaid_cents, status, currency FROM invoices "
                            "WHERE number = ?",
                            number);
    if (st == NULL)
        return db_fail(db, err, errlen);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return fail(INVOICE_ENOTFOUND, err, errlen,
                    "facture inconnue / unknown invoice \"%s\"", number);
    }
    char *client = xstrdup(col_text(st, 0));
    int64_t due = sqlite3_column_int64(st, 1);
    int64_t over = sqlite3_column_int64(st, 2);
    char status[12], currency[8];
    snprintf(status, sizeof status, "%s", col_text(st, 3));
    snprintf(currency, sizeof currency, "%s", col_text(st, 4));
    sqlite3_finalize(st);

    char day[11], now[21];
    civil_format_iso(date, day);
    db_now(now);
    if (at == NULL)
        at = now;
    int rc = 0;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO payments (invoice, date, "
                           "amount_cents, reference, created_at) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(db, err, errlen);
        goto out;
    }
    db_bind_text(st, 1, number);
    db_bind_text(st, 2, day);
    sqlite3_bind_int64(st, 3, cents);
    db_bind_text(st, 4, reference);
    db_bind_text(st, 5, at);
    if (run(st) < 0) {
        rc = db_fail(db, err, errlen);
        goto out;
    }
    if (sqlite3_changes(db) == 0) {
        rc = fail(INVOICE_EDUPLICATE, err, errlen,
                  "paiement déjà enregistré / payment already recorded: %s "
                  "%s reference \"%s\"",
                  number, day, reference);
        goto out;
    }
    int64_t applied = cents < due ? cents : due;
    int64_t extra = cents - applied;
    due -= applied;
    over += extra;
    bool settles = due == 0 && strcmp(status, "paid") != 0;
    if (settles)
        snprintf(status, sizeof status, "paid");
    if (sqlite3_prepare_v2(db,
                           "UPDATE invoices SET amount_due_cents = ?, "
                           "overpaid_cents = ?, status = ?, "
                           "paid_date = CASE WHEN ?4 THEN ?5 ELSE paid_date END, "
                           "paused_until = CASE WHEN ?4 THEN NULL ELSE paused_until END, "
                           "status_reason = CASE WHEN ?4 THEN NULL ELSE status_reason END "
                           "WHERE number = ?6",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(db, err, errlen);
        goto out;
    }
    sqlite3_bind_int64(st, 1, due);
    sqlite3_bind_int64(st, 2, over);
    db_bind_text(st, 3, status);
    sqlite3_bind_int(st, 4, settles);
    db_bind_text(st, 5, day);
    db_bind_text(st, 6, number);
    if (run(st) < 0) {
        rc = db_fail(db, err, errlen);
        goto out;
    }
    struct sbuf d = {0};
    invoice_detail_int(&d, "amount_cents", cents);
    invoice_detail_str(&d, "date", day);
    invoice_detail_str(&d, "reference", reference);
    invoice_detail_int(&d, "amount_due_cents", due);
    invoice_detail_str(&d, "status", status);
    if (db_event(db, at, "payment", number, client, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_reset(&d);
    if (rc == 0 && extra > 0) {
        invoice_detail_int(&d, "overpaid_cents", extra);
        invoice_detail_int(&d, "total_overpaid_cents", over);
        invoice_detail_str(&d, "date", day);
        invoice_detail_str(&d, "reference", reference);
        if (db_event(db, at, "overpayment", number, client, NULL, NULL,
                     actor, invoice_detail_end(&d)) != 0)
            rc = db_fail(db, err, errlen);
    }
    sbuf_free(&d);
    if (rc == 0 && out) {
        out->due_cents = due;
        out->overpaid_cents = extra;
        snprintf(out->status, sizeof out->status, "%s", status);
        snprintf(out->currency, sizeof out->currency, "%s", currency);
    }
out:
    free(client);
    return rc;
}

/* Reads status, paused_until, status_reason and client of an invoice. */
struct inv_state {
    char status[12];
    char *until, *reason, *client;
};

static int
read_state(sqlite3 *db, const char *number, struct inv_state *s, char *err,
           size_t errlen)
{
    memset(s, 0, sizeof *s);
    sqlite3_stmt *st = prep(db,
                            "SELECT status, paused_until, status_reason, "
                            "client_id FROM invoices WHERE number = ?",
                            number);
    if (st == NULL)
        return db_fail(db, err, errlen);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return fail(INVOICE_ENOTFOUND, err, errlen,
                    "facture inconnue / unknown invoice \"%s\"", number);
    }
    snprintf(s->status, sizeof s->status, "%s", col_text(st, 0));
    s->until = col_text(st, 1) ? xstrdup(col_text(st, 1)) : NULL;
    s->reason = col_text(st, 2) ? xstrdup(col_text(st, 2)) : NULL;
    s->client = xstrdup(col_text(st, 3));
    sqlite3_finalize(st);
    return 0;
}

static void
free_state(struct inv_state *s)
{
    free(s->until);
    free(s->reason);
    free(s->client);
}

static int
set_state(sqlite3 *db, const char *number, const char *status,
          const char *until, const char *reason)
{
    return run(prep(db,
                    "UPDATE invoices SET status = ?, paused_until = ?, "
                    "status_reason = ? WHERE number = ?",
                    status, until, reason, number));
}

/* The latest 'hold' event's remembered field, or NULL; caller frees. */
static char *
hold_memory(sqlite3 *db, const char *number, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "$.%s", field);
    sqlite3_stmt *st = prep(db,
                            "SELECT json_extract(detail, ?) FROM events "
                            "WHERE invoice = ? AND kind = 'hold' "
                            "ORDER BY id DESC LIMIT 1",
                            path, number);
    char *v = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW && col_text(st, 0))
        v = xstrdup(col_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

int
invoice_hold(sqlite3 *db, const char *number, const char *reason, int until,
             const char *actor, char *err, size_t errlen)
{
    struct inv_state s;
    int rc = read_state(db, number, &s, err, errlen);
    if (rc < 0)
        return rc;
    if (strcmp(s.status, "paid") == 0) {
        free_state(&s);
        return fail(INVOICE_ESTATE, err, errlen,
                    "facture %s déjà payée / invoice %s is already paid",
                    number, number);
    }
    char *prev_status, *prev_until, *prev_reason;
    if (strcmp(s.status, "hold") == 0) {
        prev_status = hold_memory(db, number, "previous_status");
        prev_until = hold_memory(db, number, "previous_until");
        prev_reason = hold_memory(db, number, "previous_reason");
    } else {
        prev_status = xstrdup(s.status);
        prev_until = s.until ? xstrdup(s.until) : NULL;
        prev_reason = s.reason ? xstrdup(s.reason) : NULL;
    }
    char day[11];
    if (until >= 0)
        civil_format_iso(until, day);
    const char *u = until >= 0 ? day : NULL;
    struct sbuf d = {0};
    invoice_detail_str(&d, "reason", reason);
    invoice_detail_str(&d, "until", u);
    invoice_detail_str(&d, "previous_status",
                       prev_status ? prev_status : "open");
    invoice_detail_str(&d, "previous_until", prev_until);
    invoice_detail_str(&d, "previous_reason", prev_reason);
    if (set_state(db, number, "hold", u, reason) < 0 ||
        db_event(db, NULL, "hold", number, s.client, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_free(&d);
    free(prev_status);
    free(prev_until);
    free(prev_reason);
    free_state(&s);
    return rc;
}

int
invoice_release(sqlite3 *db, const char *number, const char *reason,
                int today, const char *actor, char *err, size_t errlen)
{
    struct inv_state s;
    int rc = read_state(db, number, &s, err, errlen);
    if (rc < 0)
        return rc;
    if (strcmp(s.status, "hold") != 0) {
        rc = fail(INVOICE_ESTATE, err, errlen,
                  "la facture %s n'est pas suspendue (statut %s) / invoice "
                  "%s is not on hold",
                  number, s.status, number);
        free_state(&s);
        return rc;
    }
    char *ps = hold_memory(db, number, "previous_status");
    char *pu = hold_memory(db, number, "previous_until");
    char *pr = hold_memory(db, number, "previous_reason");
    char day[11];
    civil_format_iso(today, day);
    const char *status = "open", *until = NULL, *why = NULL;
    if (ps && strcmp(ps, "disputed") == 0) {
        status = ps;
        why = pr;
    } else if (ps && (strcmp(ps, "paused") == 0 ||
                      strcmp(ps, "promised") == 0) &&
               pu && strcmp(pu, day) > 0) {
        status = ps;
        until = pu;
        why = pr;
    }
    struct sbuf d = {0};
    invoice_detail_str(&d, "reason", reason);
    invoice_detail_str(&d, "status", status);
    invoice_detail_str(&d, "until", until);
    if (set_state(db, number, status, until, why) < 0 ||
        db_event(db, NULL, "release", number, s.client, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_free(&d);
    free(ps);
    free(pu);
    free(pr);
    free_state(&s);
    return rc;
}

int
invoice_resolve(sqlite3 *db, const char *number, const char *reason,
                const char *actor, char *err, size_t errlen)
{
    struct inv_state s;
    int rc = read_state(db, number, &s, err, errlen);
    if (rc < 0)
        return rc;
    if (strcmp(s.status, "disputed") != 0) {
        rc = fail(INVOICE_ESTATE, err, errlen,
                  "la facture %s n'est pas contestée (statut %s) / invoice "
                  "%s is not disputed",
                  number, s.status, number);
        free_state(&s);
        return rc;
    }
    struct sbuf d = {0};
    invoice_detail_str(&d, "reason", reason);
    invoice_detail_str(&d, "dispute", s.reason);
    if (set_state(db, number, "open", NULL, NULL) < 0 ||
        db_event(db, NULL, "resolve", number, s.client, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_free(&d);
    free_state(&s);
    return rc;
}

/* Reads a client's hold_reason into *reason (caller frees; NULL if none). */
static int
client_exists(sqlite3 *db, const char *id, char **reason, char *err,
              size_t errlen)
{
    sqlite3_stmt *st =
        prep(db, "SELECT hold_reason FROM clients WHERE id = ?", id);
    if (st == NULL)
        return db_fail(db, err, errlen);
    int found = sqlite3_step(st) == SQLITE_ROW;
    *reason = found && col_text(st, 0) ? xstrdup(col_text(st, 0)) : NULL;
    sqlite3_finalize(st);
    return found ? 0
                 : fail(INVOICE_ENOTFOUND, err, errlen,
                        "client inconnu / unknown client \"%s\"", id);
}

int
client_hold(sqlite3 *db, const char *client_id, const char *reason,
            int until, const char *actor, char *err, size_t errlen)
{
    char *old;
    int rc = client_exists(db, client_id, &old, err, errlen);
    if (rc < 0)
        return rc;
    char day[11];
    if (until >= 0)
        civil_format_iso(until, day);
    const char *u = until >= 0 ? day : NULL;
    struct sbuf d = {0};
    invoice_detail_str(&d, "reason", reason);
    invoice_detail_str(&d, "until", u);
    invoice_detail_str(&d, "previous_reason", old);
    if (run(prep(db,
                 "UPDATE clients SET hold_reason = ?, hold_until = ? "
                 "WHERE id = ?",
                 reason, u, client_id)) < 0 ||
        db_event(db, NULL, "hold", NULL, client_id, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_free(&d);
    free(old);
    return rc;
}

int
client_release(sqlite3 *db, const char *client_id, const char *reason,
               const char *actor, char *err, size_t errlen)
{
    char *old;
    int rc = client_exists(db, client_id, &old, err, errlen);
    if (rc < 0)
        return rc;
    if (old == NULL)
        return fail(INVOICE_ESTATE, err, errlen,
                    "le client %s n'est pas suspendu / client %s is not on "
                    "hold",
                    client_id, client_id);
    struct sbuf d = {0};
    invoice_detail_str(&d, "reason", reason);
    invoice_detail_str(&d, "hold_reason", old);
    if (run(prep(db,
                 "UPDATE clients SET hold_reason = NULL, hold_until = NULL "
                 "WHERE id = ?",
                 client_id)) < 0 ||
        db_event(db, NULL, "release", NULL, client_id, NULL, NULL, actor,
                 invoice_detail_end(&d)) != 0)
        rc = db_fail(db, err, errlen);
    sbuf_free(&d);
    free(old);
    return rc;
}
