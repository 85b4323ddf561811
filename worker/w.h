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

/* A pending notice row. */
struct w_notice {
    int64_t id;
    const char *kind, *audience, *invoice, *client_id, *subject, *text,
        *manager_email, *client_name;
    int created_day;
};

int w_compose_notice(const struct worker *w, const struct w_notice *n,
                     int today, struct w_msg *out);
void w_msg_free(struct w_msg *m);

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
 * w_send submits every due queued message over one SMTP session
 * (notices only when reminders_ok is false). Returns the number sent, or
 * -1 when the database failed.
 */
int w_send(const struct worker *w, sqlite3 *db, struct outbox *ob,
           bool reminders_ok);

#endif
