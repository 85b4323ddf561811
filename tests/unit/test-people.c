/*
 * test-people.c - the planner's steps for people (lib/sched `people`): a
 * due task step and a due step waiting for approval leave the message
 * flow, and so does a due sms step (worker/w_sms.c texts it); an approved
 * step is sent; the gap rule still applies.
 */
#include "calendar.h"
#include "scenario.h"
#include "sched.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

static const char scn_text[] =
    "scenario default\n"
    "step first\noffset J+3\nchannel email\ntone first\n"
    "step call\noffset J+4\nchannel task\nassignee finance\ntone first\n"
    "step text\noffset J+5\nchannel sms\ntone first\n"
    "step formal\noffset J+10\nchannel email\ntone formal\napproval yes\n";

static const struct {
    const char *name;
    const char *today;
    int step;        /* last step done */
    int approved;    /* highest approved step */
    const char *last_sent; /* NULL = never */
    const char *want_msg;    /* lead step of the one message, or NULL */
    const char *want_person; /* step of the one people item, or NULL */
    int want_passed;
} cases[] = {
    {"first reminder is a message", "2026-03-05", 0, 0, NULL, "first", NULL,
     0},
    {"call is a task, not a message", "2026-03-09", 1, 0, NULL, NULL, "call",
     0},
    {"sms is for the worker, not a message", "2026-03-12", 2, 0, NULL,
     NULL, "text", 0},
    {"after the sms, formal waits for approval", "2026-03-12", 3, 0, NULL,
     NULL, "formal", 0},
    {"approved formal notice is sent", "2026-03-12", 3, 4, NULL, "formal",
     NULL, 0},
    {"an older approval does not approve a later step", "2026-03-12", 3, 1,
     NULL, NULL, "formal", 0},
    {"not due yet: nothing for anyone", "2026-03-10", 3, 0, NULL, NULL, NULL,
     0},
    {"gap rule holds tasks too", "2026-03-09", 1, 0, "2026-03-06", NULL, NULL,
     0},
};

int
main(void)
{
    char err[512];
    struct scenario_set set = {0};
    T_CASE("scenario");
    T_CHECK(scenario_parse(&set, "p.scn", scn_text, err, sizeof err) == 0 &&
                scenario_check(&set, err, sizeof err) == 0, "%s", err);
    struct calendar *cal = calendar_new(false, "", err, sizeof err);
    for (size_t i = 0; set.n && i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        struct sched_client c = {
            .id = "C1", .deliverable = 1,
            .hold_until = SCHED_NO_DAY,
            .last_sent_day = cases[i].last_sent ? t_day(cases[i].last_sent)
                                                : SCHED_NO_DAY};
        /* Due Monday 2026-03-02: J+3 Thu 5, J+4 Fri 6 -> Mon 9 is a
         * business day after, J+10 Thu 12. */
        struct sched_invoice inv = {
            .number = "F-1", .client = 0, .due_date = t_day("2026-03-02"),
            .status = SCHED_OPEN, .paused_until = SCHED_NO_DAY,
            .wait_until = SCHED_NO_DAY, .step = cases[i].step,
            .scn = &set.v[0], .approved = cases[i].approved};
        struct sched_now now = {
            .today = t_day(cases[i].today), .minute = 600,
            .window_start = 480, .window_end = 1080, .min_gap_days = 5,
            .cal = cal};
        struct sched_plan p;
        sched_plan(&c, 1, &inv, 1, &now, &p);
        T_INTEQ(p.nmsgs, cases[i].want_msg ? 1 : 0);
        if (p.nmsgs && cases[i].want_msg)
            T_STREQ(p.msgs[0].lead->name, cases[i].want_msg);
        T_INTEQ(p.npeople, cases[i].want_person ? 1 : 0);
        if (p.npeople && cases[i].want_person)
            T_STREQ(p.people[0].step->name, cases[i].want_person);
        T_INTEQ(p.passed_over, cases[i].want_passed);
        sched_plan_free(&p);
    }
    calendar_free(cal);
    scenario_set_free(&set);
    return t_done();
}
