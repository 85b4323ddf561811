/*
 * test-bulkvfs.c - the bulk VFS (lib/bulkvfs.c) on real SQLite files:
 * what it writes is what SQLite meant, for this process and for another
 * one reading with the default VFS at the same time; a write that fails
 * loses the transaction and nothing else.
 *
 * Each database holds rows inserted 500 per transaction, in pairs whose
 * x add up to zero: a reader must always see a count that is a multiple
 * of 500 and a sum of 0. The page cache of the writer is small, so that
 * pages go to the WAL in the middle of transactions too.
 */
#include "bulkvfs.h"
#include "t.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PER_TX 500

/* cache_kib: the page cache (small: pages go to the WAL mid-transaction) */
static sqlite3 *
open_db(const char *path, bool bulk, int cache_kib)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             bulk ? bulkvfs_name() : NULL);
    T_CHECK(rc == SQLITE_OK, "open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 10000);
    char *sql = xasprintf("PRAGMA journal_mode = WAL; PRAGMA synchronous = "
                          "NORMAL; PRAGMA cache_size = -%d", cache_kib);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    free(sql);
    return db;
}

/* n transactions of PER_TX rows, starting at row `from`; SQLite's code. */
static int
write_tx(sqlite3 *db, int from, int n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO t (x, k, v) VALUES (?, ?, "
                           "printf('%.*c', 300, 'v'))", -1, &st,
                           NULL) != SQLITE_OK)
        return sqlite3_errcode(db);
    int rc = SQLITE_OK;
    for (int tx = 0; tx < n && rc == SQLITE_OK; tx++) {
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int i = 0; i < PER_TX && rc == SQLITE_OK; i++) {
            int r = from + tx * PER_TX + i;
            /* k at random places in its index: pages all over the file */
            sqlite3_bind_int(st, 1, i % 2 ? -(r - 1) : r);
            sqlite3_bind_int(st, 2, (int)((unsigned)r * 2654435761u % 100003));
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK
                                                 : sqlite3_errcode(db);
            sqlite3_reset(st);
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        else
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(st);
    return rc;
}

/* "count sum integrity" of t, as another connection sees it. */
static char *
state(sqlite3 *db)
{
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) || ' ' || total(x) || ' ' "
                           "|| (SELECT group_concat(integrity_check) FROM "
                           "pragma_integrity_check) FROM t", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        out = xstrdup((const char *)sqlite3_column_text(st, 0));
    else
        out = xasprintf("error: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return out;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/*
 * When COMMIT returns, the WAL file itself ends with the commit frame: a
 * reader told of the commit by the WAL index finds every frame on disk.
 * (The transaction is larger than the buffer, whose last part only the
 * WAL index calls write.)
 */
static void
test_commit_on_disk(const char *path)
{
    T_CASE("the commit frame is in the WAL file when COMMIT returns");
    sqlite3 *db = open_db(path, true, 65536);
    T_INTEQ(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                      NULL, NULL), SQLITE_OK);
    T_INTEQ(write_tx(db, 80 * PER_TX, 1), SQLITE_OK);
    char *wal = xasprintf("%s-wal", path);
    int fd = open(wal, O_RDONLY);
    struct stat sb;
    unsigned char hdr[32], fh[24];
    T_CHECK(fd >= 0 && fstat(fd, &sb) == 0 && pread(fd, hdr, 32, 0) == 32,
            "%s unreadable", wal);
    uint32_t pgsz = be32(hdr + 8);
    off_t frame = 24 + (off_t)pgsz, n = (sb.st_size - 32) / frame;
    T_CHECK(n > 120 * 1024 / frame, "%lld frames: not larger than the buffer",
            (long long)n);
    T_CHECK(sb.st_size == 32 + n * frame, "size %lld: a frame cut",
            (long long)sb.st_size);
    T_CHECK(pread(fd, fh, 24, 32 + (n - 1) * frame) == 24 && be32(fh + 4) > 0,
            "the last frame on disk is not a commit frame");
    close(fd);
    free(wal);
    sqlite3_close(db);
}

/*
 * A reader in another process, default VFS, reading until `stop` closes:
 * writes "ready\n" after its first read, then "<reads> <bad>\n".
 */
static void
reader(const char *path, int stop, int out)
{
    sqlite3 *db = NULL;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*), total(x) FROM t", -1, &st, NULL);
    long reads = 0, bad = 0;
    char c;
    do {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW || sqlite3_column_int(st, 0) % PER_TX != 0 ||
            sqlite3_column_double(st, 1) != 0)
            bad++;
        sqlite3_reset(st);
        if (reads++ == 0 && write(out, "ready\n", 6) != 6)
            _exit(2);
    } while (read(stop, &c, 1) < 0); /* stop is non-blocking */
    char line[64];
    int n = snprintf(line, sizeof line, "%ld %ld\n", reads, bad);
    _exit(write(out, line, (size_t)n) == n ? 0 : 2);
}

static void
test_reader_meanwhile(const char *path)
{
    T_CASE("another process reads while bulk transactions commit");
    int stop[2], res[2];
    T_INTEQ(pipe(stop), 0);
    T_INTEQ(pipe(res), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(stop[1]);
        close(res[0]);
        fcntl(stop[0], F_SETFL, O_NONBLOCK);
        reader(path, stop[0], res[1]);
    }
    close(stop[0]);
    close(res[1]);
    FILE *in = fdopen(res[0], "r");
    char line[64] = "";
    T_CHECK(fgets(line, sizeof line, in) && strcmp(line, "ready\n") == 0,
            "reader not ready: \"%s\"", line);
    sqlite3 *db = open_db(path, true, 65536);
    T_INTEQ(write_tx(db, 40 * PER_TX, 40), SQLITE_OK);
    T_INTEQ(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                      NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    close(stop[1]); /* read() returns 0: the reader stops */
    long reads = 0, bad = -1;
    T_CHECK(fgets(line, sizeof line, in) &&
                sscanf(line, "%ld %ld", &reads, &bad) == 2,
            "reader said \"%s\"", line);
    T_CHECK(reads > 0 && bad == 0, "%ld reads, %ld inconsistent", reads, bad);
    fclose(in);
    int status;
    waitpid(pid, &status, 0);
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader status %d",
            status);
}

static void
test_large(const char *path)
{
    T_CASE("40 transactions and a checkpoint, read back with the default VFS");
    sqlite3 *db = open_db(path, true, 256);
    T_INTEQ(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                         "x INTEGER, k INTEGER, v TEXT); CREATE INDEX t_k ON "
                         "t(k)", NULL, NULL, NULL), SQLITE_OK);
    T_INTEQ(write_tx(db, 0, 40), SQLITE_OK);
    char *mine = state(db);
    T_STREQ(mine, "20000 0.0 ok");
    sqlite3 *other = open_db(path, false, 256);
    char *theirs = state(other);
    T_STREQ(theirs, "20000 0.0 ok");
    free(theirs);
    T_INTEQ(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                      NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    sqlite3_close(other);
    other = open_db(path, false, 256); /* now from the database file alone */
    theirs = state(other);
    T_STREQ(theirs, mine);
    free(theirs);
    free(mine);
    sqlite3_close(other);
}

/*
 * A child writes through the bulk VFS with a file size limit that the WAL
 * passes: the write fails where the buffer is written, the child gets an
 * error (or stops, if that was at the barrier), and the database keeps
 * what it had.
 */
static void
test_failed_write(const char *path)
{
    T_CASE("a write that fails: the transaction is lost, nothing else");
    sqlite3 *db = open_db(path, false, 256);
    char *before = state(db);
    T_INTEQ(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                      NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {2 * 1024 * 1024, 2 * 1024 * 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        sqlite3 *c = open_db(path, true, 64);
        /* one transaction of 10,000 rows: about 7 MB of WAL */
        int rc = sqlite3_exec(c, "BEGIN IMMEDIATE; "
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                              "SELECT i + 1 FROM n WHERE i < 10000) "
                              "INSERT INTO t (x, k, v) SELECT 0, i * 7919 % "
                              "100003, printf('%.*c', 600, 'w') FROM n; "
                              "COMMIT", NULL, NULL, NULL);
        _exit(rc == SQLITE_OK ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0,
            "child status %d: the commit went through", status);
    db = open_db(path, false, 256);
    char *after = state(db);
    T_STREQ(after, before);
    free(after);
    free(before);
    sqlite3_close(db);
}

int
main(void)
{
    T_CASE("registered");
    T_CHECK(bulkvfs_name() != NULL, "no bulk VFS");
    T_CHECK(sqlite3_vfs_find("relance-bulk") != NULL &&
                sqlite3_vfs_find(NULL) != sqlite3_vfs_find("relance-bulk"),
            "not registered, or made the default");
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/bulkvfs.db", dir);
    static const char *const left[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) { /* a run before this one */
        char *f = xasprintf("%s%s", path, left[i]);
        unlink(f);
        free(f);
    }
    test_large(path);
    test_commit_on_disk(path);
    test_reader_meanwhile(path);
    test_failed_write(path);
    free(path);
    return t_done();
}
