/*
 * classify.h - what is this mail? The decision of DESIGN.md section 5.
 *
 * Called by the milter (milter/ files, per message, on many threads) and by
 * `relancectl classify` (worker/ctl_classify.c). Pure code: the message
 * (struct mail, mailread.h), the envelope and the database lookups are
 * inputs (lookups through callbacks the caller provides); the reference
 * date for relative dates is the message's Date header. No I/O except
 * classifier_load reading the rules files.
 *
 * Order of the decision, first match wins for `kind`:
 *   1. outgoing   our own token in the message's Message-ID: a reminder
 *                 leaving through the MTA; v->token is set, the caller
 *                 confirms the hand-off;
 *   2. bounce / delay / report   RFC 3464 DSN (failed vs delayed), free
 *                 text bounces from mailer-daemon/postmaster, MDN and ARF
 *                 reports (`report`); failed_recipients filled; when the
 *                 returned message carries our token, v->token and its
 *                 invoices; client_id from the send or the failed address;
 *   3. autoreply  Auto-Submitted, X-Autoreply, vacation markers,
 *                 "Réponse automatique", "Out of Office" subjects; `until`
 *                 is the return date when the text gives one; invoices and
 *                 client as in 5 (token, Subject, sender), not the body;
 *   4. outgoing   staff mail: From an internal domain to a client's
 *                 address (token "", client of the recipient, invoices of
 *                 that client found in Subject/new text): the caller
 *                 records a manual contact;
 *   5. reply      tied to us by our valid token in In-Reply-To/References,
 *                 or by invoice numbers (rules/references) in the Subject
 *                 then the new text confirmed by lookup->invoice_exists
 *                 and belonging to the sender's client, or by the sender
 *                 being a client's contact. Intent from rules/intents on
 *                 the new text only: dispute > paid > promise > other,
 *                 negations ignored; `until` is the promised date. Numbers
 *                 of another client's invoices go to `review`.
 *   Otherwise `unrelated` (no token, no confirmed invoice, sender not a
 *   client); `review` may still list quoted numbers.
 * Evidence lines say what was seen at each step, in English, naming the
 * rules file and line that matched ("intents:41 paid ...").
 *
 * Thread safety: a struct classifier is read-only after classifier_load
 * and shared by all threads. A struct classify_session holds per-thread
 * scratch (PCRE2 match data, buffers): one per milter connection (or per
 * thread), never used by two threads at once.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include "mailread.h"
#include "token.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CLASSIFY_MAX_INVOICES 16
#define CLASSIFY_NUMBER_MAX 64   /* invoice number, with its NUL */
#define CLASSIFY_ID_MAX 128      /* client id, with its NUL */
#define CLASSIFY_MAX_FAILED 8
#define CLASSIFY_ADDR_MAX 256    /* e-mail address, with its NUL */
/* What a person says about paying is at the top of what they wrote: the
 * intent patterns read at most this many bytes of the (folded) new text,
 * so a long pasted document does not cost every pattern a full scan. */
#define CLASSIFY_INTENT_SCAN_MAX 16384

enum classify_kind {
    CLASSIFY_UNRELATED = 0,
    CLASSIFY_REPLY,
    CLASSIFY_AUTOREPLY,
    CLASSIFY_BOUNCE,
    CLASSIFY_DELAY,
    CLASSIFY_REPORT,
    CLASSIFY_OUTGOING,
};

enum classify_intent {
    INTENT_NONE = 0,   /* not a reply (kind != reply) */
    INTENT_OTHER,
    INTENT_PROMISE,
    INTENT_PAID,
    INTENT_DISPUTE,
};

/* Names as in DESIGN.md section 6: "reply", "dispute"...; intent NONE
 * gives NULL (JSON null). */
const char *classify_kind_name(enum classify_kind k);
const char *classify_intent_name(enum classify_intent i);

/*
 * Database lookups, provided by the caller. Any pointer may be NULL (then
 * "not found"). client_id_out has CLASSIFY_ID_MAX bytes; a callback
 * returning true must fill it (NUL-terminated, may be "" if unknown).
 * Callbacks may be called several times per message; they must not
 * call back into the classifier.
 */
struct classify_lookup {
    void *ctx;
    /* Is `number` one of our invoices? Its client. The number is passed
     * as written in the mail, then, if not found, uppercased: compare
     * exactly (the classifier keeps the spelling that was found). */
    bool (*invoice_exists)(void *ctx, const char *number,
                           char *client_id_out);
    /* Which client does this address (lowercased addr-spec) belong to?
     * Expected to try the exact contact address, then its domain when the
     * domain belongs to one client only. */
    bool (*client_of_address)(void *ctx, const char *address,
                              char *client_id_out);
    /* The send named by a verified token: up to max invoice numbers into
     * numbers (each CLASSIFY_NUMBER_MAX bytes) and its client. Returns the
     * number of invoices, or -1 if the token names no send we know. */
    int (*token_invoices)(void *ctx, const char *token,
                          char (*numbers)[CLASSIFY_NUMBER_MAX], int max,
                          char *client_id_out);
};

/* The envelope as the MTA saw it; every field may be NULL/0 (a file). */
struct classify_envelope {
    const char *mail_from;   /* "" for the null sender <> (bounces) */
    const char *const *rcpts;
    int nrcpts;
    time_t received;         /* when the MTA got it; 0 = unknown. Relative
                              * dates use the Date header, else this. */
};

/*
 * Configuration from relance.conf, borrowed for classifier_load only
 * (copied). Any string may be NULL.
 */
struct classify_conf {
    const char *rules_dir;        /* holds `references` and `intents` */
    const struct token_key *key;  /* NULL: no token is ever valid */
    const char *domain;           /* Domain (our Message-ID right side) */
    const char *reply_to;         /* ReplyTo address */
    const char *finance_address;  /* FinanceAddress */
    const char *from;             /* From: where bounces come back */
    const char *internal_domains; /* staff domains, spaces/commas; ""=domain */
};

struct classify_verdict {
    enum classify_kind kind;
    enum classify_intent intent;
    /* Our verified token: own Message-ID (outgoing), In-Reply-To or
     * References (reply), or the returned message's Message-ID (bounce). */
    char token[TOKEN_LEN + 1];
    bool token_forged;           /* a token-shaped id did not verify */
    char invoices[CLASSIFY_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
    int ninvoices;
    char client_id[CLASSIFY_ID_MAX];  /* "" if unknown */
    /* Numbers of our invoices quoted by a sender who is not that
     * invoice's client, without our valid token: not acted on, to be
     * reviewed by a human. */
    char review[CLASSIFY_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
    int nreview;
    char failed_recipients[CLASSIFY_MAX_FAILED][CLASSIFY_ADDR_MAX];
    int nfailed;
    char until[11];              /* YYYY-MM-DD or "" */
    struct sbuf evidence;        /* human-readable, one item per line */
    struct sbuf new_text;        /* reply text without quotes/signature */
};

/* Verdicts are reusable: init once, reset per message, free at the end. */
void classify_verdict_init(struct classify_verdict *v);
void classify_verdict_reset(struct classify_verdict *v);
void classify_verdict_free(struct classify_verdict *v);
/* classify_evidence appends one evidence line (newlines become spaces). */
void classify_evidence(struct classify_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct classifier;
struct classify_session;

/*
 * classifier_load reads and compiles (PCRE2, JIT) RulesDir/references and
 * RulesDir/intents. Returns NULL with "FILE:LINE: message" in err on a
 * missing file or a bad pattern. Free with classifier_free.
 */
struct classifier *classifier_load(const struct classify_conf *conf,
                                   char *err, size_t errlen);
void classifier_free(struct classifier *c);

/* One session per thread/connection; never NULL. */
struct classify_session *classify_session_new(const struct classifier *c);
void classify_session_free(struct classify_session *s);

/*
 * classify_headers_only decides from the headers (mail_end_headers done,
 * body not read) and the envelope whether the body is needed.
 * Returns false when the verdict in v is final without the body: kind
 * `outgoing` with our token, or `unrelated` (no token-shaped id of ours,
 * sender not a known client, not addressed to ReplyTo/FinanceAddress or
 * to our From, not a bounce/report, not staff mail to a client).
 * Returns true when the caller must read the body and call
 * classify_message; v then holds nothing useful.
 */
bool classify_headers_only(struct classify_session *s, const struct mail *m,
                           const struct classify_envelope *env,
                           const struct classify_lookup *lk,
                           struct classify_verdict *v);

/*
 * classify_message runs the whole decision on m (headers and body read;
 * a mail with body_read false is classified from its headers only).
 * env and lk may be NULL. v is reset first, then filled. Never fails.
 */
void classify_message(struct classify_session *s, const struct mail *m,
                      const struct classify_envelope *env,
                      const struct classify_lookup *lk,
                      struct classify_verdict *v);

#endif
