/*
 * sched.c - planning of due reminder steps; see sched.h for the rules.
 *
 * Called by the worker (worker/w_plan.c) once per pass and by the
 * planning benchmark. One walk over the invoices, client group by client
 * group; a message is built only for groups with something due, so the
 * cost is linear and the memory is that of the plan.
 */
#include "sched.h"
#include "calendar.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int
sched_status_parse(const char *s)
{
    static const char *const names[] = {"open",     "paused", "promised",
                                        "disputed", "hold",   "paid"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* The index of the last step done, by name when the scenario still knows
 * it (so that editing a scenario does not replay or skip steps). */
static int
last_index(const struct sched_invoice *inv)
{
    if (inv->step_name && inv->step_name[0]) {
        for (size_t i = 0; i < inv->scn->nsteps; i++)
            if (strcmp(inv->scn->steps[i].name, inv->step_name) == 0)
                return inv->scn->steps[i].index;
    }
    return inv->step;
}

static bool
sendable(const struct scenario_step *st)
{
    return st->trigger == SCN_AT_OFFSET;
}

const struct scenario_step *
sched_next_step(const struct sched_invoice *inv, const struct sched_now *now,
                int *due_day, size_t *passed)
{
    if (inv->scn == NULL)
        return NULL;
    int last = last_index(inv);
    for (size_t i = 0; i < inv->scn->nsteps; i++) {
        const struct scenario_step *st = &inv->scn->steps[i];
        if (st->index <= last || st->trigger != SCN_AT_OFFSET)
            continue;
        if (!sendable(st)) {
            if (passed)
                (*passed)++;
            continue;
        }
        /* Courtesy rule: a pre-due step is pointless once overdue. */
        if (st->offset < 0 && now->today > inv->due_date)
            continue;
        int day = inv->due_date + st->offset;
        if (now->cal)
            day = calendar_next_business_day(now->cal, day);
        *due_day = day;
        return st;
    }
    return NULL;
}

/* Resuming: a pause, promise or dated hold whose day has come. */
static bool
resumes(const struct sched_invoice *inv, int today)
{
    switch (inv->status) {
    case SCHED_PAUSED:
    case SCHED_PROMISED:
    case SCHED_HOLD:
        return inv->paused_until != SCHED_NO_DAY && today >= inv->paused_until;
    default:
        return false;
    }
}

/* 0 = the client may get a message today, 1 = held or unreachable,
 * 2 = too soon after its last reminder (MinGapDays). */
static int
client_blocked(const struct sched_client *c, const struct sched_now *now)
{
    if (c->hold && (c->hold_until == SCHED_NO_DAY || now->today < c->hold_until))
        return 1;
    if (c->deliverable <= 0)
        return 1;
    if (c->last_sent_day != SCHED_NO_DAY &&
        now->today - c->last_sent_day < now->min_gap_days)
        return 2;
    return 0;
}

static int
item_cmp(const void *a, const void *b, const struct sched_invoice *inv)
{
    const struct sched_item *x = a, *y = b;
    const struct sched_invoice *ix = &inv[x->invoice], *iy = &inv[y->invoice];
    if (ix->due_date != iy->due_date)
        return ix->due_date < iy->due_date ? -1 : 1;
    return strcmp(ix->number, iy->number);
}

/* qsort has no context argument in C11; the group is small, so an
 * insertion sort with the invoices array at hand is simplest. */
static void
sort_items(struct sched_item *v, size_t n, const struct sched_invoice *inv)
{
    for (size_t i = 1; i < n; i++) {
        struct sched_item t = v[i];
        size_t j = i;
        while (j > 0 && item_cmp(&v[j - 1], &t, inv) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static bool
more_advanced(const struct scenario_step *a, const struct scenario_step *b)
{
    if (a->tone != b->tone)
        return a->tone > b->tone;
    return a->index > b->index;
}

static void
plan_push_msg(struct sched_plan *plan, size_t *cap, struct sched_msg *m)
{
    if (plan->nmsgs == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        plan->msgs = xrealloc(plan->msgs, *cap * sizeof *plan->msgs);
    }
    plan->msgs[plan->nmsgs++] = *m;
}

/* Turns the due items of one client into one message per channel. */
static void
emit_group(struct sched_plan *plan, size_t *cap, size_t client,
           struct sched_item *items, size_t n,
           const struct sched_invoice *invoices)
{
    static const int channels[] = {SCN_EMAIL, SCN_MANAGER, SCN_FINANCE};
    for (size_t c = 0; c < sizeof channels / sizeof channels[0]; c++) {
        struct sched_msg m = {.client = client, .channel = channels[c]};
        for (size_t i = 0; i < n; i++) {
            if (items[i].step->channel != channels[c])
                continue;
            if (m.items == NULL)
                m.items = xmalloc(n * sizeof *m.items);
            m.items[m.nitems++] = items[i];
            if (m.lead == NULL || more_advanced(items[i].step, m.lead))
                m.lead = items[i].step;
            m.cc |= items[i].step->cc;
            m.flags |= items[i].step->flags;
        }
        if (m.nitems == 0)
            continue;
        sort_items(m.items, m.nitems, invoices);
        plan_push_msg(plan, cap, &m);
    }
}

void
sched_plan(const struct sched_client *clients, size_t nclients,
           const struct sched_invoice *invoices, size_t ninvoices,
           const struct sched_now *now, struct sched_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    size_t rcap = 0, mcap = 0;

    /* Resumes do not depend on the calendar: a pause ends on its day. */
    for (size_t i = 0; i < ninvoices; i++) {
        if (!resumes(&invoices[i], now->today))
            continue;
        if (plan->nresumes == rcap) {
            rcap = rcap ? rcap * 2 : 16;
            plan->resumes = xrealloc(plan->resumes, rcap * sizeof(size_t));
        }
        plan->resumes[plan->nresumes++] = i;
    }

    if (now->cal && !calendar_is_business_day(now->cal, now->today)) {
        plan->closed = SCHED_CLOSED_NOT_BUSINESS_DAY;
        return;
    }
    if (now->minute < now->window_start || now->minute >= now->window_end) {
        plan->closed = SCHED_CLOSED_OUTSIDE_WINDOW;
        return;
    }

    struct sched_item *items = NULL;
    size_t icap = 0;
    for (size_t i = 0; i < ninvoices;) {
        size_t client = invoices[i].client;
        size_t end = i;
        while (end < ninvoices && invoices[end].client == client)
            end++;
        int blocked = client < nclients
                          ? client_blocked(&clients[client], now) : 1;
        if (blocked) {
            plan->gap_skipped += blocked == 2;
            i = end;
            continue;
        }
        size_t n = 0;
        for (; i < end; i++) {
            const struct sched_invoice *inv = &invoices[i];
            if (inv->status != SCHED_OPEN && !resumes(inv, now->today))
                continue;
            if (inv->wait_until != SCHED_NO_DAY && now->today < inv->wait_until)
                continue;
            int day;
            const struct scenario_step *st =
                sched_next_step(inv, now, &day, &plan->passed_over);
            if (st == NULL || day > now->today)
                continue;
            if (st->channel == SCN_TASK || st->channel == SCN_SMS ||
                (st->approval && inv->approved < st->index)) {
                plan->people = xrealloc(plan->people, (plan->npeople + 1) *
                                                          sizeof *plan->people);
                plan->people[plan->npeople++] = (struct sched_item){
                    .invoice = i, .step = st, .due_day = day};
                continue;
            }
            if (n == icap) {
                icap = icap ? icap * 2 : 16;
                items = xrealloc(items, icap * sizeof *items);
            }
            int late = now->today - inv->due_date;
            items[n++] = (struct sched_item){
                .invoice = i, .step = st, .due_day = day,
                .days_late = late > 0 ? late : 0};
        }
        if (n > 0)
            emit_group(plan, &mcap, client, items, n, invoices);
    }
    free(items);
}

void
sched_plan_free(struct sched_plan *plan)
{
    for (size_t i = 0; i < plan->nmsgs; i++)
        free(plan->msgs[i].items);
    free(plan->msgs);
    free(plan->resumes);
    free(plan->people);
    memset(plan, 0, sizeof *plan);
}
