/*
 * log.c - syslog and stderr logging; see log.h.
 */
#include "log.h"

#include <errno.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* A longer line is cut (syslog daemons cut at about this length too). */
#define LOG_LINE_MAX 4096

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
    /* With no syslog daemon, glibc tries to connect again at every line
     * (a socket, a failed connect, a close per line on the milter's
     * path): when standard error is there to log to, use only that. */
    if (use_syslog && use_stderr && access(_PATH_LOG, W_OK) != 0) {
        log_syslog = false;
        msg_warn("no syslog socket %s: logging to standard error only",
                 _PATH_LOG);
    }
    if (log_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_verbose(bool on)
{
    log_debug_on = on;
}

/* Writes all of s[0..n) to standard error, whatever write() splits. */
static void
put_stderr(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(STDERR_FILENO, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        s += k;
        n -= (size_t)k;
    }
}

/*
 * One line, formatted once: to syslog and as one write() to standard
 * error, so that lines of the milter's threads never interleave (an
 * unbuffered stderr writes each piece of a fprintf on its own).
 */
static void
vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    /* "ident: " for standard error only; syslog adds its own. */
    size_t id = strlen(log_ident) + 2, tl = strlen(tag);
    if (id + tl + 2 >= sizeof line)
        id = 0; /* an absurd ident: left out */
    else {
        memcpy(line, log_ident, id - 2);
        memcpy(line + id - 2, ": ", 2);
        memcpy(line + id, tag, tl);
    }
    size_t pre = id ? id + tl : 0, room = sizeof line - pre - 1;
    int n = vsnprintf(line + pre, room, fmt, ap);
    size_t len = pre + (n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1);
    if (log_syslog)
        syslog(prio, "%s", line + id);
    if (log_stderr) {
        line[len++] = '\n';
        put_stderr(line, len);
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
