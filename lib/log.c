/*
 * log.c - syslog and stderr logging; see log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static const char *log_ident = "relance";
static bool log_syslog;
static bool log_stderr = true;
static bool log_debug_on;

void
log_init(const char *ident, bool use_syslog, bool use_stderr)
{
    log_ident = ident;
    log_syslog = use_syslog;
    log_stderr = use_stderr;
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_verbose(bool on)
{
    log_debug_on = on;
}

static void
vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
    if (log_syslog) {
        va_list ap2;
        va_copy(ap2, ap);
        vsyslog(prio, fmt, ap2);
        va_end(ap2);
    }
    if (log_stderr) {
        fprintf(stderr, "%s: %s", log_ident, tag);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
}

#define LOG_BODY(prio, tag)                                                    \
    do {                                                                       \
        va_list ap;                                                            \
        va_start(ap, fmt);                                                     \
        vlog(prio, tag, fmt, ap);                                              \
        va_end(ap);                                                            \
    } while (0)

void
msg_debug(const char *fmt, ...)
{
    if (log_debug_on)
        LOG_BODY(LOG_DEBUG, "debug: ");
}

void
msg_info(const char *fmt, ...)
{
    LOG_BODY(LOG_INFO, "");
}

void
msg_warn(const char *fmt, ...)
{
    LOG_BODY(LOG_WARNING, "warning: ");
}

void
msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", log_ident);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void
msg_fatal(int code, const char *fmt, ...)
{
    LOG_BODY(LOG_CRIT, "fatal: ");
    exit(code);
}

void
msg_panic(const char *fmt, ...)
{
    LOG_BODY(LOG_CRIT, "panic: ");
    abort();
}
