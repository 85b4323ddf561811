/*
 * schema_sql.h - the SQL migrations embedded from schema/ at build time.
 *
 * scripts/embed-sql.sh writes the array; db.c applies it. Entry i has
 * version i + 1: migration files are numbered 001, 002, ... without gaps.
 */
#ifndef SCHEMA_SQL_H
#define SCHEMA_SQL_H

struct schema_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

#endif
