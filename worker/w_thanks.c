/*
 * w_thanks.c - thank-you messages after full payment: the `on paid`
 * steps of the scenarios (rules/README.md). Called by w_digest.c's
 * w_before_send once per pass, on business days inside SendWindow.
 *
 * Which invoices: status paid, paid within the last W_THANKS_DAYS days,
 * that were in the dunning sequence (at least one reminder message was
 * recorded for them: an invoice imported already paid, or paid before
 * anything was sent, gets no thanks), and whose scenario - chosen now,
 * as for a reminder - has an `on paid` email step with no reminders row
 * yet. The reminders row (invoice, index of the on-paid step) is written
 * with the message, so the thanks is never sent twice. One message per
 * client gathers its invoices; clients on hold or without a deliverable
 * address get nothing.
 *
 * The arrays mimic planload_data so w_compose_plan (w_compose.c) builds
 * the message: template, language, redirect mode, Message-ID.
 */
#include "w.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "profile.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char thanks_sql[] =
    "SELECT i.number, i.client_id, i.issue_date, i.due_date,"
    " i.amount_cents, i.currency, i.scenario, i.payment_method,"
    " c.segment, c.annual_revenue_cents, c.scenario"
    " FROM invoices i JOIN clients c ON c.id = i.client_id"
    " WHERE i.status = 'paid' AND i.paid_date >= ?1"
    " AND EXISTS (SELECT 1 FROM reminders r JOIN messages m"
    "  ON m.id = r.message WHERE r.invoice = i.number"
    "  AND m.kind = 'reminder')"
    " ORDER BY i.client_id, i.number";

/* The first `on paid` email step of s, or NULL. */
static const struct scenario_step *
on_paid_step(const struct scenario *s)
{
    for (size_t i = 0; s && i < s->nsteps; i++)
        if (s->steps[i].trigger == SCN_ON_PAID &&
            s->steps[i].channel == SCN_EMAIL)
            return &s->steps[i];
    return NULL;
}

static bool
any_on_paid(const struct scenario_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        if (on_paid_step(&set->v[i]))
            return true;
    return false;
}

static int
client_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct sched_client *)elem)->id);
}

/* Index of client id in d, or -1. */
static long
client_index(const struct planload_data *d, const char *id)
{
    const struct sched_client *c =
        bsearch(id, d->sc, d->nclients, sizeof *d->sc, client_cmp);
    return c ? c - d->sc : -1;
}

static bool
already_thanked(sqlite3_stmt *done, const char *number, int step)
{
    sqlite3_reset(done);
    db_bind_text(done, 1, number);
    sqlite3_bind_int(done, 2, step);
    return sqlite3_step(done) == SQLITE_ROW;
}

static int
day_of(sqlite3_stmt *st, int col)
{
    int d;
    const char *s = (const char *)sqlite3_column_text(st, col);
    return s && civil_parse_iso(s, &d) == 0 ? d : SCHED_NO_DAY;
}

/* Adds invoice row st of client ci with step to t. */
static void
add_invoice(struct w_thanks *t, size_t *cap, sqlite3_stmt *st, size_t ci,
            const struct scenario_step *step)
{
    if (t->ninvoices == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        t->si = xrealloc(t->si, *cap * sizeof *t->si);
        t->wi = xrealloc(t->wi, *cap * sizeof *t->wi);
    }
    const char *cur = (const char *)sqlite3_column_text(st, 5);
    t->wi[t->ninvoices] = (struct planload_invoice){
        .issue_date = day_of(st, 2),
        .amount_cents = sqlite3_column_int64(st, 4),
        .amount_due_cents = 0,
        .currency = planload_arena_dup(t->arena, cur ? cur : "EUR")};
    t->si[t->ninvoices] = (struct sched_invoice){
        .number = planload_arena_dup(t->arena,
                                     (const char *)sqlite3_column_text(st, 0)),
        .client = ci, .due_date = day_of(st, 3), .status = SCHED_PAID,
        .paused_until = SCHED_NO_DAY, .wait_until = SCHED_NO_DAY,
        .step = step->index, .step_name = step->name};
    t->ninvoices++;
}

/* Groups the invoices (in client order) into one message per client. */
static void
group(struct w_thanks *t, const struct scenario_step **steps)
{
    for (size_t i = 0; i < t->ninvoices;) {
        size_t end = i;
        while (end < t->ninvoices && t->si[end].client == t->si[i].client)
            end++;
        t->msgs = xrealloc(t->msgs, (t->nmsgs + 1) * sizeof *t->msgs);
        struct sched_msg *m = &t->msgs[t->nmsgs++];
        *m = (struct sched_msg){.client = t->si[i].client,
                                .channel = SCN_EMAIL, .lead = steps[i],
                                .cc = steps[i]->cc};
        m->items = xcalloc(end - i, sizeof *m->items);
        for (; i < end; i++)
            m->items[m->nitems++] = (struct sched_item){
                .invoice = i, .step = steps[i], .due_day = SCHED_NO_DAY};
    }
}

int
w_thanks_load(const struct worker *w, sqlite3 *db,
              const struct planload_data *d, int today, struct w_thanks *t)
{
    memset(t, 0, sizeof *t);
    t->arena = planload_arena_new();
    if (!any_on_paid(&w->scn))
        return 0;
    sqlite3_stmt *st = NULL, *done = NULL;
    if (sqlite3_prepare_v2(db, thanks_sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT 1 FROM reminders WHERE invoice = ?"
                               " AND step = ?", -1, &done, NULL) != SQLITE_OK) {
        msg_warn("worker: thanks: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    char since[11];
    civil_format_iso(today - W_THANKS_DAYS, since);
    db_bind_text(st, 1, since);
    const struct scenario_step **steps = NULL;
    size_t cap = 0;
    long hist_for = -1;
    struct profile_history h = {-1, -1, -1, -1};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *cid = (const char *)sqlite3_column_text(st, 1);
        long ci = cid ? client_index(d, cid) : -1;
        if (ci < 0)
            continue;
        const struct sched_client *sc = &d->sc[ci];
        if ((sc->hold && (sc->hold_until == SCHED_NO_DAY ||
                          today < sc->hold_until)) || sc->deliverable <= 0)
            continue;
        if (ci != hist_for) {
            if (profile_history_client(db, cid, today, &h) < 0)
                h = (struct profile_history){-1, -1, -1, -1};
            hist_for = ci;
        }
        struct scenario_profile p = {
            .segment = (const char *)sqlite3_column_text(st, 8),
            .amount_cents = sqlite3_column_int64(st, 4),
            .revenue_cents = sqlite3_column_type(st, 9) == SQLITE_NULL
                                 ? -1 : sqlite3_column_int64(st, 9),
            .payment_method = (const char *)sqlite3_column_text(st, 7)};
        profile_apply(&p, &h);
        const struct scenario_step *step = on_paid_step(profile_choose(
            &w->scn, (const char *)sqlite3_column_text(st, 6),
            (const char *)sqlite3_column_text(st, 10), &p, NULL, NULL));
        if (step == NULL ||
            already_thanked(done, (const char *)sqlite3_column_text(st, 0),
                            step->index))
            continue;
        size_t before = cap;
        add_invoice(t, &cap, st, (size_t)ci, step);
        if (cap != before)
            steps = xrealloc(steps, cap * sizeof *steps);
        steps[t->ninvoices - 1] = step;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(done);
    group(t, steps);
    free(steps);
    return 0;
}

int
w_thanks_compose(const struct worker *w, const struct planload_data *d,
                 const struct w_thanks *t, size_t k, int today,
                 struct w_msg *out)
{
    /* The client arrays are d's; the invoices are the paid ones. */
    struct planload_data td = {.sc = d->sc, .wc = d->wc,
                               .nclients = d->nclients, .si = t->si,
                               .wi = t->wi, .ninvoices = t->ninvoices};
    if (w_compose_plan(w, &td, &t->msgs[k], today, out) < 0)
        return -1;
    out->kind = "thanks";
    return 0;
}

void
w_thanks_free(struct w_thanks *t)
{
    for (size_t i = 0; i < t->nmsgs; i++)
        free(t->msgs[i].items);
    free(t->msgs);
    free(t->si);
    free(t->wi);
    planload_arena_free(t->arena);
    memset(t, 0, sizeof *t);
}
