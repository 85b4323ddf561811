/*
 * report.c - the finance reports' arithmetic and queries; see report.h.
 * Called by relancectl's report command (worker/ctl_report.c).
 */
#include "report.h"

#include "civil.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
report_bucket(int days_late)
{
    if (days_late <= 0)
        return REPORT_NOT_DUE;
    if (days_late <= 30)
        return REPORT_1_30;
    if (days_late <= 60)
        return REPORT_31_60;
    if (days_late <= 90)
        return REPORT_61_90;
    return REPORT_OVER_90;
}

/* div_round: n / d rounded half away from zero (d > 0). */
static int64_t
div_round(__int128 n, __int128 d)
{
    __int128 q = (n < 0 ? -n : n) * 2 + d;
    q /= 2 * d;
    return (int64_t)(n < 0 ? -q : q);
}

int
report_dso(int64_t receivables, int64_t sales, int days, int64_t *tenths)
{
    if (sales <= 0 || days <= 0)
        return -1;
    *tenths = div_round((__int128)receivables * days * 10, sales);
    return 0;
}

int
report_avg_tenths(int64_t sum, int64_t count, int64_t *tenths)
{
    if (count <= 0)
        return -1;
    *tenths = div_round((__int128)sum * 10, count);
    return 0;
}

int
report_outcome(unsigned flags, bool window_open)
{
    static const unsigned order[] = {REPORT_SAW_PAID, REPORT_SAW_DISPUTE,
                                     REPORT_SAW_PROMISE, REPORT_SAW_REPLY,
                                     REPORT_SAW_BOUNCE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (flags & order[i])
            return (int)i; /* the enum follows the same order */
    return window_open ? OUTCOME_PENDING : OUTCOME_NONE;
}

/* Totals per currency: few currencies, a linear list is enough. */
#define ACC_MAX 12
struct acc {
    char currency[16];
    int64_t v[ACC_MAX];
};

struct accs {
    struct acc *a;
    size_t n;
};

static struct acc *
acc_get(struct accs *s, const char *currency)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->a[i].currency, currency) == 0)
            return &s->a[i];
    s->a = xrealloc(s->a, (s->n + 1) * sizeof *s->a);
    struct acc *a = &s->a[s->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->currency, sizeof a->currency, "%s", currency);
    return a;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
        return 0;
    msg_error("report query: %s", sqlite3_errmsg(db));
    return -1;
}

static int
finish(sqlite3 *db, sqlite3_stmt *st, int rc)
{
    if (rc != SQLITE_DONE) {
        msg_error("report query: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

static void
bind_day(sqlite3_stmt *st, const char *name, int day)
{
    char iso[11];
    civil_format_iso(day, iso);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), iso, -1,
                      SQLITE_TRANSIENT);
}

/* The first columns of the per-client reports, and their cells. */
#define CLIENT_COLS                                                            \
    {"client_id", "Client", RT_TEXT}, {"name", "Nom", RT_TEXT},                \
    {                                                                          \
        "currency", "Devise", RT_TEXT                                          \
    }

static void
client_cells(struct rtable *t, bool total, const char *id, const char *name,
             const char *currency)
{
    rtable_row(t, total);
    rtable_text(t, id);
    rtable_text(t, name);
    rtable_text(t, currency);
}

/* ---- aged balance ---------------------------------------------------- */

static const struct rtable_col aging_cols[] = {
    CLIENT_COLS,
    {"invoices", "Factures", RT_INT},
    {"not_due_cents", "Non échu", RT_MONEY},
    {"days_1_30_cents", "1-30 j", RT_MONEY},
    {"days_31_60_cents", "31-60 j", RT_MONEY},
    {"days_61_90_cents", "61-90 j", RT_MONEY},
    {"over_90_cents", "> 90 j", RT_MONEY},
    {"total_cents", "Total", RT_MONEY},
};

/* An accumulator's v[]: invoices, the buckets, the total. */
static void
aging_row(struct rtable *t, bool total, const char *id, const char *name,
          const struct acc *a)
{
    client_cells(t, total, id, name, a->currency);
    rtable_int(t, a->v[0]);
    for (int b = 0; b <= REPORT_NBUCKETS; b++)
        rtable_money(t, a->v[1 + b], a->currency);
}

int
report_aging_load(sqlite3 *db, int today, struct rtable *t)
{
    rtable_init(t, aging_cols, sizeof aging_cols / sizeof aging_cols[0]);
    sqlite3_stmt *st;
    if (prepare(db,
                "SELECT i.client_id, c.name, i.currency, i.due_date, "
                "i.amount_due_cents FROM invoices i "
                "JOIN clients c ON c.id = i.client_id "
                "WHERE i.status <> 'paid' AND i.amount_due_cents > 0 "
                "AND i.issue_date <= :today "
                "ORDER BY i.client_id, i.currency, i.due_date",
                &st) < 0)
        return -1;
    bind_day(st, ":today", today);
    struct accs totals = {0};
    struct acc cur = {0};
    char *cur_id = NULL, *cur_name = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = col_text(st, 0), *currency = col_text(st, 2);
        if (cur_id &&
            (strcmp(cur_id, id) != 0 || strcmp(cur.currency, currency) != 0)) {
            aging_row(t, false, cur_id, cur_name, &cur);
            free(cur_id);
            cur_id = NULL;
            free(cur_name);
        }
        if (cur_id == NULL) {
            cur_id = xstrdup(id);
            cur_name = xstrdup(col_text(st, 1));
            memset(&cur, 0, sizeof cur);
            snprintf(cur.currency, sizeof cur.currency, "%s", currency);
        }
        int due;
        if (civil_parse_iso(col_text(st, 3), &due) < 0) {
            msg_warn("invoice of client %s: bad due date \"%s\"; counted "
                     "as not due",
                     id, col_text(st, 3));
            due = today;
        }
        int64_t amount = sqlite3_column_int64(st, 4);
        int b = report_bucket(today - due);
        struct acc *tot = acc_get(&totals, currency);
        cur.v[0]++, tot->v[0]++;
        cur.v[1 + b] += amount, tot->v[1 + b] += amount;
        cur.v[1 + REPORT_NBUCKETS] += amount;
        tot->v[1 + REPORT_NBUCKETS] += amount;
    }
    if (cur_id)
        aging_row(t, false, cur_id, cur_name, &cur);
    free(cur_id);
    free(cur_name);
    for (size_t i = 0; i < totals.n; i++)
        aging_row(t, true, "TOTAL", "Total", &totals.a[i]);
    free(totals.a);
    return finish(db, st, rc);
}

/* ---- DSO and payment delays ------------------------------------------ */

static const struct rtable_col dso_cols[] = {
    CLIENT_COLS,
    {"sales_cents", "Ventes période", RT_MONEY},
    {"receivables_cents", "Encours fin", RT_MONEY},
    {"dso_days", "DSO (j)", RT_TENTHS},
    {"paid_invoices", "Factures payées", RT_INT},
    {"avg_delay_days", "Retard moyen (j)", RT_TENTHS},
};

/* v[]: sales, receivables, paid count, sum of delays. */
static void
dso_row(struct rtable *t, bool total, const char *id, const char *name,
        const struct acc *a, int days)
{
    int64_t tenths;
    client_cells(t, total, id, name, a->currency);
    rtable_money(t, a->v[0], a->currency);
    rtable_money(t, a->v[1], a->currency);
    if (report_dso(a->v[1], a->v[0], days, &tenths) == 0)
        rtable_tenths(t, tenths);
    else
        rtable_null(t);
    rtable_int(t, a->v[2]);
    if (report_avg_tenths(a->v[3], a->v[2], &tenths) == 0)
        rtable_tenths(t, tenths);
    else
        rtable_null(t);
}

/*
 * What was due at the end of :to. Not yet issued: nothing. Paid on or
 * before :to (or paid with no date): nothing. Otherwise today's amount
 * due plus the payments dated after :to; an invoice marked paid after
 * :to without payment rows was wholly due.
 */
static const char dso_sql[] =
    "WITH inv AS ("
    " SELECT i.*, COALESCE((SELECT SUM(p.amount_cents) FROM payments p"
    "   WHERE p.invoice = i.number AND p.date > :to), 0) AS later"
    " FROM invoices i),"
    " per AS ("
    " SELECT client_id, currency,"
    "  CASE WHEN issue_date BETWEEN :from AND :to THEN amount_cents"
    "   ELSE 0 END AS sales,"
    "  CASE WHEN issue_date > :to THEN 0"
    "   WHEN status = 'paid' AND (paid_date IS NULL OR paid_date <= :to)"
    "    THEN 0"
    "   WHEN status = 'paid' AND later = 0 THEN amount_cents"
    "   ELSE MIN(amount_cents, amount_due_cents + later) END AS open_end,"
    "  CASE WHEN status = 'paid' AND paid_date BETWEEN :from AND :to"
    "   THEN 1 ELSE 0 END AS paid,"
    "  CASE WHEN status = 'paid' AND paid_date BETWEEN :from AND :to"
    "   THEN CAST(julianday(paid_date) - julianday(due_date) AS INTEGER)"
    "   ELSE 0 END AS delay"
    " FROM inv)"
    " SELECT per.client_id, c.name, per.currency, SUM(sales), SUM(open_end),"
    "  SUM(paid), SUM(delay)"
    " FROM per JOIN clients c ON c.id = per.client_id"
    " GROUP BY per.client_id, per.currency"
    " HAVING SUM(sales) > 0 OR SUM(open_end) > 0 OR SUM(paid) > 0"
    " ORDER BY per.client_id, per.currency";

int
report_dso_load(sqlite3 *db, int from, int to, struct rtable *t)
{
    rtable_init(t, dso_cols, sizeof dso_cols / sizeof dso_cols[0]);
    sqlite3_stmt *st;
    if (prepare(db, dso_sql, &st) < 0)
        return -1;
    bind_day(st, ":from", from);
    bind_day(st, ":to", to);
    int days = to - from + 1;
    struct accs totals = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct acc a = {0};
        snprintf(a.currency, sizeof a.currency, "%s", col_text(st, 2));
        struct acc *tot = acc_get(&totals, a.currency);
        for (int i = 0; i < 4; i++) {
            a.v[i] = sqlite3_column_int64(st, 3 + i);
            tot->v[i] += a.v[i];
        }
        dso_row(t, false, col_text(st, 0), col_text(st, 1), &a, days);
    }
    for (size_t i = 0; i < totals.n; i++)
        dso_row(t, true, "TOTAL", "Total", &totals.a[i], days);
    free(totals.a);
    return finish(db, st, rc);
}

/* ---- effectiveness of the steps -------------------------------------- */

static const struct rtable_col steps_cols[] = {
    {"step", "N°", RT_INT},
    {"step_name", "Étape", RT_TEXT},
    {"sent", "Envoyées", RT_INT},
    {"paid", "Payées", RT_INT},
    {"dispute", "Litiges", RT_INT},
    {"promise", "Promesses", RT_INT},
    {"reply", "Réponses", RT_INT},
    {"bounce", "Rejets", RT_INT},
    {"pending", "En cours", RT_INT},
    {"no_answer", "Sans suite", RT_INT},
    {"paid_percent", "% payées", RT_TENTHS},
    {"avg_days_to_pay", "Délai paiement (j)", RT_TENTHS},
};

/*
 * One row per reminder sent in the period, with its window: from the
 * send to :within days later or to the next reminder of the invoice,
 * whichever comes first. The flags come from the invoice's events (or
 * events about this very message, for bounces) inside the window.
 */
static const char steps_sql[] =
    "WITH r AS ("
    " SELECT r.invoice, r.step, r.step_name, m.message_id, m.sent_at,"
    "  strftime('%Y-%m-%dT%H:%M:%SZ', m.sent_at, '+' || :within || ' days')"
    "   AS win_end,"
    "  (SELECT MIN(m2.sent_at) FROM reminders r2"
    "    JOIN messages m2 ON m2.id = r2.message"
    "    WHERE r2.invoice = r.invoice AND m2.state = 'sent'"
    "    AND m2.sent_at > m.sent_at) AS next_at"
    " FROM reminders r JOIN messages m ON m.id = r.message"
    " WHERE m.state = 'sent' AND m.sent_at >= :start AND m.sent_at < :stop),"
    " w AS (SELECT *, CASE WHEN next_at IS NOT NULL AND next_at < win_end"
    "  THEN next_at ELSE win_end END AS end_at FROM r)"
    " SELECT w.step, w.step_name, w.sent_at, w.end_at, i.status, i.paid_date,"
    "  (SELECT group_concat(DISTINCT e.kind) FROM events e"
    "    WHERE (e.invoice = w.invoice OR e.message_id = w.message_id)"
    "    AND e.at >= w.sent_at AND e.at < w.end_at"
    "    AND e.kind IN ('dispute', 'promise', 'reply', 'paid_claim',"
    "                   'bounce'))"
    " FROM w JOIN invoices i ON i.number = w.invoice"
    " ORDER BY w.step, w.step_name";

/* v[]: sent, outcomes (OUTCOME_COUNT), sum of days to pay. */
#define STEP_DAYS (1 + OUTCOME_COUNT)

static void
steps_row(struct rtable *t, bool total, int step, const char *name,
          const struct acc *a)
{
    static const int shown[] = {OUTCOME_PAID,  OUTCOME_DISPUTE, OUTCOME_PROMISE,
                                OUTCOME_REPLY, OUTCOME_BOUNCE,  OUTCOME_PENDING,
                                OUTCOME_NONE};
    int64_t tenths;
    rtable_row(t, total);
    if (total)
        rtable_null(t);
    else
        rtable_int(t, step);
    rtable_text(t, name);
    rtable_int(t, a->v[0]);
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        rtable_int(t, a->v[1 + shown[i]]);
    if (report_avg_tenths(a->v[1 + OUTCOME_PAID] * 100, a->v[0], &tenths) == 0)
        rtable_tenths(t, tenths);
    else
        rtable_null(t);
    if (report_avg_tenths(a->v[STEP_DAYS], a->v[1 + OUTCOME_PAID], &tenths) ==
        0)
        rtable_tenths(t, tenths);
    else
        rtable_null(t);
}

/* flags_of: the event kinds of the window, and the payment, as flags.
 * Sets *pay_days to the days from the send to the payment if paid. */
static unsigned
flags_of(sqlite3_stmt *st, time_t sent, time_t end, int *pay_days)
{
    unsigned flags = 0;
    const char *kinds = (const char *)sqlite3_column_text(st, 6);
    if (kinds) {
        if (strstr(kinds, "dispute"))
            flags |= REPORT_SAW_DISPUTE;
        if (strstr(kinds, "promise"))
            flags |= REPORT_SAW_PROMISE;
        if (strstr(kinds, "reply") || strstr(kinds, "paid_claim"))
            flags |= REPORT_SAW_REPLY;
        if (strstr(kinds, "bounce"))
            flags |= REPORT_SAW_BOUNCE;
    }
    /* paid_date is a local calendar day: compare days, the day of the
     * send counting, the day the window ends not counting. */
    int paid;
    if (strcmp(col_text(st, 4), "paid") == 0 &&
        civil_parse_iso(col_text(st, 5), &paid) == 0) {
        int d0 = clock_local_day(sent), d1 = clock_local_day(end);
        if (paid >= d0 && (paid < d1 || (d1 == d0 && paid == d0))) {
            flags |= REPORT_SAW_PAID;
            *pay_days = paid - d0;
        }
    }
    return flags;
}

int
report_steps_load(sqlite3 *db, int from, int to, int within, time_t now,
                  struct rtable *t)
{
    rtable_init(t, steps_cols, sizeof steps_cols / sizeof steps_cols[0]);
    sqlite3_stmt *st;
    if (prepare(db, steps_sql, &st) < 0)
        return -1;
    char start[21], stop[21];
    clock_format_utc(clock_from_local(from, 0), start);
    clock_format_utc(clock_from_local(to + 1, 0), stop);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":start"), start, -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":stop"), stop, -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":within"), within);
    struct acc all = {0}, cur = {0};
    int cur_step = -1;
    char *cur_name = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int step = sqlite3_column_int(st, 0);
        const char *name = col_text(st, 1);
        if (cur_name && (step != cur_step || strcmp(name, cur_name) != 0)) {
            steps_row(t, false, cur_step, cur_name, &cur);
            free(cur_name);
            cur_name = NULL;
        }
        if (cur_name == NULL) {
            cur_name = xstrdup(name);
            cur_step = step;
            memset(&cur, 0, sizeof cur);
        }
        time_t sent, end;
        if (clock_parse_utc(col_text(st, 2), &sent) < 0 ||
            clock_parse_utc(col_text(st, 3), &end) < 0) {
            msg_warn("reminder step %d: bad sent_at \"%s\"; skipped", step,
                     col_text(st, 2));
            continue;
        }
        int pay_days = 0;
        int out = report_outcome(flags_of(st, sent, end, &pay_days), now < end);
        cur.v[0]++, all.v[0]++;
        cur.v[1 + out]++, all.v[1 + out]++;
        if (out == OUTCOME_PAID)
            cur.v[STEP_DAYS] += pay_days, all.v[STEP_DAYS] += pay_days;
    }
    if (cur_name)
        steps_row(t, false, cur_step, cur_name, &cur);
    free(cur_name);
    if (all.v[0] > 0)
        steps_row(t, true, 0, "Total", &all);
    return finish(db, st, rc);
}
