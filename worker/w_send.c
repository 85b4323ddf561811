/*
 * w_send.c - the submission loop: queued messages go to SmtpServer over
 * one SMTP session, with the exactly-once states of lib/outbox.h:
 *
 *   smtp_envelope (MAIL, RCPT..., DATA -> 354)
 *   outbox_mark_submitting            <- durable before the first byte
 *   smtp_data (the stored bytes, final answer)
 *   outbox_mark_sent / _temp / _failed
 *
 * A connection cut during smtp_data leaves the row 'submitting' for the
 * next pass's reconcile (the milter may have seen it leave). Called by
 * w_pass.c.
 */
#include "w.h"
#include "civil.h"
#include "log.h"
#include "smtp.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define BATCH 256

/* Splits "a,b,c" in place into v (at most max). */
static size_t
split_rcpt(char *s, const char **v, size_t max)
{
    size_t n = 0;
    for (char *p = strtok(s, ","); p && n < max; p = strtok(NULL, ","))
        v[n++] = p;
    return n;
}

/* "invoices=F-1,F-2 step=first" for the log line (new string). */
static char *
describe(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st;
    struct sbuf inv = {0};
    char *step = NULL;
    int best = -1;
    if (sqlite3_prepare_v3(db,
            "SELECT invoice, step, step_name FROM reminders WHERE message = ?"
            " UNION ALL SELECT invoice, -1, kind FROM notices"
            " WHERE message = ? ORDER BY 1", -1, SQLITE_PREPARE_PERSISTENT,
            &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *i = (const char *)sqlite3_column_text(st, 0);
            if (i)
                sbuf_addf(&inv, "%s%s", inv.len ? "," : "", i);
            if (sqlite3_column_int(st, 1) > best || step == NULL) {
                best = sqlite3_column_int(st, 1);
                free(step);
                step = xstrdup((const char *)sqlite3_column_text(st, 2));
            }
        }
        sqlite3_finalize(st);
    }
    char *s = xasprintf("invoices=%s step=%s", inv.len ? inv.s : "-",
                        step ? step : "-");
    sbuf_free(&inv);
    free(step);
    return s;
}

/* Some recipients were refused (the others got the message): finance is
 * told which, with the server's answer. */
static void
tell_refused(struct outbox *ob, const struct outbox_row *row, time_t now,
             const char *answer)
{
    msg_warn("worker: msgid=<%s> client=%s some recipients refused: %s",
             row->message_id, row->client_id ? row->client_id : "-", answer);
    char *subject = xasprintf("Destinataire refusé / recipient refused <%s>",
                              row->message_id);
    char *text = xasprintf(
        "Le serveur de messagerie a refusé une partie des destinataires du "
        "message <%s> (client %s) ; les autres l'ont reçu.\n"
        "Réponse : %s\n\n"
        "The mail server refused some recipients of message <%s> (client "
        "%s); the others got it.\nAnswer: %s\n",
        row->message_id, row->client_id ? row->client_id : "-", answer,
        row->message_id, row->client_id ? row->client_id : "-", answer);
    if (outbox_notice(ob, now, "send_partial", "finance", NULL,
                      row->client_id, subject, text) < 0)
        msg_warn("worker: could not queue the notice about <%s>",
                 row->message_id);
    free(subject);
    free(text);
}

/* Submits one row. Returns 1 sent, 0 not sent (recorded), -1 the session
 * is unusable (row recorded as far as known), -2 database failure. */
static int
submit_one(const struct worker *w, sqlite3 *db, struct outbox *ob,
           struct smtp *s, const struct outbox_row *row)
{
    char *rc_copy = xstrdup(row->recipients);
    const char *rcpt[64];
    size_t n = split_rcpt(rc_copy, rcpt, 64);
    bool accepted[64];
    struct smtp_reply r;
    int st = smtp_envelope(s, row->mail_from, rcpt, n, accepted, &r);
    free(rc_copy);
    time_t now = clock_now();
    if (st != SMTP_OK) {
        int rc = st == SMTP_PERM
                     ? outbox_mark_failed(ob, row, now, r.text)
                     : outbox_mark_temp(ob, row, now,
                                        w->cfg.smtp_retry_hours, r.text);
        if (rc < 0)
            return -2;
        return st == SMTP_DROPPED ? -1 : 0;
    }
    char *refused = r.text[0] ? xstrdup(r.text) : NULL;
    /* The server waits for the bytes (354). From here on, a crash leaves
     * 'submitting' and reconcile decides; never before this commit. */
    if (outbox_mark_submitting(ob, row->id) < 0) {
        free(refused);
        /* Not queued any more, or the database failed: the bytes must not
         * go. After 354 only closing the connection ends the transaction
         * (the server then discards it). */
        msg_warn("worker: msgid=<%s> could not be marked submitting; "
                 "dropping the session so nothing is sent", row->message_id);
        return -1;
    }
    st = smtp_data(s, row->body, row->len, &r);
    now = clock_now();
    if (st == SMTP_OK) {
        if (outbox_mark_sent(ob, row, now, NULL) < 0) {
            free(refused);
            return -2;
        }
        if (refused)
            tell_refused(ob, row, now, refused);
        free(refused);
        char *what = describe(db, row->id);
        msg_info("worker: sent msgid=<%s> client=%s %s", row->message_id,
                 row->client_id ? row->client_id : "-", what);
        free(what);
        return 1;
    }
    free(refused);
    if (st == SMTP_DROPPED) {
        msg_warn("worker: msgid=<%s> connection lost during the message "
                 "(%s); left for reconcile", row->message_id, r.text);
        return -1;
    }
    int rc = st == SMTP_PERM
                 ? outbox_mark_failed(ob, row, now, r.text)
                 : outbox_mark_temp(ob, row, now, w->cfg.smtp_retry_hours,
                                    r.text);
    return rc < 0 ? -2 : 0;
}

int
w_send(const struct worker *w, sqlite3 *db, struct outbox *ob,
       bool reminders_ok)
{
    struct smtp_conf conf = {
        .server = w->cfg.smtp_server, .tls = w->cfg.smtp_tls,
        .user = w->cfg.smtp_user, .password = w->smtp_password};
    struct smtp *s = NULL;
    int sent = 0;
    int64_t last_id = 0;
    while (!w_stopping()) {
        struct outbox_row *rows;
        size_t n;
        if (outbox_due(ob, clock_now(), !reminders_ok, BATCH, &rows, &n) < 0)
            return -1;
        /* Rows deferred in this pass come back with a later next attempt;
         * rows still due after a failure stop the loop below. */
        if (n == 0 || rows[0].id <= last_id) {
            outbox_rows_free(rows, n);
            break;
        }
        bool give_up = false;
        for (size_t i = 0; i < n && !w_stopping() && !give_up; i++) {
            last_id = rows[i].id;
            if (s == NULL) {
                struct smtp_reply r;
                s = smtp_open(&conf, &r);
                if (s == NULL) {
                    /* The MTA is unreachable: every due message waits. */
                    msg_warn("worker: SMTP %s: %s", w->cfg.smtp_server,
                             r.text);
                    for (size_t k = i; k < n; k++)
                        if (outbox_mark_temp(ob, &rows[k], clock_now(),
                                             w->cfg.smtp_retry_hours,
                                             r.text) < 0)
                            break;
                    give_up = true;
                    break;
                }
            }
            int rc = submit_one(w, db, ob, s, &rows[i]);
            if (rc == 1)
                sent++;
            if (rc < 0) {
                smtp_close(s);
                s = NULL;
            }
            if (rc == -2) {
                outbox_rows_free(rows, n);
                return -1;
            }
        }
        outbox_rows_free(rows, n);
        if (give_up)
            break;
    }
    smtp_close(s);
    return sent;
}
