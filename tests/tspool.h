/*
 * tspool.h - what the spool tests share (test-spool.c,
 * test-spool-engine.c): a database with one client and one invoice, and
 * decisions about that invoice told apart by their queue id. Include once
 * per test program.
 */
#ifndef TSPOOL_H
#define TSPOOL_H

#include "act.h"
#include "db.h"
#include "tdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* tspool_book creates the database at path afresh: client C1
 * (ap@c1.test) and its invoice F-1. Exits on failure. */
static inline sqlite3 *
tspool_book(const char *path)
{
    char err[512];
    unlink(path);
    sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 5000, err, sizeof err);
    if (db == NULL ||
        sqlite3_exec(
            db,
            "INSERT INTO clients (id, name, created_at) VALUES ('C1', 'Un', "
            "'x');"
            "INSERT INTO client_emails VALUES ('C1', 'ap@c1.test', 1, NULL, "
            "NULL);"
            "INSERT INTO invoices (number, client_id, issue_date, due_date,"
            " amount_cents, amount_due_cents, created_at) VALUES"
            " ('F-1', 'C1', '2026-01-01', '2026-02-01', 100, 100, 'x');",
            NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "setup: %s\n", db ? sqlite3_errmsg(db) : err);
        exit(2);
    }
    return db;
}

/* tspool_decision: a reply by C1 about F-1 seen at `at` (NULL: now),
 * with queue id qid. */
static inline void
tspool_decision(struct act_decision *d, const char *qid, const char *at)
{
    memset(d, 0, sizeof *d);
    d->kind = ACT_REPLY;
    d->intent = ACT_INTENT_OTHER;
    if (at)
        act_copy(d->at, sizeof d->at, at);
    else
        db_now(d->at);
    act_copy(d->queue_id, sizeof d->queue_id, qid);
    act_copy(d->sender, sizeof d->sender, "ap@c1.test");
    act_copy(d->invoices[0].number, ACT_NUMBER_LEN, "F-1");
    d->ninvoices = 1;
    act_copy(d->evidence, sizeof d->evidence, "test");
}

/* tspool_events: how many events the queue id got. */
static inline int
tspool_events(sqlite3 *db, const char *qid)
{
    return atoi(
        tdb_value(db, "SELECT count(*) FROM events WHERE queue_id=%Q", qid));
}

#endif
