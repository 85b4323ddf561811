/*
 * test-sched.c - the planner (lib/sched): due on or after the day,
 * business days, the send window, MinGapDays, the skipped-run rule,
 * never twice, one message per client with the most advanced tone, and
 * status filtering. Two tables: single plans, and day-by-day simulations
 * that apply each plan like the worker does.
 */
#include "calendar.h"
#include "civil.h"
#include "scenario.h"
#include "sched.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>

/* The default sequence (J-5 courtesy ... J+30 collections). */
static struct scenario_step steps[] = {
    {.name = "courtesy", .index = 1, .offset = -5, .tone = TONE_COURTESY},
    {.name = "first", .index = 2, .offset = 3, .tone = TONE_FIRST},
    {.name = "firm", .index = 3, .offset = 10, .tone = TONE_FIRM,
     .cc = SCN_CC_MANAGER},
    {.name = "formal", .index = 4, .offset = 20, .tone = TONE_FORMAL,
     .flags = SCN_F_LEGAL},
    {.name = "collections", .index = 5, .offset = 30,
     .tone = TONE_COLLECTIONS},
};
static struct scenario scn = {.name = "default", .steps = steps, .nsteps = 5};

/* A scenario with an internal step and an sms step in the middle. */
static struct scenario_step steps2[] = {
    {.name = "first", .index = 1, .offset = 3, .tone = TONE_FIRST},
    {.name = "sms", .index = 2, .offset = 5, .channel = SCN_SMS},
    {.name = "tell-manager", .index = 3, .offset = 8,
     .channel = SCN_MANAGER, .tone = TONE_FIRM},
};
static struct scenario scn2 = {.name = "mixed", .steps = steps2, .nsteps = 3};

struct inv_spec {
    const char *number;
    int client;
    const char *due;
    const char *status;
    const char *paused_until;
    const char *wait_until;
    int step;
    int scn; /* 0 default, 1 mixed */
};

struct cli_spec {
    bool hold;
    const char *hold_until;
    int deliverable;
    const char *last_sent;
};

static int
day(const char *iso)
{
    int d;
    if (iso == NULL)
        return SCHED_NO_DAY;
    if (civil_parse_iso(iso, &d) < 0)
        abort();
    return d;
}

#define MAXI 6
struct plan_case {
    const char *name;
    const char *today;
    int minute;
    int min_gap;
    struct cli_spec clients[3];
    struct inv_spec inv[MAXI];
    const char *want;        /* "C0<lead>F-1:step,F-2:step;C1..." */
    const char *want_resume; /* "F-1,F-2" */
    int want_closed;
};

#define H(h, m) ((h) * 60 + (m))
#define OK {false, NULL, 1, NULL}

static const struct plan_case cases[] = {
    {"nothing due before the day", "2026-11-05", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}}, "", "", 0},
    {"due on the day", "2026-11-06", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}},
     "C0<first>F-1:first", "", 0},
    {"due after the day (on or after)", "2026-11-12", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}},
     "C0<first>F-1:first", "", 0},
    {"courtesy before the due date", "2026-11-02", H(9, 0), 5, {OK},
     {{"F-1", 0, "2026-11-06", "open", 0, 0, 0, 0}},
     "C0<courtesy>F-1:courtesy", "", 0},
    {"courtesy still on the due date", "2026-11-06", H(9, 0), 5, {OK},
     {{"F-1", 0, "2026-11-06", "open", 0, 0, 0, 0}},
     "C0<courtesy>F-1:courtesy", "", 0},
    {"courtesy not sent once overdue; first not yet due", "2026-11-06",
     H(9, 0), 5, {OK}, {{"F-1", 0, "2026-11-05", "open", 0, 0, 0, 0}},
     "", "", 0},
    {"courtesy passed over, first due", "2026-11-09", H(9, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "open", 0, 0, 0, 0}},
     "C0<first>F-1:first", "", 0},
    {"skipped run: next step only, never a burst", "2026-12-30", H(11, 0),
     5, {OK}, {{"F-1", 0, "2026-11-02", "open", 0, 0, 0, 0}},
     "C0<first>F-1:first", "", 0},
    {"never twice: last step done", "2027-03-01", H(11, 0), 5, {OK},
     {{"F-1", 0, "2026-11-02", "open", 0, 0, 5, 0}}, "", "", 0},
    {"holiday Friday 25 December: closed", "2026-12-25", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-12-22", "open", 0, 0, 1, 0}}, "", "",
     SCHED_CLOSED_NOT_BUSINESS_DAY},
    {"Saturday: closed", "2026-12-26", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-12-22", "open", 0, 0, 1, 0}}, "", "",
     SCHED_CLOSED_NOT_BUSINESS_DAY},
    {"Thursday 24 December: not yet", "2026-12-24", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-12-22", "open", 0, 0, 1, 0}}, "", "", 0},
    {"Monday 28 December: sent", "2026-12-28", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-12-22", "open", 0, 0, 1, 0}},
     "C0<first>F-1:first", "", 0},
    {"before the send window", "2026-11-12", H(8, 59), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}}, "", "",
     SCHED_CLOSED_OUTSIDE_WINDOW},
    {"window start is inclusive", "2026-11-12", H(9, 0), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}},
     "C0<first>F-1:first", "", 0},
    {"window end is exclusive", "2026-11-12", H(18, 0), 5, {OK},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}}, "", "",
     SCHED_CLOSED_OUTSIDE_WINDOW},
    {"MinGapDays: 4 days after the last message", "2026-11-12", H(10, 0), 5,
     {{false, NULL, 1, "2026-11-08"}},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}}, "", "", 0},
    {"MinGapDays: 5 days after the last message", "2026-11-13", H(10, 0), 5,
     {{false, NULL, 1, "2026-11-08"}},
     {{"F-1", 0, "2026-11-03", "open", 0, 0, 1, 0}},
     "C0<first>F-1:first", "", 0},
    {"one message per client, tone of the most advanced", "2026-11-20",
     H(10, 0), 5, {OK, OK},
     {{"F-3", 0, "2026-11-16", "open", 0, 0, 1, 0},
      {"F-1", 0, "2026-11-05", "open", 0, 0, 2, 0},
      {"F-9", 1, "2026-11-16", "open", 0, 0, 1, 0},
      {"F-2", 0, "2026-11-24", "open", 0, 0, 0, 0}},
     "C0<firm>F-1:firm,F-3:first,F-2:courtesy;C1<first>F-9:first", "", 0},
    {"status filter", "2026-11-20", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "paid", 0, 0, 1, 0},
      {"F-2", 0, "2026-11-05", "disputed", 0, 0, 1, 0},
      {"F-3", 0, "2026-11-05", "hold", 0, 0, 1, 0},
      {"F-4", 0, "2026-11-05", "paused", "2026-11-21", 0, 1, 0},
      {"F-5", 0, "2026-11-05", "promised", "2026-11-21", 0, 1, 0},
      {"F-6", 0, "2026-11-05", "open", 0, 0, 1, 0}},
     "C0<first>F-6:first", "", 0},
    {"pause, promise and dated hold resume on their day", "2026-11-20",
     H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "paused", "2026-11-20", 0, 1, 0},
      {"F-2", 0, "2026-11-05", "promised", "2026-11-19", 0, 1, 0},
      {"F-3", 0, "2026-11-05", "hold", "2026-11-01", 0, 1, 0}},
     "C0<first>F-1:first,F-2:first,F-3:first", "F-1,F-2,F-3", 0},
    {"resume also on a closed day", "2026-11-21", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "paused", "2026-11-20", 0, 1, 0}}, "",
     "F-1", SCHED_CLOSED_NOT_BUSINESS_DAY},
    {"wait_until in the future", "2026-11-20", H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "open", 0, "2026-11-23", 1, 0},
      {"F-2", 0, "2026-11-05", "open", 0, "2026-11-20", 1, 0}},
     "C0<first>F-2:first", "", 0},
    {"client on hold, until a later day", "2026-11-20", H(10, 0), 5,
     {{true, "2026-11-21", 1, NULL}, {true, NULL, 1, NULL},
      {true, "2026-11-20", 1, NULL}},
     {{"F-1", 0, "2026-11-05", "open", 0, 0, 1, 0},
      {"F-2", 1, "2026-11-05", "open", 0, 0, 1, 0},
      {"F-3", 2, "2026-11-05", "open", 0, 0, 1, 0}},
     "C2<first>F-3:first", "", 0},
    {"no deliverable address", "2026-11-20", H(10, 0), 5,
     {{false, NULL, 0, NULL}},
     {{"F-1", 0, "2026-11-05", "open", 0, 0, 1, 0}}, "", "", 0},
    {"sms step done, manager step its own message", "2026-11-20",
     H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "open", 0, 0, 2, 1},
      {"F-2", 0, "2026-11-16", "open", 0, 0, 0, 1}},
     "C0<first>F-2:first;C0/manager<tell-manager>F-1:tell-manager", "", 0},
    {"due sms step is no message (it goes to people)", "2026-11-20",
     H(10, 0), 5, {OK},
     {{"F-1", 0, "2026-11-05", "open", 0, 0, 1, 1},
      {"F-2", 0, "2026-11-16", "open", 0, 0, 0, 1}},
     "C0<first>F-2:first", "", 0},
};

static void
build(const struct plan_case *c, struct sched_client *cl,
      struct sched_invoice *inv, size_t *ninv)
{
    for (int i = 0; i < 3; i++) {
        const struct cli_spec *s = &c->clients[i];
        char *id = xasprintf("C%d", i);
        cl[i] = (struct sched_client){
            .id = id, .hold = s->hold, .hold_until = day(s->hold_until),
            .deliverable = s->deliverable,
            .last_sent_day = day(s->last_sent)};
        if (i > 0 && !s->hold && s->deliverable == 0 && !s->last_sent)
            cl[i].deliverable = 1; /* unlisted clients are reachable */
    }
    /* Group by client, as the worker's ORDER BY client_id does. */
    *ninv = 0;
    for (int cid = 0; cid < 3; cid++)
        for (int i = 0; i < MAXI && c->inv[i].number; i++) {
            const struct inv_spec *s = &c->inv[i];
            if (s->client != cid)
                continue;
            inv[(*ninv)++] = (struct sched_invoice){
                .number = s->number, .client = (size_t)s->client,
                .due_date = day(s->due),
                .status = sched_status_parse(s->status),
                .paused_until = day(s->paused_until),
                .wait_until = day(s->wait_until), .step = s->step,
                .scn = s->scn ? &scn2 : &scn};
        }
}

static void
describe(const struct sched_plan *p, const struct sched_invoice *inv,
         const struct sched_client *cl, struct sbuf *out, struct sbuf *res)
{
    for (size_t m = 0; m < p->nmsgs; m++) {
        const struct sched_msg *msg = &p->msgs[m];
        sbuf_addf(out, "%s%s%s<%s>", m ? ";" : "", cl[msg->client].id,
                  msg->channel == SCN_MANAGER ? "/manager" : "",
                  msg->lead->name);
        for (size_t i = 0; i < msg->nitems; i++)
            sbuf_addf(out, "%s%s:%s", i ? "," : "",
                      inv[msg->items[i].invoice].number,
                      msg->items[i].step->name);
    }
    for (size_t r = 0; r < p->nresumes; r++)
        sbuf_addf(res, "%s%s", r ? "," : "", inv[p->resumes[r]].number);
}

static void
run_plan_cases(const struct calendar *cal)
{
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct plan_case *c = &cases[k];
        T_CASE(c->name);
        struct sched_client cl[3];
        struct sched_invoice inv[MAXI];
        size_t ninv;
        build(c, cl, inv, &ninv);
        struct sched_now now = {.today = day(c->today), .minute = c->minute,
                                .window_start = H(9, 0),
                                .window_end = H(18, 0),
                                .min_gap_days = c->min_gap, .cal = cal};
        struct sched_plan p;
        sched_plan(cl, 3, inv, ninv, &now, &p);
        struct sbuf got = {0}, res = {0};
        describe(&p, inv, cl, &got, &res);
        T_STREQ(sbuf_cstr(&got), c->want);
        T_STREQ(sbuf_cstr(&res), c->want_resume);
        T_INTEQ(p.closed, c->want_closed);
        if (p.nmsgs && p.msgs[0].lead->index == 3)
            T_CHECK(p.msgs[0].cc & SCN_CC_MANAGER, "firm step lost its cc");
        if (k == 12) /* Monday 28 December: the shifted due day */
            T_INTEQ(p.msgs[0].items[0].due_day, day("2026-12-28"));
        sbuf_free(&got);
        sbuf_free(&res);
        sched_plan_free(&p);
        for (int i = 0; i < 3; i++)
            free((char *)cl[i].id);
    }
}

/* Day-by-day runs: each plan is applied (step advanced, last send day
 * kept) as the worker records it; the sequence of sends is compared. */
static const struct {
    const char *name;
    const char *due;
    int step;
    const char *first_run; /* the worker was down until this day */
    const char *last_run;
    int hour;
    const char *want;
} sims[] = {
    {"daily runs from the start", "2026-11-02", 0, "2026-10-20",
     "2027-01-31", 10,
     "2026-10-28:courtesy 2026-11-05:first 2026-11-12:firm "
     "2026-11-23:formal 2026-12-02:collections"},
    {"worker down two weeks: one step at a time, MinGapDays apart",
     "2026-11-02", 0, "2026-11-20", "2027-01-31", 10,
     "2026-11-20:first 2026-11-25:firm 2026-11-30:formal "
     "2026-12-07:collections"},
    {"runs outside the window send nothing", "2026-11-02", 0, "2026-10-20",
     "2026-12-31", 19, ""},
    {"holiday shift: J+3 on Friday 25 December goes on Monday 28",
     "2026-12-22", 1, "2026-12-20", "2027-01-15", 9,
     "2026-12-28:first 2027-01-04:firm 2027-01-11:formal"},
};

static void
run_simulations(const struct calendar *cal)
{
    for (size_t k = 0; k < sizeof sims / sizeof sims[0]; k++) {
        T_CASE(sims[k].name);
        struct sched_client cl = {.id = "C0", .deliverable = 1,
                                  .hold_until = SCHED_NO_DAY,
                                  .last_sent_day = SCHED_NO_DAY};
        struct sched_invoice inv = {
            .number = "F-1", .due_date = day(sims[k].due),
            .status = SCHED_OPEN, .paused_until = SCHED_NO_DAY,
            .wait_until = SCHED_NO_DAY, .step = sims[k].step, .scn = &scn};
        struct sbuf got = {0};
        int sent_steps = 0, twice = 0;
        for (int d = day(sims[k].first_run); d <= day(sims[k].last_run); d++) {
            struct sched_now now = {.today = d, .minute = sims[k].hour * 60,
                                    .window_start = H(9, 0),
                                    .window_end = H(18, 0),
                                    .min_gap_days = 5, .cal = cal};
            struct sched_plan p;
            sched_plan(&cl, 1, &inv, 1, &now, &p);
            for (size_t m = 0; m < p.nmsgs; m++) {
                const struct scenario_step *st = p.msgs[m].items[0].step;
                if (sent_steps & (1 << st->index))
                    twice++;
                sent_steps |= 1 << st->index;
                char iso[11];
                civil_format_iso(d, iso);
                sbuf_addf(&got, "%s%s:%s", got.len ? " " : "", iso, st->name);
                inv.step = st->index;
                inv.step_name = st->name;
                cl.last_sent_day = d;
            }
            sched_plan_free(&p);
        }
        T_STREQ(sbuf_cstr(&got), sims[k].want);
        T_INTEQ(twice, 0);
        sbuf_free(&got);
    }
}

int
main(void)
{
    char err[256];
    struct calendar *cal = calendar_new(false, "", err, sizeof err);
    T_CHECK(cal != NULL, "calendar: %s", err);
    if (cal == NULL)
        return t_done();
    run_plan_cases(cal);
    run_simulations(cal);
    calendar_free(cal);
    return t_done();
}
