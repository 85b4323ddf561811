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
#include "lookup.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_APPLIED_GET,
    S_APPLIED_PUT,
    S_INVOICE_GET,
    S_INVOICE_STATUS,
    S_INVOICE_WAIT,
    S_EVENT,
    S_NOTICE,
    S_UNDELIVERABLE,
    S_HANDOFF,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_APPLIED_GET] = "SELECT 1 FROM spool_applied WHERE digest = ?1",
    [S_APPLIED_PUT] =
        "INSERT INTO spool_applied (digest, applied_at) VALUES (?1, ?2)",
    [S_INVOICE_GET] =
        "SELECT i.client_id, i.status, i.paused_until, i.wait_until, c.name "
        "FROM invoices i JOIN clients c ON c.id = i.client_id "
        "WHERE i.number = ?1",
    [S_INVOICE_STATUS] =
        "UPDATE invoices SET status = ?2, paused_until = ?3, "
        "status_reason = ?4 WHERE number = ?1 AND status <> 'paid'",
    [S_INVOICE_WAIT] =
        "UPDATE invoices SET wait_until = ?2 WHERE number = ?1",
    [S_EVENT] =
        "INSERT INTO events (at, kind, invoice, client_id, message_id, "
        "queue_id, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'milter', "
        "?7)",
    [S_NOTICE] =
        "INSERT INTO notices (created_at, kind, audience, invoice, client_id, "
        "subject, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_UNDELIVERABLE] =
        "UPDATE client_emails SET undeliverable_at = ?2, "
        "undeliverable_reason = ?3 WHERE address = ?1 "
        "AND undeliverable_at IS NULL",
    [S_HANDOFF] =
        "UPDATE messages SET handed_off_at = ?2, handed_off_queue_id = ?3 "
        "WHERE token = ?1 AND handed_off_at IS NULL",
    [S_SAVEPOINT] = "SAVEPOINT act",
    [S_RELEASE] = "RELEASE act",
    [S_ROLLBACK_TO] = "ROLLBACK TO act",
};

struct act {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    struct lookup_db ldb;        /* the classifier's lookups, shared */
    struct classify_lookup lk;
};

/* One invoice as read inside the transaction. */
struct inv {
    char number[ACT_NUMBER_LEN];
    char client_id[ACT_ID_LEN];
    char client_name[128];
    char status[16];
    char paused_until[11];
    char wait_until[11];
    bool trusted;
};

/* The state of one act_apply call. */
struct run {
    struct act *a;
    const struct act_params *p;
    const struct act_decision *d;
    struct act_result *res;
    int today;
    int rc;                   /* first SQLite error, or SQLITE_OK */
};

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
    a->db = db;
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &a->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "act: cannot prepare statement %d: %s", i,
                     sqlite3_errmsg(db));
            act_free(a);
            return NULL;
        }
    }
    if (lookup_db_init(&a->ldb, db, &a->lk, err, errlen) < 0) {
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
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    lookup_db_free(&a->ldb);
    free(a);
}

/* stmt returns statement i reset and unbound, ready for binding. */
static sqlite3_stmt *
stmt(struct run *r, int i)
{
    sqlite3_stmt *st = r->a->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void
bind(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL || *s == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* step runs st to completion-or-row and records the first error. */
static int
step(struct run *r, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && r->rc == SQLITE_OK)
        r->rc = rc;
    return rc;
}

static void
col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    act_copy(dst, n, (const char *)sqlite3_column_text(st, i));
}

static void
event(struct run *r, const char *kind, const char *invoice,
      const char *client_id, const char *detail)
{
    sqlite3_stmt *st = stmt(r, S_EVENT);
    bind(st, 1, r->d->at);
    bind(st, 2, kind);
    bind(st, 3, invoice);
    bind(st, 4, client_id);
    bind(st, 5, r->d->message_id);
    bind(st, 6, r->d->queue_id);
    bind(st, 7, detail);
    step(r, st);
}

static void
notice(struct run *r, const char *kind, const char *audience,
       const char *invoice, const char *client_id, const char *subject,
       const char *text)
{
    sqlite3_stmt *st = stmt(r, S_NOTICE);
    bind(st, 1, r->d->at);
    bind(st, 2, kind);
    bind(st, 3, audience);
    bind(st, 4, invoice);
    bind(st, 5, client_id);
    bind(st, 6, subject);
    bind(st, 7, text);
    if (step(r, st) == SQLITE_DONE && r->res)
        r->res->nnotices++;
}

/* client_of_addr: the client using addr (lookup.h: exact address, else a
 * domain only one client uses). "" if none. */
static void
client_of_addr(struct run *r, const char *addr, char *out, size_t n)
{
    char id[CLASSIFY_ID_MAX] = "";
    *out = '\0';
    if (*addr && r->a->lk.client_of_address(r->a->lk.ctx, addr, id))
        act_copy(out, n, id);
}

static bool
load_invoice(struct run *r, const char *number, struct inv *iv)
{
    memset(iv, 0, sizeof *iv);
    sqlite3_stmt *st = stmt(r, S_INVOICE_GET);
    bind(st, 1, number);
    if (step(r, st) != SQLITE_ROW)
        return false;
    act_copy(iv->number, sizeof iv->number, number);
    col(st, 0, iv->client_id, sizeof iv->client_id);
    col(st, 1, iv->status, sizeof iv->status);
    col(st, 2, iv->paused_until, sizeof iv->paused_until);
    col(st, 3, iv->wait_until, sizeof iv->wait_until);
    col(st, 4, iv->client_name, sizeof iv->client_name);
    return true;
}

/* later_date: the later of an existing YYYY-MM-DD (may be "") and day. */
static int
later_date(const char *existing, int day)
{
    int e;
    if (existing && civil_parse_iso(existing, &e) == 0 && e > day)
        return e;
    return day;
}

static void
set_status(struct run *r, struct inv *iv, const char *status, int until,
           const char *reason)
{
    char buf[11] = "";
    if (until >= 0)
        civil_format_iso(until, buf);
    sqlite3_stmt *st = stmt(r, S_INVOICE_STATUS);
    bind(st, 1, iv->number);
    bind(st, 2, status);
    bind(st, 3, buf);
    bind(st, 4, reason);
    step(r, st);
    act_copy(iv->status, sizeof iv->status, status);
    act_copy(iv->paused_until, sizeof iv->paused_until, buf);
    if (r->res)
        act_copy(r->res->until, sizeof r->res->until, buf);
}

static void
set_wait(struct run *r, struct inv *iv, int until)
{
    int day = later_date(iv->wait_until, until);
    char buf[11];
    civil_format_iso(day, buf);
    sqlite3_stmt *st = stmt(r, S_INVOICE_WAIT);
    bind(st, 1, iv->number);
    bind(st, 2, buf);
    step(r, st);
    if (r->res)
        act_copy(r->res->until, sizeof r->res->until, buf);
}

static void
detail_text(struct run *r, struct sbuf *b, const struct inv *iv)
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
reply_pause(struct run *r)
{
    return calendar_add_business_days(r->p->cal, r->today,
                                      r->p->reply_pause_days);
}

static int
promise_until(struct run *r)
{
    int day;
    if (civil_parse_iso(r->d->until, &day) == 0 && day >= r->today)
        return day + r->p->promise_grace_days;
    return r->today + r->p->promise_default_days;
}

static void
notify_reply(struct run *r, const struct inv *iv)
{
    const struct act_decision *d = r->d;
    char *subject, *text;
    const char *kind, *audience;
    if (d->intent == ACT_INTENT_DISPUTE) {
        kind = "dispute";
        audience = "both";
        subject = xasprintf("Litige sur la facture %s / Invoice %s disputed",
                            iv->number, iv->number);
        text = xasprintf(
            "%s (%s) conteste la facture %s (message de %s). Les relances "
            "sont arrêtées jusqu'à `relancectl resolve %s`.\n\n"
            "%s (%s) disputes invoice %s (mail from %s). Reminders are "
            "stopped until `relancectl resolve %s`.\n\nExtrait / Excerpt: %s\n",
            iv->client_name, iv->client_id, iv->number, d->sender, iv->number,
            iv->client_name, iv->client_id, iv->number, d->sender, iv->number,
            d->evidence);
    } else {
        kind = "paid_claim";
        audience = "finance";
        subject = xasprintf("Paiement annoncé : facture %s / Payment claimed: "
                            "invoice %s", iv->number, iv->number);
        text = xasprintf(
            "%s (%s) dit avoir payé la facture %s (message de %s). À vérifier "
            "sur le relevé ; relances suspendues jusqu'au %s.\n\n"
            "%s (%s) says invoice %s is paid (mail from %s). Please check the "
            "bank statement; reminders paused until %s.\n\nExtrait / Excerpt: "
            "%s\n",
            iv->client_name, iv->client_id, iv->number, d->sender,
            iv->paused_until, iv->client_name, iv->client_id, iv->number,
            d->sender, iv->paused_until, d->evidence);
    }
    notice(r, kind, audience, iv->number, iv->client_id, subject, text);
    free(subject);
    free(text);
}

/* A human reply about one trusted invoice. */
static void
apply_reply(struct run *r, struct inv *iv)
{
    bool paid = strcmp(iv->status, "paid") == 0;
    bool disputed = strcmp(iv->status, "disputed") == 0;
    bool movable = !paid && !disputed;
    switch (r->d->intent) {
    case ACT_INTENT_DISPUTE:
        if (!paid && !disputed)
            set_status(r, iv, "disputed", -1, "dispute");
        if (!paid)
            notify_reply(r, iv);
        break;
    case ACT_INTENT_PROMISE:
        if (movable && strcmp(iv->status, "hold") != 0)
            set_status(r, iv, "promised", promise_until(r), "promise");
        break;
    case ACT_INTENT_PAID:
        if (movable && strcmp(iv->status, "hold") != 0)
            set_status(r, iv, strcmp(iv->status, "promised") == 0 ? "promised"
                                                                  : "paused",
                       later_date(iv->paused_until, reply_pause(r)),
                       "paid_claim");
        if (!paid)
            notify_reply(r, iv);
        break;
    default:
        /* A plain reply never shortens a promise or another pause. */
        if (strcmp(iv->status, "open") == 0 ||
            strcmp(iv->status, "paused") == 0 ||
            strcmp(iv->status, "promised") == 0)
            set_status(r, iv, strcmp(iv->status, "promised") == 0 ? "promised"
                                                                  : "paused",
                       later_date(iv->paused_until, reply_pause(r)), "reply");
        break;
    }
}

static const char *
event_kind(const struct act_decision *d)
{
    switch (d->kind) {
    case ACT_REPLY:
        switch (d->intent) {
        case ACT_INTENT_DISPUTE: return "dispute";
        case ACT_INTENT_PROMISE: return "promise";
        case ACT_INTENT_PAID: return "paid_claim";
        default: return "reply";
        }
    case ACT_AUTOREPLY: return "autoreply";
    case ACT_BOUNCE: return "bounce";
    case ACT_DELAY: return "delay";
    case ACT_REPORT: return "report";
    case ACT_MANUAL: return "manual_contact";
    default: return NULL;
    }
}

/* act_on_invoice: the event and the state change for one invoice. */
static void
act_on_invoice(struct run *r, struct inv *iv)
{
    const struct act_decision *d = r->d;
    struct sbuf detail = {0};
    detail_text(r, &detail, iv);
    if (!iv->trusted) {
        event(r, "review", iv->number, iv->client_id, sbuf_cstr(&detail));
        if (r->res)
            r->res->nreview++;
        sbuf_free(&detail);
        return;
    }
    event(r, event_kind(d), iv->number, iv->client_id, sbuf_cstr(&detail));
    sbuf_free(&detail);
    bool paid = strcmp(iv->status, "paid") == 0;
    int day;
    switch (d->kind) {
    case ACT_REPLY:
        apply_reply(r, iv);
        break;
    case ACT_AUTOREPLY:
        if (!paid && civil_parse_iso(d->until, &day) == 0 && day > r->today)
            set_wait(r, iv, day);
        break;
    case ACT_MANUAL:
        if (!paid)
            set_wait(r, iv, r->today + r->p->manual_contact_hold_days);
        break;
    default:
        break;
    }
    if (r->res && r->res->ninvoices < ACT_MAX_INVOICES)
        act_copy(r->res->invoices[r->res->ninvoices++], ACT_NUMBER_LEN,
                 iv->number);
}

static void
apply_bounce(struct run *r, const char *client_id)
{
    const struct act_decision *d = r->d;
    for (int i = 0; i < d->naddrs; i++) {
        sqlite3_stmt *st = stmt(r, S_UNDELIVERABLE);
        bind(st, 1, d->addrs[i]);
        bind(st, 2, d->at);
        bind(st, 3, *d->evidence ? d->evidence : "permanent bounce");
        if (step(r, st) != SQLITE_DONE ||
            sqlite3_changes(r->a->db) == 0)
            continue;
        char owner[ACT_ID_LEN];
        client_of_addr(r, d->addrs[i], owner, sizeof owner);
        char *subject = xasprintf("Adresse en échec : %s / Undeliverable "
                                  "address: %s", d->addrs[i], d->addrs[i]);
        char *text = xasprintf(
            "Un message à %s (client %s) est revenu en échec définitif ; "
            "l'adresse est marquée non distribuable. Merci de trouver une "
            "autre adresse.\n\nA message to %s (client %s) bounced "
            "permanently; the address is marked undeliverable. Please find "
            "another address.\n\nMotif / Reason: %s\n",
            d->addrs[i], *owner ? owner : "?", d->addrs[i],
            *owner ? owner : "?", *d->evidence ? d->evidence : "-");
        notice(r, "bounce", "finance", NULL, *owner ? owner : client_id,
               subject, text);
        free(subject);
        free(text);
    }
}

/* collect_invoices: trusted ones through the token, then the numbers the
 * mail named, deduplicated. */
static int
collect_invoices(struct run *r, struct inv *out, const char *client_id)
{
    const struct act_decision *d = r->d;
    int n = 0;
    if (*d->token) {
        char numbers[ACT_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
        char owner[CLASSIFY_ID_MAX];
        int k = r->a->lk.token_invoices(r->a->lk.ctx, d->token, numbers,
                                        ACT_MAX_INVOICES, owner);
        for (int i = 0; i < k; i++)
            if (load_invoice(r, numbers[i], &out[n])) {
                out[n].trusted = true;
                n++;
            }
    }
    for (int i = 0; i < d->ninvoices && n < ACT_MAX_INVOICES; i++) {
        bool seen = false;
        for (int j = 0; j < n; j++)
            if (strcmp(out[j].number, d->invoices[i].number) == 0)
                seen = true;
        if (seen || !load_invoice(r, d->invoices[i].number, &out[n]))
            continue;
        out[n].trusted = d->invoices[i].by_token ||
                         (*client_id && strcmp(out[n].client_id,
                                               client_id) == 0);
        n++;
    }
    return n;
}

static void
resolve_client(struct run *r, char *client_id, size_t n)
{
    const struct act_decision *d = r->d;
    *client_id = '\0';
    if (d->kind == ACT_MANUAL || d->kind == ACT_BOUNCE) {
        for (int i = 0; i < d->naddrs && *client_id == '\0'; i++)
            client_of_addr(r, d->addrs[i], client_id, n);
    } else {
        client_of_addr(r, d->sender, client_id, n);
    }
}

static int
run_decision(struct run *r)
{
    const struct act_decision *d = r->d;
    if (d->kind == ACT_HANDOFF) {
        sqlite3_stmt *st = stmt(r, S_HANDOFF);
        bind(st, 1, d->token);
        bind(st, 2, d->at);
        bind(st, 3, d->queue_id);
        if (step(r, st) == SQLITE_DONE && r->res)
            r->res->handed_off = sqlite3_changes(r->a->db);
        return r->rc;
    }
    char client_id[ACT_ID_LEN];
    resolve_client(r, client_id, sizeof client_id);
    struct inv invs[ACT_MAX_INVOICES];
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
        event(r, event_kind(d), NULL, client_id, sbuf_cstr(&detail));
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
    struct run r = {.a = a, .p = p, .d = d, .res = res, .rc = SQLITE_OK};
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
        sqlite3_stmt *st = stmt(&r, S_APPLIED_GET);
        bind(st, 1, digest);
        int found = step(&r, st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (found)
            return ACT_DUPLICATE;
    }
    step(&r, stmt(&r, S_SAVEPOINT));
    if (digest && r.rc == SQLITE_OK) {
        sqlite3_stmt *st = stmt(&r, S_APPLIED_PUT);
        bind(st, 1, digest);
        bind(st, 2, d->at);
        step(&r, st);
    }
    if (r.rc == SQLITE_OK)
        run_decision(&r);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_reset(a->st[i]);
    if (r.rc == SQLITE_OK) {
        step(&r, stmt(&r, S_RELEASE));
        sqlite3_reset(a->st[S_RELEASE]);
        if (r.rc == SQLITE_OK)
            return ACT_OK;
    }
    snprintf(err, errlen, "%s", sqlite3_errstr(r.rc));
    int rc = r.rc;
    r.rc = SQLITE_OK;
    step(&r, stmt(&r, S_ROLLBACK_TO));
    step(&r, stmt(&r, S_RELEASE));
    sqlite3_reset(a->st[S_ROLLBACK_TO]);
    sqlite3_reset(a->st[S_RELEASE]);
    return retryable(rc) ? ACT_RETRY : ACT_FAILED;
}

int
act_apply_batch(struct act *a, const struct act_params *p,
                const struct act_decision *const *d,
                const char *const *digests, int n, struct act_result *res,
                int *rcs, char *err, size_t errlen)
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
