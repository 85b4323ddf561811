/*
 * ctl_hold.c - `relancectl hold`, `release` and `resolve`: a human
 * excludes a client or an invoice from the reminders, ends that, or ends
 * a dispute. The rules (what a release restores) are in lib/invoice.h.
 */
#include "civil.h"
#include "ctl.h"
#include "ctl_util.h"
#include "db.h"
#include "invoice.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define HOLD_USAGE "hold invoice NUMBER|client ID --reason TEXT [--until D]"
#define RELEASE_USAGE "release invoice NUMBER|client ID --reason TEXT"
#define RESOLVE_USAGE "resolve NUMBER [--reason TEXT]"

/* Options of the three commands; until_ok: --until is allowed. */
static int
parse(int argc, char **argv, bool until_ok, const char **reason,
      const char **until)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, 'r'},
        {"until", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'r')
            *reason = optarg;
        else if (ch == 'u' && until_ok)
            *until = optarg;
        else
            return -1;
    }
    return 0;
}

/* Runs fn in a transaction and prints ok or the error. */
static int
finish(sqlite3 *db, int rc, const char *err, const char *ok)
{
    if (rc == 0 && db_commit(db) < 0)
        rc = INVOICE_EDB;
    if (rc < 0) {
        db_rollback(db);
        msg_error("%s", *err ? err : "database error");
        return EXIT_RUNTIME;
    }
    printf("%s\n", ok);
    return 0;
}

static int
hold_or_release(struct ctl *ctl, int argc, char **argv, bool hold)
{
    const char *usage = hold ? HOLD_USAGE : RELEASE_USAGE;
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] %s\n\n", usage);
        if (hold)
            printf("Suspend les relances d'une facture ou d'un client / "
                   "stops the reminders of an\ninvoice or of a client.\n\n"
                   "  --reason TEXT  why (required; kept in the event)\n"
                   "  --until D      first day reminders may run again "
                   "(YYYY-MM-DD or DD/MM/YYYY);\n"
                   "                 without it, until `relancectl "
                   "release`\n\n"
                   "An invoice on hold has status 'hold'; its previous "
                   "status is remembered\nfor the release. Paid invoices "
                   "cannot be held. A client hold stops\nreminders to "
                   "that client; its invoices keep their status.\n");
        else
            printf("Lève une suspension / ends a hold.\n\n"
                   "  --reason TEXT  why (required)\n\n"
                   "An invoice goes back to 'disputed' if it was, to "
                   "'paused'/'promised' if\nthat date is still ahead, "
                   "else to 'open'.\n");
        printf("\nExit: 0 done, 1 unknown or not allowed, 64 bad usage.\n");
        return 0;
    }
    const char *reason = NULL, *until_s = NULL;
    if (parse(argc, argv, hold, &reason, &until_s) < 0 ||
        argc - optind != 2 || reason == NULL)
        return ctl_usage(usage);
    const char *what = argv[optind], *key = argv[optind + 1];
    bool client = strcmp(what, "client") == 0;
    if (!client && strcmp(what, "invoice") != 0)
        return ctl_usage(usage);
    if (ctl_text_arg("--reason", reason) < 0)
        return EX_USAGE;
    int until = -1;
    if (until_s) {
        if (ctl_parse_day("--until", until_s, &until) < 0)
            return EX_USAGE;
        if (until <= ctl_today()) {
            msg_error("--until %s: date passée / must be after today",
                      until_s);
            return EX_USAGE;
        }
    }
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL || db_begin(db) < 0)
        return EXIT_RUNTIME;
    char err[512] = "", ok[512];
    int rc;
    if (hold && client)
        rc = client_hold(db, key, reason, until, ctl_actor(), err,
                         sizeof err);
    else if (hold)
        rc = invoice_hold(db, key, reason, until, ctl_actor(), err,
                          sizeof err);
    else if (client)
        rc = client_release(db, key, reason, ctl_actor(), err, sizeof err);
    else
        rc = invoice_release(db, key, reason, ctl_today(), ctl_actor(), err,
                             sizeof err);
    snprintf(ok, sizeof ok, "%s %s : %s / %s", client ? "client" : "facture",
             key, hold ? "suspendu(e)" : "suspension levée",
             hold ? "on hold" : "released");
    return finish(db, rc, err, ok);
}

int
ctl_hold(struct ctl *ctl, int argc, char **argv)
{
    return hold_or_release(ctl, argc, argv, true);
}

int
ctl_release(struct ctl *ctl, int argc, char **argv)
{
    return hold_or_release(ctl, argc, argv, false);
}

int
ctl_resolve(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] " RESOLVE_USAGE "\n\n"
               "Clôt une contestation / ends a dispute: the invoice goes "
               "from 'disputed'\nback to 'open' and the reminders resume. "
               "Refused for any other status.\n\n"
               "Exit: 0 done, 1 unknown or not disputed, 64 bad usage.\n");
        return 0;
    }
    const char *reason = NULL, *unused = NULL;
    if (parse(argc, argv, false, &reason, &unused) < 0 ||
        argc - optind != 1)
        return ctl_usage(RESOLVE_USAGE);
    if (reason && ctl_text_arg("--reason", reason) < 0)
        return EX_USAGE;
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL || db_begin(db) < 0)
        return EXIT_RUNTIME;
    char err[512] = "", ok[256];
    int rc = invoice_resolve(db, argv[optind], reason, ctl_actor(), err,
                             sizeof err);
    snprintf(ok, sizeof ok,
             "facture %s : contestation close / dispute resolved",
             argv[optind]);
    return finish(db, rc, err, ok);
}
