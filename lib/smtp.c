/*
 * smtp.c - SMTP submission on libetpan's mailsmtp; see smtp.h.
 *
 * libetpan returns its own error numbers; the server's code is in
 * session->response_code and its text in session->response, which is
 * what the classification below uses. A stream error (or a code of 0)
 * means the connection is gone.
 */
#include "smtp.h"
#include "cfg.h"
#include "log.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct smtp {
    mailsmtp *session;
    bool alive;
    bool esmtp;
};

static int
classify(int code)
{
    if (code >= 200 && code < 400)
        return SMTP_OK;
    if (code >= 400 && code < 500)
        return SMTP_TEMP;
    if (code >= 500 && code < 600)
        return SMTP_PERM;
    return SMTP_DROPPED;
}

/* Fills r from the last exchange; what names the step ("RCPT TO:<x>").
 * Returns r->status. */
static int
answer(struct smtp *s, int rc, const char *what, struct smtp_reply *r)
{
    mailsmtp *ms = s->session;
    int code = ms ? ms->response_code : 0;
    if (rc == MAILSMTP_ERROR_STREAM || rc == MAILSMTP_ERROR_CONNECTION_REFUSED)
        code = 0;
    r->code = code;
    r->status = rc == MAILSMTP_NO_ERROR ? SMTP_OK : classify(code);
    if (rc != MAILSMTP_NO_ERROR && r->status == SMTP_OK)
        r->status = SMTP_PERM; /* libetpan refused a 2xx/3xx it did not
                                  expect here: treat as a refusal */
    if (r->status == SMTP_DROPPED)
        s->alive = false;
    const char *said = ms && ms->response ? ms->response : "";
    if (code)
        snprintf(r->text, sizeof r->text, "%s: %d %s", what, code, said);
    else
        snprintf(r->text, sizeof r->text, "%s: %s", what,
                 mailsmtp_strerror(rc));
    for (char *p = r->text; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    return r->status;
}

static int
split_server(const char *server, char **host, uint16_t *port)
{
    const char *colon = strrchr(server, ':');
    long p = 25;
    if (colon) {
        char *end;
        p = strtol(colon + 1, &end, 10);
        if (*end || p <= 0 || p > 65535)
            return -1;
    }
    size_t hl = colon ? (size_t)(colon - server) : strlen(server);
    if (hl >= 2 && server[0] == '[' && server[hl - 1] == ']') {
        server++;
        hl -= 2;
    }
    if (hl == 0)
        return -1;
    *host = xstrndup(server, hl);
    *port = (uint16_t)p;
    return 0;
}

static int
hello(struct smtp *s, struct smtp_reply *r)
{
    int rc = mailesmtp_ehlo(s->session);
    if (rc == MAILSMTP_NO_ERROR) {
        s->esmtp = true;
        return answer(s, rc, "EHLO", r);
    }
    if (rc == MAILSMTP_ERROR_STREAM)
        return answer(s, rc, "EHLO", r);
    s->esmtp = false;
    return answer(s, mailsmtp_helo(s->session), "HELO", r);
}

static int
start_tls(struct smtp *s, int mode, struct smtp_reply *r)
{
    if (mode == TLS_NO)
        return SMTP_OK;
    if (!(s->session->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
        if (mode == TLS_TRY)
            return SMTP_OK;
        snprintf(r->text, sizeof r->text,
                 "STARTTLS required (SmtpStartTLS require) but not offered");
        r->code = 0;
        return r->status = SMTP_PERM;
    }
    /* mailsmtp_socket_starttls says STARTTLS itself, then handshakes. */
    int rc = mailsmtp_socket_starttls(s->session);
    if (rc != MAILSMTP_NO_ERROR && s->session->response_code >= 400) {
        return answer(s, rc, "STARTTLS", r);
    }
    if (rc != MAILSMTP_NO_ERROR) {
        s->alive = false;
        snprintf(r->text, sizeof r->text, "TLS handshake: %s",
                 mailsmtp_strerror(rc));
        r->code = 0;
        return r->status = SMTP_DROPPED;
    }
    return hello(s, r);
}

struct smtp *
smtp_open(const struct smtp_conf *c, struct smtp_reply *r)
{
    char *host;
    uint16_t port;
    memset(r, 0, sizeof *r);
    if (split_server(c->server, &host, &port) < 0) {
        snprintf(r->text, sizeof r->text, "SmtpServer: bad host:port \"%s\"",
                 c->server);
        r->status = SMTP_PERM;
        return NULL;
    }
    struct smtp *s = xcalloc(1, sizeof *s);
    s->session = mailsmtp_new(0, NULL);
    if (s->session == NULL)
        msg_panic("mailsmtp_new: out of memory");
    mailsmtp_set_timeout(s->session, c->timeout > 0 ? c->timeout : 60);
    char what[300];
    snprintf(what, sizeof what, "connect to %s:%u", host, port);
    s->alive = true;
    int rc = mailsmtp_socket_connect(s->session, host, port);
    free(host);
    if (answer(s, rc, what, r) != SMTP_OK)
        goto fail;
    /* Commands are written whole and answered one at a time: Nagle's
     * delay would only hold back the last segment of each message. */
    int one = 1, fd = mailstream_low_get_fd(mailstream_get_low(
                         s->session->stream));
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (hello(s, r) != SMTP_OK || start_tls(s, c->tls, r) != SMTP_OK)
        goto fail;
    if (c->user && c->user[0]) {
        /* PLAIN when offered, else LOGIN; one try (a refused password is
         * not tried again under another name). */
        const char *mech = (s->session->auth & MAILSMTP_AUTH_PLAIN) ||
                                   !(s->session->auth & MAILSMTP_AUTH_LOGIN)
                               ? "PLAIN" : "LOGIN";
        rc = mailesmtp_auth_sasl(s->session, mech, NULL, NULL, NULL,
                                 c->user, c->user, c->password, NULL);
        if (answer(s, rc, "AUTH", r) != SMTP_OK) {
            if (r->status == SMTP_OK || r->code == 0)
                r->status = SMTP_TEMP;
            goto fail;
        }
    }
    return s;
fail:
    smtp_close(s);
    return NULL;
}

static void
reset(struct smtp *s)
{
    if (s->alive && mailsmtp_reset(s->session) == MAILSMTP_ERROR_STREAM)
        s->alive = false;
}

int
smtp_envelope(struct smtp *s, const char *from, const char *const *rcpt,
              size_t n, bool *accepted, struct smtp_reply *r)
{
    char what[600];
    memset(r, 0, sizeof *r);
    snprintf(what, sizeof what, "MAIL FROM:<%s>", from);
    if (answer(s, mailsmtp_mail(s->session, from), what, r) != SMTP_OK) {
        reset(s);
        return r->status;
    }
    size_t ok = 0;
    struct smtp_reply worst = {.status = SMTP_OK};
    for (size_t i = 0; i < n; i++) {
        struct smtp_reply one;
        snprintf(what, sizeof what, "RCPT TO:<%s>", rcpt[i]);
        int st = answer(s, mailsmtp_rcpt(s->session, rcpt[i]), what, &one);
        if (accepted)
            accepted[i] = st == SMTP_OK;
        if (st == SMTP_DROPPED) {
            *r = one;
            return r->status;
        }
        if (st == SMTP_OK)
            ok++;
        else if (worst.status == SMTP_OK || st == SMTP_TEMP)
            worst = one;
    }
    if (ok == 0) {
        *r = worst;
        reset(s);
        return r->status;
    }
    if (answer(s, mailsmtp_data(s->session), "DATA", r) != SMTP_OK) {
        reset(s);
        return r->status;
    }
    /* On success r->text names the refused recipients, or is empty. */
    if (worst.status != SMTP_OK)
        snprintf(r->text, sizeof r->text, "%s", worst.text);
    else
        r->text[0] = '\0';
    return SMTP_OK;
}

int
smtp_data(struct smtp *s, const char *msg, size_t len, struct smtp_reply *r)
{
    memset(r, 0, sizeof *r);
    return answer(s, mailsmtp_data_message(s->session, msg, len),
                  "end of DATA", r);
}

bool
smtp_alive(const struct smtp *s)
{
    return s && s->alive;
}

void
smtp_close(struct smtp *s)
{
    if (s == NULL)
        return;
    if (s->alive)
        mailsmtp_quit(s->session);
    mailsmtp_free(s->session);
    free(s);
}
