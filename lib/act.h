/*
 * act.h - applying a decision about one mail to the database.
 *
 * The milter (milter/session.c) turns what it learned about a message
 * into a struct act_decision: plain data, no pointers, that can also be
 * written to the spool (spool.h) and applied later. act_apply resolves the
 * client and the invoices in the database and writes every state change,
 * event and notice in ONE transaction:
 *
 *   reply/other     status paused, paused_until = day seen + ReplyPauseDays
 *                   business days (never earlier than an existing pause)
 *   reply/promise   status promised, paused_until = promised date +
 *                   PromiseGraceDays, or day seen + PromiseDefaultDays
 *   reply/paid      status paused as for a reply, notice to finance
 *   reply/dispute   status disputed (until `relancectl resolve`), notice to
 *                   the account manager and finance
 *   autoreply       event only; invoices.wait_until = return date if any
 *   bounce          the failed addresses get client_emails.undeliverable_at,
 *                   event, notice to finance
 *   delay, report   event only
 *   manual          staff wrote to the client: event manual_contact,
 *                   wait_until = day seen + ManualContactHoldDays
 *   handoff         our own message seen leaving: messages.handed_off_at
 *                   and handed_off_queue_id (first sighting wins)
 *
 * Rules that hold for every kind: a paid invoice never changes (the event
 * is still recorded, it is evidence); a disputed invoice is never moved
 * back to paused or promised; an invoice found only by its number in a
 * mail from someone who is not that invoice's client gets a 'review' event
 * and nothing else. Invoices named through our signed token are trusted.
 *
 * Dates are computed from the instant the mail was seen (decision.at), in
 * the process time zone (clock_set_timezone), so a decision applied late
 * from the spool gives the same result as one applied at once.
 */
#ifndef ACT_H
#define ACT_H

#include "calendar.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#define ACT_MAX_INVOICES 16
#define ACT_MAX_ADDRS 8
#define ACT_NUMBER_LEN 64 /* invoice numbers */
#define ACT_ID_LEN 128    /* client ids */
#define ACT_ADDR_LEN 256
#define ACT_EVIDENCE_LEN 256

enum act_kind {
    ACT_REPLY,
    ACT_AUTOREPLY,
    ACT_BOUNCE,
    ACT_DELAY,
    ACT_REPORT,
    ACT_MANUAL,
    ACT_HANDOFF,
    ACT_NKINDS
};

enum act_intent {
    ACT_INTENT_NONE,
    ACT_INTENT_OTHER,
    ACT_INTENT_PROMISE,
    ACT_INTENT_PAID,
    ACT_INTENT_DISPUTE,
    ACT_NINTENTS
};

struct act_invoice {
    char number[ACT_NUMBER_LEN];
    bool by_token; /* named by our signed token: trusted */
};

/*
 * struct act_decision: what was learned about one mail. Plain fixed-size
 * fields so it can be copied, spooled and compared; "" means absent.
 */
struct act_decision {
    int kind;    /* enum act_kind */
    int intent;  /* enum act_intent; replies only */
    char at[21]; /* when the mail was seen, YYYY-MM-DDTHH:MM:SSZ */
    char queue_id[32];
    char message_id[ACT_ADDR_LEN]; /* the mail's Message-ID, without <> */
    char token[64];            /* verified token: In-Reply-To/References of a
                                * reply or bounce, Message-ID of a handoff */
    char sender[ACT_ADDR_LEN]; /* who wrote (From), lowercased */
    char until[11];            /* promise date or return date, YYYY-MM-DD */
    struct act_invoice invoices[ACT_MAX_INVOICES];
    int ninvoices;
    /* bounce: the failed recipients; manual: the client recipients */
    char addrs[ACT_MAX_ADDRS][ACT_ADDR_LEN];
    int naddrs;
    char evidence[ACT_EVIDENCE_LEN];
};

/* Tuning taken from the configuration. */
struct act_params {
    const struct calendar *cal;
    int reply_pause_days;         /* business days */
    int promise_grace_days;       /* calendar days */
    int promise_default_days;     /* calendar days */
    int manual_contact_hold_days; /* calendar days */
};

/* What act_apply did, for the log line and the X-Relance headers. */
struct act_result {
    char client_id[ACT_ID_LEN];
    char invoices[ACT_MAX_INVOICES][ACT_NUMBER_LEN]; /* acted on */
    int ninvoices;
    int nreview;    /* invoices only given a 'review' event */
    char until[11]; /* resulting paused_until / wait_until, or "" */
    int nnotices;
    int handed_off; /* handoff: rows marked (0 if seen before) */
};

enum {
    ACT_OK = 0,
    ACT_DUPLICATE = 1, /* the digest was already applied */
    ACT_RETRY = -1,    /* database busy, locked or unavailable:
                        * nothing written, spool and retry later */
    ACT_FAILED = -2,   /* the decision cannot be applied (a bug or
                        * a schema mismatch): nothing written */
};

struct act;

/*
 * act_new prepares the statements act_apply needs on db (borrowed: db must
 * outlive the handle). NULL with a message in err if the schema does not
 * fit. Not thread-safe: one user at a time (the milter holds its database
 * mutex around act_apply).
 */
struct act *act_new(sqlite3 *db, char *err, size_t errlen);
void act_free(struct act *a);

/*
 * act_apply writes decision d in one transaction. digest (may be NULL) is
 * recorded in spool_applied in the same transaction; if it is already
 * there nothing is done and ACT_DUPLICATE is returned. res (may be NULL)
 * is filled on ACT_OK. Returns one of the ACT_* codes above; on ACT_RETRY
 * and ACT_FAILED the transaction was rolled back and a reason is in err.
 */
int act_apply(struct act *a, const struct act_params *p,
              const struct act_decision *d, const char *digest,
              struct act_result *res, char *err, size_t errlen);

/*
 * act_apply_batch applies n decisions in one transaction (group commit:
 * the milter's threads queue their decisions and one of them writes the
 * batch), each under its own savepoint so each stays all-or-nothing.
 * digests may be NULL, else one digest (or NULL) per decision. rcs[i]
 * gets decision i's ACT_* code, res[i] (res may be NULL) its result. A
 * decision refused for now (ACT_RETRY) makes the following ones of the
 * batch ACT_RETRY too, untouched. Returns 0, or -1 when nothing could be
 * started (every rcs[i] is then ACT_RETRY or ACT_FAILED).
 */
int act_apply_batch(struct act *a, const struct act_params *p,
                    const struct act_decision *const *d,
                    const char *const *digests, int n, struct act_result *res,
                    int *rcs, char *err, size_t errlen);

/*
 * act_lookup copies into lk the classifier's lookup callbacks (lookup.h)
 * on a's connection and statements; same locking rule as act_apply.
 */
struct classify_lookup;
void act_lookup(struct act *a, struct classify_lookup *lk);

/* Names used in spool lines, logs and headers; NULL if out of range. */
const char *act_kind_name(int kind);
const char *act_intent_name(int intent);
/* Reverse lookups: -1 if unknown. */
int act_kind_from_name(const char *s);
int act_intent_from_name(const char *s);

/*
 * act_copy copies s into a fixed field of size n, truncating; a helper for
 * whoever fills a decision.
 */
void act_copy(char *dst, size_t n, const char *s);

#endif
