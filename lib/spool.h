/*
 * spool.h - decisions kept in a file while the database is busy or gone.
 *
 * The milter never waits for the database longer than BusyTimeoutMs and
 * never loses what it learned: a decision it could not apply is appended
 * to SpoolFile as one line, and applied later by spool_replay (from the
 * milter's maintenance thread, or by anyone holding a database handle).
 *
 * A line is tab-separated text, fields escaped (\\ \t \n \r, and \s for a
 * space inside a list):
 *     R1 AT KIND INTENT QUEUE_ID MESSAGE_ID TOKEN SENDER UNTIL
 *        INVOICES ADDRS EVIDENCE
 * INVOICES and ADDRS are space-separated lists; an invoice named by our
 * token is written with a leading '*'. A line is identified by the
 * SHA-256 of its text (without the newline): replay records that digest in
 * table spool_applied in the same transaction as the decision, so a line
 * replayed twice (crash between applying and truncating) is applied once.
 *
 * Writers take flock(LOCK_EX) on the file, write their lines with one
 * write(2) and fsync before unlocking; a write that fails half-way (disk
 * full) is cut back, so the file only ever holds whole lines. Lines that
 * cannot be read back or applied are moved to SpoolFile.rejected (never
 * dropped) and logged. The replay removes what it applied by writing what
 * is left to SpoolFile.tmp and renaming it over the spool, so a crash
 * never loses a line (at worst one is read again and skipped as already
 * applied).
 */
#ifndef SPOOL_H
#define SPOOL_H

#include "act.h"
#include "util.h"

#define SPOOL_DIGEST_HEX 65 /* 64 hex digits + NUL */

/* spool_format appends the line for d (no newline) to out. */
void spool_format(const struct act_decision *d, struct sbuf *out);

/*
 * spool_parse reads one line (a trailing newline is allowed) into d.
 * Returns 0, or -1 with the reason in err if the line is malformed.
 */
int spool_parse(const char *line, struct act_decision *d, char *err,
                size_t errlen);

/* spool_digest: hex SHA-256 of len bytes of line into hex. */
void spool_digest(const char *line, size_t len, char hex[SPOOL_DIGEST_HEX]);

/*
 * spool_append_batch appends the lines of d[0..n) in that order to the
 * file at path (created 0600 if missing): locked, one write, fsync'd; all
 * of them or none (a failed write is taken back). Returns 0, or -1 with a
 * message in err (the caller then logs the lines itself so that they
 * still exist somewhere). spool_append is the batch of one.
 */
int spool_append_batch(const char *path, const struct act_decision *const *d,
                       int n, char *err, size_t errlen);
int spool_append(const char *path, const struct act_decision *d, char *err,
                 size_t errlen);

/*
 * spool_reject keeps d's line in PATH.rejected (path is the spool), for a
 * decision the database refused for good (ACT_FAILED), as the replay does
 * with its own failing lines. Returns 0, or -1 with a message in err.
 */
int spool_reject(const char *path, const struct act_decision *d, char *err,
                 size_t errlen);

struct spool_stats {
    int applied;   /* lines applied now */
    int duplicate; /* lines already applied before */
    int rejected;  /* unreadable or failing lines moved aside */
    int left;      /* lines kept for later (database busy) */
};

/* Called for each line applied by spool_replay (may be NULL). */
typedef void (*spool_applied_fn)(void *arg, const struct act_decision *d,
                                 const struct act_result *res);

/*
 * spool_replay applies the lines of the spool at path with a (act.h) and
 * removes what was applied or rejected from the file; lines appended while
 * it runs are kept. It stops at the first line the database refuses for
 * now (ACT_RETRY). Returns 0 if the spool is empty afterwards, 1 if lines
 * remain, -1 on an I/O error (message in err). A missing file is an empty
 * spool. Serialise calls: one replay at a time per file.
 */
int spool_replay(const char *path, struct act *a, const struct act_params *p,
                 spool_applied_fn fn, void *arg, struct spool_stats *st,
                 char *err, size_t errlen);

#endif
