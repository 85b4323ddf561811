/*
 * db.h - opening the SQLite database, migrations, events.
 *
 * Every program opens the database through db_open, which sets WAL mode,
 * foreign keys, synchronous=NORMAL and a busy timeout, and checks
 * PRAGMA user_version against the migrations compiled in (schema/):
 *   - a database newer than the program is refused with a clear message;
 *   - an older one is upgraded only with DB_MIGRATE (relancectl init),
 *     otherwise refused with "run relancectl init".
 */
#ifndef DB_H
#define DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    DB_CREATE = 1,   /* create the file if missing */
    DB_MIGRATE = 2,  /* apply pending migrations */
    DB_READONLY = 4,
    DB_BULK = 8,     /* large transactions: writes gathered (bulkvfs.h) */
};

/*
 * db_open returns a connection or NULL with a message in err.
 * busy_ms is the busy timeout (relancectl and the worker wait long; the
 * milter waits little and spools instead).
 */
sqlite3 *db_open(const char *path, int flags, int busy_ms, char *err,
                 size_t errlen);
void db_close(sqlite3 *db);

/*
 * db_setup, once at start before any connection is opened: SQLite's
 * allocation statistics, which nothing here reads, are switched off. They
 * take one process-wide mutex at every allocation: the milter's threads
 * queued on it, and an import paid for it a million times over.
 */
void db_setup(void);

/* db_schema_version: the version this program was built with. */
int db_schema_version(void);

/* db_exec runs SQL without results; -1 and a logged warning on error. */
int db_exec(sqlite3 *db, const char *sql);
/* Transactions: db_begin takes the write lock at once (BEGIN IMMEDIATE). */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/*
 * db_event appends an event. at is an instant (YYYY-MM-DDTHH:MM:SSZ) or
 * NULL for clock_now(); any other argument may be NULL.
 * Returns 0 or the SQLite error code.
 */
int db_event(sqlite3 *db, const char *at, const char *kind,
             const char *invoice, const char *client_id,
             const char *message_id, const char *queue_id, const char *actor,
             const char *detail);

/* db_now writes clock_now() as YYYY-MM-DDTHH:MM:SSZ (buf >= 21 bytes). */
void db_now(char *buf);

/*
 * db_bind_text binds s (or NULL) to parameter i, copying it; a small
 * convenience for the many optional columns.
 */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
