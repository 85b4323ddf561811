/*
 * import_inv.c - the invoice and payment rows of an import; see import.h
 * for the rules and import.c for the driver.
 */
#include "civil.h"
#include "db.h"
#include "import_int.h"
#include "invoice.h"
#include "money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { I_NUMBER, I_CLIENT, I_ISSUE, I_DUE, I_AMOUNT, I_CURRENCY, I_PAID,
       I_LINK, I_PDF, I_SCENARIO, I_METHOD, I_NCOLS };

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

/*
 * What the invoice looks like: from the file (the strings borrowed from
 * the row), or from the database (the strings in own, freed by
 * inv_free).
 */
struct inv {
    const char *client, *link, *pdf, *scenario, *method;
    char issue[11], due[11], currency[4], status[12];
    int64_t amount, paid; /* paid: what the accounting export says */
    int64_t amount_due, overpaid;
    char *own[5];
};

static void
inv_free(struct inv *v)
{
    for (int i = 0; i < 5; i++)
        free(v->own[i]);
}

/* A copy of the column's text kept in o->own[slot], or NULL. */
static const char *
inv_keep(struct inv *o, int slot, sqlite3_stmt *st, int col)
{
    const char *t = imp_text(st, col);
    return t ? (o->own[slot] = xstrdup(t)) : NULL;
}

/* Due, overpaid and status from amount, what is paid, the old status. */
static void
settle(struct inv *v, int64_t payments, const char *old_status)
{
    int64_t paid = v->paid + payments;
    v->amount_due = paid < v->amount ? v->amount - paid : 0;
    v->overpaid = paid > v->amount ? paid - v->amount : 0;
    if (v->amount_due == 0)
        snprintf(v->status, sizeof v->status, "paid");
    else if (old_status && strcmp(old_status, "paid") != 0)
        snprintf(v->status, sizeof v->status, "%s", old_status);
    else
        snprintf(v->status, sizeof v->status, "open");
}

static int
parse_invoice(struct csvin *in, const struct csvin_row *row, struct inv *v)
{
    const char *const *val = row->val;
    int errs = csvin_nerrors(in), issue = 0, due = 0;
    memset(v, 0, sizeof *v);
    if (get_date(in, row, I_ISSUE, &issue) == 0 &&
        get_date(in, row, I_DUE, &due) == 0) {
        if (due < issue)
            csvin_error(in, row, I_DUE, "due date %s is before the issue "
                        "date %s", val[I_DUE], val[I_ISSUE]);
        else if (due - issue > LME_MAX_DAYS)
            csvin_warn(in, row, I_DUE,
                       "délai de paiement de %d jours > %d jours (LME, "
                       "art. L441-10 C. com.) / payment terms of %d days "
                       "exceed the 60-day legal limit",
                       due - issue, LME_MAX_DAYS, due - issue);
        civil_format_iso(issue, v->issue);
        civil_format_iso(due, v->due);
    }
    get_amount(in, row, I_AMOUNT, false, &v->amount);
    if (val[I_PAID] && *val[I_PAID])
        get_amount(in, row, I_PAID, true, &v->paid);
    const char *cur = val[I_CURRENCY] && *val[I_CURRENCY] ? val[I_CURRENCY]
                                                          : "EUR";
    if (strcmp(cur, "\xE2\x82\xAC") == 0)
        cur = "EUR";
    if (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "abcdefghijklmnopqrstuvwxyz") != 3)
        csvin_error(in, row, I_CURRENCY, "\"%s\" is not a currency code "
                    "(EUR, USD...)", cur);
    else
        for (int i = 0; i < 4; i++) /* uppercase, with the NUL */
            v->currency[i] = (char)(cur[i] >= 'a' && cur[i] <= 'z'
                                        ? cur[i] - 'a' + 'A'
                                        : cur[i]);
    if (val[I_LINK] && *val[I_LINK] && !str_has_prefix(val[I_LINK], "https://")
        && !str_has_prefix(val[I_LINK], "http://"))
        csvin_error(in, row, I_LINK, "\"%s\" is not an http(s) address",
                    val[I_LINK]);
    v->client = val[I_CLIENT];
    v->link = val[I_LINK] && *val[I_LINK] ? val[I_LINK] : NULL;
    v->pdf = val[I_PDF] && *val[I_PDF] ? val[I_PDF] : NULL;
    v->scenario = val[I_SCENARIO] && *val[I_SCENARIO] ? val[I_SCENARIO] : NULL;
    v->method = val[I_METHOD] && *val[I_METHOD] ? val[I_METHOD] : NULL;
    return csvin_nerrors(in) > errs ? -1 : 0;
}

/* Reads the stored invoice; 1 found, 0 not, -1 error. *payments: sum. */
static int
load_invoice(struct imp *im, const char *number, struct inv *o,
             int64_t *payments)
{
    memset(o, 0, sizeof *o);
    sqlite3_stmt *st = imp_stmt(im, S_INV_GET);
    db_bind_text(st, 1, number);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return -1;
    o->client = inv_keep(o, 0, st, 0);
    snprintf(o->issue, sizeof o->issue, "%s", imp_text(st, 1));
    snprintf(o->due, sizeof o->due, "%s", imp_text(st, 2));
    o->amount = sqlite3_column_int64(st, 3);
    o->amount_due = sqlite3_column_int64(st, 4);
    o->overpaid = sqlite3_column_int64(st, 5);
    snprintf(o->currency, sizeof o->currency, "%s", imp_text(st, 6));
    o->link = inv_keep(o, 1, st, 7);
    o->pdf = inv_keep(o, 2, st, 8);
    snprintf(o->status, sizeof o->status, "%s", imp_text(st, 9));
    o->scenario = inv_keep(o, 3, st, 10);
    o->method = inv_keep(o, 4, st, 11);
    st = imp_stmt(im, S_PAYSUM);
    db_bind_text(st, 1, number);
    if (sqlite3_step(st) != SQLITE_ROW)
        return -1;
    *payments = sqlite3_column_int64(st, 0);
    /* What the export said was paid, recovered from the invariant
     * amount - due + overpaid = export's amount_paid + our payments. */
    o->paid = o->amount - o->amount_due + o->overpaid - *payments;
    return 1;
}

static int
insert_invoice(struct imp *im, const char *number, const struct inv *v)
{
    sqlite3_stmt *st = im->s[S_INV_INS];
    imp_bind(st, 1, number);
    imp_bind(st, 2, v->client);
    imp_bind(st, 3, v->issue);
    imp_bind(st, 4, v->due);
    sqlite3_bind_int64(st, 5, v->amount);
    sqlite3_bind_int64(st, 6, v->amount_due);
    imp_bind(st, 7, v->currency);
    imp_bind(st, 8, v->link);
    imp_bind(st, 9, v->pdf);
    imp_bind(st, 10, v->status);
    imp_bind(st, 11, v->amount_due == 0 ? im->today_iso : NULL);
    sqlite3_bind_int64(st, 12, v->overpaid);
    imp_bind(st, 13, im->at);
    imp_bind(st, 14, v->scenario);
    imp_bind(st, 15, v->method);
    if (imp_run(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(im->db);
}

static int
update_invoice(struct imp *im, struct csvin *in, const struct csvin_row *row,
               struct inv *v, const struct inv *o, int64_t payments)
{
    const char *const *val = row->val;
    /* Columns absent from the file keep their stored value. */
    if (val[I_CURRENCY] == NULL)
        memcpy(v->currency, o->currency, sizeof v->currency);
    if (val[I_PAID] == NULL)
        v->paid = o->paid;
    if (val[I_LINK] == NULL)
        v->link = o->link;
    if (val[I_PDF] == NULL)
        v->pdf = o->pdf;
    if (val[I_SCENARIO] == NULL)
        v->scenario = o->scenario;
    if (val[I_METHOD] == NULL)
        v->method = o->method;
    struct sbuf ch = {0};
    static const char *const names[] = {"issue_date", "due_date", "amount",
                                        "currency", "amount_paid",
                                        "payment_link", "pdf", "scenario",
                                        "payment_method"};
    bool diff[] = {
        strcmp(v->issue, o->issue) != 0, strcmp(v->due, o->due) != 0,
        v->amount != o->amount, strcmp(v->currency, o->currency) != 0,
        v->paid != o->paid, !imp_same(v->link, o->link),
        !imp_same(v->pdf, o->pdf), !imp_same(v->scenario, o->scenario),
        !imp_same(v->method, o->method),
    };
    for (size_t i = 0; i < sizeof diff / sizeof diff[0]; i++)
        if (diff[i])
            imp_changed_add(&ch, names[i]);
    if (ch.len == 0) {
        im->st->unchanged++;
        return 0;
    }
    sbuf_addc(&ch, ']');
    settle(v, payments, o->status);
    sqlite3_stmt *st = imp_stmt(im, S_INV_UPD);
    db_bind_text(st, 1, val[I_NUMBER]);
    db_bind_text(st, 2, v->issue);
    db_bind_text(st, 3, v->due);
    sqlite3_bind_int64(st, 4, v->amount);
    sqlite3_bind_int64(st, 5, v->amount_due);
    sqlite3_bind_int64(st, 6, v->overpaid);
    db_bind_text(st, 7, v->currency);
    db_bind_text(st, 8, v->link);
    db_bind_text(st, 9, v->pdf);
    db_bind_text(st, 10, v->status);
    /* paid_date: kept while paid, today when the import settles it. */
    db_bind_text(st, 11, im->today_iso);
    db_bind_text(st, 12, v->scenario);
    db_bind_text(st, 13, v->method);
    if (sqlite3_step(st) != SQLITE_DONE ||
        imp_row_event(im, "updated", val[I_NUMBER], o->client, row->line,
                      ch.s) < 0 ||
        (v->overpaid > o->overpaid &&
         imp_event(im, "overpayment", val[I_NUMBER], o->client,
                   "{\"source\":\"import amount_paid\"}") < 0)) {
        sbuf_free(&ch);
        return imp_db_error(im, in, row);
    }
    sbuf_free(&ch);
    im->st->updated++;
    return 0;
}

/*
 * Checks that the client exists: 0 yes, -1 reported, -2 database error.
 * A client found once is remembered for the rest of the file (the
 * import holds the write lock, so it cannot vanish meanwhile).
 */
static int
check_client(struct imp *im, struct csvin *in, const struct csvin_row *row,
             int col)
{
    const char *id = row->val[col];
    if (strset_has(im->clients, id))
        return 0;
    sqlite3_stmt *st = im->s[S_CLIENT_EXISTS];
    imp_bind(st, 1, id);
    int rc = imp_run(st);
    if (rc == SQLITE_ROW) {
        strset_put(im->clients, id, 1);
        return 0;
    }
    if (rc != SQLITE_DONE)
        return imp_db_error(im, in, row) - 1;
    csvin_error(in, row, col, "unknown client_id \"%s\" (import the clients "
                "file first)", row->val[col]);
    return -1;
}

static bool
other_client(struct csvin *in, const struct csvin_row *row,
             const struct inv *o)
{
    if (strcmp(o->client, row->val[I_CLIENT]) == 0)
        return false;
    csvin_error(in, row, I_CLIENT, "invoice %s belongs to client %s, not %s",
                row->val[I_NUMBER], o->client, row->val[I_CLIENT]);
    return true;
}

int
import_invoice_row(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct imp *im = arg;
    const char *number = row->val[I_NUMBER];
    struct inv v, o = {0};
    int64_t payments = 0;
    int rc = 0, found;
    bool dup = imp_seen(im, in, row, I_NUMBER, "invoice", number);
    parse_invoice(in, row, &v);
    if (check_client(im, in, row, I_CLIENT) == -2) {
        rc = -1;
        goto out;
    }
    if (csvin_nerrors(in) > 0) {
        /* Validation only: still name an invoice under another client. */
        if ((found = load_invoice(im, number, &o, &payments)) < 0)
            rc = imp_db_error(im, in, row);
        else if (found && !dup)
            other_client(in, row, &o);
        goto out;
    }
    settle(&v, 0, NULL);
    int inserted = insert_invoice(im, number, &v);
    if (inserted < 0) {
        rc = imp_db_error(im, in, row);
    } else if (inserted == 1) {
        im->st->created++;
        if (imp_row_event(im, "imported", number, v.client, row->line,
                          NULL) < 0 ||
            (v.overpaid > 0 &&
             imp_event(im, "overpayment", number, v.client,
                       "{\"source\":\"import amount_paid\"}") < 0))
            rc = imp_db_error(im, in, row);
    } else if ((found = load_invoice(im, number, &o, &payments)) <= 0) {
        rc = imp_db_error(im, in, row);
    } else if (!other_client(in, row, &o)) {
        rc = update_invoice(im, in, row, &v, &o, payments);
    }
out:
    inv_free(&v);
    inv_free(&o);
    return rc;
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
    db_bind_text(st, 1, val[P_INVOICE]);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        csvin_error(in, row, P_INVOICE, "unknown invoice \"%s\"",
                    val[P_INVOICE]);
    else if (step != SQLITE_ROW)
        return imp_db_error(im, in, row);
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
