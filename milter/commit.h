/*
 * commit.h - the milter's group commit and its order rule: the decisions
 * of every mail thread are queued and written by one thread at a time
 * (the writer role), to the database or to the spool, so that they are
 * applied in the order they were queued (the rule is told in engine.h).
 *
 * Called by milter/engine.c only: engine_apply queues through
 * commit_apply; the maintenance pass swaps connections with commit_swap
 * and asks commit_replay_due / commit_caught_up around the replay.
 * The queue and its flags are process-wide, shared by all generations.
 */
#ifndef COMMIT_H
#define COMMIT_H

#include "engine.h"
#include "lookup.h"

#include <stdbool.h>
#include <sys/types.h>

/* The connections of one opening of the database (engine.c opens and
 * closes them). Heap-allocated, so that lk.ctx (&rl) stays valid when the
 * generation's pointer is swapped. */
struct engine_db {
    sqlite3 *rdb; /* lookups, under the generation's rdmu */
    struct lookup_db rl;
    struct classify_lookup lk;
    sqlite3 *wdb; /* writes, by the writer role only */
    struct act *act;
    dev_t dev; /* to notice the file replaced or gone */
    ino_t ino;
};

/* What became of one decision. */
struct commit_outcome {
    int out;         /* ENGINE_* */
    int rc;          /* ACT_* from the database; ACT_RETRY if not tried */
    const char *why; /* not applied: why it was spooled (or tried to be) */
    char err[256];   /* the database's or the file system's reason */
    bool kept;       /* refused for good: the line is in .rejected */
};

/* commit_start resets the flags for a new start; spool_pending tells
 * whether the spool file holds lines already. */
void commit_start(bool spool_pending);

/*
 * commit_apply queues d (g is the generation of the message: its write
 * connection, act parameters and spool file are used) and returns when
 * it is applied, spooled, or refused; res (may be NULL) is filled when
 * applied. The caller logs from oc.
 */
void commit_apply(struct engine_gen *g, const struct act_decision *d,
                  struct act_result *res, struct commit_outcome *oc);

/*
 * commit_swap installs e (may be NULL) as g's connections and returns the
 * old ones, for the caller to close outside every lock. It waits for the
 * batch being written, goes ahead of the mail threads waiting for the
 * writer role (so that a steady flow of mail cannot keep it out), and
 * holds g->rdmu only for the pointer swap. Maintenance thread only.
 */
struct engine_db *commit_swap(struct engine_gen *g, struct engine_db *e);

/* commit_replay_due: the spool may hold lines and the retry delay after
 * a busy database is over. */
bool commit_replay_due(void);

/* commit_caught_up: the replay found the spool at path empty; decisions
 * may go to the database again, unless a writer is appending to it right
 * now or did since (checked under the queue's lock). */
void commit_caught_up(const char *path);

#endif
