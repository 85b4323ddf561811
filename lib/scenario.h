/*
 * scenario.h - dunning scenarios: which steps, when, through which
 * channel, with which template and tone; and which scenario a client
 * gets.
 *
 * Scenarios live in RulesDir/scenarios/NAME.scn (format in rules/README.md).
 * In short, `key value` lines grouped in blocks, `#` comments:
 *
 *     scenario default
 *     description Séquence standard
 *     priority 0
 *     match segment is key-account grands-comptes     (conditions, ANDed)
 *     exclude amount < 50                              (any true = skip)
 *
 *     step courtesy           (a step block runs until the next step)
 *     offset J-5              (days from the due date: J-5, J+3, -5, 3)
 *     channel email           (email, manager, finance, sms, task)
 *     template courtesy       (rules/templates/LANG/courtesy.txt)
 *     tone courtesy           (courtesy first firm formal collections)
 *     cc manager              (optional: manager finance contacts)
 *     flags attach-pdf legal  (optional)
 *     approval yes            (optional: a person approves before sending)
 *
 *     step thanks
 *     on paid                 (instead of offset: runs once after payment)
 *     ...
 *
 * The worker (lib/sched) and `relancectl config check` load the folder
 * once; scenario_choose picks one scenario per invoice from a profile the
 * caller fills (history numbers come from the caller: pure code, no I/O
 * besides scenario_load_dir reading the files).
 *
 * Two files, sharing nothing but this header:
 *   scenario_parse.c  the file format: names (scenario_*_name,
 *                     scenario_tone_parse) and scenario_parse
 *   scenario.c        the set: scenario_check, scenario_load_dir,
 *                     scenario_set_free, the finds, scenario_choose
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scn_channel {
    SCN_EMAIL,   /* message to the client's contact addresses */
    SCN_MANAGER, /* internal notice to the account manager */
    SCN_FINANCE, /* internal notice to FinanceAddress */
    SCN_SMS,     /* text message to the client (issue 5; no sender yet) */
    SCN_TASK,    /* a to-do for a person, e.g. a call (issue 5) */
};

/* Tones in escalation order: a message gathering several invoices takes
 * the most advanced tone (the highest value) of their due steps. */
enum scn_tone {
    TONE_COURTESY,
    TONE_FIRST,
    TONE_FIRM,
    TONE_FORMAL,
    TONE_COLLECTIONS,
};

/* What starts a step. */
enum scn_trigger {
    SCN_AT_OFFSET, /* on or after due date + offset (business day) */
    SCN_ON_PAID,   /* once, after the invoice is fully paid ("thank you") */
};

/* cc: bit set. */
#define SCN_CC_MANAGER 0x1  /* the client's account manager */
#define SCN_CC_FINANCE 0x2  /* FinanceAddress */
#define SCN_CC_CONTACTS 0x4 /* every contact address of the client, not
                               only the first (e.g. its finance contact) */

/* flags: bit set. */
#define SCN_F_ATTACH_PDF 0x1 /* attach each invoice's PDF when known */
#define SCN_F_LEGAL 0x2      /* show late-payment interest and the 40 EUR
                                indemnity (lib/legal) */
#define SCN_F_DOSSIER 0x4    /* also keep a copy in DossierDir (formal
                                notice letter) */

struct scenario_step {
    char *name;        /* unique within its scenario */
    int index;         /* 1-based position in the scenario (reminders.step) */
    int trigger;       /* enum scn_trigger */
    int offset;        /* days from the due date; SCN_AT_OFFSET only */
    int channel;       /* enum scn_channel */
    char *template;    /* template name, without language or .txt */
    int tone;          /* enum scn_tone */
    unsigned cc;       /* SCN_CC_* */
    unsigned flags;    /* SCN_F_* */
    bool approval;     /* wait for a person's approval before sending */
    char *assignee;    /* SCN_TASK: "manager", "finance" or an address */
    int line;          /* where the step block starts */
};

/* Condition subjects (the left-hand side of match/exclude). */
enum scn_field {
    SCN_FIELD_SEGMENT,       /* words: is / is not */
    SCN_FIELD_AMOUNT,        /* invoice amount incl. tax, currency units */
    SCN_FIELD_REVENUE,       /* client's annual revenue, currency units */
    SCN_FIELD_PAYMENT,       /* invoice's payment method: is / is not */
    SCN_FIELD_INVOICES_PAID, /* invoices the client has paid (history) */
    SCN_FIELD_CLIENT_AGE,    /* days since the client's first invoice */
    SCN_FIELD_AVG_DAYS_LATE, /* mean days late over paid invoices */
    SCN_FIELD_LATE_RATIO,    /* % of paid invoices paid after the due date */
};

enum scn_op { SCN_OP_IS, SCN_OP_IS_NOT, SCN_OP_EQ, SCN_OP_NE, SCN_OP_LT,
              SCN_OP_LE, SCN_OP_GT, SCN_OP_GE };

struct scenario_cond {
    int field;        /* enum scn_field */
    int op;           /* enum scn_op; IS/IS_NOT for words only */
    int64_t value;    /* numbers; amounts and revenue in cents */
    char **words;     /* segment or payment-method names (lowercased) */
    size_t nwords;
    bool exclude;     /* from an `exclude` line */
    int line;
};

struct scenario {
    char *name;        /* unique across the folder; "default" must exist */
    char *description; /* may be "" */
    char *file;        /* the file it came from */
    int line;          /* line of its `scenario` line */
    int priority;      /* higher is tried first; default 0 */
    struct scenario_cond *conds;
    size_t nconds;
    struct scenario_step *steps; /* in file order; offsets ascending */
    size_t nsteps;
};

struct scenario_set {
    struct scenario *v; /* in the order scenario_choose tries them */
    size_t n;
};

/*
 * The facts about one invoice and its client that conditions test. The
 * caller computes the history numbers (from the database); a value the
 * caller does not know is -1, and every condition on it is false (so an
 * `exclude` on it does not exclude, a `match` on it does not match).
 */
struct scenario_profile {
    const char *segment;      /* NULL or "" = none */
    int64_t amount_cents;     /* the invoice's amount incl. tax */
    int64_t revenue_cents;    /* client's annual revenue; -1 unknown */
    int invoices_paid;        /* -1 unknown */
    int client_age_days;      /* -1 unknown */
    int avg_days_late;        /* -1 unknown (e.g. nothing paid yet) */
    int late_ratio_pct;       /* 0..100; -1 unknown */
    const char *payment_method; /* invoice's, e.g. "direct-debit"; NULL or
                                   "" = none (only `is not` holds) */
};

/*
 * scenario_parse parses one file's text (name used in messages) and
 * appends its scenarios to set (zero-initialise set first). Returns 0, or
 * -1 with "FILE:LINE: message" in err; set then holds what was parsed
 * before the error and must still be freed.
 */
int scenario_parse(struct scenario_set *set, const char *file,
                   const char *text, char *err, size_t errlen);

/*
 * scenario_check: the folder as a whole is usable - names unique, a
 * scenario named "default" exists, every scenario has at least one step
 * or is meant to send nothing (no steps is allowed: it excludes). Then
 * sorts set for scenario_choose (priority descending, then load order).
 * Returns 0 or -1 with "FILE:LINE: message" in err.
 */
int scenario_check(struct scenario_set *set, char *err, size_t errlen);

/*
 * scenario_load_dir reads every DIR/NAME.scn in name order, parses and
 * checks them. Returns 0, or -1 with the first error in err; on error
 * set is freed and empty.
 */
int scenario_load_dir(struct scenario_set *set, const char *dir, char *err,
                      size_t errlen);

void scenario_set_free(struct scenario_set *set);

/* scenario_find: the scenario named name, or NULL. */
const struct scenario *scenario_find(const struct scenario_set *set,
                                     const char *name);

/*
 * scenario_choose: the first scenario (in set order) whose match
 * conditions all hold and none of whose exclude conditions holds; the
 * scenario named "default" when none does. Never NULL after a successful
 * scenario_check. A scenario with no steps means "send nothing".
 */
const struct scenario *scenario_choose(const struct scenario_set *set,
                                       const struct scenario_profile *p);

/* scenario_cond_holds: one condition against a profile (tests, -v logs). */
bool scenario_cond_holds(const struct scenario_cond *c,
                         const struct scenario_profile *p);

/* scenario_field_name: the subject as written ("avg-days-late"). */
const char *scenario_field_name(int field);

/* scenario_op_name: the operator as written ("is not", ">="). */
const char *scenario_op_name(int op);

/* scenario_step_find: the step of s named name, or NULL. */
const struct scenario_step *scenario_step_find(const struct scenario *s,
                                               const char *name);

/* Names as written in the files (static text); parse returns -1 if
 * unknown. */
const char *scenario_channel_name(int channel);
const char *scenario_tone_name(int tone);
int scenario_tone_parse(const char *s);

#endif
