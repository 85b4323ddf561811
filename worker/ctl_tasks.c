/*
 * ctl_tasks.c - the people in the loop: `relancectl tasks` (the to-dos
 * that task steps created, e.g. "call the client"), `relancectl task done
 * ID --note TEXT` (closes one; the note becomes an event of the invoice)
 * and `relancectl approve NUMBER` (releases the steps of an invoice that
 * wait for approval; the worker sends them on its next pass).
 */
#include "ctl.h"
#include "ctl_util.h"
#include "db.h"
#include "invoice.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_USAGE "tasks [--all] [--json]"
#define TASK_USAGE "task done ID --note TEXT"
#define APPROVE_USAGE "approve NUMBER [--step NAME]"

static const char *
col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

int
ctl_tasks(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] " TASKS_USAGE "\n\n"
               "Les tâches à faire (appels...) / the open tasks (calls...) "
               "created by `task`\nsteps, oldest first.\n\n"
               "  --all   also the tasks already done, with their note\n"
               "  --json  one JSON array, for scripts\n\n"
               "Exit: 0, 1 database error, 64 bad usage.\n");
        return 0;
    }
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    bool all = false, json = false;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'a')
            all = true;
        else if (ch == 'j')
            json = true;
        else
            return ctl_usage(TASKS_USAGE);
    }
    if (optind != argc)
        return ctl_usage(TASKS_USAGE);
    sqlite3 *db = ctl_db(ctl);
    sqlite3_stmt *st;
    if (db == NULL ||
        sqlite3_prepare_v2(db,
            "SELECT t.id, t.created_at, t.invoice, c.name, t.step_name,"
            " t.assignee, t.text, t.done_at, t.note FROM tasks t"
            " JOIN clients c ON c.id = t.client_id"
            " WHERE ?1 OR t.done_at IS NULL ORDER BY t.id", -1, &st,
            NULL) != SQLITE_OK) {
        if (db)
            msg_error("database: %s", sqlite3_errmsg(db));
        return EXIT_RUNTIME;
    }
    sqlite3_bind_int(st, 1, all);
    struct sbuf b = {0};
    int n = 0;
    if (json)
        sbuf_addc(&b, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (json) {
            static const char *const keys[] = {
                "id", "created_at", "invoice", "client", "step", "assignee",
                "text", "done_at", "note"};
            sbuf_adds(&b, n ? ",\n{" : "\n{");
            for (int i = 0; i < 9; i++) {
                sbuf_addf(&b, "%s\"%s\":", i ? "," : "", keys[i]);
                if (i == 0)
                    sbuf_addf(&b, "%d", sqlite3_column_int(st, 0));
                else if (sqlite3_column_type(st, i) == SQLITE_NULL)
                    sbuf_adds(&b, "null");
                else
                    invoice_json_string(&b, col(st, i));
            }
            sbuf_addc(&b, '}');
        } else {
            sbuf_addf(&b, "#%d  %.10s  %s  %s  [%s -> %s]\n    %s\n",
                      sqlite3_column_int(st, 0), col(st, 1), col(st, 2),
                      col(st, 3), col(st, 4), col(st, 5), col(st, 6));
            if (sqlite3_column_type(st, 7) != SQLITE_NULL)
                sbuf_addf(&b, "    fait / done %s: %s\n", col(st, 7),
                          col(st, 8));
        }
        n++;
    }
    int rc = sqlite3_finalize(st) == SQLITE_OK ? 0 : EXIT_RUNTIME;
    if (json)
        sbuf_adds(&b, n ? "\n]\n" : "]\n");
    else if (n == 0)
        sbuf_adds(&b, "Aucune tâche / no tasks.\n");
    if (rc == 0)
        fputs(sbuf_cstr(&b), stdout);
    else
        msg_error("database: %s", sqlite3_errmsg(db));
    sbuf_free(&b);
    return rc;
}

/* One option --NAME VALUE (note or step); the rest stays in argv. */
static int
one_option(int argc, char **argv, const char *name, const char **value)
{
    const struct option opts[] = {
        {name, required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 'o')
            return -1;
        *value = optarg;
    }
    return 0;
}

/* Runs the update, checks one row changed, writes the event, commits. */
static int
change_and_log(sqlite3 *db, sqlite3_stmt *st, const char *kind,
               const char *invoice_sql, const char *key, const char *detail)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db) : -1;
    sqlite3_finalize(st);
    if (rc <= 0)
        return rc;
    char *invoice = NULL, *client = NULL;
    if (sqlite3_prepare_v2(db, invoice_sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            invoice = xstrdup(col(st, 0));
            client = xstrdup(col(st, 1));
        }
        sqlite3_finalize(st);
    }
    int ev = invoice ? db_event(db, NULL, kind, invoice, client, NULL, NULL,
                                ctl_actor(), detail) : -1;
    free(invoice);
    free(client);
    return ev == 0 && db_commit(db) == 0 ? rc : -1;
}

int
ctl_task(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] " TASK_USAGE "\n\n"
               "Marque une tâche faite / marks a task done. The note (what "
               "was said, what\nwas agreed) is kept with the task and as a "
               "'task_done' event of the\ninvoice (dossier).\n\n"
               "Exit: 0 done, 1 unknown or already done, 64 bad usage.\n");
        return 0;
    }
    const char *note = NULL;
    if (one_option(argc, argv, "note", &note) < 0 || argc - optind != 2 ||
        strcmp(argv[optind], "done") != 0 || note == NULL)
        return ctl_usage(TASK_USAGE);
    const char *id = argv[optind + 1];
    char *end;
    long n = strtol(id, &end, 10);
    if (*id == '\0' || *end != '\0' || n <= 0)
        return ctl_usage(TASK_USAGE);
    if (ctl_text_arg("--note", note) < 0)
        return EX_USAGE;
    sqlite3 *db = ctl_db(ctl);
    sqlite3_stmt *st;
    char at[32];
    db_now(at);
    if (db == NULL || db_begin(db) < 0)
        return EXIT_RUNTIME;
    if (sqlite3_prepare_v2(db,
            "UPDATE tasks SET done_at = ?2, done_by = ?3, note = ?4"
            " WHERE id = ?1 AND done_at IS NULL", -1, &st, NULL) != SQLITE_OK) {
        db_rollback(db);
        return EXIT_RUNTIME;
    }
    sqlite3_bind_int64(st, 1, n);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, ctl_actor(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_TRANSIENT);
    char *detail = xasprintf("tâche / task #%ld: %s", n, note);
    int rc = change_and_log(db, st, "task_done",
                            "SELECT invoice, client_id FROM tasks"
                            " WHERE id = ?1", id, detail);
    free(detail);
    if (rc <= 0) {
        db_rollback(db);
        msg_error(rc == 0 ? "tâche %s inconnue ou déjà faite / unknown or "
                            "already done" : "task %s: database error", id);
        return EXIT_RUNTIME;
    }
    printf("Tâche #%ld faite / task done.\n", n);
    return 0;
}

int
ctl_approve(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] " APPROVE_USAGE "\n\n"
               "Approuve l'envoi / approves the steps of the invoice that "
               "wait for a person\n(`approval yes` in the scenario, e.g. "
               "the formal notice of a key account).\nThe worker sends them "
               "on its next pass. --step approves that step only.\nThe "
               "approval is an 'approval' event of the invoice.\n\n"
               "Exit: 0 approved, 1 nothing waits for approval, 64 bad "
               "usage.\n");
        return 0;
    }
    const char *step = NULL;
    if (one_option(argc, argv, "step", &step) < 0 || argc - optind != 1)
        return ctl_usage(APPROVE_USAGE);
    const char *number = argv[optind];
    sqlite3 *db = ctl_db(ctl);
    sqlite3_stmt *st;
    char at[32];
    db_now(at);
    if (db == NULL || db_begin(db) < 0)
        return EXIT_RUNTIME;
    if (sqlite3_prepare_v2(db,
            "UPDATE approvals SET approved_at = ?2, approved_by = ?3"
            " WHERE invoice = ?1 AND approved_at IS NULL"
            " AND (?4 IS NULL OR step_name = ?4)", -1, &st,
            NULL) != SQLITE_OK) {
        db_rollback(db);
        return EXIT_RUNTIME;
    }
    sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, ctl_actor(), -1, SQLITE_TRANSIENT);
    db_bind_text(st, 4, step);
    char *detail = xasprintf("envoi approuvé / approved: %s",
                             step ? step : "étapes en attente / waiting steps");
    int rc = change_and_log(db, st, "approval",
                            "SELECT number, client_id FROM invoices"
                            " WHERE number = ?1", number, detail);
    free(detail);
    if (rc <= 0) {
        db_rollback(db);
        msg_error(rc == 0 ? "%s: rien en attente d'approbation / nothing "
                            "waits for approval" : "%s: database error",
                  number);
        return EXIT_RUNTIME;
    }
    printf("%s: %d étape(s) approuvée(s) / step(s) approved.\n", number, rc);
    return 0;
}
