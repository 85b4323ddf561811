/*
 * test-spool.c - the spool file (spool.c) when things go wrong, on a real
 * file and SQLite database in $TMPDIR: a write cut short (file size limit
 * standing for a full disk) leaves no torn line; the replay's cut keeps
 * the lines appended meanwhile when the rewrite fails or the process dies
 * in the middle of it; a writer that waited for the lock while the replay
 * replaced the file appends to the new file; a line appended after a
 * tail torn by a crash is not glued to it; spool_reject keeps a line.
 */
#include "act.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "t.h"
#include "tspool.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AT "2026-12-01T10:00:00Z"

static sqlite3 *db;
static struct act_params params = {.reply_pause_days = 7,
                                   .promise_grace_days = 3,
                                   .promise_default_days = 10,
                                   .manual_contact_hold_days = 7};
static char *spool, *dbpath;

static char *
slurp(const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    return text ? text : xstrdup("");
}

static int
events(const char *qid)
{
    return tspool_events(db, qid);
}

/* replay_clean replays the spool with a: everything applied, nothing
 * rejected, the spool left empty. */
static void
replay_clean(struct act *a)
{
    char err[256];
    struct spool_stats st;
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            0);
    T_INTEQ(st.rejected, 0);
}

static void
set_fsize(rlim_t n)
{
    struct rlimit rl;
    getrlimit(RLIMIT_FSIZE, &rl);
    rl.rlim_cur = n;
    setrlimit(RLIMIT_FSIZE, &rl);
}

static void
append_one(const char *qid)
{
    struct act_decision d;
    char err[256];
    tspool_decision(&d, qid, AT);
    if (spool_append(spool, &d, err, sizeof err) < 0) {
        fprintf(stderr, "setup: %s\n", err);
        exit(2);
    }
}

/*
 * A write of n lines fails after `room` bytes (the file size limit stands
 * for a full disk): the file must be exactly as before, and the next
 * append and replay must read whole lines only.
 */
static const struct torn_case {
    const char *name;
    int nlines;
    size_t room; /* bytes the file may still grow by */
} torn_cases[] = {
    {"a line cut after 5 bytes is taken back", 1, 5},
    {"a batch cut in its second line is taken back whole", 3, 100},
    {"no room at all: nothing written", 2, 0},
};

static void
test_torn(struct act *a)
{
    char err[256], before_id[16], after_id[16];
    for (size_t i = 0; i < sizeof torn_cases / sizeof torn_cases[0]; i++) {
        const struct torn_case *c = &torn_cases[i];
        T_CASE(c->name);
        snprintf(before_id, sizeof before_id, "T%zu-before", i);
        snprintf(after_id, sizeof after_id, "T%zu-after", i);
        unlink(spool);
        append_one(before_id);
        char *before = slurp(spool);
        struct act_decision ds[3];
        const struct act_decision *dp[3];
        for (int k = 0; k < c->nlines; k++) {
            tspool_decision(&ds[k], "T-lost", AT);
            dp[k] = &ds[k];
        }
        set_fsize(strlen(before) + c->room);
        int rc = spool_append_batch(spool, dp, c->nlines, err, sizeof err);
        set_fsize(RLIM_INFINITY);
        T_INTEQ(rc, -1);
        char *after = slurp(spool);
        T_STREQ(after, before);
        free(after);
        free(before);
        append_one(after_id);
        replay_clean(a);
        T_INTEQ(events(before_id), 1);
        T_INTEQ(events(after_id), 1);
    }
}

/* The replay callback: a writer appends two lines while the replay talks
 * to the database; then the rewrite of the spool fails (arg "full") or
 * the process dies in it (arg "crash"). */
static char new1[16], new2[16];

static void
during_replay(void *arg, const struct act_decision *d,
              const struct act_result *res)
{
    append_one(new1);
    append_one(new2);
    if (strcmp(arg, "crash") == 0)
        signal(SIGXFSZ, SIG_DFL); /* the next file write kills us */
    set_fsize(0);
}

static const struct cut_case {
    const char *name;
    const char *how;
} cut_cases[] = {
    {"the rewrite of the spool fails: no line is lost", "full"},
    {"the process dies in the middle of the cut: no line is lost", "crash"},
};

/* replay_child runs the replay in a child process with its own database
 * connection, so that it may die; returns its wait status. */
static int
replay_child(const char *how)
{
    pid_t pid = fork();
    if (pid == 0) {
        char err[256];
        sqlite3 *cdb = db_open(dbpath, 0, 5000, err, sizeof err);
        struct act *a = cdb ? act_new(cdb, err, sizeof err) : NULL;
        if (a == NULL)
            _exit(3);
        int rc = spool_replay(spool, a, &params, during_replay, (void *)how,
                              NULL, err, sizeof err);
        _exit(rc == -1 ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void
test_cut(struct act *a)
{
    char old[16];
    for (size_t i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
        const struct cut_case *c = &cut_cases[i];
        T_CASE(c->name);
        snprintf(old, sizeof old, "C%zu-old", i);
        snprintf(new1, sizeof new1, "C%zu-new1", i);
        snprintf(new2, sizeof new2, "C%zu-new2", i);
        unlink(spool);
        append_one(old);
        int status = replay_child(c->how);
        if (strcmp(c->how, "crash") == 0)
            T_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ,
                    "the child did not die in the cut (status %d)", status);
        else
            T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1,
                    "the failed cut was not reported (status %d)", status);
        char *text = slurp(spool);
        T_CHECK(strstr(text, new1) && strstr(text, new2),
                "lines appended during the replay lost: \"%s\"", text);
        free(text);
        replay_clean(a);
        T_INTEQ(events(old), 1);
        T_INTEQ(events(new1), 1);
        T_INTEQ(events(new2), 1);
    }
}

static void *
append_thread(void *arg)
{
    append_one("W-late");
    return NULL;
}

/* lock_waiter: some process waits for a flock on inode ino (/proc/locks
 * lists waiting requests with "->"). */
static bool
lock_waiter(ino_t ino)
{
    char *text = slurp("/proc/locks");
    char needle[64];
    snprintf(needle, sizeof needle, ":%lu ", (unsigned long)ino);
    bool found = false;
    for (char *line = strtok(text, "\n"); line && !found;
         line = strtok(NULL, "\n"))
        found = strstr(line, "-> FLOCK") && strstr(line, needle);
    free(text);
    return found;
}

static void
test_replaced(void)
{
    T_CASE("a writer that waited while the file was replaced appends to "
           "the new file");
    unlink(spool);
    append_one("W-old");
    int fd = open(spool, O_RDWR);
    struct stat sb;
    T_CHECK(fd >= 0 && fstat(fd, &sb) == 0 && flock(fd, LOCK_EX) == 0,
            "cannot lock the spool");
    pthread_t th;
    pthread_create(&th, NULL, append_thread, NULL);
    time_t deadline = time(NULL) + 10;
    while (!lock_waiter(sb.st_ino) && time(NULL) < deadline)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    T_CHECK(lock_waiter(sb.st_ino), "the writer never waited for the lock");
    /* What the replay's cut does: a new file renamed over the spool. */
    char *tmp = xasprintf("%s.tmp", spool);
    FILE *f = fopen(tmp, "w");
    fclose(f);
    T_INTEQ(rename(tmp, spool), 0);
    flock(fd, LOCK_UN);
    close(fd);
    pthread_join(th, NULL);
    char *text = slurp(spool);
    T_CHECK(strstr(text, "\tW-late\t") != NULL,
            "the line went to the replaced file: \"%s\"", text);
    free(text);
    free(tmp);
}

static void
test_crash_tail(struct act *a)
{
    T_CASE("a line appended after a tail torn by a crash stays whole");
    char err[256];
    unlink(spool);
    FILE *f = fopen(spool, "w");
    fputs("R1\t2026-12-01T10:00:00Z\trep", f); /* killed mid-write */
    fclose(f);
    append_one("K-after");
    struct spool_stats st;
    T_INTEQ(spool_replay(spool, a, &params, NULL, NULL, &st, err, sizeof err),
            0);
    T_INTEQ(st.rejected, 1);
    T_INTEQ(st.applied, 1);
    T_INTEQ(events("K-after"), 1);
}

static void
test_reject(void)
{
    T_CASE("spool_reject keeps the line in SpoolFile.rejected");
    char err[256];
    struct act_decision d;
    tspool_decision(&d, "R-failed", AT);
    char *rpath = xasprintf("%s.rejected", spool);
    unlink(rpath);
    T_INTEQ(spool_reject(spool, &d, err, sizeof err), 0);
    char *text = slurp(rpath);
    struct act_decision back;
    T_INTEQ(spool_parse(text, &back, err, sizeof err), 0);
    T_STREQ(back.queue_id, "R-failed");
    T_CHECK(strchr(text, '\n') == text + strlen(text) - 1, "one line");
    free(text);
    free(rpath);
}

int
main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char err[256];
    log_init("test-spool", false, true);
    clock_set_timezone("Europe/Paris");
    signal(SIGXFSZ, SIG_IGN);
    spool = xasprintf("%s/milter.spool", dir);
    dbpath = xasprintf("%s/test-spool.db", dir);
    db = tspool_book(dbpath);
    struct calendar *cal = calendar_new(false, "", err, sizeof err);
    params.cal = cal;
    struct act *a = act_new(db, err, sizeof err);
    T_CHECK(a != NULL, "act_new: %s", err);
    if (a) {
        test_torn(a);
        test_cut(a);
        test_replaced();
        test_crash_tail(a);
        test_reject();
        act_free(a);
    }
    calendar_free(cal);
    db_close(db);
    free(spool);
    free(dbpath);
    return t_done();
}
