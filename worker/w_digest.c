/*
 * w_digest.c - the daily digest to FinanceAddress, and w_before_send,
 * which puts it (then the thank-you messages, w_thanks.c) ahead of the
 * day's planned messages. Called by w_pass.c once per pass with the
 * day's plan, only when the plan is open (business day, SendWindow).
 *
 * The digest is recorded once per local business day, before the first
 * reminder of the day: it is recorded first, so it has the lowest id of
 * the day's queue and w_send submits it first. "Once" is the messages
 * table itself: a row of kind 'digest' created this local day means it
 * was done (in dry-run nothing is recorded, so every pass writes one for
 * review, like every other message).
 *
 * What it lists, one line per invoice, French then English:
 *   - what goes out today: the plan's messages (step and channel), the
 *     tasks created, the thank-you messages;
 *   - what is held back and why, for every invoice that would have a
 *     step due today: paused (client's reply), promised, on hold by hand,
 *     client on hold, no deliverable address, waiting after a manual
 *     contact or an out-of-office, MinGapDays, waiting for approval;
 *   - every disputed invoice (they stop until `relancectl resolve`).
 */
#include "w.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "textfmt.h"
#include "tmpl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 400

struct digest {
    struct tmpl_entry *v;
    size_t n, cap, more;        /* more: lines left out (MAX_ENTRIES) */
    struct planload_arena *arena;
};

static void
add(struct digest *g, const char *client, const char *invoice,
    const char *text)
{
    if (g->n == MAX_ENTRIES) {
        g->more++;
        return;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 32;
        g->v = xrealloc(g->v, g->cap * sizeof *g->v);
    }
    g->v[g->n++] = (struct tmpl_entry){
        0, planload_arena_dup(g->arena, client ? client : ""),
        planload_arena_dup(g->arena, invoice ? invoice : ""),
        planload_arena_dup(g->arena, text)};
}

static const char *
channel_text(int channel)
{
    switch (channel) {
    case SCN_MANAGER:
        return "avis au responsable de compte / notice to the account manager";
    case SCN_FINANCE:
        return "avis à la comptabilité / notice to finance";
    default:
        return "e-mail au client / email to the client";
    }
}

/* Was a digest recorded this local day? */
static bool
done_today(sqlite3 *db, int today)
{
    sqlite3_stmt *st;
    bool done = false;
    if (sqlite3_prepare_v2(db, "SELECT max(created_at) FROM messages"
                               " WHERE kind = 'digest'", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    time_t at;
    const char *s = sqlite3_step(st) == SQLITE_ROW
                        ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (s && clock_parse_utc(s, &at) == 0 && clock_local_day(at) == today)
        done = true;
    sqlite3_finalize(st);
    return done;
}

static int
count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void
disputes(sqlite3 *db, struct digest *g)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT c.name, i.number FROM invoices i JOIN clients c"
            " ON c.id = i.client_id WHERE i.status = 'disputed'"
            " ORDER BY c.name, i.number", -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW)
        add(g, (const char *)sqlite3_column_text(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            "retenue : en litige (relancectl resolve) / held: disputed");
    sqlite3_finalize(st);
}

/* Why invoice i, with a step due today, is not in the plan; NULL when
 * it is not held (or not for a reason the digest names). */
static const char *
held_reason(const struct planload_data *d, size_t i,
            const struct sched_now *sn, char *buf, size_t len)
{
    const struct sched_invoice *inv = &d->si[i];
    const struct sched_client *c = &d->sc[inv->client];
    char day[64];
    bool resumes = inv->paused_until != SCHED_NO_DAY &&
                   sn->today >= inv->paused_until;
    textfmt_date(inv->paused_until != SCHED_NO_DAY ? inv->paused_until : 0,
                 LANG_FR, day, sizeof day);
    if (inv->status == SCHED_PAUSED && !resumes)
        snprintf(buf, len, "retenue : en pause jusqu'au %s (réponse du "
                 "client) / held: paused (client replied)", day);
    else if (inv->status == SCHED_PROMISED && !resumes)
        snprintf(buf, len, "retenue : promesse de paiement, reprise le %s / "
                 "held: promised to pay", day);
    else if (inv->status == SCHED_HOLD && !resumes)
        snprintf(buf, len, "retenue : suspendue à la main%s%s / held: on "
                 "hold", inv->paused_until != SCHED_NO_DAY
                                ? " jusqu'au " : "",
                 inv->paused_until != SCHED_NO_DAY ? day : "");
    else if (c->hold && (c->hold_until == SCHED_NO_DAY ||
                         sn->today < c->hold_until))
        snprintf(buf, len, "retenue : client suspendu / held: client on "
                 "hold");
    else if (c->deliverable <= 0)
        snprintf(buf, len, "retenue : aucune adresse valide (adresse en "
                 "erreur) / held: no deliverable address");
    else if (inv->wait_until != SCHED_NO_DAY && sn->today < inv->wait_until)
        snprintf(buf, len, "retenue : attente après un contact manuel ou "
                 "une absence / held: waiting after a manual contact or an "
                 "out-of-office");
    else if (c->last_sent_day != SCHED_NO_DAY &&
             sn->today - c->last_sent_day < sn->min_gap_days)
        snprintf(buf, len, "retenue : délai minimum depuis la dernière "
                 "relance (MinGapDays) / held: too soon after the last "
                 "reminder");
    else
        return NULL;
    return buf;
}

static void
held(const struct planload_data *d, const struct sched_plan *p,
     const struct sched_now *sn, struct digest *g)
{
    bool *planned = xcalloc(d->ninvoices ? d->ninvoices : 1, 1);
    for (size_t k = 0; k < p->nmsgs; k++)
        for (size_t j = 0; j < p->msgs[k].nitems; j++)
            planned[p->msgs[k].items[j].invoice] = true;
    char buf[512];
    for (size_t k = 0; k < p->npeople; k++) {
        const struct sched_item *it = &p->people[k];
        const struct sched_invoice *inv = &d->si[it->invoice];
        planned[it->invoice] = true;
        if (it->step->channel == SCN_TASK)
            snprintf(buf, sizeof buf, "tâche « %s » / task %s",
                     it->step->name, it->step->name);
        else if (w_sms_due(d, it))
            snprintf(buf, sizeof buf, "SMS « %s » / text message %s",
                     it->step->name, it->step->name);
        else
            snprintf(buf, sizeof buf, "retenue : l'étape « %s » attend "
                     "l'approbation (relancectl approve %s) / held: step %s "
                     "awaits approval", it->step->name, inv->number,
                     it->step->name);
        add(g, d->wc[inv->client].name, inv->number, buf);
    }
    for (size_t i = 0; i < d->ninvoices; i++) {
        int day;
        if (planned[i] ||
            sched_next_step(&d->si[i], sn, &day, NULL) == NULL ||
            day > sn->today)
            continue;
        if (held_reason(d, i, sn, buf, sizeof buf))
            add(g, d->wc[d->si[i].client].name, d->si[i].number, buf);
    }
    free(planned);
}

static void
going_out(const struct planload_data *d, const struct sched_plan *p,
          const struct w_thanks *t, struct digest *g)
{
    char buf[512];
    for (size_t k = 0; k < p->nmsgs; k++) {
        const struct sched_msg *m = &p->msgs[k];
        for (size_t j = 0; j < m->nitems; j++) {
            const struct scenario_step *st = m->items[j].step;
            snprintf(buf, sizeof buf, "part : étape « %s », %s / goes out: "
                     "step %s", st->name, channel_text(m->channel), st->name);
            add(g, d->wc[m->client].name, d->si[m->items[j].invoice].number,
                buf);
        }
    }
    for (size_t k = 0; k < t->nmsgs; k++)
        for (size_t j = 0; j < t->msgs[k].nitems; j++)
            add(g, d->wc[t->msgs[k].client].name,
                t->si[t->msgs[k].items[j].invoice].number,
                "part : remerciement après paiement / goes out: thank-you "
                "after payment");
}

/* Composes the digest into out; 0 or -1. */
static int
digest_compose(const struct worker *w, sqlite3 *db,
               const struct planload_data *d, const struct sched_plan *p,
               const struct w_thanks *t, const struct sched_now *sn,
               struct w_msg *out)
{
    struct digest g = {.arena = planload_arena_new()};
    going_out(d, p, t, &g);
    held(d, p, sn, &g);
    disputes(db, &g);
    if (g.more) {
        char buf[128];
        snprintf(buf, sizeof buf, "… et %zu autres lignes / and %zu more "
                 "lines", g.more, g.more);
        g.more = 0;
        g.n--; /* room for the last line */
        add(&g, "", "", buf);
    }
    int promised = 0;
    for (size_t i = 0; i < d->ninvoices; i++)
        promised += d->si[i].status == SCHED_PROMISED;
    struct tmpl_ctx ctx = {
        .lang = LANG_FR, .today = sn->today,
        .company_name = w->cfg.company_name,
        .finance_email = w->finance_addr,
        .digest_sent = (int)(p->nmsgs + t->nmsgs),
        .digest_failed = count(db,
            "SELECT count(*) FROM messages WHERE state = 'failed' AND"
            " created_at > coalesce((SELECT max(created_at) FROM messages"
            " WHERE kind = 'digest'), '')"),
        .digest_disputes = count(db, "SELECT count(*) FROM invoices"
                                     " WHERE status = 'disputed'"),
        .digest_promises = promised, .entries = g.v, .nentries = g.n};
    memset(out, 0, sizeof *out);
    int rc = w_compose_finance(w, "digest", &ctx, out);
    out->kind = "digest";
    out->channel = "finance";
    out->step = "digest";
    out->invoices = xstrdup("");
    free(g.v);
    planload_arena_free(g.arena);
    return rc;
}

size_t
w_before_send(const struct worker *w, sqlite3 *db,
              const struct planload_data *d, const struct sched_plan *p,
              const struct sched_now *sn, struct w_thanks *t,
              struct w_msg **out)
{
    w_thanks_load(w, db, d, sn->today, t);
    *out = xcalloc(t->nmsgs + 1, sizeof **out);
    size_t n = 0;
    bool dry = w->cfg.mode == MODE_DRY_RUN;
    if (w->cfg.digest && (dry || !done_today(db, sn->today))) {
        if (digest_compose(w, db, d, p, t, sn, &(*out)[n]) == 0)
            n++;
        else
            w_msg_free(&(*out)[n]);
    }
    for (size_t k = 0; k < t->nmsgs && !w_stopping(); k++) {
        if (w_thanks_compose(w, d, t, k, sn->today, &(*out)[n]) == 0)
            n++;
        else
            w_msg_free(&(*out)[n]);
    }
    return n;
}
