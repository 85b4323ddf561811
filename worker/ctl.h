/*
 * ctl.h - what the relancectl commands share.
 *
 * relancectl.c parses the global options (-c FILE, --now) and dispatches
 * to one function per command, each in a ctl_*.c file. A command receives
 * its own argv (argv[0] is the command name) and returns an exit status:
 * 0 success, 1 run-time error (EXIT_RUNTIME), 64 bad usage (EX_USAGE).
 */
#ifndef CTL_H
#define CTL_H

#include "cfg.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <sysexits.h>

#define EXIT_RUNTIME 1

struct ctl {
    struct cfg cfg;
    bool cfg_loaded;
    const char *cfg_path;
    sqlite3 *db;          /* opened by ctl_db() */
};

/* ctl_db opens the database (long busy timeout) or prints why not: NULL. */
sqlite3 *ctl_db(struct ctl *ctl);
/* ctl_db_flags: the same with db_open flags (DB_BULK for imports). */
sqlite3 *ctl_db_flags(struct ctl *ctl, int flags);

/*
 * ctl_usage prints "usage: relancectl [-c FILE] " + text to stderr and
 * returns EX_USAGE, so commands can `return ctl_usage(...)`.
 */
int ctl_usage(const char *text);

/*
 * ctl_wants_help is true when argv holds -h or --help; the command then
 * prints its help to stdout and returns 0.
 */
bool ctl_wants_help(int argc, char **argv);

/* Commands. */
int ctl_init(struct ctl *ctl, int argc, char **argv);
int ctl_config(struct ctl *ctl, int argc, char **argv);
int ctl_import(struct ctl *ctl, int argc, char **argv);
int ctl_invoice(struct ctl *ctl, int argc, char **argv);
int ctl_pay(struct ctl *ctl, int argc, char **argv);
int ctl_hold(struct ctl *ctl, int argc, char **argv);
int ctl_release(struct ctl *ctl, int argc, char **argv);
int ctl_resolve(struct ctl *ctl, int argc, char **argv);
int ctl_report(struct ctl *ctl, int argc, char **argv);
int ctl_dossier(struct ctl *ctl, int argc, char **argv);
int ctl_classify(struct ctl *ctl, int argc, char **argv);
int ctl_scenario(struct ctl *ctl, int argc, char **argv);
int ctl_tasks(struct ctl *ctl, int argc, char **argv);
int ctl_task(struct ctl *ctl, int argc, char **argv);
int ctl_approve(struct ctl *ctl, int argc, char **argv);

#endif
