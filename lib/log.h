/*
 * log.h - one logging ladder for every program (the Postfix msg_* idea).
 *
 * Lines go to syslog (facility mail, ident = program name) and, when the
 * program runs in the foreground or is a command-line tool, to stderr.
 *   msg_info   what happened (one line per event, queue ID first on the
 *              mail path);
 *   msg_warn   the environment is wrong but we carry on;
 *   msg_error  a user-facing error of a command (stderr only, no prefix
 *              noise) - relancectl's bad input;
 *   msg_fatal  start-up cannot continue: logs and exits with `code`
 *              (a sysexits.h value);
 *   msg_panic  a broken invariant: logs and aborts. Never on the mail
 *              path for anything input can cause.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

/* log_init: ident is kept by pointer; use_syslog false for pure CLI use. */
void log_init(const char *ident, bool use_syslog, bool use_stderr);
/* log_verbose: msg_debug lines are printed only when on. */
void log_verbose(bool on);

void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void msg_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
