/*
 * tdb.h - reading one value back from a SQLite database in unit tests
 * (test-act.c, test-session.c). Include once per test program.
 */
#ifndef TDB_H
#define TDB_H

#include <sqlite3.h>
#include <stdio.h>

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
