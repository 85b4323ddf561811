/*
 * planload.c - reading clients and invoices from the database for the
 * planner (lib/sched) and the composer, and choosing each invoice's
 * scenario; see planload.h. Called once per pass by the worker.
 *
 * Sized for a million invoices: only invoices that can still get a step
 * are read (not paid, not disputed), strings go to one arena, clients
 * are read sorted by id and invoices by client_id so they are matched by
 * a merge walk, and the history aggregates that scenarios may test are
 * computed only when some scenario tests them.
 */
#include "planload.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "profile.h"
#include "textfmt.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (1u << 20)

struct planload_chunk {
    struct planload_chunk *next;
    size_t used, cap;
    char data[];
};

struct planload_arena {
    struct planload_chunk *cur;
};

struct planload_arena *
planload_arena_new(void)
{
    return xcalloc(1, sizeof(struct planload_arena));
}

const char *
planload_arena_dup(struct planload_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    if (a->cur == NULL || a->cur->used + n > a->cur->cap) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        struct planload_chunk *c = xmalloc(sizeof *c + cap);
        c->next = a->cur;
        c->used = 0;
        c->cap = cap;
        a->cur = c;
    }
    char *p = a->cur->data + a->cur->used;
    memcpy(p, s, n);
    a->cur->used += n;
    return p;
}

void
planload_arena_free(struct planload_arena *a)
{
    if (a == NULL)
        return;
    for (struct planload_chunk *c = a->cur, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static const char *
text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static int
day_or_none(const char *s)
{
    int d;
    if (s == NULL || civil_parse_iso(s, &d) < 0)
        return SCHED_NO_DAY;
    return d;
}

/* Does any scenario test the client's payment history? */
static bool
needs_history(const struct scenario_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        for (size_t k = 0; k < set->v[i].nconds; k++)
            if (set->v[i].conds[k].field >= SCN_FIELD_INVOICES_PAID)
                return true;
    return false;
}


/*
 * The merge walk: rows come in client_id order, like the clients array.
 * *w holds the current position; returns the index of the client named
 * id (the same as last time when the id repeats), or -1 when unknown.
 */
struct walk {
    size_t at;
    int ci;
};

static int
walk_client(const struct planload_data *d, struct walk *w, const char *id)
{
    if (w->ci >= 0 && strcmp(d->sc[w->ci].id, id) == 0)
        return w->ci;
    for (size_t i = w->at; i < d->nclients; i++) {
        int c = strcmp(d->sc[i].id, id);
        if (c > 0)
            break;
        if (c == 0) {
            w->at = i;
            return w->ci = (int)i;
        }
    }
    return -1;
}

static int
load_clients(sqlite3 *db, struct planload_data *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT c.id, c.name, c.first_name, c.last_name, c.language,"
            " c.account_manager, c.account_manager_email, c.hold_reason,"
            " c.hold_until, (SELECT max(m.created_at) FROM messages m"
            "  WHERE m.client_id = c.id AND m.kind = 'reminder'"
            "  AND m.state <> 'failed'), c.phone"
            " FROM clients c ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (d->nclients == cap) {
            cap = cap ? cap * 2 : 1024;
            d->sc = xrealloc(d->sc, cap * sizeof *d->sc);
            d->wc = xrealloc(d->wc, cap * sizeof *d->wc);
        }
        struct sched_client *s = &d->sc[d->nclients];
        struct planload_client *c = &d->wc[d->nclients++];
        memset(c, 0, sizeof *c);
        c->id = planload_arena_dup(d->arena, text(st, 0));
        c->name = planload_arena_dup(d->arena, text(st, 1));
        c->first_name = planload_arena_dup(d->arena, text(st, 2));
        c->last_name = planload_arena_dup(d->arena, text(st, 3));
        int lang = textfmt_lang_parse(text(st, 4));
        c->lang = lang < 0 ? LANG_FR : lang;
        c->manager_name = planload_arena_dup(d->arena, text(st, 5));
        c->manager_email = planload_arena_dup(d->arena, text(st, 6));
        c->phone = planload_arena_dup(d->arena, text(st, 10));
        time_t last;
        *s = (struct sched_client){
            .id = c->id, .hold = sqlite3_column_type(st, 7) != SQLITE_NULL,
            .hold_until = day_or_none(text(st, 8)),
            .last_sent_day =
                text(st, 9) && clock_parse_utc(text(st, 9), &last) == 0
                    ? clock_local_day(last) : SCHED_NO_DAY};
    }
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static int
load_addresses(sqlite3 *db, struct planload_data *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT client_id, address FROM client_emails"
            " WHERE undeliverable_at IS NULL"
            " ORDER BY client_id, position", -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    struct walk w = {0, -1};
    while (sqlite3_step(st) == SQLITE_ROW) {
        int prev = w.ci, ci = walk_client(d, &w, text(st, 0));
        if (ci < 0)
            continue;
        if (ci != prev)
            cap = 0;
        struct planload_client *c = &d->wc[ci];
        if (c->naddrs == cap) {
            cap = cap ? cap * 2 : 2;
            c->addrs = xrealloc(c->addrs, cap * sizeof *c->addrs);
        }
        c->addrs[c->naddrs++] = planload_arena_dup(d->arena, text(st, 1));
        d->sc[ci].deliverable = (int)c->naddrs;
    }
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* The payment history of every client (lib/profile: recent window). */
static struct profile_history *
load_history(sqlite3 *db, const struct planload_data *d, int today)
{
    struct profile_history *h = xmalloc((d->nclients ? d->nclients : 1) *
                                        sizeof *h);
    for (size_t i = 0; i < d->nclients; i++)
        h[i] = (struct profile_history){-1, -1, -1, -1};
    sqlite3_stmt *st = profile_history_prepare(db, NULL, today);
    if (st == NULL)
        return h;
    struct walk w = {0, -1};
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ci = walk_client(d, &w, text(st, 0));
        if (ci >= 0)
            profile_history_row(st, today, &h[ci]);
    }
    sqlite3_finalize(st);
    return h;
}

static int
load_invoices(sqlite3 *db, const struct scenario_set *scn,
              struct planload_data *d,
              const struct profile_history *h, const char *const *segments,
              const int64_t *revenue, const char *const *overrides)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT number, client_id, issue_date, due_date, amount_cents,"
            " amount_due_cents, currency, payment_link, pdf, status,"
            " paused_until, wait_until, step, step_name, scenario,"
            " payment_method, (SELECT max(a.step) FROM approvals a"
            "  WHERE a.invoice = number AND a.approved_at IS NOT NULL)"
            " FROM invoices"
            " WHERE status NOT IN ('paid', 'disputed')"
            " ORDER BY client_id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    struct walk w = {0, -1};
    const char *eur = planload_arena_dup(d->arena, "EUR");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ci = walk_client(d, &w, text(st, 1));
        if (ci < 0)
            continue;
        if (d->ninvoices == cap) {
            cap = cap ? cap * 2 : 4096;
            d->si = xrealloc(d->si, cap * sizeof *d->si);
            d->wi = xrealloc(d->wi, cap * sizeof *d->wi);
        }
        struct planload_invoice *wi = &d->wi[d->ninvoices];
        const char *cur = text(st, 6);
        *wi = (struct planload_invoice){
            .issue_date = day_or_none(text(st, 2)),
            .amount_cents = sqlite3_column_int64(st, 4),
            .amount_due_cents = sqlite3_column_int64(st, 5),
            .currency = cur == NULL || strcmp(cur, "EUR") == 0
                            ? eur : planload_arena_dup(d->arena, cur),
            .payment_link = planload_arena_dup(d->arena, text(st, 7)),
            .pdf = planload_arena_dup(d->arena, text(st, 8))};
        struct scenario_profile p = {
            .segment = segments ? segments[ci] : NULL,
            .amount_cents = wi->amount_cents,
            .revenue_cents = revenue ? revenue[ci] : -1,
            .payment_method = text(st, 15)};
        profile_apply(&p, h ? &h[ci] : NULL);
        const char *bad = NULL;
        const struct scenario *chosen =
            scn->n ? profile_choose(scn, text(st, 14), overrides[ci], &p,
                                    NULL, &bad) : NULL;
        if (bad)
            msg_warn("invoice %s: scenario override \"%s\" names no "
                     "scenario; chosen by the rules", text(st, 0), bad);
        int status = sched_status_parse(text(st, 9));
        d->si[d->ninvoices++] = (struct sched_invoice){
            .number = planload_arena_dup(d->arena, text(st, 0)),
            .client = (size_t)ci,
            .due_date = day_or_none(text(st, 3)),
            .status = status < 0 ? SCHED_HOLD : status,
            .paused_until = day_or_none(text(st, 10)),
            .wait_until = day_or_none(text(st, 11)),
            .step = sqlite3_column_int(st, 12),
            .step_name = planload_arena_dup(d->arena, text(st, 13)),
            .scn = chosen, .approved = sqlite3_column_int(st, 16)};
    }
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* Segment, revenue and the client's scenario override. */
static void
load_profile_columns(sqlite3 *db, struct planload_data *d, const char ***segments,
                     int64_t **revenue, const char ***overrides)
{
    sqlite3_stmt *st;
    *segments = xcalloc(d->nclients ? d->nclients : 1, sizeof **segments);
    *revenue = xmalloc((d->nclients ? d->nclients : 1) * sizeof **revenue);
    *overrides = xcalloc(d->nclients ? d->nclients : 1, sizeof **overrides);
    for (size_t i = 0; i < d->nclients; i++)
        (*revenue)[i] = -1;
    if (sqlite3_prepare_v2(db,
            "SELECT id, segment, annual_revenue_cents, scenario,"
            " public_sector, contract_rate_bp FROM clients"
            " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return;
    struct walk w = {0, -1};
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ci = walk_client(d, &w, text(st, 0));
        if (ci < 0)
            continue;
        (*segments)[ci] = planload_arena_dup(d->arena, text(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            (*revenue)[ci] = sqlite3_column_int64(st, 2);
        (*overrides)[ci] = planload_arena_dup(d->arena, text(st, 3));
        d->wc[ci].public_sector = sqlite3_column_int(st, 4) != 0;
        d->wc[ci].contract_rate_bp = sqlite3_column_int(st, 5);
    }
    sqlite3_finalize(st);
}

int
planload_read(sqlite3 *db, const struct scenario_set *scn, int today,
              struct planload_data *d)
{
    memset(d, 0, sizeof *d);
    d->arena = planload_arena_new();
    int rc = -1;
    struct profile_history *h = NULL;
    const char **segments = NULL, **overrides = NULL;
    int64_t *revenue = NULL;
    /* One read transaction: a consistent snapshot of every table. */
    if (db_exec(db, "BEGIN") < 0)
        goto out;
    if (load_clients(db, d) < 0 || load_addresses(db, d) < 0)
        goto out;
    load_profile_columns(db, d, &segments, &revenue, &overrides);
    if (needs_history(scn))
        h = load_history(db, d, today);
    rc = load_invoices(db, scn, d, h, segments, revenue, overrides);
out:
    if (rc < 0)
        msg_warn("worker: reading the database: %s", sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        db_exec(db, "COMMIT");
    free(h);
    free(segments);
    free(revenue);
    free(overrides);
    return rc;
}

void
planload_free(struct planload_data *d)
{
    for (size_t i = 0; i < d->nclients; i++)
        free(d->wc[i].addrs);
    free(d->sc);
    free(d->wc);
    free(d->si);
    free(d->wi);
    planload_arena_free(d->arena);
    memset(d, 0, sizeof *d);
}
