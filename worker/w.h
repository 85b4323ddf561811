/*
 * w.h - what the relance-worker files share (worker-only, not a library
 * interface).
 *
 *   relance-worker.c  options, start-up, the daemon loop and signals
 *   w_setup.c         loading config, rules, templates, calendar, key
 *   w_compose.c       rendering + MIME for a planned message or a notice
 *   w_pass.c          one pass: reconcile, plan, record, notices, submit
 *   w_send.c          the SMTP submission loop (exactly-once states)
 *   w_people.c        task steps and steps waiting for approval
 *   w_thanks.c        thank-you messages after payment (`on paid` steps)
 *   w_digest.c        the daily digest to finance, before the first send
 *   w_letter.c        the formal-notice letter file for the dossier
 *   w_sms.c           sms steps: SmsCommand, SmsGateway, failures told
 */
#ifndef W_H
#define W_H

#include "cfg.h"
#include "legal.h"
#include "outbox.h"
#include "scenario.h"
#include "sched.h"
#include "token.h"
#include "planload.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct tmpl_set;
struct calendar;

/* Everything loaded at start and on SIGHUP. */
struct worker {
    struct cfg cfg;
    struct scenario_set scn;
    struct tmpl_set *tmpl;
    struct calendar *cal;
    struct token_key key;
    char *smtp_password;     /* from SmtpPasswordFile, NULL = none */
    char *from_addr;         /* bare address of From (envelope sender) */
    char *finance_addr;      /* bare address of FinanceAddress */
    struct legal_rates legal; /* RulesDir rate tables (formal notices) */
};

/* w_stopping: true once SIGTERM or SIGINT came (polled: the signals are
 * blocked, see relance-worker.c). The loops ask it between messages. */
bool w_stopping(void);

/*
 * w_setup loads config file path and everything it names into w
 * (zeroed first). Returns 0, or -1 with every problem found printed by
 * msg_error/msg_warn (used by -n, start-up and SIGHUP). w_teardown frees.
 */
int w_setup(struct worker *w, const char *path);
void w_teardown(struct worker *w);

/* A composed message: the bytes and what outbox_record needs. */
struct w_msg {
    char message_id[TOKEN_LEN + 128];
    char token[TOKEN_LEN + 1];
    char *subject;
    char *body;
    size_t len;
    char *recipients;        /* envelope, comma-separated */
    const char *client_id;
    const char *kind, *channel;
    struct outbox_reminder *rem;
    size_t nrem;
    char *missing_pdf;       /* "NUMBER\tPATH (WHY)\n"... or NULL */
    char *invoices;          /* "F-1,F-2" for the log line */
    const char *step;        /* lead step name for the log line */
};

/* w_compose_plan renders and builds message m of the plan. Returns 0, or
 * -1 with the reason logged (the message is then skipped this pass). */
int w_compose_plan(const struct worker *w, const struct planload_data *d,
                   const struct sched_msg *m, int today, struct w_msg *out);

/* w_compose_sms renders plan item it's sms step (its template, for its
 * one invoice). With to, out is an e-mail to that address (channel
 * "sms-gateway"; redirect_to, when not NULL, fills the redirect banner);
 * without, out->body is the bare text (channel "sms") and the caller sets
 * out->recipients. kind "reminder", one reminders row. 0 or -1 (logged). */
int w_compose_sms(const struct worker *w, const struct planload_data *d,
                  const struct sched_item *it, int today, const char *to,
                  const char *redirect_to, struct w_msg *out);

/* A pending notice row. */
struct w_notice {
    int64_t id;
    const char *kind, *audience, *invoice, *client_id, *subject, *text,
        *manager_email, *client_name;
    int created_day;
};

int w_compose_notice(const struct worker *w, const struct w_notice *n,
                     int today, struct w_msg *out);

/* w_compose_finance renders template name with ctx into a message to
 * FinanceAddress (Auto-Submitted). out must be zeroed; the caller sets
 * kind, channel and step. Returns 0, or -1 (logged). */
struct tmpl_ctx;
int w_compose_finance(const struct worker *w, const char *name,
                      const struct tmpl_ctx *ctx, struct w_msg *out);
void w_msg_free(struct w_msg *m);

/* w_record records composed message m 'queued' (outbox_record) with the
 * given notice ids, and tells finance about its missing PDFs. Returns
 * the messages.id, or -1 (logged: e.g. the step was already recorded). */
int64_t w_record(const struct worker *w, struct outbox *ob, struct w_msg *m,
                 const int64_t *notices, size_t nn);

/* w_pass: one whole pass; returns 0, or -1 when the database could not
 * be used (the daemon tries again next time). */
int w_pass(const struct worker *w);

/*
 * w_people_apply records the plan's `people` items (tasks, approval
 * requests) and their notices in one transaction. Returns 0 or -1
 * (logged, rolled back).
 */
int w_people_apply(sqlite3 *db, struct outbox *ob,
                   const struct planload_data *d, const struct sched_plan *p);

/*
 * Thank-you messages (w_thanks.c): invoices fully paid within the last
 * W_THANKS_DAYS days that were in the dunning sequence (at least one
 * reminder recorded), whose scenario has an `on paid` email step not yet
 * recorded for them; one message per client (not on hold, with an
 * address). Arrays shaped like planload_data's so w_compose_plan builds
 * the messages (client indexes are d's).
 */
#define W_THANKS_DAYS 30
struct w_thanks {
    struct sched_invoice *si;
    struct planload_invoice *wi;
    size_t ninvoices;
    struct sched_msg *msgs;
    size_t nmsgs;
    struct planload_arena *arena;
};

/* w_thanks_load fills t (zeroed first) for today. Returns 0, or -1
 * (logged) with t empty; always safe to w_thanks_free. */
int w_thanks_load(const struct worker *w, sqlite3 *db,
                  const struct planload_data *d, int today,
                  struct w_thanks *t);
/* w_thanks_compose builds t's message k (kind "thanks", its reminders
 * rows at the on-paid step). Returns 0 or -1 (logged). */
int w_thanks_compose(const struct worker *w, const struct planload_data *d,
                     const struct w_thanks *t, size_t k, int today,
                     struct w_msg *out);
void w_thanks_free(struct w_thanks *t);

/*
 * w_before_send (w_digest.c): what goes before today's planned messages,
 * in order: the daily digest to finance (when Digest is on and none was
 * recorded this local day; it lists what goes out, the thanks included,
 * and what is held back and why), then the thank-you messages. Called by
 * w_pass.c with the day's plan (never when the plan is closed). t gets
 * the thanks loaded: the messages borrow its strings, so the caller
 * frees it with w_thanks_free after recording them. *out is a new array
 * of composed messages (each freed with w_msg_free, the array with
 * free); returns their number.
 */
size_t w_before_send(const struct worker *w, sqlite3 *db,
                     const struct planload_data *d,
                     const struct sched_plan *p, const struct sched_now *sn,
                     struct w_thanks *t, struct w_msg **out);

/*
 * w_letter_write: when message msg (composed from plan message m) was
 * recorded and m has a step flagged `dossier`, writes the printable
 * formal-notice letter of each such invoice into
 * DossierDir/<number>/mise-en-demeure-<today>.txt. Failures are logged.
 */
void w_letter_write(const struct worker *w, sqlite3 *db,
                    const struct planload_data *d, const struct sched_msg *m,
                    int today, const struct w_msg *msg);

/*
 * SMS (w_sms.c). w_sms_due: plan item it is an sms step to text now (not
 * one waiting for approval, which w_people_apply records).
 * w_sms_plan records each due sms item of p, in its own transaction
 * (message row + reminders row, the step advances): through SmsGateway
 * (an e-mail, sent by w_send), for SmsCommand (channel "sms", queued for
 * w_sms_send), in redirect mode as an e-mail to finance; a client without
 * a usable phone or no SmsCommand/SmsGateway set makes it failed at once
 * (sms_failed event, notice to finance). Dry-run (dry): the text goes to
 * DryRunDir/NNNN-sms-PHONE.txt, nothing is written to db.
 * w_sms_send runs SmsCommand for every queued "sms" row: submitting
 * (durable) before the command starts, then sent, or failed with the
 * exit status and first output line (event + notice to finance). A crash
 * while it runs leaves the row submitting: reconcile makes it uncertain
 * and tells finance; it is never run twice. Returns the number sent.
 */
bool w_sms_due(const struct planload_data *d, const struct sched_item *it);
void w_sms_plan(const struct worker *w, struct outbox *ob,
                const struct planload_data *d, const struct sched_plan *p,
                int today, bool dry, int *seq);
int w_sms_send(const struct worker *w, sqlite3 *db, struct outbox *ob);

/*
 * w_send submits every due queued message over one SMTP session
 * (notices only when reminders_ok is false). Returns the number sent, or
 * -1 when the database failed.
 */
int w_send(const struct worker *w, sqlite3 *db, struct outbox *ob,
           bool reminders_ok);

#endif
