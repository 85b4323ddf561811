/*
 * import_inv.c - the invoice rows as the reader thread sees them, and the
 * payment rows; see import.h for the rules, import_pipe.c for the threads
 * and import_apply.c for the writing.
 *
 * An invoice row is checked here without the database: dates, amounts,
 * currency, link, a number twice in the file (strset), a client_id the
 * database lacks (every client_id is loaded before the reading starts).
 * The row then goes to the writer, parsed, in a batch: IROW_WRITE when
 * it is valid, IROW_CHECK when it is not (the writer only says whether
 * the number belongs to another client). A number already seen in the
 * file is reported here and goes no further.
 */
#include "civil.h"
#include "import_int.h"
#include "invoice.h"
#include "money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct csvin_col import_invoice_cols[] = {
    {"number", true},   {"client_id", true}, {"issue_date", true},
    {"due_date", true}, {"amount", true},    {"currency", false},
    {"amount_paid", false}, {"payment_link", false}, {"pdf", false},
    {"scenario", false}, {"payment_method", false},
};
const int import_invoice_ncols = I_NCOLS;

enum { P_INVOICE, P_DATE, P_AMOUNT, P_REFERENCE, P_NCOLS };

const struct csvin_col import_payment_cols[] = {
    {"invoice", true}, {"date", true}, {"amount", true},
    {"reference", false},
};
const int import_payment_ncols = P_NCOLS;

/* The French LME limit on payment terms (Code de commerce L441-10). */
#define LME_MAX_DAYS 60

static int
get_date(struct csvin *in, const struct csvin_row *row, int col, int *day)
{
    if (civil_parse_date(row->val[col], day) == 0)
        return 0;
    csvin_error(in, row, col,
                "\"%s\" is not a valid date (YYYY-MM-DD or DD/MM/YYYY)",
                row->val[col]);
    return -1;
}

/* An amount; positive unless zero_ok (then >= 0). */
static int
get_amount(struct csvin *in, const struct csvin_row *row, int col,
           bool zero_ok, int64_t *cents)
{
    const char *why;
    if (money_parse(row->val[col], cents, &why) < 0) {
        csvin_error(in, row, col, "\"%s\" is not an amount: %s",
                    row->val[col], why);
        return -1;
    }
    if (*cents < 0 || (*cents == 0 && !zero_ok)) {
        csvin_error(in, row, col, "\"%s\": the amount must be %s",
                    row->val[col], zero_ok ? "zero or more" : "positive");
        return -1;
    }
    return 0;
}

/* The dates: both valid and in order. -1 when reported. */
static int
get_dates(struct csvin *in, const struct csvin_row *row, struct irow *r)
{
    const char *const *val = row->val;
    int issue, due;
    int bad = get_date(in, row, I_ISSUE, &issue);
    if (get_date(in, row, I_DUE, &due) < 0 || bad < 0)
        return -1;
    if (due < issue) {
        csvin_error(in, row, I_DUE, "due date %s is before the issue "
                    "date %s", val[I_DUE], val[I_ISSUE]);
        return -1;
    }
    if (due - issue > LME_MAX_DAYS)
        csvin_warn(in, row, I_DUE,
                   "délai de paiement de %d jours > %d jours (LME, "
                   "art. L441-10 C. com.) / payment terms of %d days "
                   "exceed the 60-day legal limit",
                   due - issue, LME_MAX_DAYS, due - issue);
    civil_format_iso(issue, r->issue);
    civil_format_iso(due, r->due);
    return 0;
}

/* Three letters, uppercased into r->currency ("€" is EUR). */
static int
get_currency(struct csvin *in, const struct csvin_row *row, struct irow *r)
{
    const char *v = row->val[I_CURRENCY];
    const char *cur = v && *v ? v : "EUR";
    if (strcmp(cur, "\xE2\x82\xAC") == 0)
        cur = "EUR";
    if (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "abcdefghijklmnopqrstuvwxyz") != 3) {
        csvin_error(in, row, I_CURRENCY, "\"%s\" is not a currency code "
                    "(EUR, USD...)", cur);
        return -1;
    }
    for (int i = 0; i < 4; i++) /* uppercase, with the NUL */
        r->currency[i] = (char)(cur[i] >= 'a' && cur[i] <= 'z'
                                    ? cur[i] - 'a' + 'A'
                                    : cur[i]);
    return 0;
}

/* Parses and checks row into r; -1 if anything was reported. */
static int
parse_invoice(struct csvin *in, const struct csvin_row *row, struct irow *r)
{
    const char *const *val = row->val;
    int bad = 0;
    bad |= get_dates(in, row, r);
    bad |= get_amount(in, row, I_AMOUNT, false, &r->amount);
    if (val[I_PAID] && *val[I_PAID])
        bad |= get_amount(in, row, I_PAID, true, &r->paid);
    bad |= get_currency(in, row, r);
    const char *link = val[I_LINK];
    if (link && *link && !str_has_prefix(link, "https://") &&
        !str_has_prefix(link, "http://")) {
        csvin_error(in, row, I_LINK, "\"%s\" is not an http(s) address",
                    link);
        bad = -1;
    }
    for (int c = I_CURRENCY; c < I_NCOLS; c++)
        if (val[c])
            r->has |= 1u << c;
    return bad ? -1 : 0;
}

/* Copies val (NULL or "" is no value) into the batch. */
static uint32_t
text_or_null(struct ipipe *p, const char *val)
{
    return val && *val ? ipipe_text(p, val) : IROW_NULL;
}

int
import_invoice_row(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct imp *im = arg;
    const char *const *val = row->val;
    struct irow r = {.line = row->line};
    bool dup = imp_seen(im, in, row, I_NUMBER, "invoice", val[I_NUMBER]);
    bool bad = parse_invoice(in, row, &r) < 0;
    if (!strset_has(im->clients, val[I_CLIENT])) {
        csvin_error(in, row, I_CLIENT, "unknown client_id \"%s\" (import "
                    "the clients file first)", val[I_CLIENT]);
        bad = true;
    }
    if (dup) /* reported; its first line is the one that counts */
        return 0;
    r.what = bad ? IROW_CHECK : IROW_WRITE;
    struct irow *out = ipipe_row(im->pipe);
    if (out == NULL)
        return -1; /* the writer stopped on a database error */
    *out = r;
    out->number = ipipe_text(im->pipe, val[I_NUMBER]);
    out->client = ipipe_text(im->pipe, val[I_CLIENT]);
    out->link = text_or_null(im->pipe, val[I_LINK]);
    out->pdf = text_or_null(im->pipe, val[I_PDF]);
    out->scenario = text_or_null(im->pipe, val[I_SCENARIO]);
    out->method = text_or_null(im->pipe, val[I_METHOD]);
    return 0;
}

int
import_payment_row(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct imp *im = arg;
    const char *const *val = row->val;
    const char *ref = val[P_REFERENCE] ? val[P_REFERENCE] : "";
    int day = 0;
    int64_t cents = 0;
    get_date(in, row, P_DATE, &day);
    get_amount(in, row, P_AMOUNT, false, &cents);
    sqlite3_stmt *st = imp_stmt(im, S_INV_EXISTS);
    imp_bind(st, 1, val[P_INVOICE]);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        csvin_error(in, row, P_INVOICE, "unknown invoice \"%s\"",
                    val[P_INVOICE]);
    else if (step != SQLITE_ROW)
        return imp_db_error(im, in, row->line);
    char *key = xasprintf("%s\x1f%d\x1f%lld\x1f%s", val[P_INVOICE], day,
                          (long long)cents, ref);
    int prev = strset_put(im->seen, key, (int)row->line);
    free(key);
    if (prev)
        csvin_warn(in, row, -1, "same payment as line %d (invoice, date, "
                   "amount, reference): counted once", prev);
    if (prev || csvin_nerrors(in) > 0)
        return 0;
    char err[512];
    int rc = invoice_pay(im->db, val[P_INVOICE], day, cents, ref, im->at,
                         "import", NULL, err, sizeof err);
    if (rc == 0)
        im->st->created++;
    else if (rc == INVOICE_EDUPLICATE)
        im->st->unchanged++;
    else {
        csvin_error(in, row, -1, "%s", err);
        return -1;
    }
    return 0;
}
