/*
 * outbox.h - the `messages` table: every message the worker sends, and
 * the states that make sending exactly-once.
 *
 * Used by the worker (worker/w_send.c, w_plan.c) and its tests.
 *
 * THE EXACTLY-ONCE RULE
 *
 *   queued      outbox_record wrote the message - its Message-ID and its
 *               full bytes - and its `reminders` rows and advanced each
 *               invoice's step, in ONE transaction, before anything is
 *               sent. The reminder is committed to from then on: a crash
 *               can never produce a second, different reminder.
 *   submitting  outbox_mark_submitting, after MAIL/RCPT and the server's
 *               354 to DATA, just before the message bytes go out. This
 *               commit is made durable (synchronous=FULL) first.
 *   sent        after the server's 250 to the final dot (with a
 *               reminder_sent / notify_sent event per invoice).
 *   failed      a 5xx, or 4xx/cut connections for longer than
 *               SmtpRetryHours (send_failed events, notice to finance).
 *   uncertain   see reconcile.
 *
 * Reconcile (outbox_reconcile, at the start of every pass, when no
 * submission is in flight):
 *   - queued: no byte of the message can have reached the server (state
 *     submitting is written before the first one), and an SMTP server
 *     drops a transaction that did not end with the final dot and its
 *     250. Re-submitting the identical stored bytes (same Message-ID) is
 *     safe: it is simply sent by the normal loop.
 *   - submitting with handed_off_at set: the milter saw this Message-ID
 *     leave through the MTA, so the MTA has it: -> sent.
 *   - submitting without that evidence: the worker died (or the link
 *     broke) between the first byte and the 250. The MTA may or may not
 *     have queued it, and sending again could make the client receive
 *     the same reminder twice, which is worse for a dunning tool than a
 *     late one. -> uncertain, a send_uncertain event per invoice
 *     (sms_uncertain for a text) and a notice to finance naming the
 *     Message-ID so a person checks the MTA's log (grep the Message-ID)
 *     and re-sends by hand if needed.
 *     It is never re-sent blindly.
 *   - uncertain that later gets handed_off_at (the milter's finding was
 *     spooled and applied after the reconcile): -> sent.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct outbox_new {
    const char *message_id;  /* without < > */
    const char *token;
    const char *client_id;   /* NULL for notices not about a client */
    const char *kind;        /* "reminder", "notice" */
    const char *channel;     /* "email", "manager", "finance" */
    const char *mail_from;   /* envelope sender (bare address) */
    const char *recipients;  /* envelope, comma-separated */
    const char *subject;     /* decoded, for people and reports */
    const char *body;        /* the whole RFC 5322 message */
    size_t len;
};

struct outbox_reminder {
    const char *invoice;
    int step;                /* scenario step index (reminders.step) */
    const char *step_name;
};

/* A queued message loaded for submission. */
struct outbox_row {
    int64_t id;
    char *message_id;
    char *client_id;         /* may be NULL */
    char *kind;
    char *mail_from;
    char *recipients;
    char *body;
    size_t len;
    int attempts;
    time_t created_at;
};

struct outbox_stats {
    int sent, uncertain, queued; /* reconcile results */
};

struct outbox;

/* outbox_open keeps db (borrowed) and prepares statements lazily. */
struct outbox *outbox_open(sqlite3 *db);
void outbox_close(struct outbox *ob);

/*
 * outbox_record writes the message (state queued, created_at = now),
 * its reminders rows, advances invoices.step/step_name to each
 * reminder's step, and attaches the given notice ids (notices.message),
 * in one transaction. Returns the new messages.id, or -1 with err filled
 * and nothing written (e.g. a reminders row already exists: the step was
 * already committed to by someone else).
 */
int64_t outbox_record(struct outbox *ob, const struct outbox_new *m,
                      const struct outbox_reminder *r, size_t nr,
                      const int64_t *notices, size_t nn, time_t now,
                      char *err, size_t errlen);

/*
 * outbox_due loads the queued messages whose next attempt has come,
 * oldest first, at most max (0 = no limit), except channel "sms" rows
 * (texts for SmsCommand, run by worker/w_sms.c, never mailed). With notices_only, reminder
 * messages are left for later (outside the send window). *rows is a new
 * array; free with outbox_rows_free. Returns 0 or -1.
 */
int outbox_due(struct outbox *ob, time_t now, bool notices_only,
               size_t max, struct outbox_row **rows, size_t *n);
void outbox_rows_free(struct outbox_row *rows, size_t n);

/* outbox_mark_submitting: queued -> submitting, durable before return.
 * Returns 0, or -1 when the row was not queued any more or on error
 * (then nothing must be sent). */
int outbox_mark_submitting(struct outbox *ob, int64_t id);

/* outbox_mark_sent: -> sent, sent_at = now, and one reminder_sent
 * (reminders) or notify_sent (notices) event per row; sms_sent for a
 * text (channel "sms" or "sms-gateway"). 0 or -1. */
int outbox_mark_sent(struct outbox *ob, const struct outbox_row *row,
                     time_t now, const char *detail);

/*
 * outbox_mark_temp: a 4xx or a cut connection before the final answer
 * could exist (state still queued) or after a 4xx final answer
 * (submitting). Back to queued with attempts + 1 and a next attempt
 * with back-off (5 minutes doubling, at most 2 hours); when the message
 * is older than retry_hours it is failed instead (as outbox_mark_failed).
 * Returns 1 if it will be retried, 0 if failed now, -1 on error.
 */
int outbox_mark_temp(struct outbox *ob, const struct outbox_row *row,
                     time_t now, int retry_hours, const char *error);

/* outbox_mark_failed: -> failed, send_failed events (sms_failed for a
 * text), and a notice to finance with the server's answer. 0 or -1. */
int outbox_mark_failed(struct outbox *ob, const struct outbox_row *row,
                       time_t now, const char *error);

/*
 * outbox_reconcile applies the rule above to every row in state
 * submitting, and to uncertain rows that have the milter's evidence now.
 * Counts go to st (also the number of rows still queued).
 * Returns 0 or -1.
 */
int outbox_reconcile(struct outbox *ob, time_t now, struct outbox_stats *st);

/*
 * outbox_notice queues a notice for staff in table notices (the worker
 * sends it on its next step). audience: "finance", "manager" or "both".
 * invoice and client_id may be NULL. Returns 0 or -1.
 */
int outbox_notice(struct outbox *ob, time_t now, const char *kind,
                  const char *audience, const char *invoice,
                  const char *client_id, const char *subject,
                  const char *text);

#endif
