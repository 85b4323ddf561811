/*
 * sched.h - which reminder steps are due today, gathered into one message
 * per client. Pure decision code: it takes the rows the worker loaded
 * (clients, invoices with their chosen scenario and history), a business
 * calendar and "now", and returns the messages to build. No I/O, no
 * clock: everything time-based comes from struct sched_now.
 *
 * The rules (issue 3), in the order they are applied:
 *   - Nothing is planned outside business days (calendar.h) or outside
 *     the send window (local minutes [start, end)).
 *   - An invoice is considered when its status is open, or when it is
 *     paused/promised/hold with a paused_until that has come (today >=
 *     paused_until): it then resumes, and the plan lists it in `resumes`
 *     so the caller sets status open and writes a 'resume' event. hold
 *     without a date, disputed and paid invoices are never considered.
 *   - A client on hold (hold set, and no hold_until or today <
 *     hold_until) is skipped, as is an invoice whose wait_until has not
 *     come (out-of-office return, staff's manual contact), and a client
 *     with no deliverable address left.
 *   - The step of an invoice is the FIRST step of its scenario after the
 *     last one done (invoices.step): steps are never repeated and never
 *     skipped in a burst. After a missed run the worker sends the next
 *     step not yet sent; the one after it waits MinGapDays.
 *   - A step is due on or after its day: due_date + offset, moved to the
 *     next business day when that day is not one.
 *   - Decision: a pre-due (negative offset, "courtesy") step is not sent
 *     once the due date has passed (today > due_date): a "your invoice is
 *     due in 5 days" message sent late would be wrong. It is passed over
 *     (not recorded) and the next step is considered.
 *   - A due task or sms step, or a due step flagged approval with
 *     inv->approved below its index, goes to plan->people instead of a
 *     message (the client's gap rule applies; an sms step is one text
 *     per invoice, sent by worker/w_sms.c once approved if flagged).
 *   - Two messages to the same client are at least MinGapDays apart:
 *     a client whose last reminder went out less than min_gap_days ago
 *     gets nothing today.
 *   - One message per client and channel: every invoice of the client
 *     with a due email step goes in one client message; due manager or
 *     finance steps go in one internal message per channel. The tone and
 *     template are those of the most advanced step (highest tone, then
 *     highest step index) among the gathered invoices.
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct calendar;
struct scenario;
struct scenario_step;

#define SCHED_NO_DAY INT32_MIN /* a date column that is NULL */

enum sched_status {
    SCHED_OPEN,
    SCHED_PAUSED,
    SCHED_PROMISED,
    SCHED_DISPUTED,
    SCHED_HOLD,
    SCHED_PAID,
};

/* sched_status_parse: the invoices.status text; -1 if unknown. */
int sched_status_parse(const char *s);

struct sched_client {
    const char *id;
    bool hold;           /* clients.hold_reason is set */
    int hold_until;      /* first day the hold is over; SCHED_NO_DAY = none */
    int deliverable;     /* contact addresses not marked undeliverable */
    int last_sent_day;   /* local day of the last reminder message sent or
                            queued to this client; SCHED_NO_DAY = never */
};

struct sched_invoice {
    const char *number;
    size_t client;       /* index into the clients array */
    int due_date;
    int status;          /* enum sched_status */
    int paused_until;    /* SCHED_NO_DAY = none */
    int wait_until;      /* SCHED_NO_DAY = none */
    int step;            /* index of the last step done, 0 = none */
    const char *step_name; /* its name, or NULL; preferred over step when
                              the scenario still has a step of that name */
    const struct scenario *scn; /* chosen by the caller (scenario_choose);
                                   NULL or no steps = send nothing */
    int approved;        /* highest step index a person approved
                            (table approvals), 0 = none */
};

struct sched_now {
    int today;           /* local day number */
    int minute;          /* local minute of the day */
    int window_start;    /* SendWindow, minutes, [start, end) */
    int window_end;
    int min_gap_days;
    const struct calendar *cal;
};

struct sched_item {
    size_t invoice;      /* index into the invoices array */
    const struct scenario_step *step;
    int due_day;         /* the step's day after the business-day shift */
    int days_late;       /* today - due_date, 0 when not late */
};

struct sched_msg {
    size_t client;
    int channel;         /* enum scn_channel: EMAIL, MANAGER or FINANCE */
    const struct scenario_step *lead; /* the most advanced step */
    unsigned cc;         /* union of the items' SCN_CC_* */
    unsigned flags;      /* union of the items' SCN_F_* */
    struct sched_item *items; /* sorted by due date, then number */
    size_t nitems;
};

/* Why nothing at all was planned (the whole day is closed). */
enum sched_closed {
    SCHED_CLOSED_NO,
    SCHED_CLOSED_NOT_BUSINESS_DAY,
    SCHED_CLOSED_OUTSIDE_WINDOW,
};

struct sched_plan {
    int closed;              /* enum sched_closed */
    struct sched_msg *msgs;  /* in client order */
    size_t nmsgs;
    size_t *resumes;         /* invoice indexes that resume (status open) */
    size_t nresumes;
    size_t passed_over;      /* on-paid steps passed over */
    /* Due steps that go to a person instead of a message (issue 5): task
     * steps (the caller creates the task and records the step done), sms
     * steps (the caller texts the client's phone, see worker/w_sms.c) and
     * steps flagged approval that no one approved yet (the caller records
     * the request; the invoice waits at that step until approved). */
    struct sched_item *people;
    size_t npeople;
    size_t gap_skipped;      /* clients skipped for MinGapDays */
};

/*
 * sched_plan computes the plan. invoices must be grouped by client (all
 * invoices of one client contiguous, as an ORDER BY client_id gives);
 * clients may be in any order. Nothing is kept from the inputs except the
 * step pointers (borrowed from the scenarios: keep the scenario set alive
 * while using the plan). plan is overwritten; free it with
 * sched_plan_free. Never fails (allocation failure aborts in util).
 */
void sched_plan(const struct sched_client *clients, size_t nclients,
                const struct sched_invoice *invoices, size_t ninvoices,
                const struct sched_now *now, struct sched_plan *plan);
void sched_plan_free(struct sched_plan *plan);

/*
 * sched_next_step: the step an invoice would get next (after the
 * courtesy rule and passing over unsendable steps), or NULL when the
 * scenario is finished. *due_day gets its day (business-day shifted).
 * Exposed for reports and tests.
 */
const struct scenario_step *sched_next_step(const struct sched_invoice *inv,
                                            const struct sched_now *now,
                                            int *due_day, size_t *passed);

#endif
