/*
 * relancectl.c - the finance and admin command line: global options and
 * dispatch. Each command lives in its own ctl_*.c file.
 */
#include "civil.h"
#include "ctl.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(struct ctl *, int, char **);
    bool needs_cfg;
    const char *summary;
};

static const struct command commands[] = {
    {"init", ctl_init, true, "create or upgrade the database and the HMAC secret"},
    {"config", ctl_config, false, "config check | config sample"},
    {"import", ctl_import, true, "import clients|invoices|payments FILE"},
    {"invoice", ctl_invoice, true, "invoice show NUMBER | invoice list [filters]"},
    {"pay", ctl_pay, true, "record a payment: pay NUMBER AMOUNT [--date D]"},
    {"hold", ctl_hold, true, "exclude a client or invoice from reminders"},
    {"release", ctl_release, true, "end a hold"},
    {"resolve", ctl_resolve, true, "end a dispute: resolve NUMBER"},
    {"report", ctl_report, true, "report aging|dso|steps [--json|--csv]"},
    {"dossier", ctl_dossier, true, "everything about an invoice, for a lawyer"},
    {"classify", ctl_classify, false, "classify [--json] FILE...: what the milter decides, and why"},
    {"scenario", ctl_scenario, true, "scenario NUMBER: which scenario applies, and why"},
    {"tasks", ctl_tasks, true, "tasks [--all] [--json]: calls and other to-dos"},
    {"task", ctl_task, true, "task done ID --note TEXT"},
    {"approve", ctl_approve, true, "approve NUMBER: release steps waiting for approval"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
help(FILE *out)
{
    fprintf(out,
            "usage: relancectl [-c FILE] [--now \"YYYY-MM-DD HH:MM\"] COMMAND "
            "[ARGS...]\n\n"
            "Options:\n"
            "  -c FILE   configuration file (default $RELANCE_CONF or "
            "/etc/relance/relance.conf)\n"
            "  --now T   act as if the local time were T (tests, demos)\n"
            "  -V        print the version\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`relancectl COMMAND --help` tells more about each.\n");
}

int
ctl_usage(const char *text)
{
    fprintf(stderr, "usage: relancectl [-c FILE] %s\n", text);
    return EX_USAGE;
}

bool
ctl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

sqlite3 *
ctl_db(struct ctl *ctl)
{
    return ctl_db_flags(ctl, 0);
}

sqlite3 *
ctl_db_flags(struct ctl *ctl, int flags)
{
    if (ctl->db)
        return ctl->db;
    char err[1024];
    /* Commands wait for a lock rather than fail: imports and the worker
     * may hold the write lock for a few seconds. */
    ctl->db = db_open(ctl->cfg.database, flags, 60000, err, sizeof err);
    if (ctl->db == NULL)
        msg_error("%s", err);
    return ctl->db;
}

int
main(int argc, char **argv)
{
    struct ctl ctl = {0};
    const char *now = NULL;
    log_init("relancectl", false, true);
    db_setup();
    ctl.cfg_path = getenv("RELANCE_CONF");
    if (ctl.cfg_path == NULL)
        ctl.cfg_path = "/etc/relance/relance.conf";

    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    /* "+" stops at the command name: its own options are its own. */
    while ((ch = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            ctl.cfg_path = optarg;
            break;
        case 'N':
            now = optarg;
            break;
        case 'h':
            help(stdout);
            return 0;
        case 'V':
            printf("relancectl %s (schema %d)\n", RELANCE_VERSION,
                   db_schema_version());
            return 0;
        default:
            help(stderr);
            return EX_USAGE;
        }
    }
    if (optind >= argc) {
        help(stderr);
        return EX_USAGE;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            cmd = &commands[i];
    if (cmd == NULL) {
        msg_error("unknown command \"%s\"", argv[optind]);
        help(stderr);
        return EX_USAGE;
    }
    int cargc = argc - optind;
    char **cargv = argv + optind;
    if (cmd->needs_cfg && !ctl_wants_help(cargc, cargv)) {
        char err[1024];
        if (cfg_load(&ctl.cfg, ctl.cfg_path, err, sizeof err) < 0) {
            msg_error("%s", err);
            cfg_free(&ctl.cfg);
            return EX_CONFIG;
        }
        ctl.cfg_loaded = true;
        if (clock_set_timezone(ctl.cfg.timezone) < 0) {
            msg_error("%s: unknown Timezone \"%s\"", ctl.cfg_path,
                      ctl.cfg.timezone);
            cfg_free(&ctl.cfg);
            return EX_CONFIG;
        }
    }
    if (now && clock_set_now(now) < 0) {
        msg_error("--now \"%s\": expected \"YYYY-MM-DD HH:MM\"", now);
        return EX_USAGE;
    }
    int rc = cmd->run(&ctl, cargc, cargv);
    if (ctl.db)
        db_close(ctl.db);
    if (ctl.cfg_loaded)
        cfg_free(&ctl.cfg);
    return rc;
}
