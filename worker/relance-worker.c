/*
 * relance-worker - plans due reminder steps, renders them, builds MIME
 * and submits them over SMTP to the company's own MTA, exactly once.
 *
 *   relance-worker -c FILE [--once] [--now "YYYY-MM-DD HH:MM"] [-n] [-f]
 *
 *   --once  one pass, then exit (cron, tests);
 *   --now   fix the clock at this local time (tests, replays);
 *   -n      check config, rules and templates, say what is wrong, exit;
 *   -f      stay in the foreground and log to stderr as well;
 *   -h      the usage on stdout, exit 0 (a bad option: stderr, 64).
 *
 * Without --once it is a daemon: a pass every WorkerInterval seconds;
 * SIGHUP reloads the config and the rules (kept as they were when the
 * new ones are wrong); SIGTERM/SIGINT finish the message in hand and
 * exit. The worker is not a libmilter program, so SIGHUP is its own.
 *
 * The three signals are blocked, never delivered to a handler: a signal
 * interrupting libetpan's poll/read in the middle of an SMTP transaction
 * would cut it and leave the message 'uncertain'. They stay pending; the
 * pass polls them between messages (w_stopping) and the sleep between
 * passes waits for them (sigtimedwait). The pass itself is in w_pass.c.
 */
#include "w.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static bool w_stop, w_reload;
static sigset_t w_signals;

static void
note_signal(int sig)
{
    if (sig == SIGHUP)
        w_reload = true;
    else if (sig == SIGTERM || sig == SIGINT)
        w_stop = true;
}

bool
w_stopping(void)
{
    sigset_t pending;
    if (sigpending(&pending) == 0 &&
        (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
         sigismember(&pending, SIGHUP))) {
        struct timespec zero = {0, 0};
        int sig;
        while ((sig = sigtimedwait(&w_signals, NULL, &zero)) > 0)
            note_signal(sig);
    }
    return w_stop;
}

/* Prints the usage to out and exits: stdout and 0 when asked for it
 * (-h, --help), stderr and EX_USAGE after a bad command line. */
static void __attribute__((noreturn))
usage(FILE *out, int status)
{
    fprintf(out, "usage: relance-worker -c FILE [--once] "
                 "[--now \"YYYY-MM-DD HH:MM\"] [-n] [-f]\n"
                 "  -c FILE   configuration file (--config FILE)\n"
                 "  --once    one pass, then exit (cron, tests)\n"
                 "  --now T   act as if the local time were T (tests, "
                 "replays)\n"
                 "  -n        check configuration, rules and templates, "
                 "then exit\n"
                 "  -f        stay in the foreground, log to stderr too\n"
                 "  -h        this help (--help)\n");
    exit(status);
}

static void
block_signals(void)
{
    sigemptyset(&w_signals);
    sigaddset(&w_signals, SIGHUP);
    sigaddset(&w_signals, SIGTERM);
    sigaddset(&w_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &w_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Sleeps up to seconds, returning early when a signal comes. */
static void
nap(int seconds)
{
    time_t until = time(NULL) + seconds;
    while (!w_stopping() && !w_reload) {
        time_t left = until - time(NULL);
        if (left <= 0)
            break;
        struct timespec ts = {left, 0};
        int sig = sigtimedwait(&w_signals, NULL, &ts);
        if (sig > 0)
            note_signal(sig);
    }
}

/*
 * A reload keeps the database the worker started with, as the milter
 * does (milter/engine.c): both read the same file, and after a reload of
 * both they would otherwise write to different ones until the milter is
 * restarted. Moving the database takes a restart of both.
 */
static void
keep_database(struct worker *fresh, const struct worker *old)
{
    if (strcmp(fresh->cfg.database, old->cfg.database) == 0)
        return;
    msg_warn("%s: Database %s is not applied by a reload; the worker keeps "
             "%s: restart it (and the milter) to apply the change",
             fresh->cfg.path, fresh->cfg.database, old->cfg.database);
    free(fresh->cfg.database);
    fresh->cfg.database = xstrdup(old->cfg.database);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"once", no_argument, NULL, 'o'},
        {"now", required_argument, NULL, 'N'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *now = NULL;
    bool once = false, check = false, fg = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:nfh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'o': once = true; break;
        case 'N': now = optarg; break;
        case 'n': check = true; break;
        case 'f': fg = true; break;
        case 'h': usage(stdout, 0);
        default: usage(stderr, EX_USAGE);
        }
    }
    if (path == NULL || optind != argc)
        usage(stderr, EX_USAGE);
    log_init("relance-worker", !check, check || once || fg);
    db_setup();

    struct worker w;
    if (w_setup(&w, path) < 0) {
        w_teardown(&w);
        if (check)
            fprintf(stderr, "relance-worker: %s: configuration refused\n",
                    path);
        else
            msg_warn("fatal: %s: configuration refused", path);
        return EX_CONFIG;
    }
    if (now && clock_set_now(now) < 0) {
        w_teardown(&w);
        msg_fatal(EX_USAGE, "--now: not a local time \"YYYY-MM-DD HH:MM\": "
                            "%s", now);
    }
    if (check) {
        printf("relance-worker: %s: configuration, %zu scenarios and "
               "templates OK (mode %s)\n", path, w.scn.n,
               cfg_mode_name(w.cfg.mode));
        w_teardown(&w);
        return 0;
    }
    block_signals();
    if (!once && !fg && daemon(0, 0) < 0)
        msg_fatal(EX_OSERR, "daemon: %s", strerror(errno));
    msg_info("worker: starting, mode %s, database %s, SMTP %s",
             cfg_mode_name(w.cfg.mode), w.cfg.database, w.cfg.smtp_server);
    int rc = 0;
    for (;;) {
        if (w_pass(&w) < 0)
            rc = 1;
        if (once || w_stopping())
            break;
        nap(w.cfg.worker_interval);
        if (w_reload) {
            w_reload = false;
            struct worker fresh;
            if (w_setup(&fresh, path) == 0) {
                keep_database(&fresh, &w);
                w_teardown(&w);
                w = fresh;
                msg_info("worker: configuration and rules reloaded");
            } else {
                w_teardown(&fresh);
                msg_warn("worker: reload refused, keeping the previous "
                         "configuration");
            }
        }
        if (w_stopping())
            break;
    }
    msg_info("worker: stopping");
    w_teardown(&w);
    return once ? rc : 0;
}
