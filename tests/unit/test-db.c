/*
 * test-db.c - upgrading a database through migration 004 (the events
 * table rebuilt with the wider list of kinds), on a real SQLite file in
 * $TMPDIR: a version-3 database is made from the first three embedded
 * migrations, filled with events of the old kinds (ids with gaps), then
 * opened with DB_MIGRATE as `relancectl init` does. The rows, their ids,
 * the indexes (events_client still partial), the append-only triggers
 * and the CHECK must all be there afterwards; the new kinds are accepted
 * and an unknown kind is still refused.
 */
#include "db.h"
#include "log.h"
#include "schema_sql.h"
#include "util.h"
#include "t.h"
#include "tdb.h"

#include <stdlib.h>
#include <unistd.h>

/* The rows of version 3 (events with gaps in their ids, old kinds). */
static const char fill_v3[] =
    TDB_C1_F1
    "INSERT INTO events (id, at, kind, invoice, client_id, message_id,"
    " queue_id, actor, detail) VALUES"
    " (1, '2026-10-01T00:00:00Z', 'imported', 'F-1', 'C1', NULL, NULL,"
    "  'import', '{\"line\":2}'),"
    " (2, '2026-11-03T09:00:00Z', 'review', 'F-1', 'C1', NULL, NULL,"
    "  'anne', 'envoi approuvé / approved: formal'),"
    " (7, '2026-11-04T09:00:00Z', 'manual_contact', 'F-1', 'C1', NULL, NULL,"
    "  'anne', 'tâche / task #1: called'),"
    " (40, '2026-11-05T09:00:00Z', 'hold', NULL, 'C1', 'm@x', 'Q1',"
    "  'paul', '{\"reason\":\"audit\"}');";

/* What the migrated database must say (one query each). */
static const struct {
    const char *name;
    const char *sql;
    const char *want;
} reads[] = {
    {"ids, kinds and invoices kept",
     "SELECT group_concat(id || ':' || kind || ':' || ifnull(invoice, '-'),"
     " ' ') FROM (SELECT * FROM events ORDER BY id)",
     "1:imported:F-1 2:review:F-1 7:manual_contact:F-1 40:hold:-"},
    {"every column kept",
     "SELECT at || '|' || client_id || '|' || message_id || '|' || queue_id"
     " || '|' || actor || '|' || detail FROM events WHERE id = 40",
     "2026-11-05T09:00:00Z|C1|m@x|Q1|paul|{\"reason\":\"audit\"}"},
    {"old detail kept", "SELECT detail FROM events WHERE id = 2",
     "envoi approuvé / approved: formal"},
    {"events_invoice",
     "SELECT sql FROM sqlite_master WHERE name = 'events_invoice'",
     "CREATE INDEX events_invoice ON events(invoice, id)"},
    {"events_client stays partial (002)",
     "SELECT sql FROM sqlite_master WHERE name = 'events_client'",
     "CREATE INDEX events_client ON events(client_id, id)"
     " WHERE invoice IS NULL"},
    {"the append-only triggers",
     "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master"
     " WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name)",
     "events_append_only_delete events_append_only_update"},
    {"no table left behind",
     "SELECT count(*) FROM sqlite_master WHERE name LIKE 'events%%'"
     " AND type = 'table'",
     "1"},
    {"the CHECK names the new kinds",
     "SELECT instr(sql, '''sms_uncertain''') > 0 FROM sqlite_master"
     " WHERE name = 'events'",
     "1"},
    {"CHECK constraints back on for this connection",
     "PRAGMA ignore_check_constraints", "0"},
    {"integrity", "PRAGMA integrity_check", "ok"},
    {"foreign keys", "SELECT count(*) FROM pragma_foreign_key_check", "0"},
};

/* Writes after the migration: 0 = accepted, 1 = refused. */
static const struct {
    const char *name;
    const char *kind; /* db_event of this kind, or NULL: sql */
    const char *sql;
    int refused;
} writes[] = {
    {"approval", "approval", NULL, 0},
    {"task_done", "task_done", NULL, 0},
    {"sms_sent", "sms_sent", NULL, 0},
    {"sms_failed", "sms_failed", NULL, 0},
    {"sms_uncertain", "sms_uncertain", NULL, 0},
    {"an old kind still", "review", NULL, 0},
    {"unknown kind", "approved", NULL, 1},
    {"update refused", NULL, "UPDATE events SET kind = 'review' WHERE id = 7",
     1},
    {"delete refused", NULL, "DELETE FROM events WHERE id = 1", 1},
    {"unknown invoice (foreign key)", NULL,
     "INSERT INTO events (at, kind, invoice) VALUES ('x', 'approval', 'NO')",
     1},
};

/* make_v3: a database at version 3 with fill_v3's rows. */
static void
make_v3(const char *path)
{
    sqlite3 *raw;
    unlink(path);
    if (sqlite3_open(path, &raw) != SQLITE_OK) {
        fprintf(stderr, "setup: cannot create %s\n", path);
        exit(2);
    }
    for (int i = 0; i < schema_migration_count; i++) {
        if (schema_migrations[i].version > 3)
            continue;
        if (sqlite3_exec(raw, schema_migrations[i].sql, NULL, NULL, NULL)) {
            fprintf(stderr, "setup: %s: %s\n", schema_migrations[i].name,
                    sqlite3_errmsg(raw));
            exit(2);
        }
    }
    if (sqlite3_exec(raw, "PRAGMA user_version = 3", NULL, NULL, NULL) ||
        sqlite3_exec(raw, fill_v3, NULL, NULL, NULL)) {
        fprintf(stderr, "setup: %s\n", sqlite3_errmsg(raw));
        exit(2);
    }
    sqlite3_close(raw);
}

int
main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/test-db-%d.db", tmp, (int)getpid());
    char err[512];
    T_CASE("a version-3 database is refused without DB_MIGRATE");
    make_v3(path);
    sqlite3 *db = db_open(path, 0, 1000, err, sizeof err);
    T_CHECK(db == NULL && strstr(err, "run `relancectl init`") != NULL,
            "opened, or: %s", err);
    db_close(db);

    T_CASE("DB_MIGRATE upgrades it");
    db = db_open(path, DB_MIGRATE, 1000, err, sizeof err);
    T_CHECK(db != NULL, "%s", err);
    if (db == NULL) {
        free(path);
        return t_done();
    }
    char v[16];
    snprintf(v, sizeof v, "%d", db_schema_version());
    T_STREQ(tdb_value(db, "PRAGMA user_version", NULL), v);
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        T_CASE(reads[i].name);
        T_STREQ(tdb_value(db, reads[i].sql, NULL), reads[i].want);
    }
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        T_CASE(writes[i].name);
        int rc = writes[i].kind
                     ? db_event(db, "2026-11-06T09:00:00Z", writes[i].kind,
                                "F-1", "C1", NULL, NULL, "anne", "x")
                     : db_exec(db, writes[i].sql);
        T_INTEQ(rc != 0, writes[i].refused);
    }
    T_CASE("new ids follow the old ones");
    T_STREQ(tdb_value(db, "SELECT min(id) > 40 FROM events WHERE at ="
                          " '2026-11-06T09:00:00Z'", NULL), "1");
    db_close(db);
    unlink(path);
    free(path);
    return t_done();
}
