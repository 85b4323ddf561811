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
 * Database: one shared connection per generation behind a mutex, with the
 * prepared statements of act.h reused; decisions are written by group
 * commit (one thread writes what the others queued, in one transaction).
 * While the database is busy (busy timeout passed), unreachable, or while
 * older decisions wait in the spool, decisions go to the spool; the
 * maintenance thread replays it on its own connection once a second
 * (spool.h), so order is kept and nothing is lost.
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

struct engine_gen {
    int refs; /* guarded by the engine lock */
    struct cfg cfg;
    struct token_key key;
    struct classifier *cls;
    struct calendar *cal;
    struct act_params params;

    pthread_mutex_t dbmu; /* guards the connection: */
    sqlite3 *db;          /* NULL: unavailable, decisions spool */
    struct act *act;
    struct classify_lookup lk; /* act_lookup(act), used under dbmu */
    dev_t db_dev;              /* to notice the file replaced or gone */
    ino_t db_ino;

    pthread_mutex_t qmu; /* guards the group-commit queue: */
    pthread_cond_t qcond;
    struct pending *qhead, **qtail;
    bool writing;       /* a thread is writing a batch */
    time_t retry_at;    /* spool without trying until then */
    bool spool_pending; /* the spool may hold lines */
};

/* Results of engine_apply. */
enum {
    ENGINE_APPLIED,
    ENGINE_SPOOLED,
    ENGINE_FAILED, /* neither applied nor spooled: the line
                    * was logged in full */
};

/*
 * engine_load builds a generation from the config file: config, time
 * zone, secret key, calendar, classifier rules, database (a database
 * that cannot be opened is only a warning: decisions spool until it can).
 * Returns NULL with "FILE: message" in err.
 */
struct engine_gen *engine_load(const char *path, char *err, size_t errlen);

/* engine_start installs g as the current generation (takes g's ref). */
void engine_start(struct engine_gen *g);
/* engine_reload builds a new generation from path and swaps it in;
 * -1 (old kept, reason logged) if it cannot be built. */
int engine_reload(const char *path);
/* engine_stop drops the current generation (at exit). */
void engine_stop(void);

/* engine_acquire: the current generation, referenced; never NULL after
 * engine_start. engine_release drops the reference. */
struct engine_gen *engine_acquire(void);
void engine_release(struct engine_gen *g);

/* engine_lookup fills lk with callbacks reading g's database. */
void engine_lookup(struct engine_gen *g, struct classify_lookup *lk);

/*
 * engine_apply applies d (act_apply) or spools it; res (may be NULL) is
 * filled only when applied. Returns ENGINE_*; logs failures itself.
 */
int engine_apply(struct engine_gen *g, const struct act_decision *d,
                 struct act_result *res);

/*
 * engine_maintain: one maintenance pass (the maintenance thread calls it
 * every second): reopen a database that was unavailable or replaced,
 * replay the spool when it holds lines.
 */
void engine_maintain(void);

/*
 * engine_check is `relance-milter -n`: loads everything a start would,
 * plus scenarios and templates, and checks the database and spool
 * folders. Prints each problem on stderr; returns 0 or EX_CONFIG.
 */
int engine_check(const char *path);

#endif
