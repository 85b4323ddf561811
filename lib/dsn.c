/*
 * dsn.c - the fields of an RFC 3464 delivery-status report, and the list
 * of failed recipients every bounce reader fills; see dsn.h.
 */
#include "dsn.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void
dsn_add_failed(struct classify_verdict *v, const char *a, size_t n)
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

enum classify_kind
dsn_read(const char *report, struct classify_verdict *v)
{
    struct sbuf norm = {0};
    /* Normalise line ends, make white-space-only lines blank (they
     * separate blocks) and unfold continuation lines. */
    for (const char *p = report; *p;) {
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
            dsn_add_failed(v, a, n);
        } else if (delay) {
            delayed++;
            dsn_add_failed(&delays, a, n);
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
            dsn_add_failed(v, delays.failed_recipients[i],
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
