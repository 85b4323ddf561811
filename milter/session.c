/*
 * session.c - one milter connection: envelope, headers, body, the
 * classifier's verdict turned into a decision; see session.h.
 *
 * Called only through relance-milter.c's callbacks (and tests); uses the
 * current generation of engine.h for rules, lookups and acting.
 */
#include "session.h"
#include "act.h"
#include "civil.h"
#include "classify.h"
#include "db.h"
#include "engine.h"
#include "log.h"
#include "mailread.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RCPTS 64
#define MEMO_MAX 8

/* One answer of client_of_address, kept for the rest of the message. */
struct memo {
    char addr[CLASSIFY_ADDR_MAX];
    char client[CLASSIFY_ID_MAX];
    bool found;
};

const char *const session_header_names[SESSION_NHDRS] = {
    "X-Relance-Invoice",
    "X-Relance-Client",
    "X-Relance-Intent",
};

struct session {
    /* Connection-wide. */
    struct engine_gen *cs_gen; /* generation cs was built for (ref) */
    struct classify_session *cs;
    struct mail m;
    struct classify_verdict v;
    struct sbuf body;

    /* Per message. */
    struct engine_gen *gen; /* referenced from MAIL to the end */
    bool submission;        /* {auth_authen} or ORIGINATING */
    char *mail_from;
    char *rcpts[MAX_RCPTS];
    int nrcpts;
    int nforged[SESSION_NHDRS];
    bool forged;
    bool final_at_eoh; /* verdict known, body not needed */
    char queue_id[32];
    /* The header pass and the body pass (and the decision) ask about the
     * same sender and recipients: each question is a turn on the shared
     * database connection, so the answers are kept for the message. */
    struct classify_lookup inner;
    struct memo memo[MEMO_MAX];
    int nmemo;
};

struct session *
session_new(void)
{
    struct session *s = xcalloc(1, sizeof *s);
    mail_init(&s->m);
    classify_verdict_init(&s->v);
    return s;
}

static void
message_end(struct session *s)
{
    engine_release(s->gen);
    s->gen = NULL;
    free(s->mail_from);
    s->mail_from = NULL;
    for (int i = 0; i < s->nrcpts; i++)
        free(s->rcpts[i]);
    s->nrcpts = 0;
    memset(s->nforged, 0, sizeof s->nforged);
    s->forged = false;
    s->final_at_eoh = false;
    s->submission = false;
    s->queue_id[0] = '\0';
    s->nmemo = 0;
    sbuf_reset(&s->body);
}

void
session_free(struct session *s)
{
    if (s == NULL)
        return;
    message_end(s);
    classify_session_free(s->cs);
    engine_release(s->cs_gen);
    mail_free(&s->m);
    classify_verdict_free(&s->v);
    sbuf_free(&s->body);
    free(s);
}

/* addr_copy: an address without <> and surrounding blanks, lowercased. */
static char *
addr_copy(const char *a)
{
    if (a == NULL)
        return xstrdup("");
    while (*a == ' ' || *a == '<')
        a++;
    size_t n = strcspn(a, "> ");
    return str_lower(xstrndup(a, n));
}

enum session_verdict
session_mail(struct session *s, const char *from, const char *daemon_name,
             const char *auth_authen)
{
    message_end(s);
    s->gen = engine_acquire();
    if (s->cs_gen != s->gen) {
        classify_session_free(s->cs);
        engine_release(s->cs_gen);
        s->cs_gen = engine_acquire();
        s->cs = classify_session_new(s->cs_gen->cls);
    }
    mail_reset(&s->m);
    s->mail_from = addr_copy(from);
    s->submission = (auth_authen && *auth_authen) ||
                    (daemon_name && str_iequal(daemon_name, "ORIGINATING"));
    return SESSION_CONTINUE;
}

enum session_verdict
session_rcpt(struct session *s, const char *rcpt)
{
    if (s->nrcpts < MAX_RCPTS)
        s->rcpts[s->nrcpts++] = addr_copy(rcpt);
    return SESSION_CONTINUE;
}

enum session_verdict
session_header(struct session *s, const char *name, const char *value)
{
    for (int i = 0; i < SESSION_NHDRS; i++) {
        if (str_iequal(name, session_header_names[i])) {
            s->nforged[i]++;
            s->forged = true;
        }
    }
    mail_add_header(&s->m, name, value ? value : "");
    return SESSION_CONTINUE;
}

static bool
memo_client(void *ctx, const char *address, char *client_out)
{
    struct session *s = ctx;
    for (int i = 0; i < s->nmemo; i++)
        if (strcmp(s->memo[i].addr, address) == 0) {
            memcpy(client_out, s->memo[i].client, CLASSIFY_ID_MAX);
            return s->memo[i].found;
        }
    bool found = s->inner.client_of_address(s->inner.ctx, address, client_out);
    if (s->nmemo < MEMO_MAX && strlen(address) < CLASSIFY_ADDR_MAX) {
        struct memo *m = &s->memo[s->nmemo++];
        memcpy(m->addr, address, strlen(address) + 1);
        snprintf(m->client, sizeof m->client, "%s", found ? client_out : "");
        m->found = found;
    }
    return found;
}

static bool
memo_invoice(void *ctx, const char *number, char *client_out)
{
    struct session *s = ctx;
    return s->inner.invoice_exists(s->inner.ctx, number, client_out);
}

static int
memo_token(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
           int max, char *client_out)
{
    struct session *s = ctx;
    return s->inner.token_invoices(s->inner.ctx, token, numbers, max,
                                   client_out);
}

/* The engine's lookups, with client_of_address remembered per message. */
static void
session_lookup(struct session *s, struct classify_lookup *lk)
{
    engine_lookup(s->gen, &s->inner);
    lk->ctx = s;
    lk->invoice_exists = memo_invoice;
    lk->client_of_address = memo_client;
    lk->token_invoices = memo_token;
}

static void
envelope(struct session *s, struct classify_envelope *env)
{
    env->mail_from = s->mail_from;
    env->rcpts = (const char *const *)s->rcpts;
    env->nrcpts = s->nrcpts;
    env->received = clock_now(); /* relative dates without a Date header */
}

/* client_rcpt: the first envelope recipient that is a client's address. */
static bool
client_rcpt(struct session *s, const struct classify_lookup *lk)
{
    char client[CLASSIFY_ID_MAX];
    for (int i = 0; i < s->nrcpts; i++)
        if (lk->client_of_address(lk->ctx, s->rcpts[i], client))
            return true;
    return false;
}

static int
act_intent_of(enum classify_intent i)
{
    switch (i) {
    case INTENT_OTHER:
        return ACT_INTENT_OTHER;
    case INTENT_PROMISE:
        return ACT_INTENT_PROMISE;
    case INTENT_PAID:
        return ACT_INTENT_PAID;
    case INTENT_DISPUTE:
        return ACT_INTENT_DISPUTE;
    default:
        return ACT_INTENT_NONE;
    }
}

/* decision_kind: the act kind of the verdict, or -1 if nothing to do. A
 * submission (staff authenticated, or the ORIGINATING service) to a
 * client is a manual contact whatever the classifier made of it. */
static int
decision_kind(struct session *s, const struct classify_lookup *lk)
{
    const struct classify_verdict *v = &s->v;
    if (v->kind == CLASSIFY_OUTGOING)
        return *v->token ? ACT_HANDOFF : ACT_MANUAL;
    if (s->submission &&
        (v->kind == CLASSIFY_REPLY || v->kind == CLASSIFY_UNRELATED) &&
        client_rcpt(s, lk))
        return ACT_MANUAL;
    switch (v->kind) {
    case CLASSIFY_REPLY:
        return ACT_REPLY;
    case CLASSIFY_AUTOREPLY:
        return ACT_AUTOREPLY;
    case CLASSIFY_BOUNCE:
        return ACT_BOUNCE;
    case CLASSIFY_DELAY:
        return ACT_DELAY;
    case CLASSIFY_REPORT:
        return ACT_REPORT;
    default:
        return -1;
    }
}

static void
add_invoice(struct act_decision *d, const char *number)
{
    for (int i = 0; i < d->ninvoices; i++)
        if (strcmp(d->invoices[i].number, number) == 0)
            return;
    if (d->ninvoices < ACT_MAX_INVOICES)
        act_copy(d->invoices[d->ninvoices++].number, ACT_NUMBER_LEN, number);
}

static void
fill_decision(struct session *s, int kind, struct act_decision *d)
{
    const struct classify_verdict *v = &s->v;
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->intent = kind == ACT_REPLY ? act_intent_of(v->intent) : 0;
    db_now(d->at);
    act_copy(d->queue_id, sizeof d->queue_id, s->queue_id);
    const char *mid = s->m.message_id ? s->m.message_id : "";
    while (*mid == ' ' || *mid == '<')
        mid++;
    act_copy(d->message_id, sizeof d->message_id, mid);
    d->message_id[strcspn(d->message_id, ">")] = '\0';
    act_copy(d->token, sizeof d->token, v->token);
    act_copy(d->sender, sizeof d->sender,
             s->m.from_addr && *s->m.from_addr ? s->m.from_addr : s->mail_from);
    act_copy(d->until, sizeof d->until, v->until);
    /* Token invoices are re-read by act itself; the numbers found in the
     * text are checked there against the sender's client. */
    for (int i = 0; i < v->ninvoices; i++)
        add_invoice(d, v->invoices[i]);
    for (int i = 0; i < v->nreview; i++)
        add_invoice(d, v->review[i]);
    if (kind == ACT_BOUNCE || kind == ACT_DELAY) {
        for (int i = 0; i < v->nfailed && i < ACT_MAX_ADDRS; i++)
            act_copy(d->addrs[d->naddrs++], ACT_ADDR_LEN,
                     v->failed_recipients[i]);
    } else if (kind == ACT_MANUAL) {
        for (int i = 0; i < s->nrcpts && d->naddrs < ACT_MAX_ADDRS; i++)
            act_copy(d->addrs[d->naddrs++], ACT_ADDR_LEN, s->rcpts[i]);
    }
    act_copy(d->evidence, sizeof d->evidence, sbuf_cstr(&v->evidence));
    for (char *p = d->evidence; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = *p == '\n' && p[1] ? ';' : ' ';
    str_trim(d->evidence);
}

static const char *
log_kind(const struct act_decision *d)
{
    switch (d->kind) {
    case ACT_MANUAL:
        return "manual_contact";
    default:
        return act_kind_name(d->kind);
    }
}

/* join: comma-separated list of n strings of size stride at base. */
static void
join(char *out, size_t n, const char *base, size_t stride, int count)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < count && o + 1 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "," : "",
                              base + (size_t)i * stride);
}

/* decide: apply the verdict, log one line, fill header additions. */
static void
decide(struct session *s, struct session_edits *ed)
{
    struct classify_lookup lk;
    session_lookup(s, &lk);
    int kind = decision_kind(s, &lk);
    if (kind < 0) {
        msg_debug("%s: unrelated", s->queue_id);
        return;
    }
    struct act_decision d;
    struct act_result res;
    fill_decision(s, kind, &d);
    int rc = engine_apply(s->gen, &d, &res);
    char invoices[512], client[CLASSIFY_ID_MAX];
    if (rc == ENGINE_APPLIED) {
        join(invoices, sizeof invoices, res.invoices[0], ACT_NUMBER_LEN,
             res.ninvoices);
        act_copy(client, sizeof client, res.client_id);
    } else {
        join(invoices, sizeof invoices, s->v.invoices[0], CLASSIFY_NUMBER_MAX,
             s->v.ninvoices);
        act_copy(client, sizeof client, s->v.client_id);
    }
    struct sbuf line = {0};
    sbuf_addf(&line, "%s: %s", *s->queue_id ? s->queue_id : "NOQUEUE",
              log_kind(&d));
    if (*invoices)
        sbuf_addf(&line, " invoice=%s", invoices);
    if (*client)
        sbuf_addf(&line, " client=%s", client);
    if (d.kind == ACT_REPLY)
        sbuf_addf(&line, " intent=%s", act_intent_name(d.intent));
    if (rc == ENGINE_APPLIED && *res.until)
        sbuf_addf(&line, " until=%s", res.until);
    else if (*d.until)
        sbuf_addf(&line, " until=%s", d.until);
    if (rc == ENGINE_APPLIED && res.nreview)
        sbuf_addf(&line, " review=%d", res.nreview);
    if (d.kind == ACT_HANDOFF)
        sbuf_addf(&line, " message-id=<%s>", d.message_id);
    if (d.kind == ACT_BOUNCE && d.naddrs)
        sbuf_addf(&line, " failed=%s", d.addrs[0]);
    if (s->forged)
        sbuf_adds(&line, " forged-headers-removed");
    if (rc == ENGINE_SPOOLED)
        sbuf_adds(&line, " (spooled)");
    else if (rc == ENGINE_FAILED)
        sbuf_adds(&line, " (not applied)");
    msg_info("%s", sbuf_cstr(&line));
    sbuf_free(&line);

    /* Headers only on mail coming in to us, never on mail leaving. */
    if (ed == NULL || !s->gen->cfg.add_headers || kind == ACT_MANUAL ||
        kind == ACT_HANDOFF)
        return;
    act_copy(ed->add[0], sizeof ed->add[0], invoices);
    act_copy(ed->add[1], sizeof ed->add[1], client);
    act_copy(ed->add[2], sizeof ed->add[2],
             kind == ACT_REPLY ? act_intent_name(d.intent)
                               : act_kind_name(kind));
}

enum session_verdict
session_eoh(struct session *s, const char *queue_id)
{
    if (s->gen == NULL)
        return SESSION_ACCEPT;
    act_copy(s->queue_id, sizeof s->queue_id, queue_id);
    mail_end_headers(&s->m);
    struct classify_envelope env;
    struct classify_lookup lk;
    envelope(s, &env);
    session_lookup(s, &lk);
    bool need = classify_headers_only(s->cs, &s->m, &env, &lk, &s->v);
    if (!need && s->v.kind == CLASSIFY_UNRELATED && s->submission &&
        client_rcpt(s, &lk))
        need = true;
    if (need)
        return SESSION_CONTINUE;
    if (s->v.kind != CLASSIFY_UNRELATED)
        decide(s, NULL); /* our own message leaving: no header to add */
    s->final_at_eoh = true;
    if (s->forged)
        return SESSION_CONTINUE; /* forged headers to remove at eom */
    message_end(s);
    return SESSION_ACCEPT;
}

enum session_verdict
session_body(struct session *s, const void *chunk, size_t len)
{
    if (s->gen == NULL || s->final_at_eoh)
        return SESSION_SKIP;
    size_t max = (size_t)s->gen->cfg.max_body_bytes;
    size_t room = max > s->body.len ? max - s->body.len : 0;
    sbuf_add(&s->body, chunk, len < room ? len : room);
    return len < room ? SESSION_CONTINUE : SESSION_SKIP;
}

enum session_verdict
session_eom(struct session *s, const char *queue_id, struct session_edits *ed)
{
    memset(ed, 0, sizeof *ed);
    if (s->gen == NULL)
        return SESSION_ACCEPT;
    if (queue_id && *queue_id)
        act_copy(s->queue_id, sizeof s->queue_id, queue_id);
    if (!s->final_at_eoh) {
        struct classify_envelope env;
        struct classify_lookup lk;
        envelope(s, &env);
        session_lookup(s, &lk);
        mail_read_body(&s->m, s->body.s ? s->body.s : "", s->body.len,
                       (size_t)s->gen->cfg.max_body_bytes);
        classify_message(s->cs, &s->m, &env, &lk, &s->v);
        decide(s, ed);
    }
    for (int i = 0; i < SESSION_NHDRS; i++)
        ed->ndel[i] = s->nforged[i];
    if (s->forged && s->final_at_eoh)
        msg_info("%s: unrelated forged-headers-removed", s->queue_id);
    message_end(s);
    return SESSION_ACCEPT;
}

void
session_abort(struct session *s)
{
    message_end(s);
}
