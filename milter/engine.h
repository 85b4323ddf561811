/*
 * engine.h - what every milter connection shares: the loaded
 * configuration, rules and key, the database connection, the spool.
 *
 * Called by milter/relance-milter.c (start, reload, maintenance thread,
 * -n) and milter/session.c (per message). No libmilter here.
 *
 * A "generation" is everything built from one reading of the config
 * file. Sessions take a reference at the start of a message
 * (engine_acquire) and drop it at its end (engine_release); SIGUSR1 builds
 * a new generation and swaps it in under a lock; the old one is freed when
 * its last message is done. A failed reload keeps the old generation.
 *
 * Database: each generation opens two connections: one for the
 * classifier's lookups (behind a mutex, with the statements of lookup.h)
 * and one for writes (act.h). In WAL mode a lookup never waits for a
 * writer, so a write stuck on another process's lock (up to
 * BusyTimeoutMs) never holds up the lookups of other connections.
 * Decisions are written by group commit (commit.h): one thread at a time
 * holds the writer role and writes what the others queued, in one
 * transaction. The writer, and only it, decides per batch whether the
 * batch goes to the database or to the spool, so the order in which
 * decisions were queued is the order in which they are applied:
 *   - while the spool may hold lines (spool_pending), or for a second
 *     after the database said busy or could not be reached, the whole
 *     batch is appended to the spool (one write, one fsync);
 *   - a batch the database refuses for now (ACT_RETRY) is appended to the
 *     spool from the first refused decision on, before the next batch
 *     can start;
 *   - a decision the database refuses for good (ACT_FAILED) is kept in
 *     SpoolFile.rejected for a human, as the replay does.
 * The maintenance thread replays the spool on its own connection once a
 * second and clears spool_pending only when the file is empty and no
 * writer is appending to it. The queue and these flags are shared by
 * every generation, so a reload does not reorder anything either.
 *
 * Reload keeps what cannot change under running threads: Timezone (TZ is
 * process-wide and setenv races with localtime_r in mail threads),
 * SpoolFile (lines waiting in the old file would be stranded) and
 * Database (the spool's lines, and decisions queued or classified by
 * messages in progress, are for the running database: the spool does not
 * say which database a line is for, so a replay would put them into the
 * new one). A new value is logged and ignored until the milter restarts.
 *
 * Opening the database again (it was unavailable, or its file was
 * replaced) happens on the maintenance thread without any lock held;
 * only the swap of the new connections takes the locks, for a moment.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include "act.h"
#include "cfg.h"
#include "classify.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct engine_db;

struct engine_gen {
    int refs; /* guarded by the engine lock */
    struct cfg cfg;
    struct token_key key;
    struct classifier *cls;
    struct calendar *cal;
    struct act_params params;

    /* The database connections (commit.h), NULL while unavailable
     * (decisions then spool). Replaced only by the maintenance thread,
     * holding rdmu and the writer role. Lookups use it under rdmu; the
     * write side is used only by the thread holding the writer role. */
    pthread_mutex_t rdmu;
    struct engine_db *db;
};

/* Results of engine_apply. */
enum {
    ENGINE_APPLIED,
    ENGINE_SPOOLED,
    ENGINE_FAILED, /* neither applied nor spooled: the line is in
                    * SpoolFile.rejected, or logged in full */
};

/*
 * engine_load builds a generation from the config file: config, time
 * zone (the first load sets it; later loads keep it, see above), secret
 * key, calendar, classifier rules, database (a database that cannot be
 * opened is only a warning: decisions spool until it can).
 * Returns NULL with "FILE: message" in err.
 */
struct engine_gen *engine_load(const char *path, char *err, size_t errlen);

/* engine_start installs g as the current generation (takes g's ref) and
 * notes whether its spool holds lines. */
void engine_start(struct engine_gen *g);
/* engine_reload builds a new generation from path and swaps it in;
 * -1 (old kept, reason logged) if it cannot be built. */
int engine_reload(const char *path);
/* engine_stop drops the current generation (at exit); a later
 * engine_load starts afresh (time zone and spool included). */
void engine_stop(void);

/* engine_acquire: the current generation, referenced; never NULL after
 * engine_start. engine_release drops the reference. */
struct engine_gen *engine_acquire(void);
void engine_release(struct engine_gen *g);

/* engine_lookup fills lk with callbacks reading g's database. */
void engine_lookup(struct engine_gen *g, struct classify_lookup *lk);

/*
 * engine_apply applies d (act_apply) or spools it, in the order of the
 * calls (see above); res (may be NULL) is filled only when applied.
 * Waits at most for the batch ahead of it and its own (BusyTimeoutMs
 * each at worst). Returns ENGINE_*; logs failures itself.
 */
int engine_apply(struct engine_gen *g, const struct act_decision *d,
                 struct act_result *res);

/*
 * engine_maintain: one maintenance pass (the maintenance thread calls it
 * every second; one caller at a time): reopen a database that was
 * unavailable or replaced, replay the spool when it holds lines (again
 * at once while a pass made progress, so that it catches up under load).
 */
void engine_maintain(void);

/*
 * engine_check is `relance-milter -n`: loads everything a start would,
 * plus scenarios and templates, and checks the database and spool
 * folders. Prints each problem on stderr; returns 0 or EX_CONFIG. When
 * all is well, prints so on stdout, with the keys read at start only
 * (a reload keeps them) and their values.
 */
int engine_check(const char *path);

#endif
