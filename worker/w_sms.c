/*
 * w_sms.c - sms steps (issue 5): a text to the client's phone, through
 * SmsCommand (a program run without a shell, the number as its last
 * argument, the text on its standard input) or through SmsGateway (an
 * e-mail to an email-to-SMS address, sent like any message by w_send.c).
 * Called by w_pass.c: w_sms_plan after planning, w_sms_send inside the
 * send window. Exactly-once as for e-mail (outbox.h): the message row and
 * its reminders row are committed before the command runs, the row is
 * 'submitting' (durable) while it runs. A failure is never silent: the
 * row is failed, an sms_failed event says why, finance gets a
 * notice with the reason.
 */
#define _GNU_SOURCE /* pipe2 */
#include "w.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "sms.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define W_SMS_TIMEOUT 30     /* seconds SmsCommand may take */

bool
w_sms_due(const struct planload_data *d, const struct sched_item *it)
{
    const struct scenario_step *st = it->step;
    return st->channel == SCN_SMS &&
           !(st->approval && d->si[it->invoice].approved < st->index);
}

/* Dry-run: the text for review, named after the number. */
static void
write_text(const struct worker *w, const struct w_msg *m, const char *phone,
           int seq)
{
    char *path = xasprintf("%s/%04d-sms-%s.txt", w->cfg.dry_run_dir, seq,
                           phone[0] ? phone : "none");
    mkdir(w->cfg.dry_run_dir, 0750);
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s", m->body) < 0 || fclose(f) != 0)
        msg_warn("worker: dry-run: cannot write %s: %s", path,
                 strerror(errno));
    else
        msg_info("worker: dry-run sms client=%s invoices=%s step=%s file=%s",
                 m->client_id, m->invoices, m->step, path);
    free(path);
}

/* Records m; when why is set, fails it at once (event + notice). */
static void
record(const struct worker *w, struct outbox *ob, struct w_msg *m,
       const char *why)
{
    int64_t id = w_record(w, ob, m, NULL, 0);
    if (id < 0 || why == NULL)
        return;
    struct outbox_row row = {
        .id = id, .message_id = m->message_id,
        .client_id = (char *)m->client_id, .kind = (char *)m->kind};
    msg_warn("worker: sms msgid=<%s> client=%s failed: %s", m->message_id,
             m->client_id, why);
    if (outbox_mark_failed(ob, &row, clock_now(), why) < 0)
        msg_warn("worker: sms msgid=<%s>: failure not recorded",
                 m->message_id);
}

void
w_sms_plan(const struct worker *w, struct outbox *ob,
           const struct planload_data *d, const struct sched_plan *p,
           int today, bool dry, int *seq)
{
    for (size_t i = 0; i < p->npeople && !w_stopping(); i++) {
        const struct sched_item *it = &p->people[i];
        if (!w_sms_due(d, it))
            continue;
        const struct planload_client *c =
            &d->wc[d->si[it->invoice].client];
        char phone[SMS_PHONE_MAX];
        char *why = NULL, *gw = NULL, *banner = NULL;
        const char *to = NULL;
        if (sms_phone_normalise(c->phone, phone) < 0) {
            why = xasprintf("SMS : pas de numéro de téléphone utilisable "
                            "pour le client %s / no usable phone number "
                            "(\"%s\")", c->id, c->phone ? c->phone : "");
        } else if (w->cfg.mode == MODE_REDIRECT) {
            to = w->finance_addr;
            banner = xasprintf("SMS %s", phone);
        } else if (w->cfg.sms_gateway[0]) {
            to = gw = sms_gateway_address(w->cfg.sms_gateway, phone);
        } else if (w->cfg.sms_command[0] == '\0') {
            why = xstrdup("SMS : ni SmsCommand ni SmsGateway configuré / "
                          "no SmsCommand or SmsGateway configured");
        }
        struct w_msg m;
        if (w_compose_sms(w, d, it, today, to, banner, &m) == 0) {
            if (to == NULL)
                m.recipients = xstrdup(phone);
            if (dry && why)
                msg_warn("worker: dry-run sms client=%s invoices=%s would "
                         "fail: %s", c->id, m.invoices, why);
            if (dry)
                write_text(w, &m, phone, ++*seq);
            else
                record(w, ob, &m, why);
        }
        w_msg_free(&m);
        free(why);
        free(gw);
        free(banner);
    }
}

/* The first line of out (at most 200 bytes), in place. */
static const char *
first_line(char *out)
{
    out[strcspn(out, "\r\n")] = '\0';
    if (strlen(out) > 200)
        out[200] = '\0';
    return out;
}

/*
 * Runs argv with text on its standard input, its output (stdout and
 * stderr) kept in out. Returns 0 when it exited with status 0, else -1
 * with why filled (exit status or signal, timeout, and its first line).
 */
static int
run_command(char **argv, const char *text, char *why, size_t whylen)
{
    int in[2], er[2];
    char out[1024] = "";
    if (pipe2(in, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(er, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(er[1], 1) < 0 || dup2(er[1], 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(er[1]);
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        close(in[1]);
        close(er[0]);
        return -1;
    }
    /* SIGPIPE is ignored in the worker: a command that does not read
     * its input gives EPIPE here, and its exit status says the rest. */
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t k = write(in[1], text + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(in[1]);
    time_t deadline = time(NULL) + W_SMS_TIMEOUT;
    size_t got = 0;
    bool timed_out = false, eof = false;
    int status = 0;
    for (;;) {
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (!eof) {
            struct pollfd pf = {er[0], POLLIN, 0};
            int r = poll(&pf, 1, left * 1000);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                continue;
            char buf[512];
            ssize_t k = read(er[0], buf, sizeof buf);
            if (k <= 0) {
                eof = true;
            } else if (got < sizeof out - 1) {
                size_t n = (size_t)k < sizeof out - 1 - got
                               ? (size_t)k : sizeof out - 1 - got;
                memcpy(out + got, buf, n);
                got += n;
                out[got] = '\0';
            }
            continue;
        }
        /* Output closed: wait for the exit, polling the clock. */
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(why, whylen, "waitpid: %s", strerror(errno));
            close(er[0]);
            return -1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    close(er[0]);
    if (timed_out) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        snprintf(why, whylen, "arrêtée après / killed after %d s%s%s",
                 W_SMS_TIMEOUT, out[0] ? ": " : "", first_line(out));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(why, whylen, "code de sortie / exit status %d%s%s",
                 WEXITSTATUS(status), out[0] ? ": " : "", first_line(out));
    else
        snprintf(why, whylen, "tuée par le signal / killed by signal %d%s%s",
                 WTERMSIG(status), out[0] ? ": " : "", first_line(out));
    return -1;
}

static int
load_queued(sqlite3 *db, struct outbox_row **rows, size_t *n)
{
    sqlite3_stmt *st;
    *rows = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db,
            "SELECT id, message_id, client_id, kind, recipients, body"
            " FROM messages WHERE state = 'queued' AND channel = 'sms'"
            " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *rows = xrealloc(*rows, cap * sizeof **rows);
        }
        struct outbox_row *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        char **f[] = {&r->message_id, &r->client_id, &r->kind,
                      &r->recipients, &r->body};
        for (int k = 0; k < 5; k++) {
            const char *t = (const char *)sqlite3_column_text(st, k + 1);
            *f[k] = t ? xstrdup(t) : NULL;
        }
        r->len = r->body ? strlen(r->body) : 0;
    }
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

int
w_sms_send(const struct worker *w, sqlite3 *db, struct outbox *ob)
{
    struct outbox_row *rows;
    size_t n;
    if (load_queued(db, &rows, &n) < 0) {
        msg_warn("worker: sms: %s", sqlite3_errmsg(db));
        outbox_rows_free(rows, n);
        return -1;
    }
    int sent = 0;
    for (size_t i = 0; i < n && !w_stopping(); i++) {
        struct outbox_row *r = &rows[i];
        const char *phone = r->recipients ? r->recipients : "";
        char **argv = sms_argv(w->cfg.sms_command, phone);
        char why[1024];
        if (argv == NULL) {
            /* SmsCommand was removed since the text was queued. */
            snprintf(why, sizeof why, "SMS : SmsCommand n'est plus "
                     "configuré / SmsCommand is no longer configured");
            outbox_mark_failed(ob, r, clock_now(), why);
            continue;
        }
        if (outbox_mark_submitting(ob, r->id) < 0) {
            sms_argv_free(argv);
            continue;
        }
        int rc = run_command(argv, r->body ? r->body : "", why, sizeof why);
        sms_argv_free(argv);
        if (rc == 0) {
            msg_info("worker: sent sms msgid=<%s> client=%s to=%s",
                     r->message_id, r->client_id ? r->client_id : "-", phone);
            if (outbox_mark_sent(ob, r, clock_now(), "channel=sms") < 0)
                msg_warn("worker: sms msgid=<%s>: sent, not recorded",
                         r->message_id);
            sent++;
            continue;
        }
        char *error = xasprintf("SMS %s : SmsCommand a échoué / failed: %s",
                                phone, why);
        msg_warn("worker: sms msgid=<%s> client=%s to=%s failed: %s",
                 r->message_id, r->client_id ? r->client_id : "-", phone,
                 why);
        if (outbox_mark_failed(ob, r, clock_now(), error) < 0)
            msg_warn("worker: sms msgid=<%s>: failure not recorded",
                     r->message_id);
        free(error);
    }
    outbox_rows_free(rows, n);
    return sent;
}
