/*
 * test-session.c - the milter's sessions driven without an MTA: the calls
 * relance-milter.c makes from libmilter's callbacks, on a real engine
 * (config, rules of the source tree, SQLite file in $TMPDIR). Unrelated
 * mail is let go at end-of-header; forged X-Relance headers are counted
 * for removal; a reply with our token is acted on and gets its headers;
 * our own reminder leaving is a hand-off decided at end-of-header; a staff
 * submission to a client is a manual contact without headers; a long body
 * stops at MaxBodyBytes.
 */
#include "../../milter/engine.h"
#include "../../milter/session.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "token.h"
#include "util.h"
#include "t.h"
#include "tdb.h"

#include <stdlib.h>
#include <unistd.h>

#define KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static sqlite3 *db;
static char tok_reply[TOKEN_LEN + 1], tok_out[TOKEN_LEN + 1];
/* A promised date 60 days ahead (%D) and the pause it gives, + 3 days
 * of PromiseGraceDays (%E). */
static char promise_day[11], promise_until[11];

/* subst returns text with %T %O %D %E replaced (static buffer). */
static const char *
subst(const char *text)
{
    static struct sbuf b;
    sbuf_reset(&b);
    for (const char *p = text; *p; p++) {
        const char *v = NULL;
        if (*p == '%') {
            switch (p[1]) {
            case 'T':
                v = tok_reply;
                break;
            case 'O':
                v = tok_out;
                break;
            case 'D':
                v = promise_day;
                break;
            case 'E':
                v = promise_until;
                break;
            }
        }
        if (v) {
            sbuf_adds(&b, v);
            p++;
        } else {
            sbuf_addc(&b, *p);
        }
    }
    return sbuf_cstr(&b);
}

static const char *
q1(const char *sql)
{
    return tdb_value(db, "%s", sql);
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* setup: config, key, database with one client, two invoices, two sends
 * (tok_reply for F-1 and tok_out for F-2). */
static char *
setup(const char *dir)
{
    char err[512];
    struct token_key key;
    char *conf = xasprintf("%s/relance.conf", dir);
    char *keyf = xasprintf("%s/secret", dir);
    char *dbf = xasprintf("%s/relance.db", dir);
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *text = xasprintf(
        "Database %s\nSecretFile %s\nRulesDir %s/rules\nDomain relance.test\n"
        "From \"Compta\" <compta@fournisseur.test>\n"
        "ReplyTo compta@fournisseur.test\nFinanceAddress "
        "finance@fournisseur.test\n"
        "Socket inet:8895@127.0.0.1\nSpoolFile %s/spool\nMaxBodyBytes 1024\n"
        "Timezone Europe/Paris\n",
        dbf, keyf, src, dir);
    write_text(conf, text);
    write_text(keyf, KEY "\n");
    unlink(dbf);
    db = db_open(dbf, DB_CREATE | DB_MIGRATE, 5000, err, sizeof err);
    if (db == NULL || token_load_key(&key, keyf, err, sizeof err) < 0) {
        fprintf(stderr, "setup: %s\n", err);
        exit(2);
    }
    token_make(&key, tok_reply);
    token_make(&key, tok_out);
    char *sql = sqlite3_mprintf(
        "INSERT INTO clients (id, name, created_at) VALUES ('C1', 'Un', 'x');"
        "INSERT INTO client_emails VALUES ('C1', 'ap@client1.test', 1, NULL, "
        "NULL);"
        "INSERT INTO invoices (number, client_id, issue_date, due_date, "
        " amount_cents, amount_due_cents, created_at) VALUES "
        " ('F-2026-0001', 'C1', '2026-01-01', '2026-02-01', 100, 100, 'x'),"
        " ('F-2026-0002', 'C1', '2026-01-01', '2026-02-01', 100, 100, 'x');"
        "INSERT INTO messages (id, message_id, token, client_id, kind, channel,"
        " mail_from, recipients, subject, body, state, created_at) VALUES "
        " (1, %Q || '@relance.test', %Q, 'C1', 'reminder', 'email', 'c', 'r',"
        "  's', 'b', 'sent', 'x'),"
        " (2, %Q || '@relance.test', %Q, 'C1', 'reminder', 'email', 'c', 'r',"
        "  's', 'b', 'sent', 'x');"
        "INSERT INTO reminders VALUES ('F-2026-0001', 1, 'first', 1),"
        " ('F-2026-0002', 1, 'first', 2);",
        tok_reply, tok_reply, tok_out, tok_out);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "setup: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    sqlite3_free(sql);
    free(text);
    free(keyf);
    free(dbf);
    return conf;
}

static const struct session_case {
    const char *name;
    const char *from, *auth, *rcpt;
    const char *headers; /* "Name: value\n" lines; %T = tok_reply,
                          * %O = tok_out */
    const char *body;
    enum session_verdict want_eoh;
    int want_del_intent; /* forged X-Relance-Intent to remove */
    const char *want_add[SESSION_NHDRS];
    const char *check_sql;  /* NULL or a query ... */
    const char *check_want; /* ... and its expected first value */
} cases[] = {
    {"unrelated mail is let go at end-of-header",
     "x@other.test",
     NULL,
     "bob@fournisseur.test",
     "From: x@other.test\nTo: bob@fournisseur.test\nSubject: lunch\n"
     "Message-ID: <u1@other.test>\n",
     "noon?\n",
     SESSION_ACCEPT,
     0,
     {"", "", ""},
     "SELECT count(*) FROM events",
     "0"},
    {"forged headers on unrelated mail are removed",
     "x@other.test",
     NULL,
     "bob@fournisseur.test",
     "From: x@other.test\nTo: bob@fournisseur.test\nSubject: hi\n"
     "X-Relance-Intent: dispute\nx-relance-intent: paid\n",
     "hi\n",
     SESSION_CONTINUE,
     2,
     {"", "", ""},
     NULL,
     NULL},
    {"a reply with our token is acted on",
     "ap@client1.test",
     NULL,
     "compta@fournisseur.test",
     "From: Client Un <ap@client1.test>\nTo: compta@fournisseur.test\n"
     "Subject: Re: Relance\nMessage-ID: <r1@client1.test>\n"
     "In-Reply-To: <%T@relance.test>\nX-Relance-Intent: dispute\n",
     "Bonjour, nous réglerons cette facture le %D.\n",
     SESSION_CONTINUE,
     1,
     {"F-2026-0001", "C1", "promise"},
     "SELECT status || ' ' || paused_until FROM invoices "
     "WHERE number = 'F-2026-0001'",
     "promised %E"},
    {"our own reminder leaving: hand-off at end-of-header",
     "compta@fournisseur.test",
     NULL,
     "ap@client1.test",
     "From: compta@fournisseur.test\nTo: ap@client1.test\n"
     "Subject: Relance\nMessage-ID: <%O@relance.test>\n",
     "Rappel\n",
     SESSION_ACCEPT,
     0,
     {"", "", ""},
     "SELECT handed_off_queue_id FROM messages WHERE id = 2",
     "QID"},
    {"staff submission to a client: manual contact, no header",
     "alice@partner.test",
     "alice",
     "ap@client1.test",
     "From: alice@partner.test\nTo: ap@client1.test\n"
     "Subject: Votre facture F-2026-0002\nMessage-ID: <s1@partner.test>\n",
     "Je vous appelle demain.\n",
     SESSION_CONTINUE,
     0,
     {"", "", ""},
     "SELECT count(*) FROM events WHERE kind = 'manual_contact' "
     "AND invoice = 'F-2026-0002'",
     "1"},
};

/* feed_headers hands each "Name: value" line to session_header. */
static void
feed_headers(struct session *s, const char *text)
{
    struct sbuf b = {0};
    sbuf_adds(&b, subst(text));
    char *line = b.s, *nl;
    while (line && (nl = strchr(line, '\n'))) {
        *nl = '\0';
        char *colon = strchr(line, ':');
        *colon = '\0';
        session_header(s, line, colon + 2);
        line = nl + 1;
    }
    sbuf_free(&b);
}

static void
run_cases(struct session *s)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct session_case *c = &cases[i];
        struct session_edits ed;
        T_CASE(c->name);
        T_INTEQ(session_mail(s, c->from, "smtpd", c->auth), SESSION_CONTINUE);
        session_rcpt(s, c->rcpt);
        feed_headers(s, c->headers);
        enum session_verdict v = session_eoh(s, "QID");
        T_INTEQ(v, c->want_eoh);
        if (v == SESSION_CONTINUE) {
            const char *body = subst(c->body);
            session_body(s, body, strlen(body));
            session_eom(s, "QID", &ed);
            T_INTEQ(ed.ndel[2], c->want_del_intent);
            for (int k = 0; k < SESSION_NHDRS; k++)
                T_STREQ(ed.add[k], c->want_add[k]);
        }
        if (c->check_sql)
            T_STREQ(q1(c->check_sql), subst(c->check_want));
    }
}

static void
test_body_cap(struct session *s)
{
    T_CASE("the body stops at MaxBodyBytes");
    char chunk[700];
    memset(chunk, 'a', sizeof chunk);
    struct session_edits ed;
    session_mail(s, "ap@client1.test", NULL, NULL);
    session_rcpt(s, "compta@fournisseur.test");
    session_header(s, "From", "ap@client1.test");
    session_header(s, "Subject", "question");
    T_INTEQ(session_eoh(s, "QB"), SESSION_CONTINUE);
    T_INTEQ(session_body(s, chunk, sizeof chunk), SESSION_CONTINUE);
    T_INTEQ(session_body(s, chunk, sizeof chunk), SESSION_SKIP);
    session_eom(s, "QB", &ed);

    T_CASE("abort in the middle leaves the session reusable");
    session_mail(s, "x@other.test", NULL, NULL);
    session_header(s, "From", "x@other.test");
    session_abort(s);
    session_mail(s, "x@other.test", NULL, NULL);
    session_rcpt(s, "bob@fournisseur.test");
    session_header(s, "From", "x@other.test");
    T_INTEQ(session_eoh(s, "QC"), SESSION_ACCEPT);
}

/* reply_once drives one reply carrying tok_reply through s. */
static void
reply_once(struct session *s, const char *qid)
{
    struct session_edits ed;
    const char *body = "Merci, nous regardons.\n";
    session_mail(s, "ap@client1.test", "smtpd", NULL);
    session_rcpt(s, "compta@fournisseur.test");
    feed_headers(s, "From: ap@client1.test\nSubject: Re: Relance\n"
                    "In-Reply-To: <%T@relance.test>\n");
    session_eoh(s, qid);
    session_body(s, body, strlen(body));
    session_eom(s, qid, &ed);
}

/*
 * The database file disappears: the maintenance pass notices, decisions
 * go to the spool; it comes back: the next passes reopen it and replay
 * the spool. Polled with a deadline (the retry delay is one second).
 */
static void
test_database_gone(struct session *s, const char *dir)
{
    char *dbf = xasprintf("%s/relance.db", dir);
    char *away = xasprintf("%s/relance.db.away", dir);
    char *spool = xasprintf("%s/spool", dir);
    const char *count = "SELECT count(*) FROM events WHERE queue_id = 'QG'";
    T_CASE("database gone: decisions are spooled");
    T_INTEQ(rename(dbf, away), 0);
    engine_maintain();
    reply_once(s, "QG");
    size_t len = 0;
    char *text = read_file(spool, &len);
    T_CHECK(text && strstr(text, "\tQG\t"), "decision not in the spool");
    free(text);
    T_CASE("database back: the spool is replayed");
    T_INTEQ(rename(away, dbf), 0);
    time_t deadline = time(NULL) + 10;
    while (time(NULL) < deadline && strcmp(q1(count), "1") != 0)
        engine_maintain();
    T_STREQ(q1(count), "1");
    text = read_file(spool, &len);
    T_INTEQ(len, 0);
    free(text);
    free(dbf);
    free(away);
    free(spool);
}

int
main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char err[1024];
    log_init("test-session", false, true);
    char *conf = setup(dir);
    clock_set_timezone("Europe/Paris");
    int today = clock_local_day(clock_now());
    civil_format_iso(today + 60, promise_day);
    civil_format_iso(today + 63, promise_until);
    struct engine_gen *g = engine_load(conf, err, sizeof err);
    T_CHECK(g != NULL, "engine_load: %s", err);
    if (g) {
        engine_start(g);
        struct session *s = session_new();
        run_cases(s);
        test_body_cap(s);
        test_database_gone(s, dir);
        session_free(s);
        T_CASE("reload builds a new generation");
        T_INTEQ(engine_reload(conf), 0);
        engine_stop();
    }
    db_close(db);
    free(conf);
    return t_done();
}
