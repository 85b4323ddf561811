/*
 * bounce.c - delivery reports: bounces, delays, MDN, ARF; see bounce.h.
 */
#include "bounce.h"
#include "dsn.h"
#include "fold.h"

#include <ctype.h>
#include <stdint.h>
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

/*
 * Is the line at ls the rest of a sentence wrapped from the line [ps, pe)
 * just before it? An address at its start then sits inside explanatory
 * prose ("...so if\n a@b is refused, try c@d"), not at the head of a list
 * item. The line before must be indented as much, not start with an
 * address, and end on a word or a comma: not on what ends a sentence or
 * opens a list.
 */
static bool
wrapped_prose(const char *f, size_t ps, size_t pe, size_t ls, size_t le)
{
    size_t p = ps, l = ls;
    while (p < pe && (f[p] == ' ' || f[p] == '\t'))
        p++;
    while (l < le && (f[l] == ' ' || f[l] == '\t'))
        l++;
    while (pe > p && isspace((unsigned char)f[pe - 1]))
        pe--;
    if (p == pe || p - ps != l - ls)
        return false;
    size_t w = p;
    while (w < pe && !isspace((unsigned char)f[w]))
        w++;
    if (memchr(f + p, '@', w - p))
        return false;
    return isalnum((unsigned char)f[pe - 1]) || f[pe - 1] == ',';
}

static int
score_line(const char *f, size_t ls, size_t le, size_t a, size_t alen,
           const char *prev, bool wrapped)
{
    char line[512];
    size_t n = le - ls < sizeof line - 1 ? le - ls : sizeof line - 1;
    memcpy(line, f + ls, n);
    line[n] = '\0';
    if (has_any(line, not_rcpt_context))
        return -100;
    int score = 0;
    /* The address is the first thing on its line: the head of a list
     * item, or (weak) a sentence wrapped there. */
    size_t i = ls;
    while (i < a && strchr(" \t<>\"'-*:;([", f[i]))
        i++;
    if (i == a)
        score += wrapped ? 1 : 3;
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

/* Where the domain that starts at s[i] ends (before le), trailing dots
 * left out. */
static size_t
domain_end(const char *s, size_t i, size_t le)
{
    size_t e = i;
    while (e < le && (isalnum((unsigned char)s[e]) || s[e] == '.' ||
                      s[e] == '-'))
        e++;
    while (e > i && s[e - 1] == '.')
        e--;
    return e;
}

/*
 * "w@domain" in the folded text s, w[0..wn) being a whole local part (not
 * the tail of a longer one), into out (outlen bytes).
 */
static bool
find_mailbox(const char *s, const char *w, size_t wn, char *out,
             size_t outlen)
{
    char needle[80];
    if (wn + 2 > sizeof needle)
        return false;
    memcpy(needle, w, wn);
    needle[wn] = '@';
    needle[wn + 1] = '\0';
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += wn) {
        if (p > s && addr_char(p[-1]))
            continue;
        size_t e = domain_end(p, wn + 1, SIZE_MAX); /* stops at the NUL */
        if (e == wn + 1 || memchr(p + wn + 1, '.', e - wn - 1) == NULL ||
            e >= outlen)
            continue;
        memcpy(out, p, e);
        out[e] = '\0';
        return true;
    }
    return false;
}

/*
 * Some daemons (AOL, a university's directory) name the failed mailbox
 * without its domain, at the head of the line after "...the
 * following...:", alone or set apart from its reason by a tab or a run
 * of spaces. The domain is the one the returned message gives that
 * mailbox ("for <name@domain>" of its Received line, its To:), else the
 * reporting host's. f: the folded text, the explanation ending at end.
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
        /* Not the first word of a sentence. */
        bool apart = after - p >= 2 || (after > p && *p == '\t');
        if (p == w || p - w > 64 ||
            (after < f + end && *after != '\n' && !apart))
            return false;
        size_t wn = (size_t)(p - w);
        char addr[CLASSIFY_ADDR_MAX];
        char *hdrs = fold_str(m->returned_headers);
        bool named = find_mailbox(f + end, w, wn, addr, sizeof addr) ||
                     find_mailbox(hdrs, w, wn, addr, sizeof addr);
        free(hdrs);
        int k = named ? (int)strlen(addr)
                      : snprintf(addr, sizeof addr, "%.*s%s", (int)wn, w, dom);
        if (k > 0 && (size_t)k < sizeof addr)
            dsn_add_failed(v, addr, (size_t)k);
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
    size_t ls = 0, ps = 0, pe = 0; /* line, line before */
    while (ls < end && nc < MAX_CANDS) {
        const char *nl = memchr(f + ls, '\n', end - ls);
        size_t le = nl ? (size_t)(nl - f) : end;
        bool wrapped = wrapped_prose(f, ps, pe, ls, le);
        for (size_t i = ls; i < le && nc < MAX_CANDS; i++) {
            if (f[i] != '@')
                continue;
            size_t b = i, e = i + 1;
            while (b > ls && addr_char(f[b - 1]))
                b--;
            e = domain_end(f, e, le);
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
                c[nc].score = score_line(f, ls, le, b, e - b, prev, wrapped);
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
        ps = ls;
        pe = le;
        ls = le + 1;
    }
    int best = 0;
    for (int i = 0; i < nc; i++)
        if (c[i].score > best)
            best = c[i].score;
    /* A mailbox listed under a lead-in line beats weak clues. */
    if (best < 3 && bare_local(m, f, end, v))
        nc = best = 0;
    int threshold = best >= 3 ? 3 : best;
    for (int i = 0; i < nc && best > 0; i++)
        if (c[i].score >= threshold)
            dsn_add_failed(v, f + c[i].off, c[i].len);
    if (best <= 0 && nc > 0) {
        /* One address only and no clue: it is the one. */
        bool one = true;
        for (int i = 1; i < nc; i++)
            if (c[i].len != c[0].len ||
                strncmp(f + c[i].off, f + c[0].off, c[0].len) != 0)
                one = false;
        if (one && c[0].score > -100)
            dsn_add_failed(v, f + c[0].off, c[0].len);
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
        enum classify_kind k = dsn_read(m->report, v);
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
