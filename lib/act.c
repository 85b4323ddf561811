/*
 * act.c - applying a decision about one mail to the database; see act.h.
 *
 * Called by the milter (directly, or through spool replay) and by the unit
 * tests. Every statement is prepared once in act_new and reused; one
 * act_apply is one BEGIN IMMEDIATE ... COMMIT.
 */
#include "act.h"
#include "civil.h"
#include "classify.h"
#include "actdb.h"
#include "noticetext.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[ACT_NKINDS] = {
    "reply", "autoreply", "bounce", "delay", "report", "manual", "handoff",
};
static const char *const intent_names[ACT_NINTENTS] = {
    "none", "other", "promise", "paid", "dispute",
};

const char *
act_kind_name(int kind)
{
    return kind >= 0 && kind < ACT_NKINDS ? kind_names[kind] : NULL;
}

const char *
act_intent_name(int intent)
{
    return intent >= 0 && intent < ACT_NINTENTS ? intent_names[intent] : NULL;
}

static int
name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int
act_kind_from_name(const char *s)
{
    return name_index(kind_names, ACT_NKINDS, s);
}

int
act_intent_from_name(const char *s)
{
    return name_index(intent_names, ACT_NINTENTS, s);
}

void
act_copy(char *dst, size_t n, const char *s)
{
    if (n == 0)
        return;
    snprintf(dst, n, "%s", s ? s : "");
}

struct act *
act_new(sqlite3 *db, char *err, size_t errlen)
{
    struct act *a = xcalloc(1, sizeof *a);
    if (actdb_prepare(a, db, err, errlen) < 0) {
        act_free(a);
        return NULL;
    }
    return a;
}

void
act_free(struct act *a)
{
    if (a == NULL)
        return;
    actdb_finalize(a);
    free(a);
}

static void
detail_text(struct act_run *r, struct sbuf *b, const struct act_inv *iv)
{
    const struct act_decision *d = r->d;
    sbuf_addf(b, "kind=%s", act_kind_name(d->kind));
    if (d->kind == ACT_REPLY)
        sbuf_addf(b, " intent=%s", act_intent_name(d->intent));
    if (*d->sender)
        sbuf_addf(b, " from=%s", d->sender);
    if (*d->until)
        sbuf_addf(b, " until=%s", d->until);
    if (iv && !iv->trusted)
        sbuf_addf(b, " client=%s", iv->client_id);
    if (*d->evidence)
        sbuf_addf(b, " evidence=%s", d->evidence);
}

/* The pause of a plain reply or a paid claim: ReplyPauseDays business
 * days after the day the mail was seen. */
static int
reply_pause(struct act_run *r)
{
    return calendar_add_business_days(r->p->cal, r->today,
                                      r->p->reply_pause_days);
}

static int
promise_until(struct act_run *r)
{
    int day;
    if (civil_parse_iso(r->d->until, &day) == 0 && day >= r->today)
        return day + r->p->promise_grace_days;
    return r->today + r->p->promise_default_days;
}

static void
notify_reply(struct act_run *r, const struct act_inv *iv)
{
    const struct act_decision *d = r->d;
    bool dispute = d->intent == ACT_INTENT_DISPUTE;
    struct notice_facts f = {
        .invoice = iv->number,
        .client_id = iv->client_id,
        .client_name = iv->client_name,
        .sender = d->sender,
        .until = iv->paused_until,
        .address = "",
        .evidence = d->evidence,
    };
    char *subject, *text;
    notice_text(dispute ? NOTICE_DISPUTE : NOTICE_PAID_CLAIM, &f, &subject,
                &text);
    actdb_notice(r, dispute ? "dispute" : "paid_claim",
                 dispute ? "both" : "finance", iv->number, iv->client_id,
                 subject, text);
    free(subject);
    free(text);
}

/* A human reply about one trusted invoice. */
static void
apply_reply(struct act_run *r, struct act_inv *iv)
{
    bool paid = strcmp(iv->status, "paid") == 0;
    bool disputed = strcmp(iv->status, "disputed") == 0;
    bool movable = !paid && !disputed;
    switch (r->d->intent) {
    case ACT_INTENT_DISPUTE:
        if (!paid && !disputed)
            actdb_set_status(r, iv, "disputed", -1, "dispute");
        if (!paid)
            notify_reply(r, iv);
        break;
    case ACT_INTENT_PROMISE:
        if (movable && strcmp(iv->status, "hold") != 0)
            actdb_set_status(r, iv, "promised", promise_until(r), "promise");
        break;
    case ACT_INTENT_PAID:
        if (movable && strcmp(iv->status, "hold") != 0)
            actdb_set_status(r, iv,
                             strcmp(iv->status, "promised") == 0 ? "promised"
                                                                 : "paused",
                             actdb_later_date(iv->paused_until, reply_pause(r)),
                             "paid_claim");
        if (!paid)
            notify_reply(r, iv);
        break;
    default:
        /* A plain reply never shortens a promise or another pause. */
        if (strcmp(iv->status, "open") == 0 ||
            strcmp(iv->status, "paused") == 0 ||
            strcmp(iv->status, "promised") == 0)
            actdb_set_status(
                r, iv,
                strcmp(iv->status, "promised") == 0 ? "promised" : "paused",
                actdb_later_date(iv->paused_until, reply_pause(r)), "reply");
        break;
    }
}

static const char *
event_kind(const struct act_decision *d)
{
    switch (d->kind) {
    case ACT_REPLY:
        switch (d->intent) {
        case ACT_INTENT_DISPUTE:
            return "dispute";
        case ACT_INTENT_PROMISE:
            return "promise";
        case ACT_INTENT_PAID:
            return "paid_claim";
        default:
            return "reply";
        }
    case ACT_AUTOREPLY:
        return "autoreply";
    case ACT_BOUNCE:
        return "bounce";
    case ACT_DELAY:
        return "delay";
    case ACT_REPORT:
        return "report";
    case ACT_MANUAL:
        return "manual_contact";
    default:
        return NULL;
    }
}

/* act_on_invoice: the event and the state change for one invoice. */
static void
act_on_invoice(struct act_run *r, struct act_inv *iv)
{
    const struct act_decision *d = r->d;
    struct sbuf detail = {0};
    detail_text(r, &detail, iv);
    if (!iv->trusted) {
        actdb_event(r, "review", iv->number, iv->client_id, sbuf_cstr(&detail));
        if (r->res)
            r->res->nreview++;
        sbuf_free(&detail);
        return;
    }
    actdb_event(r, event_kind(d), iv->number, iv->client_id,
                sbuf_cstr(&detail));
    sbuf_free(&detail);
    bool paid = strcmp(iv->status, "paid") == 0;
    int day;
    switch (d->kind) {
    case ACT_REPLY:
        apply_reply(r, iv);
        break;
    case ACT_AUTOREPLY:
        if (!paid && civil_parse_iso(d->until, &day) == 0 && day > r->today)
            actdb_set_wait(r, iv, day);
        break;
    case ACT_MANUAL:
        if (!paid)
            actdb_set_wait(r, iv, r->today + r->p->manual_contact_hold_days);
        break;
    default:
        break;
    }
    if (r->res && r->res->ninvoices < ACT_MAX_INVOICES)
        act_copy(r->res->invoices[r->res->ninvoices++], ACT_NUMBER_LEN,
                 iv->number);
}

static void
apply_bounce(struct act_run *r, const char *client_id)
{
    const struct act_decision *d = r->d;
    for (int i = 0; i < d->naddrs; i++) {
        sqlite3_stmt *st = actdb_stmt(r, ACTDB_UNDELIVERABLE);
        actdb_bind(st, 1, d->addrs[i]);
        actdb_bind(st, 2, d->at);
        actdb_bind(st, 3, *d->evidence ? d->evidence : "permanent bounce");
        if (actdb_step(r, st) != SQLITE_DONE || sqlite3_changes(r->a->db) == 0)
            continue;
        char owner[ACT_ID_LEN];
        actdb_client_of_addr(r, d->addrs[i], owner, sizeof owner);
        struct notice_facts f = {
            .invoice = "",
            .client_id = owner,
            .client_name = "",
            .sender = d->sender,
            .until = "",
            .address = d->addrs[i],
            .evidence = d->evidence,
        };
        char *subject, *text;
        notice_text(NOTICE_BOUNCE, &f, &subject, &text);
        actdb_notice(r, "bounce", "finance", NULL, *owner ? owner : client_id,
                     subject, text);
        free(subject);
        free(text);
    }
}

/* collect_invoices: trusted ones through the token, then the numbers the
 * mail named, deduplicated. */
static int
collect_invoices(struct act_run *r, struct act_inv *out, const char *client_id)
{
    const struct act_decision *d = r->d;
    int n = 0;
    if (*d->token) {
        char numbers[ACT_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
        char owner[CLASSIFY_ID_MAX];
        int k = r->a->lk.token_invoices(r->a->lk.ctx, d->token, numbers,
                                        ACT_MAX_INVOICES, owner);
        for (int i = 0; i < k; i++)
            if (actdb_load_invoice(r, numbers[i], &out[n])) {
                out[n].trusted = true;
                n++;
            }
    }
    for (int i = 0; i < d->ninvoices && n < ACT_MAX_INVOICES; i++) {
        bool seen = false;
        for (int j = 0; j < n; j++)
            if (strcmp(out[j].number, d->invoices[i].number) == 0)
                seen = true;
        if (seen || !actdb_load_invoice(r, d->invoices[i].number, &out[n]))
            continue;
        out[n].trusted =
            d->invoices[i].by_token ||
            (*client_id && strcmp(out[n].client_id, client_id) == 0);
        n++;
    }
    return n;
}

static void
resolve_client(struct act_run *r, char *client_id, size_t n)
{
    const struct act_decision *d = r->d;
    *client_id = '\0';
    if (d->kind == ACT_MANUAL || d->kind == ACT_BOUNCE) {
        for (int i = 0; i < d->naddrs && *client_id == '\0'; i++)
            actdb_client_of_addr(r, d->addrs[i], client_id, n);
    } else {
        actdb_client_of_addr(r, d->sender, client_id, n);
    }
}

static int
run_decision(struct act_run *r)
{
    const struct act_decision *d = r->d;
    if (d->kind == ACT_HANDOFF) {
        sqlite3_stmt *st = actdb_stmt(r, ACTDB_HANDOFF);
        actdb_bind(st, 1, d->token);
        actdb_bind(st, 2, d->at);
        actdb_bind(st, 3, d->queue_id);
        if (actdb_step(r, st) == SQLITE_DONE && r->res)
            r->res->handed_off = sqlite3_changes(r->a->db);
        return r->rc;
    }
    char client_id[ACT_ID_LEN];
    resolve_client(r, client_id, sizeof client_id);
    struct act_inv invs[ACT_MAX_INVOICES];
    int n = collect_invoices(r, invs, client_id);
    /* With the token alone the client is the invoice's. */
    if (*client_id == '\0' && n > 0 && invs[0].trusted)
        act_copy(client_id, sizeof client_id, invs[0].client_id);
    if (r->res)
        act_copy(r->res->client_id, sizeof r->res->client_id, client_id);
    if (d->kind == ACT_BOUNCE)
        apply_bounce(r, client_id);
    for (int i = 0; i < n; i++)
        act_on_invoice(r, &invs[i]);
    /* Nothing to attach to but a client: keep the evidence anyway. */
    if (n == 0 && *client_id) {
        struct sbuf detail = {0};
        detail_text(r, &detail, NULL);
        actdb_event(r, event_kind(d), NULL, client_id, sbuf_cstr(&detail));
        sbuf_free(&detail);
    }
    return r->rc;
}

void
act_lookup(struct act *a, struct classify_lookup *lk)
{
    *lk = a->lk;
}

static bool
retryable(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return true;
    default:
        return false;
    }
}

/* apply_one: decision d inside the open transaction, under a savepoint
 * so that a failing decision leaves the others of a batch intact. */
static int
apply_one(struct act *a, const struct act_params *p,
          const struct act_decision *d, const char *digest,
          struct act_result *res, char *err, size_t errlen)
{
    struct act_run r = {.a = a, .p = p, .d = d, .res = res, .rc = SQLITE_OK};
    time_t seen;
    if (res)
        memset(res, 0, sizeof *res);
    if (act_kind_name(d->kind) == NULL || clock_parse_utc(d->at, &seen) < 0) {
        snprintf(err, errlen, "bad decision (kind %d, at \"%s\")", d->kind,
                 d->at);
        return ACT_FAILED;
    }
    r.today = clock_local_day(seen);
    if (digest) {
        sqlite3_stmt *st = actdb_stmt(&r, ACTDB_APPLIED_GET);
        actdb_bind(st, 1, digest);
        int found = actdb_step(&r, st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (found)
            return ACT_DUPLICATE;
    }
    actdb_step(&r, actdb_stmt(&r, ACTDB_SAVEPOINT));
    if (digest && r.rc == SQLITE_OK) {
        sqlite3_stmt *st = actdb_stmt(&r, ACTDB_APPLIED_PUT);
        actdb_bind(st, 1, digest);
        actdb_bind(st, 2, d->at);
        actdb_step(&r, st);
    }
    if (r.rc == SQLITE_OK)
        run_decision(&r);
    for (int i = 0; i < ACTDB_COUNT; i++)
        sqlite3_reset(a->st[i]);
    if (r.rc == SQLITE_OK) {
        actdb_step(&r, actdb_stmt(&r, ACTDB_RELEASE));
        sqlite3_reset(a->st[ACTDB_RELEASE]);
        if (r.rc == SQLITE_OK)
            return ACT_OK;
    }
    snprintf(err, errlen, "%s", sqlite3_errstr(r.rc));
    int rc = r.rc;
    r.rc = SQLITE_OK;
    actdb_step(&r, actdb_stmt(&r, ACTDB_ROLLBACK_TO));
    actdb_step(&r, actdb_stmt(&r, ACTDB_RELEASE));
    sqlite3_reset(a->st[ACTDB_ROLLBACK_TO]);
    sqlite3_reset(a->st[ACTDB_RELEASE]);
    return retryable(rc) ? ACT_RETRY : ACT_FAILED;
}

int
act_apply_batch(struct act *a, const struct act_params *p,
                const struct act_decision *const *d, const char *const *digests,
                int n, struct act_result *res, int *rcs, char *err,
                size_t errlen)
{
    int rc = sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "begin: %s", sqlite3_errmsg(a->db));
        rc = retryable(rc) ? ACT_RETRY : ACT_FAILED;
        for (int i = 0; i < n; i++)
            rcs[i] = rc;
        return rc == ACT_RETRY ? -1 : -2;
    }
    int i;
    for (i = 0; i < n; i++) {
        rcs[i] = apply_one(a, p, d[i], digests ? digests[i] : NULL,
                           res ? &res[i] : NULL, err, errlen);
        if (rcs[i] == ACT_RETRY)
            break; /* the database gave up: the rest wait too */
    }
    for (int j = i + 1; j < n; j++)
        rcs[j] = ACT_RETRY;
    rc = sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "commit: %s", sqlite3_errstr(rc));
        if (!sqlite3_get_autocommit(a->db))
            sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
        for (int j = 0; j < n; j++)
            if (rcs[j] == ACT_OK || rcs[j] == ACT_DUPLICATE)
                rcs[j] = retryable(rc) ? ACT_RETRY : ACT_FAILED;
    }
    return 0;
}

int
act_apply(struct act *a, const struct act_params *p,
          const struct act_decision *d, const char *digest,
          struct act_result *res, char *err, size_t errlen)
{
    int rc;
    act_apply_batch(a, p, &d, digest ? &digest : NULL, 1, res, &rc, err,
                    errlen);
    return rc;
}
