/*
 * test-dossier.c - how the dossier (lib/dossier.c) names events: the pure
 * dossier_event_kind over a table of stored events (rows written before
 * schema 004 reused kinds for approvals, done tasks and text messages),
 * then dossier_build on a real SQLite file holding old and new rows side
 * by side, read back line by line from its chronology.
 */
#include "civil.h"
#include "db.h"
#include "dossier.h"
#include "util.h"
#include "t.h"
#include "tdb.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    const char *kind, *detail, *channel;
    const char *want;
} kinds[] = {
    {"approval before 004", "review", "envoi approuvé / approved: formal",
     NULL, "approval"},
    {"a stranger's number is still a review", "review",
     "kind=reply sender=x@y.test", NULL, "review"},
    {"review without detail", "review", NULL, NULL, "review"},
    {"done task before 004", "manual_contact", "tâche / task #3: called",
     NULL, "task_done"},
    {"staff mail seen by the milter stays manual_contact", "manual_contact",
     "kind=manual sender=anne@f.test", NULL, "manual_contact"},
    {"text sent through SmsCommand before 004", "reminder_sent",
     "step=text channel=sms", "sms", "sms_sent"},
    {"text sent through SmsGateway before 004", "reminder_sent", "step=text",
     "sms-gateway", "sms_sent"},
    {"text failed before 004", "send_failed", "step=text no usable phone",
     "sms", "sms_failed"},
    {"text uncertain before 004", "send_uncertain", "step=text", "sms",
     "sms_uncertain"},
    {"an e-mail reminder", "reminder_sent", "step=first", "email",
     "reminder_sent"},
    {"an e-mail that failed", "send_failed", "550 5.1.1", "email",
     "send_failed"},
    {"a notice", "notify_sent", "notice=dispute", "manager", "notify_sent"},
    {"a bounce of a gateway mail is a bounce", "bounce", NULL, "sms-gateway",
     "bounce"},
    {"new kinds as they are", "approval", "envoi approuvé / approved: x",
     NULL, "approval"},
    {"task_done as it is", "task_done", "tâche / task #4: x", NULL,
     "task_done"},
    {"sms_sent as it is", "sms_sent", "step=text", "sms", "sms_sent"},
};

/* The events of F-1 in dossier order, old kinds and new; msg names the
 * message (table below) the event is about, or NULL. */
static const struct {
    const char *name;
    const char *kind, *detail, *msg;
    const char *line;     /* expected in the event's first line */
    const char *recorded; /* the stored kind when it differs, or NULL */
} chrono[] = {
    {"old approval", "review", "envoi approuvé / approved: formal", NULL,
     "approval — envoi approuvé / sending approved", "review"},
    {"new approval", "approval", "envoi approuvé / approved: formal", NULL,
     "approval — envoi approuvé / sending approved", NULL},
    {"old done task", "manual_contact", "tâche / task #1: called", NULL,
     "task_done — tâche faite (appel...) / task done (call...)",
     "manual_contact"},
    {"new done task", "task_done", "tâche / task #2: called", NULL,
     "task_done — tâche faite (appel...) / task done (call...)", NULL},
    {"staff mail", "manual_contact", "kind=manual", NULL,
     "manual_contact — contact manuel du personnel / manual contact", NULL},
    {"old text sent", "reminder_sent", "step=text channel=sms", "s1@r.test",
     "sms_sent — SMS envoyé / text message sent", "reminder_sent"},
    {"new text sent", "sms_sent", "step=text channel=sms", "s1@r.test",
     "sms_sent — SMS envoyé / text message sent", NULL},
    {"old text failed", "send_failed", "no usable phone", "s2@r.test",
     "sms_failed — échec d'envoi du SMS / text message failed",
     "send_failed"},
    {"new text uncertain", "sms_uncertain", "interrupted", "s2@r.test",
     "sms_uncertain — envoi du SMS incertain / text message uncertain", NULL},
    {"e-mail reminder", "reminder_sent", "step=first", "e1@r.test",
     "reminder_sent — relance envoyée / reminder sent", NULL},
};

static const char setup_sql[] =
    TDB_C1_F1
    "INSERT INTO messages (message_id, token, client_id, kind, channel,"
    " mail_from, recipients, subject, body, state, created_at) VALUES"
    " ('s1@r.test', 't1', 'C1', 'reminder', 'sms', 'f@r.test',"
    "  '+33612345678', 'SMS', 'text', 'sent', '2026-11-03T09:00:00Z'),"
    " ('s2@r.test', 't2', 'C1', 'reminder', 'sms-gateway', 'f@r.test',"
    "  '+33612345678@sms.test', 'SMS', 'text', 'failed',"
    "  '2026-11-04T09:00:00Z'),"
    " ('e1@r.test', 't3', 'C1', 'reminder', 'email', 'f@r.test',"
    "  'c1@c1.test', 'Relance', 'mail', 'sent', '2026-11-05T09:00:00Z');";

/* The chronology entry "  [n] ..." of text, up to the next one (new
 * string, "" when absent). */
static char *
entry(const char *text, size_t n)
{
    char tag[32];
    snprintf(tag, sizeof tag, "\n  [%zu] ", n);
    const char *p = strstr(text, tag);
    if (p == NULL)
        return xstrdup("");
    p++;
    const char *end = strstr(p + 1, "\n  [");
    const char *sec = strstr(p, "\n\n");
    if (end == NULL || (sec && sec < end))
        end = sec;
    return end ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
}

static void
test_build(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/test-dossier-%d.db", tmp, (int)getpid());
    char err[512];
    unlink(path);
    sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 1000, err,
                          sizeof err);
    T_CASE("setup");
    T_CHECK(db != NULL && db_exec(db, setup_sql) == 0, "%s", err);
    if (db == NULL) {
        free(path);
        return;
    }
    for (size_t i = 0; i < sizeof chrono / sizeof chrono[0]; i++) {
        T_CASE(chrono[i].name);
        T_INTEQ(db_event(db, "2026-11-06T09:00:00Z", chrono[i].kind, "F-1",
                         "C1", chrono[i].msg, NULL, "anne",
                         chrono[i].detail), 0);
    }
    struct dossier d = {0};
    T_CASE("build");
    T_INTEQ(dossier_build(db, "F-1", &d), 0);
    const char *text = sbuf_cstr(&d.text);
    for (size_t i = 0; i < sizeof chrono / sizeof chrono[0]; i++) {
        T_CASE(chrono[i].name);
        char *e = entry(text, i + 1);
        char *first = xstrndup(e, strcspn(e, "\n"));
        T_CHECK(strstr(first, chrono[i].line) != NULL, "got \"%s\", want "
                "\"%s\"", first, chrono[i].line);
        char *rec = xasprintf("recorded as : %s\n",
                              chrono[i].recorded ? chrono[i].recorded : "");
        bool has = strstr(e, "recorded as :") != NULL;
        T_CHECK(chrono[i].recorded ? strstr(e, rec) != NULL : !has,
                "entry \"%s\", stored kind %s", e,
                chrono[i].recorded ? chrono[i].recorded : "not shown");
        free(rec);
        free(first);
        free(e);
    }
    T_CASE("no more events than written");
    char *extra = entry(text, sizeof chrono / sizeof chrono[0] + 1);
    T_STREQ(extra, "");
    free(extra);
    dossier_free(&d);
    db_close(db);
    unlink(path);
    free(path);
}

int
main(void)
{
    clock_set_timezone("Europe/Paris");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        T_CASE(kinds[i].name);
        T_STREQ(dossier_event_kind(kinds[i].kind, kinds[i].detail,
                                   kinds[i].channel), kinds[i].want);
    }
    T_CASE("unchanged kinds are the same pointer");
    const char *k = "reminder_sent";
    T_CHECK(dossier_event_kind(k, "step=first", "email") == k, "copied");
    test_build();
    return t_done();
}
