/*
 * db.c - database opening, migrations and events; see db.h.
 */
#include "db.h"
#include "bulkvfs.h"
#include "civil.h"
#include "log.h"
#include "schema_sql.h"

#include <stdio.h>
#include <string.h>

int
db_schema_version(void)
{
    return schema_migration_count;
}

int
db_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        msg_warn("sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int
db_begin(sqlite3 *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
    return db_exec(db, "COMMIT");
}

void
db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int
user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int
migrate(sqlite3 *db, int from, char *err, size_t errlen)
{
    if (db_begin(db) < 0) {
        snprintf(err, errlen, "cannot lock the database: %s",
                 sqlite3_errmsg(db));
        return -1;
    }
    /* Re-read under the write lock: another init may have won the race. */
    if (user_version(db, &from) < 0)
        goto fail;
    for (int i = from; i < schema_migration_count; i++) {
        char *msg = NULL;
        if (sqlite3_exec(db, schema_migrations[i].sql, NULL, NULL, &msg)) {
            snprintf(err, errlen, "migration %s failed: %s",
                     schema_migrations[i].name, msg ? msg : "?");
            sqlite3_free(msg);
            db_rollback(db);
            return -1;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 schema_migrations[i].version);
        if (db_exec(db, sql) < 0)
            goto fail;
    }
    if (db_commit(db) == 0)
        return 0;
fail:
    snprintf(err, errlen, "migration failed: %s", sqlite3_errmsg(db));
    db_rollback(db);
    return -1;
}

sqlite3 *
db_open(const char *path, int flags, int busy_ms, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int oflags = (flags & DB_READONLY) ? SQLITE_OPEN_READONLY
                                       : SQLITE_OPEN_READWRITE;
    if (flags & DB_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    /* Each connection is used by one thread at a time; the milter keeps
     * its own locking. */
    oflags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &db, oflags,
                             (flags & DB_BULK) ? bulkvfs_name() : NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, busy_ms);
    sqlite3_extended_result_codes(db, 0);
    int v = 0;
    if (user_version(db, &v) < 0) {
        snprintf(err, errlen, "%s: not a Relance database: %s", path,
                 sqlite3_errmsg(db));
        goto fail;
    }
    if (v > schema_migration_count) {
        snprintf(err, errlen,
                 "%s: database schema version %d is newer than this program "
                 "(which knows up to %d); upgrade Relance before using it",
                 path, v, schema_migration_count);
        goto fail;
    }
    if (!(flags & DB_READONLY)) {
        if (db_exec(db, "PRAGMA journal_mode = WAL") < 0) {
            snprintf(err, errlen, "%s: cannot enable WAL: %s", path,
                     sqlite3_errmsg(db));
            goto fail;
        }
    }
    db_exec(db, "PRAGMA foreign_keys = ON");
    db_exec(db, "PRAGMA synchronous = NORMAL");
    if (v < schema_migration_count) {
        if (!(flags & DB_MIGRATE)) {
            snprintf(err, errlen,
                     "%s: database schema version %d is older than this "
                     "program's %d; run `relancectl init` to upgrade it",
                     path, v, schema_migration_count);
            goto fail;
        }
        char merr[512];
        if (migrate(db, v, merr, sizeof merr) < 0) {
            snprintf(err, errlen, "%s: %s", path, merr);
            goto fail;
        }
    }
    return db;
fail:
    sqlite3_close(db);
    return NULL;
}

void
db_setup(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        msg_warn("sqlite3_config(MEMSTATUS) refused: SQLite already in use");
}

void
db_close(sqlite3 *db)
{
    sqlite3_close(db);
}

void
db_now(char *buf)
{
    clock_format_utc(clock_now(), buf);
}

int
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

int
db_event(sqlite3 *db, const char *at, const char *kind, const char *invoice,
         const char *client_id, const char *message_id, const char *queue_id,
         const char *actor, const char *detail)
{
    char now[21];
    if (at == NULL) {
        db_now(now);
        at = now;
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(db,
                                "INSERT INTO events (at, kind, invoice, "
                                "client_id, message_id, queue_id, actor, "
                                "detail) VALUES (?,?,?,?,?,?,?,?)",
                                -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    db_bind_text(st, 1, at);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, invoice);
    db_bind_text(st, 4, client_id);
    db_bind_text(st, 5, message_id);
    db_bind_text(st, 6, queue_id);
    db_bind_text(st, 7, actor);
    db_bind_text(st, 8, detail);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : rc;
}
