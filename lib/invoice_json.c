/*
 * invoice_json.c - invoices as JSON; see invoice_json.h.
 *
 * SQLite 3.40 has no ORDER BY inside aggregates, so each array is built
 * from an ordered subquery; json() around a subquery restores the JSON
 * subtype that a subquery result loses (else it would be quoted).
 */
#include "invoice_json.h"
#include "db.h"
#include "log.h"

#define INVOICE_MEMBERS                                                       \
    "'number', i.number, 'client_id', i.client_id, 'client_name', c.name, "  \
    "'issue_date', i.issue_date, 'due_date', i.due_date, "                   \
    "'amount_cents', i.amount_cents, "                                       \
    "'amount_due_cents', i.amount_due_cents, "                               \
    "'overpaid_cents', i.overpaid_cents, 'currency', i.currency, "           \
    "'status', i.status, 'status_reason', i.status_reason, "                 \
    "'paused_until', i.paused_until, 'wait_until', i.wait_until, "           \
    "'step', i.step, 'step_name', i.step_name, 'paid_date', i.paid_date, "   \
    "'payment_link', i.payment_link, 'pdf', i.pdf, "                         \
    "'client_hold', CASE WHEN c.hold_reason IS NULL THEN NULL ELSE "         \
    "  json_object('reason', c.hold_reason, 'until', c.hold_until) END, "    \
    "'reminders', json((SELECT json_group_array(json(o)) FROM ("            \
    "  SELECT json_object('step', r.step, 'step_name', r.step_name, "        \
    "    'sent_at', m.sent_at, 'message_id', m.message_id, "                 \
    "    'state', m.state) AS o "                                            \
    "  FROM reminders r JOIN messages m ON m.id = r.message "               \
    "  WHERE r.invoice = i.number ORDER BY r.step))), "                      \
    "'payments', json((SELECT json_group_array(json(o)) FROM ("             \
    "  SELECT json_object('date', p.date, 'amount_cents', p.amount_cents, "  \
    "    'reference', p.reference) AS o "                                    \
    "  FROM payments p WHERE p.invoice = i.number "                          \
    "  ORDER BY p.date, p.id)))"

#define INVOICE_EVENTS                                                        \
    ", 'events', json((SELECT json_group_array(json(o)) FROM ("             \
    "  SELECT json_object('id', e.id, 'at', e.at, 'kind', e.kind, "          \
    "    'invoice', e.invoice, 'actor', e.actor, "                           \
    "    'message_id', e.message_id, 'queue_id', e.queue_id, "               \
    "    'detail', CASE WHEN json_valid(e.detail) THEN json(e.detail) "      \
    "                   ELSE e.detail END) AS o "                            \
    "  FROM events e WHERE e.invoice = i.number ORDER BY e.id)))"

#define INVOICE_FROM " FROM invoices i JOIN clients c ON c.id = i.client_id "

int
invoice_json_one(sqlite3 *db, const char *number, bool with_events,
                 struct sbuf *out)
{
    const char *sql =
        with_events ? "SELECT json_object(" INVOICE_MEMBERS INVOICE_EVENTS
                      ")" INVOICE_FROM "WHERE i.number = ?"
                    : "SELECT json_object(" INVOICE_MEMBERS ")" INVOICE_FROM
                      "WHERE i.number = ?";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        msg_warn("invoice_json_one: %s", sqlite3_errmsg(db));
        return -1;
    }
    db_bind_text(st, 1, number);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        sbuf_adds(out, (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_DONE)
        msg_warn("invoice_json_one: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

long
invoice_json_list(sqlite3 *db, const char *status, const char *client_id,
                  void (*fn)(const char *json, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT json_object(" INVOICE_MEMBERS ")" INVOICE_FROM
        "WHERE (?1 IS NULL OR i.status = ?1) "
        "AND (?2 IS NULL OR i.client_id = ?2) "
        "ORDER BY i.due_date, i.number";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        msg_warn("invoice_json_list: %s", sqlite3_errmsg(db));
        return -1;
    }
    db_bind_text(st, 1, status);
    db_bind_text(st, 2, client_id);
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn((const char *)sqlite3_column_text(st, 0), arg);
        n++;
    }
    if (rc != SQLITE_DONE) {
        msg_warn("invoice_json_list: %s", sqlite3_errmsg(db));
        n = -1;
    }
    sqlite3_finalize(st);
    return n;
}
