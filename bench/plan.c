/*
 * plan.c - benchmark: planning which reminder steps are due for 1,000,000
 * open invoices of 100,000 clients, without sending: what one worker pass
 * costs before composing (lib/planload reads the database, lib/sched
 * plans). Targets (issue 3): at most 5 s, peak memory at most 300 MB.
 *
 *   build/bench/plan [DBFILE]      (default $TMPDIR/relance-bench-plan.db)
 *
 * The database is generated on first use by a child process (so its
 * memory does not count): 100,000 clients with one address each, ten
 * invoices each, due dates spread over five months, positions in the
 * default sequence from none to "formal". Figures are printed; nothing is
 * asserted (this is not a test).
 */
#include "civil.h"
#include "db.h"
#include "log.h"
#include "planload.h"
#include "scenario.h"
#include "sched.h"
#include "calendar.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCLIENTS 100000
#define PER_CLIENT 10

static const char default_scn[] =
    "scenario default\n"
    "step courtesy\noffset J-5\nchannel email\ntemplate courtesy\n"
    "tone courtesy\n"
    "step first\noffset J+3\nchannel email\ntemplate first\ntone first\n"
    "step firm\noffset J+10\nchannel email\ntemplate firm\ntone firm\n"
    "cc manager\n"
    "step formal\noffset J+20\nchannel email\ntemplate formal\n"
    "tone formal\n"
    "step collections\noffset J+30\nchannel finance\n"
    "template collections\ntone collections\n";

static double
seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
generate(const char *path)
{
    char err[512];
    sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 10000, err,
                          sizeof err);
    if (db == NULL) {
        fprintf(stderr, "plan: %s\n", err);
        return 1;
    }
    static const char *const names[] = {NULL, "courtesy", "first", "firm",
                                        "formal"};
    sqlite3_stmt *c, *e, *i;
    db_exec(db, "PRAGMA synchronous = OFF");
    db_begin(db);
    sqlite3_prepare_v2(db, "INSERT INTO clients (id, name, created_at)"
                           " VALUES (?, ?, '2026-01-01T00:00:00Z')",
                       -1, &c, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO client_emails (client_id, address,"
                           " position) VALUES (?, ?, 1)", -1, &e, NULL);
    sqlite3_prepare_v2(db,
        "INSERT INTO invoices (number, client_id, issue_date, due_date,"
        " amount_cents, amount_due_cents, step, step_name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')",
        -1, &i, NULL);
    unsigned seed = 42;
    int base = civil_days(2026, 7, 1);
    for (int k = 0; k < NCLIENTS; k++) {
        char id[16], name[32], addr[48];
        snprintf(id, sizeof id, "C%06d", k);
        snprintf(name, sizeof name, "Client %d", k);
        snprintf(addr, sizeof addr, "compta@client%d.test", k);
        sqlite3_bind_text(c, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 2, name, -1, SQLITE_STATIC);
        sqlite3_step(c);
        sqlite3_reset(c);
        sqlite3_bind_text(e, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(e, 2, addr, -1, SQLITE_STATIC);
        sqlite3_step(e);
        sqlite3_reset(e);
        for (int n = 0; n < PER_CLIENT; n++) {
            char num[24], issue[11], due[11];
            snprintf(num, sizeof num, "F-%07d", k * PER_CLIENT + n);
            int d = base + (int)(rand_r(&seed) % 150);
            civil_format_iso(d - 30, issue);
            civil_format_iso(d, due);
            int step = (int)(rand_r(&seed) % 5);
            int64_t cents = 1000 + rand_r(&seed) % 1000000;
            sqlite3_bind_text(i, 1, num, -1, SQLITE_STATIC);
            sqlite3_bind_text(i, 2, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(i, 3, issue, -1, SQLITE_STATIC);
            sqlite3_bind_text(i, 4, due, -1, SQLITE_STATIC);
            sqlite3_bind_int64(i, 5, cents);
            sqlite3_bind_int64(i, 6, cents);
            sqlite3_bind_int(i, 7, step);
            db_bind_text(i, 8, names[step]);
            if (sqlite3_step(i) != SQLITE_DONE) {
                fprintf(stderr, "plan: %s\n", sqlite3_errmsg(db));
                return 1;
            }
            sqlite3_reset(i);
        }
    }
    sqlite3_finalize(c);
    sqlite3_finalize(e);
    sqlite3_finalize(i);
    db_commit(db);
    db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    db_close(db);
    return 0;
}

int
main(int argc, char **argv)
{
    log_init("bench-plan", false, true);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = argc > 1 ? xstrdup(argv[1])
                          : xasprintf("%s/relance-bench-plan.db", tmp);
    if (access(path, R_OK) != 0) {
        double g = seconds();
        pid_t pid = fork();
        if (pid == 0)
            _exit(generate(path));
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
        printf("generated %s (%d clients, %d invoices) in %.1f s\n", path,
               NCLIENTS, NCLIENTS * PER_CLIENT, seconds() - g);
    } else {
        /* A file kept from an older build: bring its schema up to date
         * (not timed), as relancectl init would. */
        char merr[512];
        sqlite3 *mdb = db_open(path, DB_MIGRATE, 10000, merr, sizeof merr);
        if (mdb == NULL) {
            fprintf(stderr, "plan: %s\n", merr);
            return 1;
        }
        db_close(mdb);
    }
    clock_set_timezone("Europe/Paris");
    clock_set_now("2026-11-16 10:00");
    struct scenario_set set = {0};
    char err[512];
    if (scenario_parse(&set, "default.scn", default_scn, err, sizeof err) < 0 ||
        scenario_check(&set, err, sizeof err) < 0) {
        fprintf(stderr, "plan: %s\n", err);
        return 1;
    }
    struct calendar *cal = calendar_new(false, "", err, sizeof err);
    sqlite3 *db = db_open(path, DB_READONLY, 10000, err, sizeof err);
    if (db == NULL || cal == NULL) {
        fprintf(stderr, "plan: %s\n", err);
        return 1;
    }
    double t0 = seconds();
    struct planload_data d;
    if (planload_read(db, &set, clock_local_day(clock_now()), &d) < 0)
        return 1;
    double t1 = seconds();
    time_t now = clock_now();
    struct sched_now sn = {.today = clock_local_day(now),
                           .minute = clock_local_minute(now),
                           .window_start = 9 * 60, .window_end = 18 * 60,
                           .min_gap_days = 5, .cal = cal};
    struct sched_plan p;
    sched_plan(d.sc, d.nclients, d.si, d.ninvoices, &sn, &p);
    double t2 = seconds();
    size_t items = 0;
    for (size_t k = 0; k < p.nmsgs; k++)
        items += p.msgs[k].nitems;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double total = t2 - t0, mb = ru.ru_maxrss / 1024.0;
    printf("plan: %zu clients, %zu open invoices -> %zu messages carrying "
           "%zu due steps\n", d.nclients, d.ninvoices, p.nmsgs, items);
    printf("plan: read %.2f s + plan %.2f s = %.2f s (target <= 5 s: %s)\n",
           t1 - t0, t2 - t1, total, total <= 5.0 ? "met" : "MISSED");
    printf("plan: peak memory %.0f MB (target <= 300 MB: %s)\n", mb,
           mb <= 300 ? "met" : "MISSED");
    sched_plan_free(&p);
    planload_free(&d);
    db_close(db);
    calendar_free(cal);
    scenario_set_free(&set);
    free(path);
    return 0;
}
