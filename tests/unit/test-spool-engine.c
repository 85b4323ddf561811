/*
 * test-spool-engine.c - the milter engine (milter/engine.c) between the
 * database and the spool, with threads, a real config and a SQLite file in
 * $TMPDIR, another connection playing the process that holds the lock:
 *   - a write stuck on the lock (BusyTimeoutMs) holds up no lookup;
 *   - reopening a database that makes readers wait holds up no lookup;
 *   - a decision queued behind a batch the database refused is spooled
 *     behind it, and the replay applies them in that order;
 *   - a decision the database refuses for good is kept in .rejected;
 *   - a reload changes neither the time zone, nor the spool file, nor the
 *     database: lines spooled before it are replayed into the running
 *     database, decisions made after it are applied there.
 * Durations are measured, not waited for: the stuck side must take about
 * BusyTimeoutMs (proof that it was stuck), the lookups far less.
 */
#include "../../milter/engine.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "t.h"
#include "tlib.h"
#include "tspool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_MS 2000
#define STUCK_MIN 1.5  /* seconds: the stuck side waited the timeout */
#define LOOKUP_MAX 0.5 /* seconds: no lookup waited for it */

static sqlite3 *db;
static char *dir, *dbf, *spool;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pause_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* conf_text: the config, with a database, a time zone and a spool file
 * name. */
static char *
conf_text(const char *database, const char *tz, const char *spool_name)
{
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    return xasprintf(
        "Database %s\nSecretFile %s/secret\nRulesDir %s/rules\n"
        "Domain relance.test\nFrom \"Compta\" <compta@fournisseur.test>\n"
        "ReplyTo compta@fournisseur.test\n"
        "FinanceAddress finance@fournisseur.test\n"
        "Socket inet:8896@127.0.0.1\nSpoolFile %s/%s\nBusyTimeoutMs %d\n"
        "Timezone %s\n",
        database, dir, src, dir, spool_name, BUSY_MS, tz);
}

static void
setup(void)
{
    free(t_tmpfile("secret", "00112233445566778899aabbccddeeff"
                             "00112233445566778899aabbccddeeff\n"));
    db = tspool_book(dbf);
}

/* event_id: the id of the queue id's event, 0 if none. */
static long
event_id(const char *qid)
{
    return atol(
        tdb_value(db, "SELECT min(id) FROM events WHERE queue_id=%Q", qid));
}

static int
event_count(const char *qid)
{
    return tspool_events(db, qid);
}

/* A decision applied from its own thread, as a mail thread would. */
struct job {
    struct act_decision d;
    int rc;
    double secs;
    atomic_bool started, done;
};

static void *
apply_job(void *arg)
{
    struct job *j = arg;
    struct engine_gen *g = engine_acquire();
    atomic_store(&j->started, true);
    double t0 = now();
    j->rc = engine_apply(g, &j->d, NULL);
    j->secs = now() - t0;
    engine_release(g);
    atomic_store(&j->done, true);
    return NULL;
}

static void *
maintain_job(void *arg)
{
    struct job *j = arg;
    atomic_store(&j->started, true);
    double t0 = now();
    engine_maintain();
    j->secs = now() - t0;
    atomic_store(&j->done, true);
    return NULL;
}

/* lookups_during: lookups on the current generation until j is done;
 * returns the longest one in seconds, *n how many ran. */
static double
lookups_during(struct job *j, int *n, bool *all_found)
{
    struct engine_gen *g = engine_acquire();
    struct classify_lookup lk;
    engine_lookup(g, &lk);
    double worst = 0;
    *n = 0;
    *all_found = true;
    while (!atomic_load(&j->done)) {
        char client[CLASSIFY_ID_MAX];
        double t0 = now();
        bool found = lk.invoice_exists(lk.ctx, "F-1", client);
        double dt = now() - t0;
        worst = dt > worst ? dt : worst;
        *all_found &= found && strcmp(client, "C1") == 0;
        (*n)++;
        pause_ms(2); /* pacing, not synchronisation */
    }
    engine_release(g);
    return worst;
}

/* no_wait_for runs lookups while job j (started in thread th) is stuck,
 * then checks that j did wait about BusyTimeoutMs and no lookup did;
 * returns whether every lookup found F-1. */
static bool
no_wait_for(struct job *j, pthread_t th, const char *what)
{
    int n;
    bool found;
    double worst = lookups_during(j, &n, &found);
    pthread_join(th, NULL);
    T_CHECK(j->secs >= STUCK_MIN, "the %s did not wait (%.3fs)", what, j->secs);
    T_CHECK(worst < LOOKUP_MAX, "a lookup waited %.3fs for the %s", worst,
            what);
    T_CHECK(n > 0, "no lookup ran");
    return found;
}

/* drain runs maintenance passes until the spool is empty and qid has
 * its event (the retry delay is one second); polled with a deadline. */
static void
drain(const char *qid)
{
    struct stat sb;
    double deadline = now() + 15;
    while (now() < deadline) {
        engine_maintain();
        if (event_count(qid) > 0 && stat(spool, &sb) == 0 && sb.st_size == 0)
            return;
        pause_ms(20);
    }
    T_CHECK(false, "the spool was not replayed (waiting for %s)", qid);
}

static sqlite3 *
lock_db(const char *how)
{
    sqlite3 *l = NULL;
    sqlite3_open(dbf, &l);
    sqlite3_busy_timeout(l, 5000);
    T_INTEQ(sqlite3_exec(l, how, NULL, NULL, NULL), SQLITE_OK);
    return l;
}

static void
unlock_db(sqlite3 *l)
{
    sqlite3_exec(l, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(l);
}

static void
test_lookup_vs_writer(void)
{
    T_CASE("a write stuck on the lock holds up no lookup");
    sqlite3 *l = lock_db("BEGIN IMMEDIATE");
    struct job x = {0};
    tspool_decision(&x.d, "A-1", NULL);
    pthread_t th;
    pthread_create(&th, NULL, apply_job, &x);
    bool found = no_wait_for(&x, th, "write");
    unlock_db(l);
    T_INTEQ(x.rc, ENGINE_SPOOLED);
    T_CHECK(found, "a lookup did not find F-1");
    drain("A-1");
    T_INTEQ(event_count("A-1"), 1);
}

static void
test_order(void)
{
    T_CASE("a decision queued behind a refused batch is applied after it");
    sqlite3 *l = lock_db("BEGIN IMMEDIATE");
    struct job x = {0}, y = {0};
    tspool_decision(&x.d, "O-1", NULL);
    tspool_decision(&y.d, "O-2", NULL);
    pthread_t tx, ty;
    pthread_create(&tx, NULL, apply_job, &x);
    while (!atomic_load(&x.started))
        pause_ms(1);
    /* y comes while x's batch waits for the lock... */
    pthread_create(&ty, NULL, apply_job, &y);
    pthread_join(tx, NULL);
    /* ... and the lock goes away once x's batch was refused: y must not
     * reach the database before x's line in the spool. */
    unlock_db(l);
    pthread_join(ty, NULL);
    T_INTEQ(x.rc, ENGINE_SPOOLED);
    T_INTEQ(y.rc, ENGINE_SPOOLED);
    drain("O-2");
    drain("O-1");
    T_CHECK(event_id("O-1") > 0 && event_id("O-1") < event_id("O-2"),
            "applied out of order: O-1 event %ld, O-2 event %ld",
            event_id("O-1"), event_id("O-2"));
}

static void
test_failed_kept(void)
{
    T_CASE("a decision refused for good is kept in SpoolFile.rejected");
    struct job x = {0};
    tspool_decision(&x.d, "F-bad", NULL);
    act_copy(x.d.at, sizeof x.d.at, "not a date");
    struct engine_gen *g = engine_acquire();
    T_INTEQ(engine_apply(g, &x.d, NULL), ENGINE_FAILED);
    engine_release(g);
    char *rpath = xasprintf("%s.rejected", spool);
    size_t len = 0;
    char *text = read_file(rpath, &len);
    T_CHECK(text && strstr(text, "\tF-bad\t"), "not kept: %s",
            text ? text : "(no file)");
    free(text);
    free(rpath);

    T_CASE("the next decision goes straight to the database");
    tspool_decision(&x.d, "F-next", NULL);
    g = engine_acquire();
    T_INTEQ(engine_apply(g, &x.d, NULL), ENGINE_APPLIED);
    engine_release(g);
}

/*
 * A reload asks for another time zone, spool file and database (a real
 * one, holding the same book, as an administrator's copy would): the
 * milter keeps the running ones. A decision spooled before the reload is
 * replayed into the running database, and one made after it is applied
 * there; the other database gets neither.
 */
static void
test_reload(void)
{
    char *other = xasprintf("%s/other.db", dir);
    sqlite3 *odb = tspool_book(other);
    struct job x = {0}, y = {0};
    T_CASE("a decision spooled before a reload");
    sqlite3 *l = lock_db("BEGIN IMMEDIATE");
    tspool_decision(&x.d, "R-1", NULL);
    apply_job(&x);
    unlock_db(l);
    T_INTEQ(x.rc, ENGINE_SPOOLED);

    char *text = conf_text(other, "America/New_York", "other.spool");
    char *conf2 = t_tmpfile("relance2.conf", text);
    T_CASE("the reload");
    T_INTEQ(engine_reload(conf2), 0);
    drain("R-1");
    tspool_decision(&y.d, "R-2", NULL);
    apply_job(&y);
    T_INTEQ(y.rc, ENGINE_APPLIED);

    struct engine_gen *g = engine_acquire();
    const struct {
        const char *name;
        const char *got, *want;
    } kept[] = {
        {"the process time zone", getenv("TZ"), "Europe/Paris"},
        {"Timezone", g->cfg.timezone, "Europe/Paris"},
        {"SpoolFile", g->cfg.spool_file, spool},
        {"Database", g->cfg.database, dbf},
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        T_CASE(kept[i].name);
        T_STREQ(kept[i].got, kept[i].want);
    }
    engine_release(g);
    const char *qids[] = {"R-1", "R-2"};
    for (size_t i = 0; i < sizeof qids / sizeof qids[0]; i++) {
        T_CASE(qids[i]);
        T_INTEQ(event_count(qids[i]), 1);
        T_INTEQ(tspool_events(odb, qids[i]), 0);
    }
    db_close(odb);
    unlink(other);
    free(other);
    free(text);
    free(conf2);
}

/* move_wal renames the -wal and -shm files of database from to to's. */
static void
move_wal(const char *from, const char *to)
{
    const char *ext[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        char *a = xasprintf("%s%s", from, ext[i]);
        char *b = xasprintf("%s%s", to, ext[i]);
        rename(a, b);
        free(a);
        free(b);
    }
}

/* The database file is replaced by one in rollback-journal mode that
 * another connection holds exclusively: opening it waits BusyTimeoutMs
 * (and fails); lookups meanwhile answer at once. */
static void
test_reopen(void)
{
    T_CASE("reopening a database that makes readers wait holds up no "
           "lookup");
    char err[512];
    char *away = xasprintf("%s.away", dbf);
    char *slow = xasprintf("%s.slow", dbf);
    unlink(slow);
    sqlite3 *s = db_open(slow, DB_CREATE | DB_MIGRATE, 1000, err, sizeof err);
    T_CHECK(s != NULL, "%s", err);
    sqlite3_exec(s, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    db_close(s);
    db_close(db);
    db = NULL;
    T_INTEQ(rename(dbf, away), 0);
    engine_maintain(); /* sees the file gone, lets its connections go */
    /* A -wal file left beside the new file would make SQLite read it in
     * WAL mode, where nobody waits: it goes with its database. */
    move_wal(dbf, away);
    T_INTEQ(rename(slow, dbf), 0);
    sqlite3 *l = lock_db("BEGIN EXCLUSIVE");
    struct job m = {0};
    pthread_t th;
    pthread_create(&th, NULL, maintain_job, &m);
    no_wait_for(&m, th, "reopen");
    unlock_db(l);

    T_CASE("the database back: reopened, lookups answer again");
    T_INTEQ(rename(away, dbf), 0);
    move_wal(away, dbf);
    engine_maintain();
    engine_maintain();
    struct engine_gen *g = engine_acquire();
    struct classify_lookup lk;
    char client[CLASSIFY_ID_MAX];
    engine_lookup(g, &lk);
    T_CHECK(lk.invoice_exists(lk.ctx, "F-1", client), "F-1 not found");
    engine_release(g);
    free(away);
    free(slow);
}

int
main(void)
{
    char err[1024];
    log_init("test-spool-engine", false, true);
    dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    dbf = xasprintf("%s/relance.db", dir);
    spool = xasprintf("%s/milter.spool", dir);
    setup();
    char *text = conf_text(dbf, "Europe/Paris", "milter.spool");
    char *conf = t_tmpfile("relance.conf", text);
    struct engine_gen *g = engine_load(conf, err, sizeof err);
    T_CHECK(g != NULL, "engine_load: %s", err);
    if (g) {
        engine_start(g);
        test_lookup_vs_writer();
        test_order();
        test_failed_kept();
        test_reload();
        test_reopen();
        engine_stop();
    }
    db_close(db);
    free(text);
    free(conf);
    free(dbf);
    free(spool);
    return t_done();
}
