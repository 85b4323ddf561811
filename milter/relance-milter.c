/*
 * relance-milter.c - the milter process: options, start-up, the libmilter
 * callbacks, reload on SIGUSR1 and the maintenance thread.
 *
 *     relance-milter -c FILE [-f] [-n] [-V]
 *
 * The only file that includes <libmilter/mfapi.h>. Each callback turns
 * one libmilter event into one call of session.h and the answer into an
 * SMFIS_* code; decisions live elsewhere. The milter never rejects,
 * delays or changes the fate of a mail: every path ends in CONTINUE,
 * SKIP or ACCEPT, and libmilter itself falls back to accept on errors
 * (with `default_action=accept` on the Postfix side).
 */
#define SM_CONF_STDBOOL_H 1
#include <libmilter/mfapi.h>

#include "cfg.h"
#include "db.h"
#include "engine.h"
#include "log.h"
#include "session.h"
#include "util.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef RELANCE_VERSION
#define RELANCE_VERSION "dev"
#endif

/* A connection: the session plus what libmilter negotiated. */
struct conn {
    struct session *s;
    bool skip_ok; /* the MTA understands SMFIS_SKIP */
};

static const char *config_path = "/etc/relance/relance.conf";
static volatile sig_atomic_t stopping;

static struct conn *
conn_of(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL) {
        c = xcalloc(1, sizeof *c);
        c->s = session_new();
        smfi_setpriv(ctx, c);
    }
    return c;
}

static sfsistat
verdict(SMFICTX *ctx, enum session_verdict v)
{
    switch (v) {
    case SESSION_ACCEPT:
        return SMFIS_ACCEPT;
    case SESSION_SKIP:
        return conn_of(ctx)->skip_ok ? SMFIS_SKIP : SMFIS_CONTINUE;
    default:
        return SMFIS_CONTINUE;
    }
}

/*
 * Negotiate: keep every step we use and DATA (skipping steps makes
 * Postfix wait on Nagle, MTA-NOTES.md: the 40 ms trap); drop only HELO and
 * unknown commands, which we never look at. Ask for SKIP so that a long
 * body stops being sent once MaxBodyBytes are read.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
             unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c = conn_of(ctx);
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
    *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP);
    *pf2 = 0;
    *pf3 = 0;
    c->skip_ok = (f1 & SMFIP_SKIP) != 0;
    return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    conn_of(ctx);
    return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_of(ctx);
    return verdict(ctx, session_mail(c->s, argv[0],
                                     smfi_getsymval(ctx, "{daemon_name}"),
                                     smfi_getsymval(ctx, "{auth_authen}")));
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
    return verdict(ctx, session_rcpt(conn_of(ctx)->s, argv[0]));
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
    return verdict(ctx, session_header(conn_of(ctx)->s, name, value));
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
    return verdict(ctx, session_eoh(conn_of(ctx)->s, smfi_getsymval(ctx, "i")));
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    return verdict(ctx, session_body(conn_of(ctx)->s, chunk, len));
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
    struct conn *c = conn_of(ctx);
    struct session_edits ed;
    const char *qid = smfi_getsymval(ctx, "i");
    session_eom(c->s, qid, &ed);
    for (int i = 0; i < SESSION_NHDRS; i++) {
        char *name = (char *)session_header_names[i];
        /* From the last occurrence down, so indexes stay valid whether
         * the MTA renumbers after a deletion or not. */
        for (int k = ed.ndel[i]; k >= 1; k--)
            if (smfi_chgheader(ctx, name, k, NULL) != MI_SUCCESS)
                msg_warn("%s: cannot remove %s #%d", qid ? qid : "NOQUEUE",
                         name, k);
        if (ed.add[i][0] && smfi_addheader(ctx, name, ed.add[i]) != MI_SUCCESS)
            msg_warn("%s: cannot add %s", qid ? qid : "NOQUEUE", name);
    }
    return SMFIS_ACCEPT;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
    session_abort(conn_of(ctx)->s);
    return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c) {
        session_free(c->s);
        free(c);
        smfi_setpriv(ctx, NULL);
    }
    return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "relance",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};

/*
 * The maintenance thread: waits for SIGUSR1 (blocked in every other
 * thread) at most one second, reloads when it comes, and runs one
 * maintenance pass (database reopen, spool replay) every time.
 */
static void *
maintenance(void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct timespec tick = {1, 0};
    while (!stopping) {
        int sig = sigtimedwait(&set, NULL, &tick);
        if (stopping)
            break;
        if (sig == SIGUSR1)
            engine_reload(config_path);
        engine_maintain();
    }
    return NULL;
}

/*
 * nodelay_listeners sets TCP_NODELAY on our listening TCP socket (libmilter
 * gives no handle on it, so it is found among the open descriptors);
 * Linux copies the option to every accepted connection. Without it, the
 * header changes sent at end-of-message as several small packets wait
 * for the MTA's delayed ACK: 40 ms per message (MTA-NOTES.md).
 */
static void
nodelay_listeners(void)
{
    for (int fd = 0; fd < 1024; fd++) {
        int listening = 0, one = 1;
        socklen_t len = sizeof listening;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
            !listening || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
            msg_warn("TCP_NODELAY on the milter socket: %s", strerror(errno));
    }
}

/* Prints the usage to out and exits: stdout and 0 for -h, stderr and
 * EX_USAGE after a bad command line. */
static void __attribute__((noreturn))
usage(FILE *out, int status)
{
    fprintf(out, "usage: relance-milter -c FILE [-f] [-n] [-V]\n"
                 "  -c FILE  configuration file\n"
                 "  -f       stay in the foreground, log to stderr too\n"
                 "  -n       check configuration, rules and templates\n"
                 "  -V       print the version\n"
                 "  -h       this help\n");
    exit(status);
}

int
main(int argc, char **argv)
{
    bool foreground = false, check = false;
    int ch;
    while ((ch = getopt(argc, argv, "c:fnVh")) != -1) {
        switch (ch) {
        case 'c':
            config_path = optarg;
            break;
        case 'f':
            foreground = true;
            break;
        case 'n':
            check = true;
            break;
        case 'V':
            printf("relance-milter %s (milter API %d.%d.%d)\n", RELANCE_VERSION,
                   SM_LM_VRS_MAJOR(SMFI_VERSION), SM_LM_VRS_MINOR(SMFI_VERSION),
                   SM_LM_VRS_PLVL(SMFI_VERSION));
            return 0;
        case 'h':
            usage(stdout, 0);
        default:
            usage(stderr, EX_USAGE);
        }
    }
    if (optind != argc)
        usage(stderr, EX_USAGE);
    if (check) {
        log_init("relance-milter", false, true);
        return engine_check(config_path);
    }
    log_init("relance-milter", true, foreground);
    /* Every message allocates and frees body-sized buffers (up to
     * MaxBodyBytes) in libmilter's threads. By default glibc maps the
     * larger ones with mmap and gives freed heap tops back to the kernel,
     * so each message paid page faults for its own buffers again: the
     * milter's largest system-time cost on 50 KB mail. Keep them. */
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    db_setup();
    char err[1024];
    struct engine_gen *g = engine_load(config_path, err, sizeof err);
    if (g == NULL)
        msg_fatal(EX_CONFIG, "%s", err);
    if (smfi_setconn(g->cfg.socket) != MI_SUCCESS)
        msg_fatal(EX_CONFIG, "%s: bad Socket %s", config_path, g->cfg.socket);
    if (smfi_register(desc) != MI_SUCCESS)
        msg_fatal(EX_SOFTWARE, "smfi_register failed");
    if (smfi_opensocket(true) != MI_SUCCESS)
        msg_fatal(EX_OSERR, "cannot listen on %s", g->cfg.socket);
    nodelay_listeners();
    if (!foreground && daemon(0, 0) < 0)
        msg_fatal(EX_OSERR, "daemon: %s", strerror(errno));
    engine_start(g);

    /* SIGUSR1 is taken only by the maintenance thread (sigtimedwait),
     * SIGHUP/SIGINT/SIGTERM only by libmilter's signal thread (sigwait):
     * block them before any thread exists so that every thread inherits
     * the mask and none dies of a default action. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, maintenance, NULL) != 0)
        msg_fatal(EX_OSERR, "cannot start the maintenance thread");
    msg_info("relance-milter %s listening on %s", RELANCE_VERSION,
             g->cfg.socket);
    int rc = smfi_main();
    stopping = 1;
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    engine_stop();
    msg_info("relance-milter stopped");
    return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
