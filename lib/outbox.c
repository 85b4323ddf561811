/*
 * outbox.c - the messages table and its exactly-once states; see
 * outbox.h for the rule. Every state change is one short transaction;
 * statements are prepared once per struct outbox and reused.
 */
#include "outbox.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    Q_INSERT_MSG,
    Q_INSERT_REMINDER,
    Q_ADVANCE,
    Q_ATTACH_NOTICE,
    Q_DUE,
    Q_DUE_NOTICES,
    Q_SUBMITTING,
    Q_SENT,
    Q_RETRY,
    Q_FAILED,
    Q_REM_OF,
    Q_NOTICES_OF,
    Q_SUBMITTING_ROWS,
    Q_SETSTATE,
    Q_INSERT_NOTICE,
    Q_COUNT_QUEUED,
    Q_SUBJECT_OF,
    Q_CHANNEL_OF,
    Q_N
};

static const char *const sql[Q_N] = {
    [Q_INSERT_MSG] =
        "INSERT INTO messages (message_id, token, client_id, kind, channel,"
        " mail_from, recipients, subject, body, state, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,'queued',?)",
    [Q_INSERT_REMINDER] =
        "INSERT INTO reminders (invoice, step, step_name, message)"
        " VALUES (?,?,?,?)",
    [Q_ADVANCE] = "UPDATE invoices SET step = ?1, step_name = ?2"
                  " WHERE number = ?3 AND step < ?1",
    [Q_ATTACH_NOTICE] =
        "UPDATE notices SET message = ? WHERE id = ? AND message IS NULL",
    [Q_DUE] = "SELECT id, message_id, client_id, kind, mail_from, recipients,"
              " body, attempts, created_at FROM messages"
              " WHERE state = 'queued' AND channel <> 'sms'"
              " AND (next_attempt_at IS NULL"
              " OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
    [Q_DUE_NOTICES] =
        "SELECT id, message_id, client_id, kind, mail_from, recipients,"
        " body, attempts, created_at FROM messages"
        " WHERE state = 'queued' AND kind <> 'reminder' AND channel <> 'sms'"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
        " ORDER BY id LIMIT ?",
    [Q_SUBMITTING] = "UPDATE messages SET state = 'submitting'"
                     " WHERE id = ? AND state = 'queued'",
    [Q_SENT] = "UPDATE messages SET state = 'sent', sent_at = ?,"
               " last_error = NULL WHERE id = ?",
    [Q_RETRY] = "UPDATE messages SET state = 'queued', attempts = ?,"
                " next_attempt_at = ?, last_error = ? WHERE id = ?",
    [Q_FAILED] = "UPDATE messages SET state = 'failed', last_error = ?,"
                 " attempts = attempts + 1 WHERE id = ?",
    [Q_REM_OF] = "SELECT r.invoice, i.client_id, r.step_name FROM reminders r"
                 " JOIN invoices i ON i.number = r.invoice"
                 " WHERE r.message = ? ORDER BY r.invoice",
    [Q_NOTICES_OF] = "SELECT invoice, client_id, kind FROM notices"
                     " WHERE message = ? ORDER BY id",
    [Q_SUBMITTING_ROWS] =
        "SELECT id, message_id, client_id, kind, mail_from, recipients,"
        " body, attempts, created_at, handed_off_at FROM messages"
        " WHERE state = 'submitting' OR (state = 'uncertain'"
        " AND handed_off_at IS NOT NULL) ORDER BY id",
    [Q_SETSTATE] = "UPDATE messages SET state = ?, sent_at = ? WHERE id = ?",
    [Q_INSERT_NOTICE] =
        "INSERT INTO notices (created_at, kind, audience, invoice, client_id,"
        " subject, text) VALUES (?,?,?,?,?,?,?)",
    [Q_COUNT_QUEUED] = "SELECT count(*) FROM messages WHERE state = 'queued'",
    [Q_SUBJECT_OF] = "SELECT subject FROM messages WHERE id = ?",
    [Q_CHANNEL_OF] = "SELECT channel FROM messages WHERE id = ?",
};

struct outbox {
    sqlite3 *db;
    sqlite3_stmt *st[Q_N];
};

struct outbox *
outbox_open(sqlite3 *db)
{
    struct outbox *ob = xcalloc(1, sizeof *ob);
    ob->db = db;
    return ob;
}

void
outbox_close(struct outbox *ob)
{
    if (ob == NULL)
        return;
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(ob->st[i]);
    free(ob);
}

/* The statement q, reset and unbound, ready for binding. */
static sqlite3_stmt *
stmt(struct outbox *ob, int q)
{
    if (ob->st[q] == NULL) {
        if (sqlite3_prepare_v3(ob->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                               &ob->st[q], NULL) != SQLITE_OK)
            msg_panic("outbox: cannot prepare \"%s\": %s", sql[q],
                      sqlite3_errmsg(ob->db));
    }
    sqlite3_reset(ob->st[q]);
    sqlite3_clear_bindings(ob->st[q]);
    return ob->st[q];
}

/* Runs a bound statement that returns no row; -1 on error. */
static int
run(struct outbox *ob, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        msg_warn("outbox: %s", sqlite3_errmsg(ob->db));
        return -1;
    }
    return 0;
}

static void
utc(time_t t, char *buf)
{
    clock_format_utc(t, buf);
}

int64_t
outbox_record(struct outbox *ob, const struct outbox_new *m,
              const struct outbox_reminder *r, size_t nr,
              const int64_t *notices, size_t nn, time_t now, char *err,
              size_t errlen)
{
    char at[21];
    utc(now, at);
    if (db_begin(ob->db) < 0) {
        snprintf(err, errlen, "cannot lock the database: %s",
                 sqlite3_errmsg(ob->db));
        return -1;
    }
    sqlite3_stmt *st = stmt(ob, Q_INSERT_MSG);
    db_bind_text(st, 1, m->message_id);
    db_bind_text(st, 2, m->token);
    db_bind_text(st, 3, m->client_id);
    db_bind_text(st, 4, m->kind);
    db_bind_text(st, 5, m->channel);
    db_bind_text(st, 6, m->mail_from);
    db_bind_text(st, 7, m->recipients);
    db_bind_text(st, 8, m->subject);
    sqlite3_bind_blob(st, 9, m->body, (int)m->len, SQLITE_STATIC);
    db_bind_text(st, 10, at);
    if (run(ob, st) < 0)
        goto fail;
    int64_t id = sqlite3_last_insert_rowid(ob->db);
    for (size_t i = 0; i < nr; i++) {
        st = stmt(ob, Q_INSERT_REMINDER);
        db_bind_text(st, 1, r[i].invoice);
        sqlite3_bind_int(st, 2, r[i].step);
        db_bind_text(st, 3, r[i].step_name);
        sqlite3_bind_int64(st, 4, id);
        if (run(ob, st) < 0)
            goto fail;
        st = stmt(ob, Q_ADVANCE);
        sqlite3_bind_int(st, 1, r[i].step);
        db_bind_text(st, 2, r[i].step_name);
        db_bind_text(st, 3, r[i].invoice);
        if (run(ob, st) < 0)
            goto fail;
    }
    for (size_t i = 0; i < nn; i++) {
        st = stmt(ob, Q_ATTACH_NOTICE);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, notices[i]);
        if (run(ob, st) < 0 || sqlite3_changes(ob->db) != 1)
            goto fail;
    }
    if (db_commit(ob->db) < 0)
        goto fail;
    return id;
fail:
    snprintf(err, errlen, "recording %s: %s", m->message_id,
             sqlite3_errmsg(ob->db));
    db_rollback(ob->db);
    return -1;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? xstrdup(s) : NULL;
}

static void
row_load(sqlite3_stmt *st, struct outbox_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->message_id = col_dup(st, 1);
    r->client_id = col_dup(st, 2);
    r->kind = col_dup(st, 3);
    r->mail_from = col_dup(st, 4);
    r->recipients = col_dup(st, 5);
    r->len = (size_t)sqlite3_column_bytes(st, 6);
    r->body = xstrndup(sqlite3_column_blob(st, 6), r->len);
    r->attempts = sqlite3_column_int(st, 7);
    if (clock_parse_utc((const char *)sqlite3_column_text(st, 8),
                        &r->created_at) < 0)
        r->created_at = 0;
}

int
outbox_due(struct outbox *ob, time_t now, bool notices_only, size_t max,
           struct outbox_row **rows, size_t *n)
{
    char at[21];
    utc(now, at);
    sqlite3_stmt *st = stmt(ob, notices_only ? Q_DUE_NOTICES : Q_DUE);
    db_bind_text(st, 1, at);
    sqlite3_bind_int64(st, 2, max ? (sqlite3_int64)max : -1);
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *rows = xrealloc(*rows, cap * sizeof **rows);
        }
        row_load(st, &(*rows)[(*n)++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        msg_warn("outbox: %s", sqlite3_errmsg(ob->db));
        return -1;
    }
    return 0;
}

void
outbox_rows_free(struct outbox_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].message_id);
        free(rows[i].client_id);
        free(rows[i].kind);
        free(rows[i].mail_from);
        free(rows[i].recipients);
        free(rows[i].body);
    }
    free(rows);
}

int
outbox_mark_submitting(struct outbox *ob, int64_t id)
{
    /* This commit must survive a power loss, not only a crash: a
     * 'submitting' lost after the bytes went out would re-send them. */
    db_exec(ob->db, "PRAGMA synchronous = FULL");
    sqlite3_stmt *st = stmt(ob, Q_SUBMITTING);
    sqlite3_bind_int64(st, 1, id);
    int rc = run(ob, st);
    if (rc == 0 && sqlite3_changes(ob->db) != 1)
        rc = -1;
    db_exec(ob->db, "PRAGMA synchronous = NORMAL");
    return rc;
}

enum outcome { OUT_SENT, OUT_FAILED, OUT_UNCERTAIN };

/* The event kind of what became of a message. A text (channel "sms",
 * SmsCommand, or "sms-gateway", a mail to the gateway) has its own kinds
 * (schema 004); a mail is reminder_sent or notify_sent, send_failed,
 * send_uncertain. */
static const char *
event_kind(struct outbox *ob, const struct outbox_row *row, enum outcome o)
{
    sqlite3_stmt *st = stmt(ob, Q_CHANNEL_OF);
    sqlite3_bind_int64(st, 1, row->id);
    const char *ch = sqlite3_step(st) == SQLITE_ROW
                         ? (const char *)sqlite3_column_text(st, 0) : NULL;
    bool sms = ch && strncmp(ch, "sms", 3) == 0;
    sqlite3_reset(st);
    switch (o) {
    case OUT_SENT:
        return sms ? "sms_sent"
                   : strcmp(row->kind, "reminder") == 0 ? "reminder_sent"
                                                       : "notify_sent";
    case OUT_FAILED:
        return sms ? "sms_failed" : "send_failed";
    case OUT_UNCERTAIN:
        break;
    }
    return sms ? "sms_uncertain" : "send_uncertain";
}

/* One event of kind per invoice the message carried (reminders rows),
 * per notice it carried, or one about its client when neither. */
static int
events_for(struct outbox *ob, const struct outbox_row *row, const char *at,
           const char *kind, const char *detail)
{
    int n = 0, rc = 0;
    const int qs[2] = {Q_REM_OF, Q_NOTICES_OF};
    for (int k = 0; k < 2 && rc == 0; k++) {
        sqlite3_stmt *st = stmt(ob, qs[k]);
        sqlite3_bind_int64(st, 1, row->id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *inv = (const char *)sqlite3_column_text(st, 0);
            const char *cli = (const char *)sqlite3_column_text(st, 1);
            const char *what = (const char *)sqlite3_column_text(st, 2);
            char *d = xasprintf("%s=%s%s%s", k == 0 ? "step" : "notice",
                                what ? what : "", detail ? " " : "",
                                detail ? detail : "");
            if (db_event(ob->db, at, kind, inv, cli, row->message_id, NULL,
                         "worker", d) != 0)
                rc = -1;
            free(d);
            n++;
        }
        sqlite3_reset(st);
    }
    if (n == 0 && rc == 0 &&
        db_event(ob->db, at, kind, NULL, row->client_id, row->message_id,
                 NULL, "worker", detail) != 0)
        rc = -1;
    return rc;
}

int
outbox_mark_sent(struct outbox *ob, const struct outbox_row *row, time_t now,
                 const char *detail)
{
    char at[21];
    utc(now, at);
    if (db_begin(ob->db) < 0)
        return -1;
    sqlite3_stmt *st = stmt(ob, Q_SENT);
    db_bind_text(st, 1, at);
    sqlite3_bind_int64(st, 2, row->id);
    const char *kind = event_kind(ob, row, OUT_SENT);
    if (run(ob, st) < 0 || events_for(ob, row, at, kind, detail) < 0 ||
        db_commit(ob->db) < 0) {
        db_rollback(ob->db);
        return -1;
    }
    return 0;
}

/* The invoices a message carried, "F-1, F-2" (new string), "" if none. */
static char *
invoices_of(struct outbox *ob, int64_t id)
{
    struct sbuf b = {0};
    sqlite3_stmt *st = stmt(ob, Q_REM_OF);
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        sbuf_addf(&b, "%s%s", b.len ? ", " : "",
                  (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (b.s == NULL)
        sbuf_adds(&b, "");
    return sbuf_steal(&b);
}

static int
insert_notice(struct outbox *ob, const char *at, const char *kind,
              const char *audience, const char *invoice,
              const char *client_id, const char *subject, const char *text)
{
    sqlite3_stmt *st = stmt(ob, Q_INSERT_NOTICE);
    db_bind_text(st, 1, at);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, audience);
    db_bind_text(st, 4, invoice);
    db_bind_text(st, 5, client_id);
    db_bind_text(st, 6, subject);
    db_bind_text(st, 7, text);
    return run(ob, st);
}

int
outbox_notice(struct outbox *ob, time_t now, const char *kind,
              const char *audience, const char *invoice,
              const char *client_id, const char *subject, const char *text)
{
    char at[21];
    utc(now, at);
    return insert_notice(ob, at, kind, audience, invoice, client_id, subject,
                         text);
}

/* A notice to finance about a message that failed or is uncertain.
 * Notices about notices are not made (a broken finance address must not
 * feed itself); the log line is enough then. */
static int
tell_finance(struct outbox *ob, const struct outbox_row *row, const char *at,
             bool uncertain, const char *error)
{
    if (strcmp(row->kind, "reminder") != 0)
        return 0;
    char *inv = invoices_of(ob, row->id);
    char *subject, *text;
    if (uncertain) {
        subject = xasprintf("Relance : envoi incertain / uncertain send "
                            "<%s>", row->message_id);
        text = xasprintf(
            "Le worker a été interrompu pendant la remise du message <%s> "
            "(client %s, factures %s) au serveur de messagerie. Il ne sera "
            "pas renvoyé automatiquement, pour ne pas relancer deux fois le "
            "client. Cherchez ce Message-ID dans le journal du serveur de "
            "messagerie et renvoyez la relance à la main s'il n'est pas "
            "parti.\n\n"
            "The worker was interrupted while handing message <%s> (client "
            "%s, invoices %s) to the mail server. It will not be re-sent "
            "automatically, so the client is never reminded twice. Look for "
            "this Message-ID in the mail server's log and re-send by hand "
            "if it did not leave.\n",
            row->message_id, row->client_id ? row->client_id : "-", inv,
            row->message_id, row->client_id ? row->client_id : "-", inv);
    } else {
        /* The send_failed template shows the failed message's subject
         * and, as the error, the notice text: the server's answer. */
        sqlite3_stmt *st = stmt(ob, Q_SUBJECT_OF);
        sqlite3_bind_int64(st, 1, row->id);
        const char *s = sqlite3_step(st) == SQLITE_ROW
                            ? (const char *)sqlite3_column_text(st, 0) : NULL;
        subject = xasprintf("%s <%s> (%s)", s ? s : "", row->message_id, inv);
        sqlite3_reset(st);
        text = xstrdup(error);
    }
    int rc = insert_notice(ob, at, uncertain ? "send_uncertain" : "send_failed",
                           "finance", NULL, row->client_id, subject, text);
    free(inv);
    free(subject);
    free(text);
    return rc;
}

int
outbox_mark_failed(struct outbox *ob, const struct outbox_row *row,
                   time_t now, const char *error)
{
    char at[21];
    utc(now, at);
    if (db_begin(ob->db) < 0)
        return -1;
    sqlite3_stmt *st = stmt(ob, Q_FAILED);
    db_bind_text(st, 1, error);
    sqlite3_bind_int64(st, 2, row->id);
    if (run(ob, st) < 0 ||
        events_for(ob, row, at, event_kind(ob, row, OUT_FAILED), error) < 0 ||
        tell_finance(ob, row, at, false, error) < 0 ||
        db_commit(ob->db) < 0) {
        db_rollback(ob->db);
        return -1;
    }
    msg_warn("worker: failed msgid=<%s> client=%s: %s", row->message_id,
             row->client_id ? row->client_id : "-", error);
    return 0;
}

int
outbox_mark_temp(struct outbox *ob, const struct outbox_row *row, time_t now,
                 int retry_hours, const char *error)
{
    if (row->created_at && now - row->created_at >= (time_t)retry_hours * 3600)
        return outbox_mark_failed(ob, row, now, error) < 0 ? -1 : 0;
    int attempts = row->attempts + 1;
    time_t delay = 300;
    for (int i = 1; i < attempts && delay < 7200; i++)
        delay *= 2;
    if (delay > 7200)
        delay = 7200;
    char next[21];
    utc(now + delay, next);
    sqlite3_stmt *st = stmt(ob, Q_RETRY);
    sqlite3_bind_int(st, 1, attempts);
    db_bind_text(st, 2, next);
    db_bind_text(st, 3, error);
    sqlite3_bind_int64(st, 4, row->id);
    if (run(ob, st) < 0)
        return -1;
    msg_warn("worker: deferred msgid=<%s> attempt=%d next=%s: %s",
             row->message_id, attempts, next, error);
    return 1;
}

int
outbox_reconcile(struct outbox *ob, time_t now, struct outbox_stats *out)
{
    char at[21];
    utc(now, at);
    struct outbox_stats st = {0};
    sqlite3_stmt *q = stmt(ob, Q_SUBMITTING_ROWS);
    struct outbox_row *rows = NULL;
    char **handed = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, cap * sizeof *rows);
            handed = xrealloc(handed, cap * sizeof *handed);
        }
        row_load(q, &rows[n]);
        handed[n++] = col_dup(q, 9);
    }
    sqlite3_reset(q);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct outbox_row *r = &rows[i];
        if (db_begin(ob->db) < 0) {
            rc = -1;
            break;
        }
        sqlite3_stmt *u = stmt(ob, Q_SETSTATE);
        db_bind_text(u, 1, handed[i] ? "sent" : "uncertain");
        db_bind_text(u, 2, handed[i]);
        sqlite3_bind_int64(u, 3, r->id);
        if (run(ob, u) < 0 ||
            events_for(ob, r, at,
                       event_kind(ob, r, handed[i] ? OUT_SENT : OUT_UNCERTAIN),
                       handed[i] ? "confirmed by the milter"
                                 : "interrupted during submission") < 0 ||
            (!handed[i] && tell_finance(ob, r, at, true, NULL) < 0) ||
            db_commit(ob->db) < 0) {
            db_rollback(ob->db);
            rc = -1;
            break;
        }
        if (handed[i]) {
            st.sent++;
            msg_info("worker: reconciled msgid=<%s> sent (milter saw it "
                     "leave)", r->message_id);
        } else {
            st.uncertain++;
            msg_warn("worker: uncertain msgid=<%s> client=%s: interrupted "
                     "during submission, not re-sent, finance told",
                     r->message_id, r->client_id ? r->client_id : "-");
        }
    }
    for (size_t i = 0; i < n; i++)
        free(handed[i]);
    free(handed);
    outbox_rows_free(rows, n);
    q = stmt(ob, Q_COUNT_QUEUED);
    if (sqlite3_step(q) == SQLITE_ROW)
        st.queued = sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    if (out)
        *out = st;
    return rc;
}
