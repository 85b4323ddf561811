/*
 * tmplvar.c - the variables of templates: catalogue and values; see
 * tmplvar.h. Adding a variable means one enum value, one row of vars[],
 * one case in tmplvar_value or tmplvar_truth, and a line in tmpl.h and
 * rules/README.md.
 */
#include "tmplvar.h"
#include "log.h"
#include "scenario.h"
#include "textfmt.h"

#include <stdlib.h>
#include <string.h>

enum var_id {
    V_COMPANY, V_FINANCE, V_TODAY, V_PAYLINK, V_SIGNATURE, V_CLIENT_ID,
    V_CLIENT_NAME, V_FIRST, V_LAST, V_CONTACT_NAME, V_CONTACT_EMAIL,
    V_MANAGER_NAME, V_MANAGER_EMAIL, V_STEP_NAME, V_STEP_TONE, V_COUNT, V_NUMBERS,
    V_SEVERAL, V_SEVERAL_CUR, V_ATTACHED, V_REDIRECT_TO, V_LEGAL, V_LEGAL_RATE,
    V_INVOICES, V_TOTALS, V_ENTRIES,
    V_NOTICE_KIND, V_NOTICE_DETAIL, V_NOTICE_ADDRESS, V_NOTICE_ERROR,
    V_NOTICE_SUBJECT, V_NOTICE_FROM, V_NOTICE_INVOICE, V_NOTICE_DATE,
    V_DIGEST_DATE, V_DIGEST_SENT, V_DIGEST_FAILED, V_DIGEST_DISPUTES,
    V_DIGEST_PROMISES,
    V_INV_NUMBER, V_INV_ISSUE, V_INV_DUE, V_INV_AMOUNT, V_INV_AMOUNT_DUE,
    V_INV_PAID, V_INV_PARTIAL, V_INV_CURRENCY, V_INV_DAYS_LATE,
    V_INV_DAYS_LATE_TEXT, V_INV_DAYS_TO_DUE, V_INV_DAYS_TO_DUE_TEXT,
    V_INV_PAYLINK, V_INV_INTEREST, V_INV_INDEMNITY, V_INV_INTEREST_DETAIL,
    V_INV_ATTACHED,
    V_TOT_CURRENCY, V_TOT_COUNT, V_TOT_AMOUNT_DUE, V_TOT_INTEREST,
    V_TOT_INDEMNITY, V_TOT_CLAIM,
    V_ENT_DATE, V_ENT_CLIENT, V_ENT_INVOICE, V_ENT_TEXT,
};

static const struct tmplvar vars[] = {
    {"company.name", V_COMPANY, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"finance.email", V_FINANCE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"today", V_TODAY, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"payment_link", V_PAYLINK, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"signature", V_SIGNATURE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"client.id", V_CLIENT_ID, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"client.name", V_CLIENT_NAME, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"client.first_name", V_FIRST, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"client.last_name", V_LAST, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"contact.name", V_CONTACT_NAME, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"contact.email", V_CONTACT_EMAIL, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"manager.name", V_MANAGER_NAME, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"manager.email", V_MANAGER_EMAIL, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"step.name", V_STEP_NAME, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"step.tone", V_STEP_TONE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"count", V_COUNT, TMPLVAR_NUM, TMPLVAR_TOP, 0},
    {"numbers", V_NUMBERS, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"several", V_SEVERAL, TMPLVAR_BOOL, TMPLVAR_TOP, 0},
    {"several_currencies", V_SEVERAL_CUR, TMPLVAR_BOOL, TMPLVAR_TOP, 0},
    {"attached", V_ATTACHED, TMPLVAR_BOOL, TMPLVAR_TOP, 0},
    {"redirect.to", V_REDIRECT_TO, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"legal", V_LEGAL, TMPLVAR_BOOL, TMPLVAR_TOP, 0},
    {"legal.rate", V_LEGAL_RATE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"invoices", V_INVOICES, TMPLVAR_LIST, TMPLVAR_TOP, TMPLVAR_INVOICE},
    {"totals", V_TOTALS, TMPLVAR_LIST, TMPLVAR_TOP, TMPLVAR_TOTAL},
    {"entries", V_ENTRIES, TMPLVAR_LIST, TMPLVAR_TOP, TMPLVAR_ENTRY},
    {"notice.kind", V_NOTICE_KIND, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.detail", V_NOTICE_DETAIL, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.address", V_NOTICE_ADDRESS, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.error", V_NOTICE_ERROR, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.subject", V_NOTICE_SUBJECT, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.from", V_NOTICE_FROM, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.invoice", V_NOTICE_INVOICE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"notice.date", V_NOTICE_DATE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"digest.date", V_DIGEST_DATE, TMPLVAR_TEXT, TMPLVAR_TOP, 0},
    {"digest.sent", V_DIGEST_SENT, TMPLVAR_NUM, TMPLVAR_TOP, 0},
    {"digest.failed", V_DIGEST_FAILED, TMPLVAR_NUM, TMPLVAR_TOP, 0},
    {"digest.disputes", V_DIGEST_DISPUTES, TMPLVAR_NUM, TMPLVAR_TOP, 0},
    {"digest.promises", V_DIGEST_PROMISES, TMPLVAR_NUM, TMPLVAR_TOP, 0},
    {"invoice.number", V_INV_NUMBER, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.issue_date", V_INV_ISSUE, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.due_date", V_INV_DUE, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.amount", V_INV_AMOUNT, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.amount_due", V_INV_AMOUNT_DUE, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.paid", V_INV_PAID, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.partial", V_INV_PARTIAL, TMPLVAR_BOOL, TMPLVAR_INVOICE, 0},
    {"invoice.currency", V_INV_CURRENCY, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.days_late", V_INV_DAYS_LATE, TMPLVAR_NUM, TMPLVAR_INVOICE, 0},
    {"invoice.days_late_text", V_INV_DAYS_LATE_TEXT, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.days_to_due", V_INV_DAYS_TO_DUE, TMPLVAR_NUM, TMPLVAR_INVOICE, 0},
    {"invoice.days_to_due_text", V_INV_DAYS_TO_DUE_TEXT, TMPLVAR_TEXT, TMPLVAR_INVOICE,
     0},
    {"invoice.payment_link", V_INV_PAYLINK, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.interest", V_INV_INTEREST, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.indemnity", V_INV_INDEMNITY, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.interest_detail", V_INV_INTEREST_DETAIL, TMPLVAR_TEXT, TMPLVAR_INVOICE, 0},
    {"invoice.attached", V_INV_ATTACHED, TMPLVAR_BOOL, TMPLVAR_INVOICE, 0},
    {"total.currency", V_TOT_CURRENCY, TMPLVAR_TEXT, TMPLVAR_TOTAL, 0},
    {"total.count", V_TOT_COUNT, TMPLVAR_NUM, TMPLVAR_TOTAL, 0},
    {"total.amount_due", V_TOT_AMOUNT_DUE, TMPLVAR_TEXT, TMPLVAR_TOTAL, 0},
    {"total.interest", V_TOT_INTEREST, TMPLVAR_TEXT, TMPLVAR_TOTAL, 0},
    {"total.indemnity", V_TOT_INDEMNITY, TMPLVAR_TEXT, TMPLVAR_TOTAL, 0},
    {"total.claim", V_TOT_CLAIM, TMPLVAR_TEXT, TMPLVAR_TOTAL, 0},
    {"entry.date", V_ENT_DATE, TMPLVAR_TEXT, TMPLVAR_ENTRY, 0},
    {"entry.client", V_ENT_CLIENT, TMPLVAR_TEXT, TMPLVAR_ENTRY, 0},
    {"entry.invoice", V_ENT_INVOICE, TMPLVAR_TEXT, TMPLVAR_ENTRY, 0},
    {"entry.text", V_ENT_TEXT, TMPLVAR_TEXT, TMPLVAR_ENTRY, 0},
};

static const char *const scope_loop[] = {"", "invoices", "totals", "entries"};

const char *
tmplvar_loop_name(int scope)
{
    return scope > 0 && scope < 4 ? scope_loop[scope] : "";
}

bool
tmplvar_is_signature(int id)
{
    return id == V_SIGNATURE;
}

const struct tmplvar *
tmplvar_find(const char *name)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (strcmp(vars[i].name, name) == 0)
            return &vars[i];
    return NULL;
}

struct tmplvar_total {
    const char *currency;
    int count;
    int64_t due, interest, indemnity;
    bool interest_known, indemnity_known;
};

static const char *
cur_of(const char *c)
{
    return c && *c ? c : "EUR";
}

void
tmplvar_begin(struct tmplvar_state *st, const struct tmpl_ctx *ctx)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    const struct tmpl_ctx *x = ctx;
    for (size_t i = 0; i < x->ninvoices; i++) {
        const struct tmpl_invoice *inv = &x->invoices[i];
        struct tmplvar_total *t = NULL;
        for (size_t j = 0; j < st->ntotals; j++)
            if (strcmp(st->totals[j].currency, cur_of(inv->currency)) == 0)
                t = &st->totals[j];
        if (t == NULL) {
            st->totals = xrealloc(st->totals,
                                  (st->ntotals + 1) * sizeof *st->totals);
            t = &st->totals[st->ntotals++];
            memset(t, 0, sizeof *t);
            t->currency = cur_of(inv->currency);
        }
        t->count++;
        t->due += inv->amount_due_cents;
        if (inv->interest_cents >= 0) {
            t->interest += inv->interest_cents;
            t->interest_known = true;
        }
        if (inv->indemnity_cents >= 0) {
            t->indemnity += inv->indemnity_cents;
            t->indemnity_known = true;
        }
    }
}

static void
add_str(struct sbuf *b, const char *s)
{
    if (s)
        sbuf_adds(b, s);
}

static void
add_date(struct sbuf *b, int day, int lang)
{
    char buf[TEXTFMT_DATE_MAX];
    if (day != 0)
        sbuf_adds(b, textfmt_date(day, lang, buf, sizeof buf));
}

static void
add_money(struct sbuf *b, int64_t cents, const char *cur, int lang)
{
    char buf[64];
    sbuf_adds(b, textfmt_money(cents, cur_of(cur), lang, buf, sizeof buf));
}

/* shared_link: ctx->payment_link, else the link all invoices share. */
static const char *
shared_link(const struct tmpl_ctx *x)
{
    if (x->payment_link && *x->payment_link)
        return x->payment_link;
    const char *link = NULL;
    for (size_t i = 0; i < x->ninvoices; i++) {
        const char *l = x->invoices[i].payment_link;
        if (l == NULL || *l == '\0' || (link && strcmp(link, l) != 0))
            return NULL;
        link = l;
    }
    return link;
}

static int
days_late(const struct tmplvar_state *st)
{
    int d = st->ctx->today - st->inv->due_date;
    return d > 0 ? d : 0;
}

static int
days_to_due(const struct tmplvar_state *st)
{
    int d = st->inv->due_date - st->ctx->today;
    return d > 0 ? d : 0;
}

void
tmplvar_value(const struct tmplvar_state *st, int id, struct sbuf *b)
{
    const struct tmpl_ctx *x = st->ctx;
    const struct tmpl_invoice *inv = st->inv;
    const struct tmplvar_total *t = st->tot;
    int lang = x->lang;
    char buf[64];
    switch (id) {
    case V_COMPANY: add_str(b, x->company_name); break;
    case V_FINANCE: add_str(b, x->finance_email); break;
    case V_TODAY: add_date(b, x->today, lang); break;
    case V_PAYLINK: add_str(b, shared_link(x)); break;
    case V_SIGNATURE: /* rendered by tmpl.c from the signature template */
        break;
    case V_CLIENT_ID: add_str(b, x->client_id); break;
    case V_CLIENT_NAME: add_str(b, x->client_name); break;
    case V_FIRST: add_str(b, x->first_name); break;
    case V_LAST: add_str(b, x->last_name); break;
    case V_CONTACT_NAME: {
        bool f = x->first_name && *x->first_name;
        bool l = x->last_name && *x->last_name;
        if (f || l)
            sbuf_addf(b, "%s%s%s", f ? x->first_name : "",
                      f && l ? " " : "", l ? x->last_name : "");
        else
            add_str(b, x->client_name);
        break;
    }
    case V_CONTACT_EMAIL: add_str(b, x->contact_email); break;
    case V_MANAGER_NAME: add_str(b, x->manager_name); break;
    case V_MANAGER_EMAIL: add_str(b, x->manager_email); break;
    case V_STEP_NAME: add_str(b, x->step_name); break;
    case V_STEP_TONE: add_str(b, scenario_tone_name(x->tone)); break;
    case V_COUNT: sbuf_addf(b, "%zu", x->ninvoices); break;
    case V_NUMBERS:
        /* For subjects: the numbers while a reader can take them in at a
         * glance, their count beyond that (issue 3). */
        if (x->ninvoices > TMPL_SUBJECT_MAX_NUMBERS) {
            sbuf_addf(b, "(%zu)", x->ninvoices);
            break;
        }
        for (size_t i = 0; i < x->ninvoices; i++) {
            if (i)
                sbuf_addc(b, ' ');
            add_str(b, x->invoices[i].number);
        }
        break;
    case V_REDIRECT_TO: add_str(b, x->redirect_to); break;
    case V_LEGAL_RATE:
        if (x->legal_rate_bp > 0)
            sbuf_adds(b, textfmt_percent(x->legal_rate_bp, lang, buf,
                                         sizeof buf));
        break;
    case V_NOTICE_KIND: add_str(b, x->notice_kind); break;
    case V_NOTICE_DETAIL: add_str(b, x->notice_detail); break;
    case V_NOTICE_ADDRESS: add_str(b, x->notice_address); break;
    case V_NOTICE_ERROR: add_str(b, x->notice_error); break;
    case V_NOTICE_SUBJECT: add_str(b, x->notice_subject); break;
    case V_NOTICE_FROM: add_str(b, x->notice_from); break;
    case V_NOTICE_INVOICE: add_str(b, x->notice_invoice); break;
    case V_NOTICE_DATE: add_date(b, x->notice_date, lang); break;
    case V_DIGEST_DATE: add_date(b, x->today, lang); break;
    case V_DIGEST_SENT: sbuf_addf(b, "%d", x->digest_sent); break;
    case V_DIGEST_FAILED: sbuf_addf(b, "%d", x->digest_failed); break;
    case V_DIGEST_DISPUTES: sbuf_addf(b, "%d", x->digest_disputes); break;
    case V_DIGEST_PROMISES: sbuf_addf(b, "%d", x->digest_promises); break;
    case V_INV_NUMBER: add_str(b, inv->number); break;
    case V_INV_ISSUE: add_date(b, inv->issue_date, lang); break;
    case V_INV_DUE: add_date(b, inv->due_date, lang); break;
    case V_INV_AMOUNT:
        add_money(b, inv->amount_cents, inv->currency, lang);
        break;
    case V_INV_AMOUNT_DUE:
        add_money(b, inv->amount_due_cents, inv->currency, lang);
        break;
    case V_INV_PAID:
        if (inv->amount_cents > inv->amount_due_cents)
            add_money(b, inv->amount_cents - inv->amount_due_cents,
                      inv->currency, lang);
        break;
    case V_INV_CURRENCY: add_str(b, cur_of(inv->currency)); break;
    case V_INV_DAYS_LATE: sbuf_addf(b, "%d", days_late(st)); break;
    case V_INV_DAYS_LATE_TEXT:
        sbuf_adds(b, textfmt_days(days_late(st), lang, buf, sizeof buf));
        break;
    case V_INV_DAYS_TO_DUE: sbuf_addf(b, "%d", days_to_due(st)); break;
    case V_INV_DAYS_TO_DUE_TEXT:
        sbuf_adds(b, textfmt_days(days_to_due(st), lang, buf, sizeof buf));
        break;
    case V_INV_PAYLINK: add_str(b, inv->payment_link); break;
    case V_INV_INTEREST:
        if (inv->interest_cents >= 0)
            add_money(b, inv->interest_cents, inv->currency, lang);
        break;
    case V_INV_INDEMNITY:
        if (inv->indemnity_cents >= 0)
            add_money(b, inv->indemnity_cents, inv->currency, lang);
        break;
    case V_INV_INTEREST_DETAIL: add_str(b, inv->interest_detail); break;
    case V_TOT_CURRENCY: add_str(b, t->currency); break;
    case V_TOT_COUNT: sbuf_addf(b, "%d", t->count); break;
    case V_TOT_AMOUNT_DUE: add_money(b, t->due, t->currency, lang); break;
    case V_TOT_INTEREST:
        if (t->interest_known)
            add_money(b, t->interest, t->currency, lang);
        break;
    case V_TOT_INDEMNITY:
        if (t->indemnity_known)
            add_money(b, t->indemnity, t->currency, lang);
        break;
    case V_TOT_CLAIM:
        add_money(b, t->due + t->interest + t->indemnity, t->currency, lang);
        break;
    case V_ENT_DATE: add_date(b, st->ent->date, lang); break;
    case V_ENT_CLIENT: add_str(b, st->ent->client); break;
    case V_ENT_INVOICE: add_str(b, st->ent->invoice); break;
    case V_ENT_TEXT: add_str(b, st->ent->text); break;
    default: msg_panic("tmpl: variable %d has no value", id);
    }
}

bool
tmplvar_truth(const struct tmplvar_state *st, int id)
{
    const struct tmpl_ctx *x = st->ctx;
    switch (id) {
    case V_INVOICES: return x->ninvoices > 0;
    case V_TOTALS: return st->ntotals > 0;
    case V_ENTRIES: return x->nentries > 0;
    case V_SEVERAL: return x->ninvoices > 1;
    case V_SEVERAL_CUR: return st->ntotals > 1;
    case V_LEGAL:
        for (size_t i = 0; i < x->ninvoices; i++)
            if (x->invoices[i].interest_cents >= 0 ||
                x->invoices[i].indemnity_cents >= 0)
                return true;
        return false;
    case V_INV_PARTIAL:
        return st->inv->amount_due_cents < st->inv->amount_cents;
    case V_INV_ATTACHED:
        return st->inv->pdf_attached;
    case V_ATTACHED:
        for (size_t i = 0; i < x->ninvoices; i++)
            if (x->invoices[i].pdf_attached)
                return true;
        return false;
    case V_COUNT: return x->ninvoices > 0;
    case V_DIGEST_SENT: return x->digest_sent != 0;
    case V_DIGEST_FAILED: return x->digest_failed != 0;
    case V_DIGEST_DISPUTES: return x->digest_disputes != 0;
    case V_DIGEST_PROMISES: return x->digest_promises != 0;
    case V_INV_DAYS_LATE: return days_late(st) != 0;
    case V_INV_DAYS_TO_DUE: return days_to_due(st) != 0;
    case V_TOT_COUNT: return st->tot->count != 0;
    default: {
        struct sbuf b = {0};
        tmplvar_value(st, id, &b);
        bool r = b.len > 0;
        sbuf_free(&b);
        return r;
    }
    }
}

void
tmplvar_end(struct tmplvar_state *st)
{
    free(st->totals);
    st->totals = NULL;
    st->ntotals = 0;
}

size_t
tmplvar_count(const struct tmplvar_state *st, int id)
{
    switch (id) {
    case V_INVOICES: return st->ctx->ninvoices;
    case V_TOTALS: return st->ntotals;
    case V_ENTRIES: return st->ctx->nentries;
    default: msg_panic("tmpl: variable %d is not a list", id);
    }
}

void
tmplvar_enter(struct tmplvar_state *st, int id, size_t k)
{
    if (id == V_INVOICES)
        st->inv = &st->ctx->invoices[k];
    else if (id == V_TOTALS)
        st->tot = &st->totals[k];
    else
        st->ent = &st->ctx->entries[k];
}
