/*
 * bounce.c - delivery reports: bounces, delays, MDN, ARF; see bounce.h.
 */
#include "bounce.h"
#include "fold.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
has_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strstr(s, *words))
            return true;
    return false;
}

static const char *const machine_locals[] = {
    "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon",
    "mail.daemon", "bounce", "bounces", NULL,
};

/* Subject words of delivery reports (folded). */
static const char *const bounce_subjects[] = {
    "undeliver", "delivery fail", "delivery status notification",
    "failure notice", "returned mail", "mail delivery", "delivery problem",
    "non remis", "non distribuable", "echec de la remise", "echec de remise",
    "impossible de remettre", "mail system error", "could not send",
    "delivery delayed", "delayed mail", "delivery warning", "message not delivered",
    "failed mail", "nondeliverable", "non-deliverable", "returned to sender",
    "delivery notification", "delivery failure", "delivery report",
    "not delivered", "warning: message", "mail delivery warning",
    "unzustellbar", "remise differee", "could not be delivered",
    "mail failed", "returning to sender", "non-delivery", NULL,
};

/* Failure wording in a report's text (folded). */
static const char *const failure_words[] = {
    "could not be delivered", "couldn't be delivered", "was not delivered",
    "not be delivered", "undeliverable", "delivery failed", "has failed",
    "permanent fatal", "permanent error", "permanently", "user unknown",
    "unknown user", "no such user", "does not exist", "mailbox unavailable",
    "mailbox not found", "recipient rejected", "unable to deliver",
    "did not reach", "returned to sender", "message not delivered",
    "n'a pas pu etre remis", "non remis", "impossible de remettre",
    "adresse inconnue", "destinataire inconnu", "n'existe pas",
    "wasn't able to deliver", "not delivered", "delivery to the following",
    "has been delayed", "not yet been delivered", "could not deliver",
    "unable to be delivered", "failed recipient", "recipient unknown",
    "addressee unknown", "did not receive", "quota", "not found",
    "is not a valid", "message could not", "unrouteable", "unknown recipient",
    "not reachable", "rejected", "fatal error", "delivery has failed",
    "no mailbox", "invalid recipient", "account", "mailbox",
    "has been returned", "encountered an error", "failed addresses",
    "unknown host", "cannot be delivered", "did not match", "did not exactly match",
    "no matches", NULL,
};

/* Wording of a temporary failure (folded). */
static const char *const delay_words[] = {
    "delayed", "has not yet been delivered", "not yet been delivered",
    "will continue to", "will be retried", "will retry", "still trying",
    "warning message only", "just a warning", "this is a warning",
    "advisory", "postponed", "attempts will continue", "remise differee",
    "nouvelle tentative", "will keep trying", NULL,
};

static const char *const permanent_words[] = {
    "permanent", "giving up", "gave up", "removed from the mail queue",
    "fatal", NULL,
};

static bool
machine_sender(const struct mail *m, const struct classify_envelope *env)
{
    if (env && env->mail_from && env->mail_from[0] == '\0')
        return true;
    const char *rp = mail_header(m, "Return-Path");
    if (rp && strstr(rp, "<>"))
        return true;
    const char *from = mail_header(m, "From");
    if (from && strstr(from, "<>"))
        return true;
    const char *at = strchr(m->from_addr, '@');
    size_t n = at ? (size_t)(at - m->from_addr) : 0;
    for (const char *const *w = machine_locals; *w; w++)
        if (strlen(*w) == n && strncmp(m->from_addr, *w, n) == 0)
            return true;
    char *name = fold_str(m->from_name);
    bool daemon = strstr(name, "mail delivery") || strstr(name, "mailer-daemon") ||
                  strstr(name, "postmaster") || strstr(name, "mail administrator");
    free(name);
    return daemon;
}

static bool
bounce_subject(const struct mail *m)
{
    char *s = fold_str(m->subject);
    bool yes = has_any(s, bounce_subjects);
    free(s);
    return yes;
}

bool
bounce_maybe(const struct mail *m, const struct classify_envelope *env)
{
    return machine_sender(m, env) || bounce_subject(m) ||
           strncasecmp(m->content_type, "multipart/report", 16) == 0;
}

/* ---- failed recipients ---- */

static bool
excluded(const char *addr, const struct mail *m, const char *const *ours)
{
    const char *at = strchr(addr, '@');
    size_t n = at ? (size_t)(at - addr) : 0;
    for (const char *const *w = machine_locals; *w; w++)
        if (strlen(*w) == n && strncmp(addr, *w, n) == 0)
            return true;
    if (strcmp(addr, m->from_addr) == 0)
        return true;
    for (int i = 0; i < m->nrcpts; i++)
        if (strcmp(addr, m->rcpts[i]) == 0)
            return true;
    for (; ours && *ours; ours++)
        if (strcasecmp(addr, *ours) == 0)
            return true;
    return false;
}

static void
add_failed(struct classify_verdict *v, const char *a, size_t n)
{
    while (n && (a[n - 1] == '.' || a[n - 1] == '>'))
        n--;
    if (n == 0 || n >= CLASSIFY_ADDR_MAX || memchr(a, '@', n) == NULL)
        return;
    char buf[CLASSIFY_ADDR_MAX];
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)a[i]);
    buf[n] = '\0';
    for (int i = 0; i < v->nfailed; i++)
        if (strcmp(v->failed_recipients[i], buf) == 0)
            return;
    if (v->nfailed < CLASSIFY_MAX_FAILED)
        memcpy(v->failed_recipients[v->nfailed++], buf, n + 1);
}

/* ---- RFC 3464 ---- */

/* The address of "rfc822; a@b" (or a bare address), into a/n. */
static bool
dsn_addr(const char *val, const char **a, size_t *n)
{
    const char *semi = strchr(val, ';');
    const char *p = semi ? semi + 1 : val;
    while (*p == ' ' || *p == '\t' || *p == '<')
        p++;
    size_t k = strcspn(p, " \t\r\n>;");
    if (k == 0 || memchr(p, '@', k) == NULL)
        return false;
    *a = p;
    *n = k;
    return true;
}

/* One per-recipient block: fields up to a blank line. */
struct dsn_rcpt {
    const char *final, *orig;
    size_t nfinal, norig;
    char action[16];
    char status;
};

static const char *
dsn_block(const char *p, struct dsn_rcpt *r)
{
    memset(r, 0, sizeof *r);
    while (*p && *p != '\n') {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (colon) {
            size_t nlen = (size_t)(colon - p);
            const char *val = colon + 1;
            while (*val == ' ' || *val == '\t')
                val++;
            if (nlen == 15 && strncasecmp(p, "Final-Recipient", 15) == 0)
                dsn_addr(val, &r->final, &r->nfinal);
            else if (nlen == 18 && strncasecmp(p, "Original-Recipient", 18) == 0)
                dsn_addr(val, &r->orig, &r->norig);
            else if (nlen == 6 && strncasecmp(p, "Action", 6) == 0) {
                size_t k = 0;
                while (k < sizeof r->action - 1 && isalpha((unsigned char)val[k]))
                    r->action[k] = (char)tolower((unsigned char)val[k]), k++;
                r->action[k] = '\0';
            } else if (nlen == 6 && strncasecmp(p, "Status", 6) == 0)
                r->status = *val;
        }
        p = eol ? eol + 1 : p + len;
    }
    while (*p == '\n')
        p++;
    return p;
}

/* Returns the kind found in the report, or CLASSIFY_UNRELATED. */
static enum classify_kind
dsn_read(const struct mail *m, struct classify_verdict *v)
{
    struct sbuf norm = {0};
    /* Normalise line ends, make white-space-only lines blank (they
     * separate blocks) and unfold continuation lines. */
    for (const char *p = m->report; *p;) {
        const char *eol = p + strcspn(p, "\n");
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q == eol)
            sbuf_addc(&norm, '\n');
        else {
            if (p != q && norm.len && norm.s[norm.len - 1] == '\n' &&
                !(norm.len >= 2 && norm.s[norm.len - 2] == '\n'))
                norm.s[--norm.len] = '\0'; /* continuation */
            for (const char *c = p; c < eol; c++)
                if (*c != '\r')
                    sbuf_addc(&norm, *c);
            sbuf_addc(&norm, '\n');
        }
        p = *eol ? eol + 1 : eol;
    }
    int failed = 0, delayed = 0, other = 0;
    struct classify_verdict delays;
    classify_verdict_init(&delays);
    for (const char *p = sbuf_cstr(&norm); *p;) {
        struct dsn_rcpt r;
        p = dsn_block(p, &r);
        if (!r.final && !r.orig)
            continue;
        const char *a = r.orig ? r.orig : r.final;
        size_t n = r.orig ? r.norig : r.nfinal;
        bool fail = strncmp(r.action, "fail", 4) == 0 ||
                    (r.action[0] == '\0' && r.status == '5');
        bool delay = !fail && (strcmp(r.action, "delayed") == 0 ||
                               (r.action[0] == '\0' && r.status == '4'));
        if (fail) {
            failed++;
            add_failed(v, a, n);
        } else if (delay) {
            delayed++;
            add_failed(&delays, a, n);
        } else {
            other++;
        }
    }
    sbuf_free(&norm);
    enum classify_kind k = CLASSIFY_UNRELATED;
    if (failed) {
        k = CLASSIFY_BOUNCE;
        classify_evidence(v, "RFC 3464 delivery-status report: %d recipient(s) "
                          "failed (Action: failed / Status 5.x.x)", failed);
    } else if (delayed) {
        k = CLASSIFY_DELAY;
        for (int i = 0; i < delays.nfailed; i++)
            add_failed(v, delays.failed_recipients[i],
                       strlen(delays.failed_recipients[i]));
        classify_evidence(v, "RFC 3464 delivery-status report: %d recipient(s) "
                          "delayed (Action: delayed / Status 4.x.x)", delayed);
    } else if (other) {
        k = CLASSIFY_REPORT;
        classify_evidence(v, "RFC 3464 delivery-status report without failure "
                          "(delivered, relayed or expanded)");
    }
    classify_verdict_free(&delays);
    return k;
}

/* ---- free text ---- */

/* Where the returned message starts in a folded explanation text. */
static size_t
explanation_end(const char *f)
{
    static const char *const markers[] = {
        "original message follows", "below this line is a copy",
        "this is a copy of the message", "copy of the original message",
        "unsent message below", "returned message", "original message as received",
        "message header follows", "message headers follow",
        "the original message headers", "first 50 lines of your original",
        "original message -----", "--- original message", "text of the message",
        "following is a copy", "headers of the original message",
        "----- transcript of session follows", NULL,
    };
    size_t end = strlen(f);
    for (const char *const *w = markers; *w; w++) {
        const char *p = strstr(f, *w);
        if (p && (size_t)(p - f) < end)
            end = (size_t)(p - f);
    }
    /* Inline headers of the returned message at the start of a line. */
    static const char *const heads[] = {"\nreturn-path:", "\nreceived: from",
                                        "\n>return-path:", "\n> received:",
                                        "\ncontent-type: message/rfc822",
                                        "\ncontent-type: text/rfc822-headers",
                                        NULL};
    for (const char *const *w = heads; *w; w++) {
        const char *p = strstr(f, *w);
        if (p && (size_t)(p - f) < end)
            end = (size_t)(p - f);
    }
    return end;
}

/* Characters of a local part as bounces write them; '=', '/' and quotes
 * are left out: they glue X.400 or log syntax ("SMTP=a@b") to it. */
static bool
addr_char(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("._%+-!#$&*^`{|}~", c));
}

/* Context words that make an address a sender or header, not a failed
 * recipient. */
static const char *const not_rcpt_context[] = {
    "mail from", "from:", "reply to", "reply-to", "sender", "envelope-from",
    "return-path", "message-id", "reporting-mta", "received", "errors-to",
    "please contact", "postmaster", "contact the", NULL,
};

static const char *const rcpt_lead[] = {
    "following address", "following recipient", "recipient", "destinataire",
    "to the following", "addresses", "address(es)", "not delivered to",
    "following user", "did not receive", "your message to", "delivery to",
    "to:", "undeliverable to", "address", NULL,
};

struct cand {
    size_t off, len;
    int score;
};

#define MAX_CANDS 64

static bool
memmem_s(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(h + i, needle, k) == 0)
            return true;
    return false;
}

static int
score_line(const char *f, size_t ls, size_t le, size_t a, size_t alen,
           const char *prev)
{
    char line[512];
    size_t n = le - ls < sizeof line - 1 ? le - ls : sizeof line - 1;
    memcpy(line, f + ls, n);
    line[n] = '\0';
    if (has_any(line, not_rcpt_context))
        return -100;
    int score = 0;
    /* The address is the first thing on its line. */
    size_t i = ls;
    while (i < a && strchr(" \t<>\"'-*:;([", f[i]))
        i++;
    if (i == a)
        score += 3;
    if (has_any(line, failure_words) || strstr(line, "rcpt to") ||
        strstr(line, " 550") || strstr(line, " 553") || strstr(line, " 554") ||
        strstr(line, "5.1.1") || strstr(line, " 552"))
        score += 3;
    if (prev && has_any(prev, rcpt_lead))
        score += 2;
    /* Exim's "(generated from a@b)", sendmail's "(expanded from: a@b)". */
    if (a >= ls + 15 && (memmem_s(f + a - 15, 15, "generated from") ||
                         memmem_s(f + a - 15, 15, "expanded from")))
        score += 3;
    /* "<addr>:" (Postfix, qmail) */
    if (a > ls && f[a - 1] == '<' && a + alen + 1 < le + 1 &&
        f[a + alen] == '>' && a + alen + 1 < le && f[a + alen + 1] == ':')
        score += 2;
    return score;
}

/*
 * Some daemons (AOL) name the failed mailbox without its domain, on the
 * line after "...the following recipients...:": it is then a mailbox of
 * the reporting domain.
 */
static bool
bare_local(const struct mail *m, const char *f, size_t end,
           struct classify_verdict *v)
{
    const char *dom = strchr(m->from_addr, '@');
    if (dom == NULL)
        return false;
    for (const char *p = f; p < f + end;) {
        const char *nl = memchr(p, '\n', (size_t)(f + end - p));
        const char *le = nl ? nl : f + end;
        const char *t = le;
        while (t > p && isspace((unsigned char)t[-1]))
            t--;
        char line[256];
        size_t n = (size_t)(t - p) < sizeof line - 1 ? (size_t)(t - p)
                                                      : sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : f + end;
        if (n == 0 || line[n - 1] != ':' || !strstr(line, "following"))
            continue;
        while (p < f + end && isspace((unsigned char)*p))
            p++;
        const char *w = p;
        while (p < f + end && (isalnum((unsigned char)*p) || *p == '.' ||
                               *p == '_' || *p == '-'))
            p++;
        const char *after = p;
        while (after < f + end && (*after == ' ' || *after == '\t'))
            after++;
        /* The word alone on its line, not the start of a sentence. */
        if (p == w || p - w > 64 || (after < f + end && *after != '\n'))
            return false;
        char addr[CLASSIFY_ADDR_MAX];
        int k = snprintf(addr, sizeof addr, "%.*s%s", (int)(p - w), w, dom);
        if (k > 0 && (size_t)k < sizeof addr)
            add_failed(v, addr, (size_t)k);
        return v->nfailed > 0;
    }
    return false;
}

static void
free_text_rcpts(const struct mail *m, const char *const *ours,
                struct classify_verdict *v)
{
    char *f = fold_str(m->text);
    size_t end = explanation_end(f);
    struct cand c[MAX_CANDS];
    int nc = 0;
    char prev[512] = "";
    size_t ls = 0;
    while (ls < end && nc < MAX_CANDS) {
        const char *nl = memchr(f + ls, '\n', end - ls);
        size_t le = nl ? (size_t)(nl - f) : end;
        for (size_t i = ls; i < le && nc < MAX_CANDS; i++) {
            if (f[i] != '@')
                continue;
            size_t b = i, e = i + 1;
            while (b > ls && addr_char(f[b - 1]))
                b--;
            while (e < le && (isalnum((unsigned char)f[e]) || f[e] == '.' ||
                              f[e] == '-'))
                e++;
            while (e > i + 1 && f[e - 1] == '.')
                e--;
            if (b == i || memchr(f + i, '.', e - i) == NULL) {
                i = e;
                continue;
            }
            char addr[CLASSIFY_ADDR_MAX];
            size_t alen = e - b < sizeof addr - 1 ? e - b : sizeof addr - 1;
            memcpy(addr, f + b, alen);
            addr[alen] = '\0';
            if (!excluded(addr, m, ours)) {
                c[nc].off = b;
                c[nc].len = e - b;
                c[nc].score = score_line(f, ls, le, b, e - b, prev);
                /* "final@x (expanded from: orig@y)": we wrote to orig. */
                size_t back = b > 30 ? b - 30 : 0;
                if (nc > 0 && memmem_s(f + back, b - back, "expanded from")) {
                    if (c[nc - 1].score > c[nc].score)
                        c[nc].score = c[nc - 1].score;
                    c[nc - 1].score = -100;
                }
                nc++;
            }
            i = e;
        }
        /* Remember the last non-blank line for the next one. */
        size_t k = 0;
        for (size_t j = ls; j < le && k < sizeof prev - 1; j++)
            if (!isspace((unsigned char)f[j]) || k)
                prev[k++] = f[j];
        if (k) {
            prev[k] = '\0';
            /* Only a lead-in line counts for the next line. */
            if (prev[k - 1] != ':' && !strstr(prev, "following"))
                prev[0] = '\0';
        }
        ls = le + 1;
    }
    int best = 0;
    for (int i = 0; i < nc; i++)
        if (c[i].score > best)
            best = c[i].score;
    int threshold = best >= 3 ? 3 : best;
    for (int i = 0; i < nc && best > 0; i++)
        if (c[i].score >= threshold)
            add_failed(v, f + c[i].off, c[i].len);
    if (best <= 0 && bare_local(m, f, end, v))
        nc = 0; /* "screenname" under a lead-in line: done */
    if (best <= 0 && nc > 0) {
        /* One address only and no clue: it is the one. */
        bool one = true;
        for (int i = 1; i < nc; i++)
            if (c[i].len != c[0].len ||
                strncmp(f + c[i].off, f + c[0].off, c[0].len) != 0)
                one = false;
        if (one && c[0].score > -100)
            add_failed(v, f + c[0].off, c[0].len);
    }
    free(f);
}

bool
bounce_detect(const struct mail *m, const struct classify_envelope *env,
              const char *const *ours, struct classify_verdict *v)
{
    if (strcmp(m->report_type, "disposition-notification") == 0) {
        v->kind = CLASSIFY_REPORT;
        classify_evidence(v, "read receipt (MDN, report-type="
                             "disposition-notification)");
        return true;
    }
    if (strcmp(m->report_type, "feedback-report") == 0) {
        v->kind = CLASSIFY_REPORT;
        classify_evidence(v, "abuse report (ARF, report-type=feedback-report)");
        return true;
    }
    if (strcmp(m->report_type, "delivery-status") == 0 && *m->report) {
        enum classify_kind k = dsn_read(m, v);
        if (k != CLASSIFY_UNRELATED) {
            v->kind = k;
            if (v->nfailed == 0 && k != CLASSIFY_REPORT)
                free_text_rcpts(m, ours, v);
            return true;
        }
    }
    bool machine = machine_sender(m, env), subject = bounce_subject(m);
    bool dsn = strcmp(m->report_type, "delivery-status") == 0;
    if (!machine && !subject && !dsn)
        return false;
    char *f = fold_str(m->text);
    char *s = fold_str(m->subject);
    size_t end = explanation_end(f);
    char saved = f[end];
    f[end] = '\0';
    bool failure = has_any(f, failure_words);
    bool delay = has_any(s, delay_words) ||
                 (has_any(f, delay_words) && !has_any(f, permanent_words));
    f[end] = saved;
    free(f);
    free(s);
    /* A mailer daemon returning a message is a bounce in any language. */
    bool returned = machine && *m->returned_headers;
    if (!(dsn || returned || (failure && (machine || subject)) ||
          (machine && subject)))
        return false;
    v->kind = delay ? CLASSIFY_DELAY : CLASSIFY_BOUNCE;
    classify_evidence(v, "%s delivery report from %s%s%s",
                      delay ? "delayed-delivery" : "failed-delivery",
                      machine ? "a mailer daemon" : "a sender",
                      subject ? " with a bounce subject" : "",
                      failure ? " and failure wording" : "");
    free_text_rcpts(m, ours, v);
    if (v->nfailed == 0)
        classify_evidence(v, "no failed recipient could be read from the text");
    return true;
}
