/*
 * tdb.h - reading one value back from a SQLite database in unit tests
 * (test-act.c, test-session.c, ...) and a common fixture. Include once
 * per test program.
 */
#ifndef TDB_H
#define TDB_H

#include <sqlite3.h>
#include <stdio.h>

/*
 * TDB_C1_F1: SQL for one client C1 and its invoice F-1 (issued
 * 2026-10-01, due 2026-11-02, 1,00 EUR), where the database tests start
 * (test-outbox.c, test-db.c, test-dossier.c).
 */
#define TDB_C1_F1                                                           \
    "INSERT INTO clients (id, name, created_at) VALUES"                     \
    " ('C1', 'Client', '2026-01-01T00:00:00Z');"                            \
    "INSERT INTO invoices (number, client_id, issue_date, due_date,"        \
    " amount_cents, amount_due_cents, created_at) VALUES"                   \
    " ('F-1', 'C1', '2026-10-01', '2026-11-02', 100, 100,"                  \
    "  '2026-01-01T00:00:00Z');"

/*
 * tdb_value: the first column of the first row of the query fmt (a
 * sqlite3_mprintf format with one %Q or %s argument, arg may be NULL) as
 * text; "" for NULL or no row. Static buffer, valid until the next call.
 */
static inline const char *
tdb_value(sqlite3 *db, const char *fmt, const char *arg)
{
    static char buf[512];
    char *sql = sqlite3_mprintf(fmt, arg);
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(buf, sizeof buf, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_free(sql);
    return buf;
}

#endif
