/*
 * cfg.c - configuration table, parser and sample writer; see cfg.h.
 */
#include "cfg.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum key_type { K_STR, K_PATH, K_INT, K_BOOL, K_ENUM };

struct key {
    const char *name;
    enum key_type type;
    size_t off;
    const char *def;
    const char *enums;   /* K_ENUM: space-separated names, index = value */
    int min, max;        /* K_INT */
    const char *doc;     /* one or more comment lines for the sample */
};

#define S(f) offsetof(struct cfg, f)

static const struct key keys[] = {
    {"Database", K_PATH, S(database), "/var/lib/relance/relance.db", 0, 0, 0,
     "SQLite database file (WAL mode; the folder must be writable).\n"
     "The milter reads it at start only (SIGUSR1 keeps the old one)."},
    {"Socket", K_STR, S(socket), "inet:8895@127.0.0.1", 0, 0, 0,
     "Milter socket, libmilter syntax: inet:PORT@HOST or unix:/path.\n"
     "Postfix writes the same inet socket as inet:HOST:PORT."},
    {"RulesDir", K_PATH, S(rules_dir), "/etc/relance/rules", 0, 0, 0,
     "Folder of scenarios, templates, reference and intent patterns."},
    {"Domain", K_STR, S(domain), "", 0, 0, 0,
     "Right-hand side of our Message-IDs, e.g. example.fr. Required by the\n"
     "worker and the milter."},
    {"SecretFile", K_PATH, S(secret_file), "/etc/relance/secret", 0, 0, 0,
     "HMAC key for Message-ID tokens; `relancectl init` creates it (0600)."},
    {"SmtpServer", K_STR, S(smtp_server), "127.0.0.1:25", 0, 0, 0,
     "host:port of the MTA the worker submits reminders to."},
    {"SmtpStartTLS", K_ENUM, S(smtp_tls), "no", "no try require", 0, 0,
     "STARTTLS towards SmtpServer: no, try (if offered) or require."},
    {"SmtpUser", K_STR, S(smtp_user), "", 0, 0, 0,
     "SMTP AUTH user name; empty means no AUTH."},
    {"SmtpPasswordFile", K_PATH, S(smtp_password_file), "", 0, 0, 0,
     "File holding the SMTP AUTH password (first line)."},
    {"SmtpRetryHours", K_INT, S(smtp_retry_hours), "48", 0, 1, 24 * 30,
     "A message refused with 4xx or cut off is retried with back-off for\n"
     "this long, then recorded as failed and finance is told."},
    {"From", K_STR, S(from), "", 0, 0, 0,
     "From: of reminders, e.g. \"Comptabilité Exemple <compta@example.fr>\"."},
    {"ReplyTo", K_STR, S(reply_to), "", 0, 0, 0,
     "Reply-To: of reminders; client replies come back here."},
    {"FinanceAddress", K_STR, S(finance_address), "", 0, 0, 0,
     "Finance team address: notices, digests, and every message in\n"
     "redirect mode."},
    {"CompanyName", K_STR, S(company_name), "", 0, 0, 0,
     "Company name used in templates and the signature."},
    {"Mode", K_ENUM, S(mode), "redirect", "live redirect dry-run", 0, 0,
     "live: send to clients. redirect: send everything to FinanceAddress,\n"
     "naming the real recipients (the test period before going live).\n"
     "dry-run: send nothing, change nothing, write .eml files to DryRunDir."},
    {"DryRunDir", K_PATH, S(dry_run_dir), "/var/lib/relance/dry-run", 0, 0, 0,
     "Where dry-run mode writes messages."},
    {"Timezone", K_STR, S(timezone), "Europe/Paris", 0, 0, 0,
     "Time zone of the business calendar and SendWindow (tz database name).\n"
     "The milter reads it at start only (SIGUSR1 keeps the old one)."},
    {"SendWindow", K_STR, S(send_window), "09:00-18:00", 0, 0, 0,
     "Local hours during which reminders may be sent, HH:MM-HH:MM."},
    {"MinGapDays", K_INT, S(min_gap_days), "5", 0, 0, 365,
     "Minimum number of days between two reminders to the same client."},
    {"ReplyPauseDays", K_INT, S(reply_pause_days), "7", 0, 0, 365,
     "Business days a human reply pauses the sequence."},
    {"PromiseGraceDays", K_INT, S(promise_grace_days), "3", 0, 0, 365,
     "Days after a promised payment date before reminders resume."},
    {"PromiseDefaultDays", K_INT, S(promise_default_days), "10", 0, 0, 365,
     "Days a promise without a date pauses the sequence."},
    {"ManualContactHoldDays", K_INT, S(manual_contact_hold_days), "7", 0, 0,
     365,
     "Days automatic steps wait after staff wrote to the client themselves."},
    {"ClosureDates", K_STR, S(closure_dates), "", 0, 0, 0,
     "Extra non-business days, YYYY-MM-DD separated by spaces or commas."},
    {"HolidayCalendar", K_ENUM, S(holidays), "france",
     "france alsace-moselle", 0, 0,
     "Public holidays: france, or alsace-moselle (adds Good Friday and\n"
     "26 December)."},
    {"WorkerInterval", K_INT, S(worker_interval), "300", 0, 10, 86400,
     "Seconds between two passes of the worker daemon."},
    {"PdfDir", K_PATH, S(pdf_dir), "", 0, 0, 0,
     "Folder for relative invoice `pdf` paths of the invoices CSV."},
    {"DossierDir", K_PATH, S(dossier_dir), "/var/lib/relance/dossiers", 0, 0,
     0, "Where formal-notice letters and dossiers are written."},
    {"MaxBodyBytes", K_INT, S(max_body_bytes), "262144", 0, 1024,
     64 * 1024 * 1024,
     "The milter reads at most this many body bytes of a message."},
    {"AddHeaders", K_BOOL, S(add_headers), "yes", 0, 0, 0,
     "Add X-Relance-Invoice/-Client/-Intent headers for the finance mailbox."},
    {"SpoolFile", K_PATH, S(spool_file), "/var/lib/relance/milter.spool", 0,
     0, 0,
     "When the database is busy or gone, the milter appends what it learned\n"
     "here; it is applied later, nothing is lost. Read at start only\n"
     "(SIGUSR1 keeps the old file, whose lines are still to replay)."},
    {"BusyTimeoutMs", K_INT, S(busy_timeout_ms), "200", 0, 0, 60000,
     "How long the milter waits for a locked database before spooling."},
    {"InternalDomains", K_STR, S(internal_domains), "", 0, 0, 0,
     "Our staff's mail domains (spaces or commas); mail from them to a client\n"
     "is a manual contact. Empty means the domain of From."},
    {"Digest", K_BOOL, S(digest), "yes", 0, 0, 0,
     "Send FinanceAddress a summary before the first send of each business\n"
     "day: what goes out, what is held back and why."},
    {"SmsCommand", K_STR, S(sms_command), "", 0, 0, 0,
     "Command that sends one SMS (sms steps): split on spaces, run without\n"
     "a shell, the phone number (E.164, +33612345678) added as its last\n"
     "argument, the text on its standard input; exit status 0 = accepted.\n"
     "Killed after 30 seconds. Example: /usr/local/bin/send-sms --to"},
    {"SmsGateway", K_STR, S(sms_gateway), "", 0, 0, 0,
     "Instead of SmsCommand: an email-to-SMS gateway address, %s is the\n"
     "phone number, e.g. %s@sms.example.net; the text goes as an e-mail.\n"
     "Neither set: a due sms step is recorded as failed and finance told."},
};

#define NKEYS (sizeof keys / sizeof keys[0])

static char **
str_field(struct cfg *c, const struct key *k)
{
    return (char **)((char *)c + k->off);
}

static int *
int_field(struct cfg *c, const struct key *k)
{
    return (int *)((char *)c + k->off);
}

static int
enum_index(const char *list, const char *v)
{
    int i = 0;
    const char *p = list;
    size_t vl = strlen(v);
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n == vl && strncmp(p, v, n) == 0)
            return i;
        p += n;
        while (*p == ' ')
            p++;
        i++;
    }
    return -1;
}

const char *
cfg_mode_name(int mode)
{
    static const char *names[] = {"live", "redirect", "dry-run"};
    return mode >= 0 && mode <= 2 ? names[mode] : "?";
}

static char *
resolve_path(const char *dir, const char *v)
{
    if (*v == '\0' || *v == '/' || dir == NULL)
        return xstrdup(v);
    return xasprintf("%s/%s", dir, v);
}

/* set_value parses v for key k; returns NULL or a static error text. */
static const char *
set_value(struct cfg *c, const struct key *k, const char *v, const char *dir)
{
    switch (k->type) {
    case K_STR:
    case K_PATH: {
        char **f = str_field(c, k);
        free(*f);
        *f = k->type == K_PATH ? resolve_path(dir, v) : xstrdup(v);
        return NULL;
    }
    case K_INT: {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno)
            return "is not a whole number";
        if (n < k->min || n > k->max)
            return "is out of range";
        *int_field(c, k) = (int)n;
        return NULL;
    }
    case K_BOOL: {
        bool *f = (bool *)((char *)c + k->off);
        if (enum_index("yes true on 1", v) >= 0)
            *f = true;
        else if (enum_index("no false off 0", v) >= 0)
            *f = false;
        else
            return "must be yes or no";
        return NULL;
    }
    case K_ENUM: {
        int i = enum_index(k->enums, v);
        if (i < 0)
            return "is not one of the allowed values";
        *int_field(c, k) = i;
        return NULL;
    }
    }
    return "bad key type";
}

static int
parse_hhmm(const char *s, int *min)
{
    int h, m;
    char tail;
    if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 ||
        m < 0 || m > 59 || (h == 24 && m != 0))
        return -1;
    *min = h * 60 + m;
    return 0;
}

/* derive parses values that have an inner syntax; NULL or an error. */
static const char *
derive(struct cfg *c)
{
    char a[16], b[16];
    const char *w = c->send_window;
    const char *dash = strchr(w, '-');
    if (dash == NULL || (size_t)(dash - w) >= sizeof a ||
        strlen(dash + 1) >= sizeof b)
        return "SendWindow must look like 09:00-18:00";
    memcpy(a, w, (size_t)(dash - w));
    a[dash - w] = '\0';
    strcpy(b, dash + 1);
    if (parse_hhmm(str_trim(a), &c->send_start_min) < 0 ||
        parse_hhmm(str_trim(b), &c->send_end_min) < 0 ||
        c->send_start_min >= c->send_end_min)
        return "SendWindow must look like 09:00-18:00 (start before end)";
    return NULL;
}

void
cfg_defaults(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++)
        if (set_value(c, &keys[i], keys[i].def, NULL) != NULL)
            abort(); /* the table itself is wrong */
    if (derive(c) != NULL)
        abort();
}

void
cfg_free(struct cfg *c)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == K_STR || keys[i].type == K_PATH) {
            free(*str_field(c, &keys[i]));
            *str_field(c, &keys[i]) = NULL;
        }
    free(c->path);
    c->path = NULL;
}

int
cfg_load(struct cfg *c, const char *path, char *err, size_t errlen)
{
    cfg_defaults(c);
    c->path = xstrdup(path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int seen_line[NKEYS] = {0};
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *p = line;
        if (lineno == 1 && (unsigned char)p[0] == 0xEF &&
            (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
            p += 3;
        str_trim(p);
        if (*p == '\0' || *p == '#')
            continue;
        size_t kl = strcspn(p, " \t");
        char *v = p + kl;
        if (*v)
            *v++ = '\0';
        str_trim(v);
        size_t i;
        for (i = 0; i < NKEYS; i++)
            if (strcasecmp(keys[i].name, p) == 0)
                break;
        if (i == NKEYS) {
            snprintf(err, errlen, "%s:%d: unknown key \"%s\"", path, lineno, p);
            rc = -1;
            break;
        }
        if (seen_line[i]) {
            snprintf(err, errlen, "%s:%d: %s already set on line %d", path,
                     lineno, keys[i].name, seen_line[i]);
            rc = -1;
            break;
        }
        seen_line[i] = lineno;
        const char *e = set_value(c, &keys[i], v, dir);
        if (e) {
            snprintf(err, errlen, "%s:%d: %s \"%s\" %s", path, lineno,
                     keys[i].name, v, e);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    if (rc == 0) {
        const char *e = derive(c);
        if (e) {
            size_t i;
            for (i = 0; i < NKEYS; i++)
                if (strcmp(keys[i].name, "SendWindow") == 0)
                    break;
            snprintf(err, errlen, "%s:%d: %s", path, seen_line[i], e);
            rc = -1;
        }
    }
    free(dir);
    return rc;
}

int
cfg_require(const struct cfg *c, char *err, size_t errlen, ...)
{
    va_list ap;
    va_start(ap, errlen);
    const char *name;
    int rc = 0;
    while ((name = va_arg(ap, const char *)) != NULL) {
        for (size_t i = 0; i < NKEYS; i++) {
            if (strcmp(keys[i].name, name) != 0)
                continue;
            char *v = *str_field((struct cfg *)c, &keys[i]);
            if (v == NULL || *v == '\0') {
                snprintf(err, errlen, "%s: %s is required", c->path, name);
                rc = -1;
            }
        }
        if (rc)
            break;
    }
    va_end(ap);
    return rc;
}

void
cfg_write_sample(FILE *out)
{
    fputs("# relance.conf - configuration of relance-milter, relance-worker "
          "and relancectl.\n"
          "# Generated from the key table in lib/cfg.c (relancectl config "
          "sample).\n"
          "# `Key value` lines; `#` starts a comment; unknown keys are "
          "refused.\n"
          "# Relative paths are taken from this file's folder.\n",
          out);
    for (size_t i = 0; i < NKEYS; i++) {
        fputc('\n', out);
        const char *d = keys[i].doc;
        while (*d) {
            size_t n = strcspn(d, "\n");
            fprintf(out, "# %.*s\n", (int)n, d);
            d += n;
            if (*d)
                d++;
        }
        if (keys[i].type == K_ENUM)
            fprintf(out, "# Values: %s.\n", keys[i].enums);
        if (*keys[i].def)
            fprintf(out, "#%s %s\n", keys[i].name, keys[i].def);
        else
            fprintf(out, "#%s\n", keys[i].name);
    }
}
