/*
 * tmpl.h - message templates: loading (with every variable checked) and
 * rendering from a data structure the caller fills. No I/O at render time.
 *
 * Files: RulesDir/templates/fr/NAME.txt and RulesDir/templates/en/NAME.txt,
 * UTF-8. A message template starts with a `Subject: ...` line, then a
 * blank line, then the body. Two templates have no subject and are parts
 * of every message: `signature` (inserted by {{signature}}) and
 * `redirect-banner` (put above the body when the message is redirected to
 * the finance address in redirect mode).
 *
 * Syntax (full reference in rules/README.md):
 *     {{client.name}}                      a variable
 *     {{#each invoices}} ... {{/each}}     a loop (invoices, totals, entries)
 *     {{#if several}} ... {{else}} ... {{/if}}
 *     {{#unless legal}} ... {{/unless}}
 *     {{! a comment }}
 * A line holding only a block tag ({{#...}}, {{/...}}, {{else}}, {{!...}})
 * disappears entirely, so loops and conditions can sit on their own lines.
 * A variable is "true" for #if when it is a non-empty text, a non-zero
 * number, or a non-empty list. Amounts that are unknown (interest not
 * computed) and dates that are 0 render as "" and are false. Conditions
 * (several, legal, invoice.partial...) and lists may not be printed.
 * Rendered bodies are tidied: no trailing spaces, at most one blank line
 * in a row, one final newline; the subject is one line.
 *
 * A template naming an unknown variable, a loop field outside its loop,
 * or with unbalanced blocks is refused at load time with FILE:LINE; it is
 * never rendered with a blank. The variables (see tmpl.c's table and
 * rules/README.md):
 *   company.name  finance.email  today  payment_link  signature
 *   client.id client.name client.first_name client.last_name
 *   contact.name (first + last name, else the client name) contact.email
 *   manager.name manager.email   step.name step.tone
 *   count (invoices) several (more than one invoice)
 *   several_currencies (more than one line in totals)
 *   attached (condition: at least one invoice PDF is attached)
 *   redirect.to (real recipients in redirect mode; "" otherwise)
 *   legal (true when the legal amounts were computed) legal.rate
 *   each invoices: invoice.number invoice.issue_date invoice.due_date
 *     invoice.amount invoice.amount_due invoice.paid (already paid, ""
 *     when nothing) invoice.partial (condition) invoice.currency
 *     invoice.days_late invoice.days_late_text invoice.days_to_due
 *     invoice.days_to_due_text invoice.payment_link invoice.interest
 *     invoice.indemnity invoice.interest_detail
 *     invoice.attached (condition: its PDF is attached)
 *   each totals (one per currency, first-seen order): total.currency
 *     total.count total.amount_due total.interest total.indemnity
 *     total.claim (amount due + interest + indemnity)
 *   notice.kind notice.detail notice.address notice.error notice.subject
 *     notice.from notice.date notice.invoice
 *   digest.date digest.sent digest.failed digest.disputes digest.promises
 *   each entries: entry.date entry.client entry.invoice entry.text
 */
#ifndef TMPL_H
#define TMPL_H

/* Beyond this many invoices, {{numbers}} gives their count, not the list. */
#define TMPL_SUBJECT_MAX_NUMBERS 5

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scenario_set;

/* One invoice row. Amounts in cents; dates are civil.h day numbers. */
struct tmpl_invoice {
    const char *number;
    int issue_date;
    int due_date;
    int64_t amount_cents;     /* including tax */
    int64_t amount_due_cents; /* what is left to pay */
    const char *currency;     /* "EUR" when NULL */
    const char *payment_link; /* NULL or "" = none */
    /* Filled by the legal engine (lib/legal); -1 = not computed. */
    int64_t interest_cents;
    int64_t indemnity_cents;
    const char *interest_detail; /* calculation lines, NULL = none */
    bool pdf_attached;        /* the message carries this invoice's PDF */
};

/* One line of a digest. */
struct tmpl_entry {
    int date;          /* day number, 0 = none */
    const char *client;
    const char *invoice;
    const char *text;
};

/*
 * Everything a template may show. Zero-initialise, then fill what you
 * have: NULL strings render as "", so a template should guard optional
 * ones with {{#if}}. Nothing is copied or kept after tmpl_render.
 */
struct tmpl_ctx {
    int lang;                  /* enum textfmt_lang */
    int today;                 /* day number */
    const char *company_name;
    const char *finance_email;
    const char *payment_link;  /* client-level link; NULL = the link every
                                  invoice shares, if they share one */
    const char *client_id;
    const char *client_name;
    const char *first_name;
    const char *last_name;
    const char *contact_email;
    const char *manager_name;
    const char *manager_email;
    const char *step_name;
    int tone;                  /* enum scn_tone */
    const char *redirect_to;   /* redirect mode: the real recipients */
    const struct tmpl_invoice *invoices;
    size_t ninvoices;
    int legal_rate_bp;         /* annual rate shown as legal.rate, 0 = none */
    /* Notices to staff. */
    const char *notice_kind;
    const char *notice_detail; /* e.g. the client's reply, quotes removed */
    const char *notice_address;
    const char *notice_error;
    const char *notice_subject;
    const char *notice_from;
    const char *notice_invoice;
    int notice_date;           /* day number, 0 = none */
    /* Digest. */
    int digest_sent, digest_failed, digest_disputes, digest_promises;
    const struct tmpl_entry *entries;
    size_t nentries;
};

struct tmpl_set;

/* tmpl_set_new: an empty set (for tests and tmpl_add). */
struct tmpl_set *tmpl_set_new(void);

/*
 * tmpl_add compiles one template text (file names it in errors) and adds
 * it as name in language lang, replacing a previous one. Returns 0, or -1
 * with "FILE:LINE: message" in err and the set unchanged.
 */
int tmpl_add(struct tmpl_set *s, int lang, const char *name,
             const char *file, const char *text, char *err, size_t errlen);

/*
 * tmpl_load_dir loads DIR/fr/NAME.txt and DIR/en/NAME.txt (DIR is usually
 * RulesDir/templates). Every template is compiled and checked; both
 * languages must have the same names, including signature and
 * redirect-banner. Returns the set, or NULL with the first error in err.
 */
struct tmpl_set *tmpl_load_dir(const char *dir, char *err, size_t errlen);

void tmpl_set_free(struct tmpl_set *s);

/* tmpl_has: true if name exists in language lang. */
bool tmpl_has(const struct tmpl_set *s, int lang, const char *name);

/*
 * tmpl_check_scenarios: every template named by a step of every scenario
 * exists in every language. Returns 0 or -1 with
 * "FILE:LINE: step S: no template fr/NAME.txt" in err.
 */
int tmpl_check_scenarios(const struct tmpl_set *s,
                         const struct scenario_set *scn, char *err,
                         size_t errlen);

/*
 * tmpl_render renders template name in ctx->lang. *subject gets the
 * subject on one line (NULL is stored for subject-less parts), *body the
 * body (the redirect banner first when ctx->redirect_to is set). Both are
 * new UTF-8 strings the caller frees. Returns 0, or -1 with a message in
 * err if the template does not exist (nothing is allocated then).
 */
int tmpl_render(const struct tmpl_set *s, const char *name,
                const struct tmpl_ctx *ctx, char **subject, char **body,
                char *err, size_t errlen);

#endif
