/*
 * classify.c - what is this mail? The order of DESIGN.md section 5; see
 * classify.h. The steps live in bounce.c, autoreply.c and intent.c, the
 * tie to invoices and a client in classify_link.c; this file holds the
 * names, verdicts, rules and sessions, and keeps the order.
 */
#include "classify_int.h"
#include "autoreply.h"
#include "bounce.h"
#include "charset.h"
#include "civil.h"
#include "fold.h"
#include "intent.h"
#include "quote.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
classify_kind_name(enum classify_kind k)
{
    static const char *const names[] = {
        [CLASSIFY_UNRELATED] = "unrelated", [CLASSIFY_REPLY] = "reply",
        [CLASSIFY_AUTOREPLY] = "autoreply", [CLASSIFY_BOUNCE] = "bounce",
        [CLASSIFY_DELAY] = "delay",         [CLASSIFY_REPORT] = "report",
        [CLASSIFY_OUTGOING] = "outgoing",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unrelated";
}

const char *
classify_intent_name(enum classify_intent i)
{
    static const char *const names[] = {
        [INTENT_NONE] = NULL,         [INTENT_OTHER] = "other",
        [INTENT_PROMISE] = "promise", [INTENT_PAID] = "paid",
        [INTENT_DISPUTE] = "dispute",
    };
    return (unsigned)i < sizeof names / sizeof names[0] ? names[i] : NULL;
}

/* ---- verdicts ---- */

void
classify_verdict_init(struct classify_verdict *v)
{
    memset(v, 0, sizeof *v);
}

void
classify_verdict_reset(struct classify_verdict *v)
{
    struct sbuf e = v->evidence, t = v->new_text;
    memset(v, 0, sizeof *v);
    sbuf_reset(&e);
    sbuf_reset(&t);
    v->evidence = e;
    v->new_text = t;
}

void
classify_verdict_free(struct classify_verdict *v)
{
    sbuf_free(&v->evidence);
    sbuf_free(&v->new_text);
    classify_verdict_init(v);
}

void
classify_evidence(struct classify_verdict *v, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
            buf[i] = ' ';
    /* A cut in the middle of a character must not leave bad UTF-8. */
    charset_utf8_clean(buf, len, &v->evidence);
    sbuf_addc(&v->evidence, '\n');
}

/* ---- loading ---- */

static char *
dup_or_empty(const char *s)
{
    char *d = xstrdup(s ? s : "");
    return str_lower(str_trim(d));
}

struct classifier *
classifier_load(const struct classify_conf *conf, char *err, size_t errlen)
{
    struct classifier *c = xcalloc(1, sizeof *c);
    const char *dir = conf->rules_dir ? conf->rules_dir : ".";
    char *path = xasprintf("%s/references", dir);
    int rc = patterns_load(&c->refs, path, NULL, false,
                           PCRE2_CASELESS | PCRE2_UCP, err, errlen);
    free(path);
    if (rc == 0) {
        path = xasprintf("%s/intents", dir);
        rc = patterns_load(&c->intents, path, intent_tags, true,
                           PCRE2_CASELESS, err, errlen);
        free(path);
    }
    if (rc < 0) {
        classifier_free(c);
        return NULL;
    }
    if (conf->key) {
        c->key = *conf->key;
        c->have_key = true;
    }
    c->domain = dup_or_empty(conf->domain);
    c->reply_to = dup_or_empty(conf->reply_to);
    c->finance = dup_or_empty(conf->finance_address);
    c->from = dup_or_empty(conf->from);
    c->internal = dup_or_empty(conf->internal_domains && *conf->internal_domains
                                   ? conf->internal_domains
                                   : conf->domain);
    int k = 0;
    if (*c->reply_to)
        c->ours[k++] = c->reply_to;
    if (*c->finance)
        c->ours[k++] = c->finance;
    if (*c->from)
        c->ours[k++] = c->from;
    c->ours[k] = NULL;
    return c;
}

void
classifier_free(struct classifier *c)
{
    if (c == NULL)
        return;
    patterns_free(&c->refs);
    patterns_free(&c->intents);
    free(c->domain);
    free(c->reply_to);
    free(c->finance);
    free(c->from);
    free(c->internal);
    free(c);
}

struct classify_session *
classify_session_new(const struct classifier *c)
{
    struct classify_session *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->md_refs = patterns_match_data(&c->refs);
    s->md_intents = patterns_match_data(&c->intents);
    return s;
}

void
classify_session_free(struct classify_session *s)
{
    if (s == NULL)
        return;
    pcre2_match_data_free(s->md_refs);
    pcre2_match_data_free(s->md_intents);
    sbuf_free(&s->folded);
    free(s);
}

/* ---- small helpers ---- */

static const char *
domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

/* Is d one of the words of the space/comma separated list? */
static bool
in_list(const char *list, const char *d)
{
    size_t n = strlen(d);
    for (const char *p = list; n && *p;) {
        p += strspn(p, " ,\t");
        size_t k = strcspn(p, " ,\t");
        if (k == n && strncasecmp(p, d, n) == 0)
            return true;
        p += k;
    }
    return false;
}

static bool
ours(const struct classifier *c, const char *addr)
{
    for (int i = 0; c->ours[i]; i++)
        if (strcasecmp(addr, c->ours[i]) == 0)
            return true;
    return false;
}

static int
ref_day(const struct mail *m, const struct classify_envelope *env)
{
    if (m->date_day >= 0)
        return m->date_day;
    if (env && env->received > 0)
        return (int)(env->received / 86400);
    return -1;
}

/* ---- the decision ---- */

static bool
internal_sender(const struct classifier *c, const struct mail *m)
{
    return *m->from_addr && !ours(c, m->from_addr) &&
           in_list(c->internal, domain_of(m->from_addr));
}

/* The first recipient that is a client's address. */
static bool
client_recipient(const struct mail *m, const struct classify_envelope *env,
                 const struct classify_lookup *lk, char *client, char *addr)
{
    for (int i = 0; env && i < env->nrcpts; i++)
        if (cls_lookup_client(lk, env->rcpts[i], client)) {
            snprintf(addr, CLASSIFY_ADDR_MAX, "%s", env->rcpts[i]);
            return true;
        }
    for (int i = 0; i < m->nrcpts; i++)
        if (cls_lookup_client(lk, m->rcpts[i], client)) {
            snprintf(addr, CLASSIFY_ADDR_MAX, "%s", m->rcpts[i]);
            return true;
        }
    return false;
}

static bool
to_us(const struct classifier *c, const struct mail *m,
      const struct classify_envelope *env)
{
    for (int i = 0; env && i < env->nrcpts; i++)
        if (ours(c, env->rcpts[i]))
            return true;
    for (int i = 0; i < m->nrcpts; i++)
        if (ours(c, m->rcpts[i]))
            return true;
    return false;
}

bool
classify_headers_only(struct classify_session *s, const struct mail *m,
                      const struct classify_envelope *env,
                      const struct classify_lookup *lk,
                      struct classify_verdict *v)
{
    const struct classifier *c = s->c;
    classify_verdict_reset(v);
    if (cls_scan_token(c, m->message_id, v) == 1) {
        v->kind = CLASSIFY_OUTGOING;
        classify_evidence(v, "our own token %s in Message-ID: a reminder "
                             "leaving", v->token);
        return false;
    }
    char client[CLASSIFY_ID_MAX], addr[CLASSIFY_ADDR_MAX];
    if (cls_has_token_shape(m->in_reply_to) ||
        cls_has_token_shape(m->references) || bounce_maybe(m, env) ||
        to_us(c, m, env) || cls_lookup_client(lk, m->from_addr, client) ||
        (internal_sender(c, m) && client_recipient(m, env, lk, client, addr))) {
        classify_verdict_reset(v);
        return true;
    }
    v->kind = CLASSIFY_UNRELATED;
    classify_evidence(v, "no token of ours, sender not a client, not to our "
                         "addresses, not a delivery report: body not read");
    return false;
}

/*
 * Fold the part of the new text the intents read into the session
 * buffer: its first CLASSIFY_INTENT_SCAN_MAX bytes, never cutting a UTF-8
 * sequence (folding never lengthens text). Returns how many bytes of new
 * text were left out.
 */
static size_t
fold_new_text(struct classify_session *s, const struct classify_verdict *v)
{
    const char *t = sbuf_cstr(&v->new_text);
    size_t n = v->new_text.len;
    if (n > CLASSIFY_INTENT_SCAN_MAX) {
        n = CLASSIFY_INTENT_SCAN_MAX;
        while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
            n--;
    }
    sbuf_reset(&s->folded);
    fold_text(t, n, &s->folded);
    return v->new_text.len - n;
}

void
classify_message(struct classify_session *s, const struct mail *m,
                 const struct classify_envelope *env,
                 const struct classify_lookup *lk, struct classify_verdict *v)
{
    const struct classifier *c = s->c;
    classify_verdict_reset(v);
    int ref = ref_day(m, env);
    /* 1. Ours, leaving. */
    if (cls_scan_token(c, m->message_id, v) == 1) {
        v->kind = CLASSIFY_OUTGOING;
        classify_evidence(v, "our own token %s in Message-ID: a reminder "
                             "leaving", v->token);
        return;
    }
    v->token[0] = '\0';
    /* 2. Delivery reports. */
    if (m->body_read && bounce_detect(m, env, c->ours, v)) {
        char buf[TOKEN_LEN + 1];
        if (c->have_key && *m->returned_headers &&
            token_scan(&c->key, m->returned_headers, buf) == 1) {
            memcpy(v->token, buf, sizeof buf);
            classify_evidence(v, "the returned message is ours (token %s)",
                              v->token);
            cls_token_link(lk, v);
        }
        char client[CLASSIFY_ID_MAX];
        if (v->nfailed && !*v->client_id &&
            cls_lookup_client(lk, v->failed_recipients[0], client))
            snprintf(v->client_id, sizeof v->client_id, "%s", client);
        return;
    }
    /* 3. Automatic replies. */
    if (autoreply_headers(m, v)) {
        v->kind = CLASSIFY_AUTOREPLY;
        cls_link_invoices(s, m, lk, v, false);
        if (m->body_read) {
            sbuf_reset(&s->folded);
            fold_text(m->text, strlen(m->text), &s->folded);
            int d = autoreply_return_date(sbuf_cstr(&s->folded),
                                          s->folded.len, ref, v);
            if (d >= 0)
                civil_format_iso(d, v->until);
        }
        return;
    }
    /* 4. New text, invoices, client. */
    if (m->body_read) {
        if (m->text_from_html)
            classify_evidence(v, "HTML-only body read as text (quote "
                                 "containers dropped)");
        const char *why = quote_strip(m->text, strlen(m->text), &v->new_text);
        if (why)
            classify_evidence(v, "quoted text removed from the %s (%s)",
                              m->text_from_html ? "HTML body" : "body", why);
    }
    char client[CLASSIFY_ID_MAX], addr[CLASSIFY_ADDR_MAX];
    if (internal_sender(c, m) && client_recipient(m, env, lk, client, addr)) {
        /* Staff writing to a client: a manual contact. */
        v->kind = CLASSIFY_OUTGOING;
        snprintf(v->client_id, sizeof v->client_id, "%s", client);
        classify_evidence(v, "staff mail from %s to %s, a contact of client "
                          "%s: manual contact", m->from_addr, addr, client);
        struct cls_found f = {.n = 0};
        cls_find_numbers(s, m->subject, "Subject", lk, &f, v);
        cls_find_numbers(s, sbuf_cstr(&v->new_text), "new text", lk, &f, v);
        cls_settle_numbers(&f, client, "the recipient's client", v);
        return;
    }
    cls_link_invoices(s, m, lk, v, m->body_read);
    if (!*v->token && !*v->client_id && v->ninvoices == 0) {
        v->kind = CLASSIFY_UNRELATED;
        classify_evidence(v, "human mail, but no token of ours, no confirmed "
                             "invoice and the sender is not a client");
        return;
    }
    /* 5. What the person says. */
    v->kind = CLASSIFY_REPLY;
    size_t left = fold_new_text(s, v);
    size_t n = s->folded.len;
    if (left)
        classify_evidence(v, "intent read on the first %zu of %zu bytes of "
                             "new text", v->new_text.len - left,
                          v->new_text.len);
    intent_find(&c->intents, s->md_intents, sbuf_cstr(&s->folded), n,
                charset_utf8_valid(s->folded.s ? s->folded.s : "", n), ref, v);
}
