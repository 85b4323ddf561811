/*
 * smtp.h - a small SMTP submission client on libetpan's mailsmtp, used by
 * the worker to hand messages to the company's own MTA (SmtpServer).
 *
 * One session carries many messages. Each message is two calls, so the
 * caller can record "submitting" between them (the exactly-once rule in
 * lib/outbox.h): smtp_envelope (MAIL FROM, RCPT TO..., DATA up to the 354
 * answer) and smtp_data (the message bytes, the final answer). After a
 * refused envelope the session is reset (RSET) and stays usable.
 *
 * Every answer is classified: SMTP_OK (2xx/3xx), SMTP_TEMP (4xx: retry
 * later), SMTP_PERM (5xx: do not retry) and SMTP_DROPPED (no answer: the
 * connection failed or was cut; the session is then dead and must be
 * closed). Optional STARTTLS (no/try/require, enum cfg_tls) and AUTH
 * PLAIN/LOGIN through libetpan's SASL.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stdbool.h>
#include <stddef.h>

enum smtp_status { SMTP_OK, SMTP_TEMP, SMTP_PERM, SMTP_DROPPED };

struct smtp_reply {
    int status;      /* enum smtp_status */
    int code;        /* the server's 3-digit code, 0 when none */
    char text[512];  /* what failed and the server's words, one line */
};

struct smtp_conf {
    const char *server;   /* "host:port" (port 25 when missing) */
    int tls;              /* enum cfg_tls: TLS_NO, TLS_TRY, TLS_REQUIRE */
    const char *user;     /* NULL or "" = no AUTH */
    const char *password;
    int timeout;          /* seconds per command; 0 = 60 */
};

struct smtp;

/*
 * smtp_open connects, reads the greeting, says EHLO (HELO when refused),
 * does STARTTLS and AUTH as configured. Returns the session, or NULL with
 * the reason in *r (status TEMP/DROPPED for network and 4xx problems,
 * PERM for 5xx and for TLS required but not offered).
 */
struct smtp *smtp_open(const struct smtp_conf *c, struct smtp_reply *r);

/*
 * smtp_envelope: MAIL FROM:<from>, RCPT TO:<rcpt[i]> for each, DATA.
 * accepted[i] (when not NULL) tells which recipients the server took.
 * SMTP_OK means at least one recipient was accepted and the server is
 * waiting for the message (354); r->text then names refused recipients,
 * if any. Otherwise the transaction was reset (or the session died:
 * SMTP_DROPPED) and r says why (the most severe answer wins: a 5xx for
 * every recipient is PERM, any 4xx is TEMP).
 */
int smtp_envelope(struct smtp *s, const char *from, const char *const *rcpt,
                  size_t n, bool *accepted, struct smtp_reply *r);

/*
 * smtp_data sends the message (len bytes, CRLF or LF line ends; libetpan
 * does the dot-stuffing and the final dot) and reads the final answer.
 * SMTP_OK means the server took responsibility for it.
 */
int smtp_data(struct smtp *s, const char *msg, size_t len,
              struct smtp_reply *r);

/* smtp_alive: false once the connection is known to be dead. */
bool smtp_alive(const struct smtp *s);

/* smtp_close says QUIT when the session is alive, and frees it. NULL ok. */
void smtp_close(struct smtp *s);

#endif
