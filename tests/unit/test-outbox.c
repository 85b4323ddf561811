/*
 * test-outbox.c - the exactly-once states of lib/outbox on a real SQLite
 * file: record (with the reminders primary key refusing a step twice),
 * submitting, sent, 4xx back-off and give-up, 5xx, and reconcile
 * (queued stays, submitting -> sent with the milter's hand-off, else
 * uncertain with a notice); a text message (channel sms or sms-gateway)
 * gets the sms_* event kinds. One table of operation scripts.
 */
#include "civil.h"
#include "db.h"
#include "outbox.h"
#include "t.h"
#include "tdb.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum op { END, RECORD, RECORD_NOTICE, RECORD_SMS, RECORD_GATEWAY, SUBMITTING,
          SENT, TEMP, FAILED, HANDOFF, RECONCILE };

struct step {
    int op;
    int hours;   /* clock offset from the start, for TEMP */
    int want_rc; /* what the call returns */
};

static const struct {
    const char *name;
    struct step ops[6];
    const char *state;   /* of the last message recorded */
    int attempts;
    int messages;        /* rows in messages */
    int step;            /* invoices.step afterwards */
    const char *events;  /* "kind=count ..." */
    int notices;
} cases[] = {
    {"recorded, submitting, sent",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {SENT, 0, 0}},
     "sent", 0, 1, 2, "reminder_sent=1", 0},
    {"the same step twice is refused",
     {{RECORD, 0, 1}, {RECORD, 0, -1}},
     "queued", 0, 1, 2, "reminder_sent=0", 0},
    {"submitting only from queued",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {SUBMITTING, 0, -1}},
     "submitting", 0, 1, 2, "", 0},
    {"reconcile leaves queued alone (safe to submit again)",
     {{RECORD, 0, 1}, {RECONCILE, 0, 0}},
     "queued", 0, 1, 2, "send_uncertain=0", 0},
    {"reconcile: submitting without evidence is uncertain",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {RECONCILE, 0, 0}},
     "uncertain", 0, 1, 2, "send_uncertain=1 reminder_sent=0", 1},
    {"reconcile: the milter saw it leave",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {HANDOFF, 0, 0}, {RECONCILE, 0, 0}},
     "sent", 0, 1, 2, "reminder_sent=1 send_uncertain=0", 0},
    {"uncertain, then the milter's late evidence: sent",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {RECONCILE, 0, 0}, {HANDOFF, 0, 0},
      {RECONCILE, 0, 0}},
     "sent", 0, 1, 2, "send_uncertain=1 reminder_sent=1", 1},
    {"4xx: back to queued with an attempt counted",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {TEMP, 0, 1}},
     "queued", 1, 1, 2, "send_failed=0", 0},
    {"4xx past SmtpRetryHours: failed, finance told",
     {{RECORD, 0, 1}, {TEMP, 0, 1}, {TEMP, 2, 0}},
     "failed", 2, 1, 2, "send_failed=1", 1},
    {"5xx: failed, finance told",
     {{RECORD, 0, 1}, {SUBMITTING, 0, 0}, {FAILED, 0, 0}},
     "failed", 1, 1, 2, "send_failed=1 reminder_sent=0", 1},
    {"a failed notice makes no notice about itself",
     {{RECORD_NOTICE, 0, 1}, {FAILED, 0, 0}},
     "failed", 1, 1, 0, "send_failed=1", 0},
    {"a text sent through SmsCommand: sms_sent",
     {{RECORD_SMS, 0, 1}, {SUBMITTING, 0, 0}, {SENT, 0, 0}},
     "sent", 0, 1, 2, "sms_sent=1 reminder_sent=0", 0},
    {"a text that failed: sms_failed, finance told",
     {{RECORD_SMS, 0, 1}, {FAILED, 0, 0}},
     "failed", 1, 1, 2, "sms_failed=1 send_failed=0", 1},
    {"a text interrupted: sms_uncertain, finance told",
     {{RECORD_SMS, 0, 1}, {SUBMITTING, 0, 0}, {RECONCILE, 0, 0}},
     "uncertain", 0, 1, 2, "sms_uncertain=1 send_uncertain=0", 1},
    {"a gateway mail the milter saw leave: sms_sent",
     {{RECORD_GATEWAY, 0, 1}, {SUBMITTING, 0, 0}, {HANDOFF, 0, 0},
      {RECONCILE, 0, 0}},
     "sent", 0, 1, 2, "sms_sent=1 reminder_sent=0 sms_uncertain=0", 0},
    {"a gateway mail refused for too long: sms_failed",
     {{RECORD_GATEWAY, 0, 1}, {TEMP, 0, 1}, {TEMP, 2, 0}},
     "failed", 2, 1, 2, "sms_failed=1 send_failed=0", 1},
};

static int
count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *
text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        s = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return s;
}

static void
check_events(sqlite3 *db, const char *want)
{
    char *copy = xstrdup(want);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        char *eq = strchr(w, '=');
        *eq = '\0';
        char *sql = xasprintf("SELECT count(*) FROM events WHERE kind = '%s'",
                              w);
        T_CHECK(count(db, sql) == atoi(eq + 1), "events %s: got %d, want %s",
                w, count(db, sql), eq + 1);
        free(sql);
    }
    free(copy);
}

static int
run_op(sqlite3 *db, struct outbox *ob, const struct step *s, time_t t0,
       struct outbox_row *row, int *serial)
{
    time_t now = t0 + (time_t)s->hours * 3600;
    char err[256];
    if (s->op == RECORD || s->op == RECORD_NOTICE || s->op == RECORD_SMS ||
        s->op == RECORD_GATEWAY) {
        bool notice = s->op == RECORD_NOTICE;
        const char *channel = notice                     ? "finance"
                              : s->op == RECORD_SMS     ? "sms"
                              : s->op == RECORD_GATEWAY ? "sms-gateway"
                                                        : "email";
        char mid[64], tok[32];
        snprintf(tok, sizeof tok, "r1.%016d", ++*serial);
        snprintf(mid, sizeof mid, "%s@relance.test", tok);
        struct outbox_new m = {mid, tok, "C1", notice ? "notice" : "reminder",
                               channel, "compta@f.test", "c1@c1.test", "Relance",
                               "body\r\n", 6};
        struct outbox_reminder r = {"F-1", 2, "first"};
        int64_t id = outbox_record(ob, &m, &r, notice ? 0 : 1, NULL, 0, now,
                                   err, sizeof err);
        if (id < 0)
            return -1;
        free(row->message_id);
        free(row->kind);
        *row = (struct outbox_row){.id = id, .message_id = xstrdup(mid),
                                   .client_id = "C1",
                                   .kind = xstrdup(m.kind),
                                   .created_at = now};
        return 1;
    }
    switch (s->op) {
    case SUBMITTING:
        return outbox_mark_submitting(ob, row->id);
    case SENT:
        return outbox_mark_sent(ob, row, now, NULL);
    case TEMP: {
        char *a = text(db, "SELECT attempts FROM messages ORDER BY id DESC");
        row->attempts = a ? atoi(a) : 0;
        free(a);
        return outbox_mark_temp(ob, row, now, 1, "451 4.3.0 try later");
    }
    case FAILED:
        return outbox_mark_failed(ob, row, now, "550 5.1.1 no such user");
    case HANDOFF:
        return db_exec(db, "UPDATE messages SET handed_off_at = "
                           "'2026-11-09T09:00:01Z' WHERE state IN "
                           "('submitting', 'uncertain')");
    case RECONCILE:
        return outbox_reconcile(ob, now, NULL);
    }
    return -99;
}

int
main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    clock_set_timezone("Europe/Paris");
    time_t t0;
    clock_parse_utc("2026-11-09T09:00:00Z", &t0);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        T_CASE(cases[k].name);
        char *path = xasprintf("%s/test-outbox-%zu.db", tmp, k);
        char err[512];
        unlink(path);
        sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 1000, err,
                              sizeof err);
        T_CHECK(db != NULL, "%s", err);
        if (db == NULL) {
            free(path);
            continue;
        }
        db_exec(db, TDB_C1_F1);
        struct outbox *ob = outbox_open(db);
        struct outbox_row row = {0};
        int serial = 0;
        for (size_t i = 0; i < 6 && cases[k].ops[i].op != END; i++) {
            int rc = run_op(db, ob, &cases[k].ops[i], t0, &row, &serial);
            T_CHECK(rc == cases[k].ops[i].want_rc, "op %zu returned %d, "
                    "want %d", i + 1, rc, cases[k].ops[i].want_rc);
        }
        char *state = text(db, "SELECT state FROM messages ORDER BY id DESC");
        T_STREQ(state, cases[k].state);
        free(state);
        T_INTEQ(count(db, "SELECT attempts FROM messages ORDER BY id DESC"),
                cases[k].attempts);
        T_INTEQ(count(db, "SELECT count(*) FROM messages"),
                cases[k].messages);
        T_INTEQ(count(db, "SELECT step FROM invoices"), cases[k].step);
        T_INTEQ(count(db, "SELECT count(*) FROM notices"), cases[k].notices);
        check_events(db, cases[k].events);
        free(row.message_id);
        free(row.kind);
        outbox_close(ob);
        db_close(db);
        unlink(path);
        free(path);
    }
    return t_done();
}
