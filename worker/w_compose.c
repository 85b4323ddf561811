/*
 * w_compose.c - turning a planned message (lib/sched) or a pending
 * notice into the exact bytes to record and submit: template rendering
 * (lib/tmpl), recipients by mode, the invoices' PDFs, a fresh signed
 * Message-ID (lib/token), and the MIME text (lib/mimebuild). Called by
 * w_pass.c; reads PDF files and nothing else (no database access).
 */
#include "w.h"
#include "civil.h"
#include "log.h"
#include "mimebuild.h"
#include "textfmt.h"
#include "tmpl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATT 16

struct addr_list {
    const char *v[64];
    size_t n;
};

static void
add_addr(struct addr_list *l, const char *a)
{
    if (a == NULL || a[0] == '\0' || l->n == sizeof l->v / sizeof l->v[0])
        return;
    for (size_t i = 0; i < l->n; i++)
        if (str_iequal(l->v[i], a))
            return;
    l->v[l->n++] = a;
}

static char *
join(const struct addr_list *a, const struct addr_list *b, const char *sep)
{
    struct sbuf s = {0};
    for (size_t i = 0; i < a->n; i++)
        sbuf_addf(&s, "%s%s", s.len ? sep : "", a->v[i]);
    for (size_t i = 0; b && i < b->n; i++)
        sbuf_addf(&s, "%s%s", s.len ? sep : "", b->v[i]);
    if (s.s == NULL)
        sbuf_adds(&s, "");
    return sbuf_steal(&s);
}

/* A pdf column is a path under PdfDir: no absolute path, no "..", so a
 * CSV cannot make us attach any other file of the machine. */
static char *
pdf_path(const struct worker *w, const char *pdf)
{
    if (pdf[0] == '/' || strstr(pdf, "..") || !mimebuild_header_ok(pdf) ||
        w->cfg.pdf_dir[0] == '\0')
        return NULL;
    return xasprintf("%s/%s", w->cfg.pdf_dir, pdf);
}

/* One line per missing PDF: "NUMBER<TAB>PATH (WHY)". */
static void
note_missing(struct sbuf *missing, const char *number, const char *pdf,
             const char *why)
{
    sbuf_addf(missing, "%s\t%s (%s)\n", number, pdf, why);
}

/* Fills the message fields common to reminders and notices and builds
 * the MIME text. to/cc are what the headers show; the envelope gets
 * both. */
static int
finish(const struct worker *w, struct w_msg *out, const char *subject,
       const char *body, const struct addr_list *to,
       const struct addr_list *cc, bool auto_submitted,
       const struct mime_attachment *att, size_t natt)
{
    if (token_make(&w->key, out->token) < 0) {
        msg_warn("worker: cannot make a token");
        return -1;
    }
    snprintf(out->message_id, sizeof out->message_id, "%s@%s", out->token,
             w->cfg.domain);
    struct mime_msg m = {
        .from = w->cfg.from, .reply_to = w->cfg.reply_to,
        .to = to->v, .nto = to->n, .cc = cc ? cc->v : NULL,
        .ncc = cc ? cc->n : 0, .subject = subject,
        .message_id = out->message_id, .date = clock_now(),
        .auto_submitted = auto_submitted, .body = body, .att = att,
        .natt = natt};
    char err[512];
    if (mimebuild(&m, &out->body, &out->len, err, sizeof err) < 0) {
        msg_warn("worker: cannot build the message for client %s: %s",
                 out->client_id ? out->client_id : "-", err);
        return -1;
    }
    out->subject = xstrdup(subject);
    out->recipients = join(to, cc, ",");
    return 0;
}

/*
 * The late-payment interest and the 40 EUR indemnity of an EUR invoice,
 * up to today, for steps flagged `legal` (lib/legal). The base is the
 * amount still due over the whole delay (partial payments are not
 * spread over their dates here, which can only understate the claim).
 * Leaves the amounts at -1 (not computed) when a rate is missing.
 */
static void
legal_amounts(const struct worker *w, struct tmpl_invoice *ti,
              const struct planload_client *c, int today, int *rate_bp)
{
    if (ti->currency && strcmp(ti->currency, "EUR") != 0)
        return;
    int lang = c->lang;
    /* The client's terms: public buyer, contract (CGV) rate. */
    struct legal_terms terms = {.public_sector = c->public_sector,
                                .contract_rate_bp = c->contract_rate_bp};
    struct legal_result res;
    char err[512];
    if (legal_compute(&w->legal, &terms, ti->amount_due_cents, ti->due_date,
                      NULL, 0, today, &res, err, sizeof err) < 0) {
        msg_warn("worker: invoice %s: no legal amounts: %s", ti->number,
                 err);
        return;
    }
    ti->interest_cents = res.interest_cents;
    ti->indemnity_cents = res.indemnity_cents;
    ti->interest_detail = legal_detail(&res, lang, "\n      ");
    if (res.rate_bp)
        *rate_bp = res.rate_bp;
    legal_result_free(&res);
}

static void
fill_client_ctx(const struct worker *w, const struct planload_client *c,
                int today, struct tmpl_ctx *ctx)
{
    ctx->lang = c->lang;
    ctx->today = today;
    ctx->company_name = w->cfg.company_name;
    ctx->finance_email = w->finance_addr;
    ctx->client_id = c->id;
    ctx->client_name = c->name;
    ctx->first_name = c->first_name;
    ctx->last_name = c->last_name;
    ctx->contact_email = c->naddrs ? c->addrs[0] : NULL;
    ctx->manager_name = c->manager_name;
    ctx->manager_email = c->manager_email;
}

int
w_compose_plan(const struct worker *w, const struct planload_data *d,
               const struct sched_msg *m, int today, struct w_msg *out)
{
    memset(out, 0, sizeof *out);
    const struct planload_client *c = &d->wc[m->client];
    struct tmpl_invoice *ti = xcalloc(m->nitems, sizeof *ti);
    out->rem = xcalloc(m->nitems, sizeof *out->rem);
    out->nrem = m->nitems;
    out->client_id = c->id;
    out->step = m->lead->name;
    struct sbuf invs = {0}, missing = {0};
    struct mime_attachment att[MAX_ATT];
    char *att_data[MAX_ATT];
    size_t natt = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        const struct sched_invoice *si = &d->si[m->items[i].invoice];
        const struct planload_invoice *wi = &d->wi[m->items[i].invoice];
        ti[i] = (struct tmpl_invoice){
            .number = si->number, .issue_date = wi->issue_date,
            .due_date = si->due_date, .amount_cents = wi->amount_cents,
            .amount_due_cents = wi->amount_due_cents,
            .currency = wi->currency, .payment_link = wi->payment_link,
            .interest_cents = -1, .indemnity_cents = -1};
        out->rem[i] = (struct outbox_reminder){
            si->number, m->items[i].step->index, m->items[i].step->name};
        sbuf_addf(&invs, "%s%s", i ? "," : "", si->number);
        if (!(m->flags & SCN_F_ATTACH_PDF) || wi->pdf == NULL ||
            wi->pdf[0] == '\0' || natt == MAX_ATT)
            continue;
        char *path = pdf_path(w, wi->pdf);
        size_t len = 0;
        char *data = path ? read_file(path, &len) : NULL;
        if (data == NULL) {
            note_missing(&missing, si->number, wi->pdf,
                         path ? strerror(errno) : "refused path");
        } else {
            const char *base = strrchr(wi->pdf, '/');
            att_data[natt] = data;
            att[natt++] = (struct mime_attachment){
                base ? base + 1 : wi->pdf, "application/pdf", data, len};
        }
        free(path);
    }
    int rate_bp = 0;
    if (m->flags & SCN_F_LEGAL)
        for (size_t i = 0; i < m->nitems; i++)
            legal_amounts(w, &ti[i], c, today, &rate_bp);
    out->invoices = sbuf_steal(&invs);
    out->missing_pdf = missing.len ? sbuf_steal(&missing) : NULL;
    sbuf_free(&missing);

    struct addr_list to = {0}, cc = {0};
    bool internal = m->channel != SCN_EMAIL;
    if (internal) {
        out->kind = "notice";
        out->channel = m->channel == SCN_MANAGER ? "manager" : "finance";
        add_addr(&to, m->channel == SCN_MANAGER && c->manager_email
                          ? c->manager_email : w->finance_addr);
    } else {
        out->kind = "reminder";
        out->channel = "email";
        for (size_t i = 0; i < c->naddrs; i++)
            add_addr(&to, c->addrs[i]);
        if (m->cc & SCN_CC_MANAGER)
            add_addr(&cc, c->manager_email);
        if (m->cc & SCN_CC_FINANCE)
            add_addr(&cc, w->finance_addr);
    }
    char *real = NULL;
    struct tmpl_ctx ctx = {0};
    fill_client_ctx(w, c, today, &ctx);
    ctx.step_name = m->lead->name;
    ctx.tone = m->lead->tone;
    ctx.invoices = ti;
    ctx.ninvoices = m->nitems;
    ctx.legal_rate_bp = rate_bp;
    if (!internal && w->cfg.mode == MODE_REDIRECT) {
        /* Test period: the finance team gets it, naming who would. */
        real = join(&to, NULL, ", ");
        if (cc.n) {
            char *ccs = join(&cc, NULL, ", ");
            char *both = xasprintf("%s (Cc : %s)", real, ccs);
            free(real);
            free(ccs);
            real = both;
        }
        ctx.redirect_to = real;
        to.n = cc.n = 0;
        add_addr(&to, w->finance_addr);
    }
    char *subject = NULL, *body = NULL, err[512];
    int rc = -1;
    if (tmpl_render(w->tmpl, m->lead->template, &ctx, &subject, &body, err,
                    sizeof err) < 0)
        msg_warn("worker: client %s: %s", c->id, err);
    else
        rc = finish(w, out, subject ? subject : m->lead->name, body, &to,
                    &cc, internal, att, natt);
    free(subject);
    free(body);
    free(real);
    for (size_t i = 0; i < m->nitems; i++)
        free((char *)ti[i].interest_detail);
    free(ti);
    for (size_t i = 0; i < natt; i++)
        free(att_data[i]);
    return rc;
}

int
w_compose_notice(const struct worker *w, const struct w_notice *n, int today,
                 struct w_msg *out)
{
    memset(out, 0, sizeof *out);
    out->kind = "notice";
    out->client_id = n->client_id;
    out->step = n->kind;
    out->invoices = xstrdup(n->invoice ? n->invoice : "");
    struct addr_list to = {0};
    bool manager = strcmp(n->audience, "finance") != 0 && n->manager_email &&
                   mimebuild_address_ok(n->manager_email);
    out->channel = strcmp(n->audience, "manager") == 0 ? "manager" : "finance";
    if (manager)
        add_addr(&to, n->manager_email);
    if (!manager || strcmp(n->audience, "both") == 0)
        add_addr(&to, w->finance_addr);
    char *subject = NULL, *body = NULL;
    /* The staff-notice template of this kind (notice-dispute, ...), else
     * the generic one, else the row's own text. */
    char *name = xasprintf("notice-%s", n->kind);
    if (!tmpl_has(w->tmpl, LANG_FR, name)) {
        free(name);
        name = tmpl_has(w->tmpl, LANG_FR, "notice") ? xstrdup("notice") : NULL;
    }
    if (name) {
        struct tmpl_ctx ctx = {
            .lang = LANG_FR, .today = today,
            .company_name = w->cfg.company_name,
            .finance_email = w->finance_addr, .client_id = n->client_id,
            .client_name = n->client_name,
            .manager_email = n->manager_email, .notice_kind = n->kind,
            .notice_detail = n->text, .notice_subject = n->subject,
            .notice_invoice = n->invoice, .notice_date = n->created_day};
        /* Worker-made failure notices hold the server's answer as text. */
        if (strcmp(n->kind, "send_failed") == 0)
            ctx.notice_error = n->text;
        char err[512];
        int rc = tmpl_render(w->tmpl, name, &ctx, &subject, &body, err,
                             sizeof err);
        free(name);
        if (rc < 0) {
            msg_warn("worker: notice %lld: %s", (long long)n->id, err);
            return -1;
        }
    }
    if (subject == NULL)
        subject = xstrdup(n->subject);
    if (body == NULL)
        body = xstrdup(n->text);
    /* Notice subjects come from the milter's findings (a client's own
     * subject line): flatten anything that could break a header. */
    for (char *p = subject; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    int rc = finish(w, out, subject, body, &to, NULL, true, NULL, 0);
    free(subject);
    free(body);
    return rc;
}

int
w_compose_sms(const struct worker *w, const struct planload_data *d,
              const struct sched_item *it, int today, const char *to,
              const char *redirect_to, struct w_msg *out)
{
    memset(out, 0, sizeof *out);
    const struct sched_invoice *si = &d->si[it->invoice];
    const struct planload_invoice *wi = &d->wi[it->invoice];
    const struct planload_client *c = &d->wc[si->client];
    struct tmpl_invoice ti = {
        .number = si->number, .issue_date = wi->issue_date,
        .due_date = si->due_date, .amount_cents = wi->amount_cents,
        .amount_due_cents = wi->amount_due_cents, .currency = wi->currency,
        .payment_link = wi->payment_link, .interest_cents = -1,
        .indemnity_cents = -1};
    out->rem = xcalloc(1, sizeof *out->rem);
    out->rem[0] = (struct outbox_reminder){si->number, it->step->index,
                                           it->step->name};
    out->nrem = 1;
    out->client_id = c->id;
    out->step = it->step->name;
    out->invoices = xstrdup(si->number);
    out->kind = "reminder";
    out->channel = to ? "sms-gateway" : "sms";
    struct tmpl_ctx ctx = {0};
    fill_client_ctx(w, c, today, &ctx);
    ctx.step_name = it->step->name;
    ctx.tone = it->step->tone;
    ctx.invoices = &ti;
    ctx.ninvoices = 1;
    ctx.redirect_to = redirect_to;
    char *subject = NULL, *body = NULL, err[512];
    if (tmpl_render(w->tmpl, it->step->template, &ctx, &subject, &body, err,
                    sizeof err) < 0) {
        msg_warn("worker: client %s: %s", c->id, err);
        free(subject);
        return -1;
    }
    int rc = 0;
    if (to) {
        struct addr_list l = {0};
        add_addr(&l, to);
        rc = finish(w, out, subject ? subject : "SMS", body, &l, NULL, false,
                    NULL, 0);
        free(body);
    } else if (token_make(&w->key, out->token) < 0) {
        msg_warn("worker: cannot make a token");
        free(body);
        rc = -1;
    } else {
        snprintf(out->message_id, sizeof out->message_id, "%s@%s",
                 out->token, w->cfg.domain);
        out->subject = xstrdup(subject ? subject : "SMS");
        out->body = body;
        out->len = strlen(body);
    }
    free(subject);
    return rc;
}

int
w_compose_finance(const struct worker *w, const char *name,
                  const struct tmpl_ctx *ctx, struct w_msg *out)
{
    char *subject = NULL, *body = NULL, err[512];
    if (tmpl_render(w->tmpl, name, ctx, &subject, &body, err, sizeof err) < 0) {
        msg_warn("worker: %s: %s", name, err);
        return -1;
    }
    struct addr_list to = {0};
    add_addr(&to, w->finance_addr);
    int rc = finish(w, out, subject ? subject : name, body, &to, NULL, true,
                    NULL, 0);
    free(subject);
    free(body);
    return rc;
}

void
w_msg_free(struct w_msg *m)
{
    free(m->subject);
    free(m->body);
    free(m->recipients);
    free(m->rem);
    free(m->missing_pdf);
    free(m->invoices);
    memset(m, 0, sizeof *m);
}
