/*
 * w_people.c - the due steps that go to a person instead of a message
 * (sched_plan's `people`): a task step becomes a row of table tasks (the
 * step counts as done, the sequence goes on) and a notice to its
 * assignee; a step waiting for approval becomes a row of table approvals
 * and a notice to finance, and the invoice waits at that step until
 * `relancectl approve`. Called by w_pass.c once per pass, in one
 * transaction; replaying a pass changes nothing (INSERT OR IGNORE on the
 * (invoice, step) keys, notices only for new rows).
 */
#include "civil.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "scenario.h"
#include "util.h"
#include "w.h"

#include <stdlib.h>
#include <string.h>

enum { Q_TASK, Q_ADVANCE, Q_APPROVAL, NQ };

static const char *const sql[NQ] = {
    [Q_TASK] = "INSERT OR IGNORE INTO tasks (created_at, invoice, client_id,"
               " step, step_name, assignee, text) VALUES (?1, ?2, ?3, ?4, ?5,"
               " ?6, ?7)",
    [Q_ADVANCE] = "UPDATE invoices SET step = ?1, step_name = ?2"
                  " WHERE number = ?3 AND step < ?1",
    [Q_APPROVAL] = "INSERT OR IGNORE INTO approvals (invoice, step, step_name,"
                   " requested_at) VALUES (?1, ?2, ?3, ?4)",
};

/* One item; returns -1 on a database error. */
static int
apply_one(sqlite3 *db, sqlite3_stmt **q, struct outbox *ob, time_t now,
          const char *at, const struct planload_data *d,
          const struct sched_item *it)
{
    const struct sched_invoice *inv = &d->si[it->invoice];
    const struct planload_client *c = &d->wc[inv->client];
    const struct scenario_step *st = it->step;
    bool task = st->channel == SCN_TASK;
    sqlite3_stmt *s = q[task ? Q_TASK : Q_APPROVAL];
    sqlite3_reset(s);
    char *text = NULL, *subject;
    const char *audience = "finance";
    if (task) {
        const char *who = st->assignee ? st->assignee : "finance";
        if (strcmp(who, "manager") == 0 && c->manager_email)
            audience = "manager";
        text = xasprintf("Appeler / call %s au sujet de la facture / about "
                         "invoice %s (étape / step %s)", c->name, inv->number,
                         st->name);
        db_bind_text(s, 1, at);
        db_bind_text(s, 2, inv->number);
        db_bind_text(s, 3, c->id);
        sqlite3_bind_int(s, 4, st->index);
        db_bind_text(s, 5, st->name);
        db_bind_text(s, 6, who);
        db_bind_text(s, 7, text);
        subject = xasprintf("Tâche / task: %s, %s", c->name, inv->number);
    } else {
        db_bind_text(s, 1, inv->number);
        sqlite3_bind_int(s, 2, st->index);
        db_bind_text(s, 3, st->name);
        db_bind_text(s, 4, at);
        text = xasprintf("L'étape %s de la facture %s (%s) attend votre "
                         "approbation : relancectl approve %s\nStep %s of "
                         "invoice %s waits for approval.", st->name,
                         inv->number, c->name, inv->number, st->name,
                         inv->number);
        subject = xasprintf("Approbation requise / approval needed: %s",
                            inv->number);
    }
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
    bool fresh = rc == 0 && sqlite3_changes(db) == 1;
    if (rc == 0 && task) {
        sqlite3_stmt *a = q[Q_ADVANCE];
        sqlite3_reset(a);
        sqlite3_bind_int(a, 1, st->index);
        db_bind_text(a, 2, st->name);
        db_bind_text(a, 3, inv->number);
        rc = sqlite3_step(a) == SQLITE_DONE ? 0 : -1;
    }
    if (fresh) {
        msg_info("worker: invoice=%s step=%s %s", inv->number, st->name,
                 task ? "task created" : "waits for approval");
        if (outbox_notice(ob, now, task ? "task" : "approval", audience,
                          inv->number, c->id, subject, text) < 0)
            rc = -1;
    }
    free(text);
    free(subject);
    return rc;
}

int
w_people_apply(sqlite3 *db, struct outbox *ob, const struct planload_data *d,
               const struct sched_plan *p)
{
    if (p->npeople == 0)
        return 0;
    sqlite3_stmt *q[NQ] = {0};
    if (db_begin(db) < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < NQ && rc == 0; i++)
        if (sqlite3_prepare_v2(db, sql[i], -1, &q[i], NULL) != SQLITE_OK)
            rc = -1;
    time_t now = clock_now();
    char at[32];
    db_now(at);
    for (size_t i = 0; i < p->npeople && rc == 0; i++)
        if (!w_sms_due(d, &p->people[i]))    /* texts: w_sms.c */
            rc = apply_one(db, q, ob, now, at, d, &p->people[i]);
    for (int i = 0; i < NQ; i++)
        sqlite3_finalize(q[i]);
    if (rc == 0 && db_commit(db) == 0)
        return 0;
    msg_warn("worker: tasks and approvals not recorded: %s",
             sqlite3_errmsg(db));
    db_rollback(db);
    return -1;
}
