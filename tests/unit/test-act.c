/*
 * test-act.c - applying decisions (act.c) and the spool (spool.c) on a
 * real SQLite file in $TMPDIR: every kind of decision gives the expected
 * status, paused_until, wait_until, events and notices; a paid invoice
 * never moves; a disputed one never goes back to paused; a number quoted
 * by a stranger is only reviewed; the spool survives a locked database
 * and replays exactly once.
 */
#include "act.h"
#include "classify.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "t.h"
#include "tdb.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define AT "2026-12-01T10:00:00Z" /* a Tuesday, 11:00 in Paris */

static sqlite3 *db;

static void
exec_or_die(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "setup: %s: %s\n", sql, msg);
        exit(2);
    }
}

static const char *
q1(const char *fmt, const char *arg)
{
    return tdb_value(db, fmt, arg);
}

static int
qn(const char *fmt, const char *arg)
{
    return atoi(q1(fmt, arg));
}

static void
setup_db(const char *path)
{
    char err[512];
    unlink(path);
    db = db_open(path, DB_CREATE | DB_MIGRATE, 5000, err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "db_open: %s\n", err);
        exit(2);
    }
    exec_or_die(
        "INSERT INTO clients (id, name, created_at) VALUES "
        " ('C1', 'Client Un', '" AT "'), ('C2', 'Client Deux', '" AT "');"
        "INSERT INTO client_emails (client_id, address, position) VALUES "
        " ('C1', 'ap@client1.test', 1), ('C1', 'boss@client1.test', 2),"
        " ('C2', 'pay@client2.test', 1);");
}

/* new_invoice: invoice NUMBER of C1 with a status, sent by a reminder
 * whose message carries token "tok-NUMBER". */
static void
new_invoice(const char *number, const char *status, const char *paused)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO invoices (number, client_id, issue_date, due_date, "
        " amount_cents, amount_due_cents, status, paused_until, created_at) "
        " VALUES (%Q, 'C1', '2026-10-01', '2026-11-01', 10000, 10000, %Q, "
        " %Q, '" AT "');"
        "INSERT INTO messages (message_id, token, client_id, kind, channel, "
        " mail_from, recipients, subject, body, state, created_at) VALUES "
        " ('tok-' || %Q || '@relance.test', 'tok-' || %Q, 'C1', 'reminder', "
        " 'email', 'compta@f.test', 'ap@client1.test', 's', 'b', 'sent', "
        " '" AT "');"
        "INSERT INTO reminders (invoice, step, step_name, message) VALUES "
        " (%Q, 1, 'first', last_insert_rowid());",
        number, status, paused, number, number, number);
    exec_or_die(sql);
    sqlite3_free(sql);
}

enum how { BY_TOKEN, BY_NUMBER };

static const struct act_case {
    const char *name;
    const char *status; /* invoice status before */
    const char *paused; /* paused_until before, or NULL */
    int kind, intent;
    enum how how;
    const char *sender;
    const char *until;
    const char *addr; /* addrs[0] (bounce, manual) */
    const char *want_status;
    const char *want_paused; /* "" = NULL */
    const char *want_wait;
    const char *want_event; /* the one event expected for the invoice */
    int want_notices;
    const char *want_audience;
} cases[] = {
    {"reply pauses 7 business days", "open", NULL, ACT_REPLY, ACT_INTENT_OTHER,
     BY_TOKEN, "ap@client1.test", "", "", "paused", "2026-12-10", "", "reply",
     0, NULL},
    {"promise with a date: date + grace", "open", NULL, ACT_REPLY,
     ACT_INTENT_PROMISE, BY_TOKEN, "ap@client1.test", "2026-12-15", "",
     "promised", "2026-12-18", "", "promise", 0, NULL},
    {"promise without a date: default days", "paused", "2026-12-03", ACT_REPLY,
     ACT_INTENT_PROMISE, BY_TOKEN, "ap@client1.test", "", "", "promised",
     "2026-12-11", "", "promise", 0, NULL},
    {"promise in the past counts as no date", "open", NULL, ACT_REPLY,
     ACT_INTENT_PROMISE, BY_TOKEN, "ap@client1.test", "2026-11-20", "",
     "promised", "2026-12-11", "", "promise", 0, NULL},
    {"paid claim pauses and tells finance", "open", NULL, ACT_REPLY,
     ACT_INTENT_PAID, BY_TOKEN, "ap@client1.test", "", "", "paused",
     "2026-12-10", "", "paid_claim", 1, "finance"},
    {"dispute stops and tells both", "open", NULL, ACT_REPLY,
     ACT_INTENT_DISPUTE, BY_TOKEN, "ap@client1.test", "", "", "disputed", "",
     "", "dispute", 1, "both"},
    {"paid invoice: dispute changes nothing", "paid", NULL, ACT_REPLY,
     ACT_INTENT_DISPUTE, BY_TOKEN, "ap@client1.test", "", "", "paid", "", "",
     "dispute", 0, NULL},
    {"paid invoice: reply changes nothing", "paid", NULL, ACT_REPLY,
     ACT_INTENT_OTHER, BY_TOKEN, "ap@client1.test", "", "", "paid", "", "",
     "reply", 0, NULL},
    {"paid invoice: out-of-office sets no wait", "paid", NULL, ACT_AUTOREPLY,
     ACT_INTENT_NONE, BY_TOKEN, "ap@client1.test", "2026-12-14", "", "paid", "",
     "", "autoreply", 0, NULL},
    {"disputed stays disputed on a reply", "disputed", NULL, ACT_REPLY,
     ACT_INTENT_OTHER, BY_TOKEN, "ap@client1.test", "", "", "disputed", "", "",
     "reply", 0, NULL},
    {"disputed stays disputed on a promise", "disputed", NULL, ACT_REPLY,
     ACT_INTENT_PROMISE, BY_TOKEN, "ap@client1.test", "2026-12-15", "",
     "disputed", "", "", "promise", 0, NULL},
    {"disputed stays disputed on a paid claim", "disputed", NULL, ACT_REPLY,
     ACT_INTENT_PAID, BY_TOKEN, "ap@client1.test", "", "", "disputed", "", "",
     "paid_claim", 1, "finance"},
    {"a reply never shortens a promise", "promised", "2026-12-20", ACT_REPLY,
     ACT_INTENT_OTHER, BY_TOKEN, "ap@client1.test", "", "", "promised",
     "2026-12-20", "", "reply", 0, NULL},
    {"a reply never shortens a pause", "paused", "2027-01-15", ACT_REPLY,
     ACT_INTENT_OTHER, BY_TOKEN, "ap@client1.test", "", "", "paused",
     "2027-01-15", "", "reply", 0, NULL},
    {"hold is kept on a reply", "hold", NULL, ACT_REPLY, ACT_INTENT_OTHER,
     BY_TOKEN, "ap@client1.test", "", "", "hold", "", "", "reply", 0, NULL},
    {"out-of-office waits for the return date", "open", NULL, ACT_AUTOREPLY,
     ACT_INTENT_NONE, BY_TOKEN, "ap@client1.test", "2026-12-14", "", "open", "",
     "2026-12-14", "autoreply", 0, NULL},
    {"out-of-office without a date: event only", "open", NULL, ACT_AUTOREPLY,
     ACT_INTENT_NONE, BY_TOKEN, "ap@client1.test", "", "", "open", "", "",
     "autoreply", 0, NULL},
    {"number from the client's address: trusted", "open", NULL, ACT_REPLY,
     ACT_INTENT_OTHER, BY_NUMBER, "ap@client1.test", "", "", "paused",
     "2026-12-10", "", "reply", 0, NULL},
    {"number from the client's domain: trusted", "open", NULL, ACT_REPLY,
     ACT_INTENT_DISPUTE, BY_NUMBER, "cfo@client1.test", "", "", "disputed", "",
     "", "dispute", 1, "both"},
    {"number quoted by another client: review", "open", NULL, ACT_REPLY,
     ACT_INTENT_DISPUTE, BY_NUMBER, "pay@client2.test", "", "", "open", "", "",
     "review", 0, NULL},
    {"number quoted by a stranger: review", "open", NULL, ACT_REPLY,
     ACT_INTENT_PAID, BY_NUMBER, "x@elsewhere.test", "", "", "open", "", "",
     "review", 0, NULL},
    {"staff wrote to the client: hold", "open", NULL, ACT_MANUAL,
     ACT_INTENT_NONE, BY_NUMBER, "alice@f.test", "", "ap@client1.test", "open",
     "", "2026-12-08", "manual_contact", 0, NULL},
    {"permanent bounce: address marked", "open", NULL, ACT_BOUNCE,
     ACT_INTENT_NONE, BY_TOKEN, "", "", "boss@client1.test", "open", "", "",
     "bounce", 1, "finance"},
    {"delay: event only", "open", NULL, ACT_DELAY, ACT_INTENT_NONE, BY_TOKEN,
     "", "", "ap@client1.test", "open", "", "", "delay", 0, NULL},
};

static struct act_params params;

static void
fill(struct act_decision *d, const struct act_case *c, const char *number)
{
    memset(d, 0, sizeof *d);
    d->kind = c->kind;
    d->intent = c->intent;
    act_copy(d->at, sizeof d->at, AT);
    act_copy(d->queue_id, sizeof d->queue_id, "4Xz1Q");
    act_copy(d->message_id, sizeof d->message_id, "m1@client1.test");
    act_copy(d->sender, sizeof d->sender, c->sender);
    act_copy(d->until, sizeof d->until, c->until);
    act_copy(d->evidence, sizeof d->evidence, "test");
    if (c->how == BY_TOKEN) {
        snprintf(d->token, sizeof d->token, "tok-%s", number);
    } else {
        act_copy(d->invoices[0].number, ACT_NUMBER_LEN, number);
        d->ninvoices = 1;
    }
    if (*c->addr) {
        act_copy(d->addrs[0], ACT_ADDR_LEN, c->addr);
        d->naddrs = 1;
    }
}

static void
test_cases(struct act *a)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct act_case *c = &cases[i];
        char number[32], err[256];
        T_CASE(c->name);
        snprintf(number, sizeof number, "F-%02zu", i);
        new_invoice(number, c->status, c->paused);
        int notices_before = qn("SELECT count(*) FROM notices", NULL);
        struct act_decision d;
        struct act_result res;
        fill(&d, c, number);
        T_INTEQ(act_apply(a, &params, &d, NULL, &res, err, sizeof err), ACT_OK);
        T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", number),
                c->want_status);
        T_STREQ(q1("SELECT paused_until FROM invoices WHERE number=%Q", number),
                c->want_paused);
        T_STREQ(q1("SELECT wait_until FROM invoices WHERE number=%Q", number),
                c->want_wait);
        T_STREQ(q1("SELECT group_concat(kind) FROM events WHERE invoice=%Q",
                   number),
                c->want_event);
        T_STREQ(q1("SELECT queue_id FROM events WHERE invoice=%Q", number),
                "4Xz1Q");
        int notices = qn("SELECT count(*) FROM notices", NULL) - notices_before;
        T_INTEQ(notices, c->want_notices);
        T_INTEQ(res.nnotices, c->want_notices);
        if (c->want_audience)
            T_STREQ(q1("SELECT audience FROM notices ORDER BY id DESC", NULL),
                    c->want_audience);
        bool review = strcmp(c->want_event, "review") == 0;
        T_INTEQ(res.nreview, review ? 1 : 0);
        T_INTEQ(res.ninvoices, review ? 0 : 1);
        if (c->kind == ACT_BOUNCE)
            T_CHECK(*q1("SELECT undeliverable_at FROM client_emails WHERE "
                        "address=%Q",
                        c->addr) != '\0',
                    "address not marked undeliverable");
    }
}

static void
test_handoff(struct act *a)
{
    T_CASE("handoff marks the message once");
    new_invoice("H-1", "open", NULL);
    struct act_decision d;
    struct act_result res;
    char err[256];
    memset(&d, 0, sizeof d);
    d.kind = ACT_HANDOFF;
    act_copy(d.at, sizeof d.at, AT);
    act_copy(d.queue_id, sizeof d.queue_id, "QID1");
    act_copy(d.token, sizeof d.token, "tok-H-1");
    T_INTEQ(act_apply(a, &params, &d, NULL, &res, err, sizeof err), ACT_OK);
    T_INTEQ(res.handed_off, 1);
    act_copy(d.queue_id, sizeof d.queue_id, "QID2");
    act_copy(d.at, sizeof d.at, "2026-12-02T10:00:00Z");
    T_INTEQ(act_apply(a, &params, &d, NULL, &res, err, sizeof err), ACT_OK);
    T_INTEQ(res.handed_off, 0);
    T_STREQ(q1("SELECT handed_off_queue_id || ' ' || handed_off_at FROM "
               "messages WHERE token=%Q",
               "tok-H-1"),
            "QID1 " AT);
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "H-1"), "open");

    T_CASE("lookups for the classifier share act's connection");
    struct classify_lookup lk;
    char client[CLASSIFY_ID_MAX], numbers[4][CLASSIFY_NUMBER_MAX];
    act_lookup(a, &lk);
    T_CHECK(lk.client_of_address(lk.ctx, "boss@client1.test", client),
            "exact address");
    T_STREQ(client, "C1");
    T_CHECK(lk.invoice_exists(lk.ctx, "H-1", client), "invoice");
    T_STREQ(client, "C1");
    T_INTEQ(lk.token_invoices(lk.ctx, "tok-H-1", numbers, 4, client), 1);
    T_STREQ(numbers[0], "H-1");
    T_INTEQ(lk.token_invoices(lk.ctx, "tok-none", numbers, 4, client), -1);
}

static void
test_batch(struct act *a)
{
    T_CASE("a batch: a bad decision fails alone, the others commit");
    new_invoice("B-1", "open", NULL);
    new_invoice("B-2", "open", NULL);
    struct act_decision d[3];
    fill(&d[0], &cases[0], "B-1");
    fill(&d[1], &cases[0], "B-1");
    d[1].kind = 99;
    fill(&d[2], &cases[5], "B-2");
    const struct act_decision *ds[3] = {&d[0], &d[1], &d[2]};
    struct act_result res[3];
    int rcs[3];
    char err[256];
    T_INTEQ(act_apply_batch(a, &params, ds, NULL, 3, res, rcs, err, sizeof err),
            0);
    T_INTEQ(rcs[0], ACT_OK);
    T_INTEQ(rcs[1], ACT_FAILED);
    T_INTEQ(rcs[2], ACT_OK);
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "B-1"), "paused");
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "B-2"),
            "disputed");
    T_INTEQ(res[2].nnotices, 1);
    T_STREQ(q1("SELECT count(*) FROM events WHERE invoice=%Q", "B-1"), "1");
}

static const struct {
    const char *name;
    const char *line;
    const char *want_err; /* NULL: parses */
} parse_cases[] = {
    {"good line",
     "R1\t" AT "\treply\tpromise\tQ1\tm@x\ttok\ta@b\t2026-12-15\t*F-1 F-2\t"
     "\tsays\\tpay\\non the 15th",
     NULL},
    {"too few fields", "R1\t" AT "\treply\tother", "fields"},
    {"unknown version", "R9\t" AT "\treply\tother\t\t\t\t\t\t\t\t", "version"},
    {"unknown kind", "R1\t" AT "\tshout\tother\t\t\t\t\t\t\t\t", "kind"},
    {"bad escape", "R1\t" AT "\treply\tother\t\t\t\t\t\t\t\tbad\\q", "escape"},
    {"extra field", "R1\t" AT "\treply\tother\t\t\t\t\t\t\t\t\textra",
     "fields"},
};

static void
test_format_parse(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        struct act_decision d;
        char err[128] = "";
        T_CASE(parse_cases[i].name);
        int rc = spool_parse(parse_cases[i].line, &d, err, sizeof err);
        if (parse_cases[i].want_err == NULL) {
            T_INTEQ(rc, 0);
            T_INTEQ(d.ninvoices, 2);
            T_CHECK(d.invoices[0].by_token && !d.invoices[1].by_token,
                    "by_token flags");
            T_STREQ(d.evidence, "says\tpay\non the 15th");
        } else {
            T_INTEQ(rc, -1);
            T_CHECK(strstr(err, parse_cases[i].want_err) != NULL,
                    "error \"%s\" lacks \"%s\"", err, parse_cases[i].want_err);
        }
    }
    T_CASE("format then parse gives the same decision");
    struct act_decision a, b;
    memset(&a, 0, sizeof a);
    a.kind = ACT_BOUNCE;
    act_copy(a.at, sizeof a.at, AT);
    act_copy(a.sender, sizeof a.sender, "MAILER-DAEMON");
    act_copy(a.invoices[0].number, ACT_NUMBER_LEN, "F 2026\\1");
    a.invoices[0].by_token = true;
    a.ninvoices = 1;
    act_copy(a.addrs[0], ACT_ADDR_LEN, "x@y.test");
    act_copy(a.addrs[1], ACT_ADDR_LEN, "z@y.test");
    a.naddrs = 2;
    act_copy(a.evidence, sizeof a.evidence, "550 5.1.1\tunknown\r\n");
    struct sbuf line = {0};
    char err[128];
    spool_format(&a, &line);
    T_CHECK(strchr(line.s, '\n') == NULL, "newline in a spool line");
    T_INTEQ(spool_parse(line.s, &b, err, sizeof err), 0);
    T_CHECK(memcmp(&a, &b, sizeof a) == 0, "round trip differs: %s", line.s);
    sbuf_free(&line);
}

static int nreplayed;

static void
count_applied(void *arg, const struct act_decision *d,
              const struct act_result *res)
{
    nreplayed++;
}

static void
test_spool(struct act *a, const char *dbpath, const char *dir)
{
    char *spool = xasprintf("%s/milter.spool", dir);
    char err[256];
    struct spool_stats st;
    unlink(spool);
    T_CASE("replay of a missing spool");
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            0);

    T_CASE("database locked: retry, spool, nothing lost");
    new_invoice("S-1", "open", NULL);
    new_invoice("S-2", "open", NULL);
    char lerr[256];
    sqlite3 *locker = db_open(dbpath, 0, 10, lerr, sizeof lerr);
    T_CHECK(locker != NULL, "second connection: %s", lerr);
    T_INTEQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), 0);
    sqlite3_busy_timeout(db, 20);
    struct act_decision d1, d2;
    fill(&d1, &cases[0], "S-1");
    fill(&d2, &cases[5], "S-2"); /* a dispute: one notice */
    T_INTEQ(act_apply(a, &params, &d1, NULL, NULL, err, sizeof err), ACT_RETRY);
    T_INTEQ(spool_append(spool, &d1, err, sizeof err), 0);
    T_INTEQ(spool_append(spool, &d2, err, sizeof err), 0);
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            1);
    T_INTEQ(st.left, 2);
    T_INTEQ(st.applied, 0);
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "S-1"), "open");
    sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL);
    db_close(locker);

    T_CASE("replay once the lock is gone");
    nreplayed = 0;
    T_INTEQ(spool_replay(spool, a, &params, count_applied, NULL, &st, err,
                         sizeof err),
            0);
    T_INTEQ(st.applied, 2);
    T_INTEQ(nreplayed, 2);
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "S-1"), "paused");
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "S-2"),
            "disputed");
    struct stat sb;
    T_CHECK(stat(spool, &sb) == 0 && sb.st_size == 0, "spool not emptied");

    T_CASE("the same lines again (crash before the cut): applied once");
    int events = qn("SELECT count(*) FROM events", NULL);
    int notices = qn("SELECT count(*) FROM notices", NULL);
    T_INTEQ(spool_append(spool, &d1, err, sizeof err), 0);
    T_INTEQ(spool_append(spool, &d2, err, sizeof err), 0);
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            0);
    T_INTEQ(st.duplicate, 2);
    T_INTEQ(st.applied, 0);
    T_INTEQ(qn("SELECT count(*) FROM events", NULL), events);
    T_INTEQ(qn("SELECT count(*) FROM notices", NULL), notices);

    T_CASE("a bad line is moved aside, the good ones applied");
    new_invoice("S-3", "open", NULL);
    FILE *f = fopen(spool, "a");
    fputs("R1\tgarbage\n", f);
    fclose(f);
    struct act_decision d3;
    fill(&d3, &cases[1], "S-3");
    T_INTEQ(spool_append(spool, &d3, err, sizeof err), 0);
    f = fopen(spool, "a");
    fputs("R1\ttorn", f); /* a write cut short by a crash */
    fclose(f);
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            0);
    T_INTEQ(st.rejected, 2);
    T_INTEQ(st.applied, 1);
    T_STREQ(q1("SELECT status FROM invoices WHERE number=%Q", "S-3"),
            "promised");
    char *rejected = xasprintf("%s.rejected", spool);
    size_t rlen = 0;
    char *text = read_file(rejected, &rlen);
    T_CHECK(text && strstr(text, "R1\tgarbage\n") && strstr(text, "torn"),
            "rejected lines not kept");
    free(text);
    free(rejected);
    free(spool);
}

int
main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/test-act.db", dir);
    char err[256];
    log_init("test-act", false, true);
    clock_set_timezone("Europe/Paris");
    setup_db(path);
    struct calendar *cal = calendar_new(false, "", err, sizeof err);
    params = (struct act_params){.cal = cal,
                                 .reply_pause_days = 7,
                                 .promise_grace_days = 3,
                                 .promise_default_days = 10,
                                 .manual_contact_hold_days = 7};
    struct act *a = act_new(db, err, sizeof err);
    T_CHECK(a != NULL, "act_new: %s", err);
    if (a) {
        test_cases(a);
        test_handoff(a);
        test_batch(a);
        test_format_parse();
        test_spool(a, path, dir);
        act_free(a);
    }
    calendar_free(cal);
    db_close(db);
    free(path);
    return t_done();
}
