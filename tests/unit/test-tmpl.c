/*
 * test-tmpl.c - the template engine: load-time refusals with their line,
 * rendering with one and several invoices, two currencies, loops and
 * conditions, French and English formatting, the signature and the
 * redirect banner, and the shipped templates.
 */
#include "civil.h"
#include "scenario.h"
#include "textfmt.h"
#include "tmpl.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

#define NBSP "\xC2\xA0"
#define EURO NBSP "\xE2\x82\xAC"

static const struct {
    const char *name;
    const char *text;
    const char *want_err; /* NULL = compiles */
} compile_cases[] = {
    {"plain", "Subject: Hello\n\nBody\n", NULL},
    {"every construct",
     "Subject: {{#if several}}Invoices{{else}}Invoice{{/if}} {{client.name}}\n"
     "\n{{! a comment }}\n{{#each invoices}}\n- {{invoice.number}}\n"
     "{{#unless invoice.partial}}full{{/unless}}\n{{/each}}\n"
     "{{#each totals}}{{total.amount_due}}{{/each}}\n",
     NULL},
    {"unknown variable with its line",
     "Subject: x\n\nBonjour,\n\n{{client.nom}}\n", "t.txt:5: unknown variable \"client.nom\""},
    {"unknown variable in the subject", "Subject: {{facture}}\n\nx\n",
     "t.txt:1: unknown variable \"facture\""},
    {"unknown variable in #if", "Subject: x\n\n\n{{#if paid}}x{{/if}}\n",
     "t.txt:4: unknown variable \"paid\""},
    {"loop field outside its loop", "Subject: x\n\n{{invoice.number}}\n",
     "t.txt:3: \"invoice.number\" is only known inside {{#each invoices}}"},
    {"loop field in the wrong loop",
     "Subject: x\n\n{{#each totals}}\n{{invoice.number}}\n{{/each}}\n",
     "t.txt:4: \"invoice.number\" is only known inside {{#each invoices}}"},
    {"unclosed block", "Subject: x\n\n{{#each invoices}}\nx\n",
     "t.txt:3: {{#each}} is never closed"},
    {"mismatched close", "Subject: x\n\n{{#if several}}\n{{/each}}\n",
     "t.txt:4: {{/each}} closes {{#if}} of line 3"},
    {"close without open", "Subject: x\n\nx\n{{/if}}\n",
     "t.txt:4: {{/if}} without an opening tag"},
    {"else in a loop", "Subject: x\n\n{{#each invoices}}{{else}}{{/each}}\n",
     "t.txt:3: {{else}} outside"},
    {"two elses", "Subject: x\n\n{{#if several}}a{{else}}b{{else}}c{{/if}}\n",
     "t.txt:3: {{else}} outside"},
    {"unknown block", "Subject: x\n\n{{#with client}}{{/with}}\n",
     "t.txt:3: unknown block {{#with}}"},
    {"each over a text", "Subject: x\n\n{{#each client.name}}{{/each}}\n",
     "t.txt:3: {{#each client.name}}: not a list"},
    {"printing a condition", "Subject: x\n\n{{several}}\n",
     "t.txt:3: \"several\" is a condition"},
    {"printing a list", "Subject: x\n\n{{invoices}}\n",
     "t.txt:3: \"invoices\" is a list"},
    {"braces not closed on the line", "Subject: x\n\n{{client.name\n}}\n",
     "t.txt:3: \"{{\" without \"}}\""},
    {"no subject", "Hello\n\nBody\n",
     "t.txt:1: a message template starts with a \"Subject: ...\" line"},
    {"no blank line after the subject", "Subject: x\nBody\n",
     "t.txt:2: a blank line must follow the Subject line"},
};

/* One template exercising most variables; the expected renderings are
 * spelled out in full below. */
static const char letter[] =
    "Subject: {{#if several}}Factures{{else}}Facture{{/if}} "
    "{{#each invoices}}{{invoice.number}} {{/each}}- {{company.name}}\n"
    "\n"
    "Bonjour {{contact.name}},\n"
    "\n"
    "{{#each invoices}}\n"
    "  - {{invoice.number}} du {{invoice.issue_date}}, échue le "
    "{{invoice.due_date}} ({{invoice.days_late_text}}) : "
    "{{invoice.amount_due}}{{#if invoice.partial}} (sur {{invoice.amount}}, "
    "{{invoice.paid}} reçus){{/if}}\n"
    "{{/each}}\n"
    "\n"
    "{{#each totals}}\n"
    "Total {{total.currency}} ({{total.count}}) : {{total.amount_due}}\n"
    "{{/each}}\n"
    "{{#if legal}}\n"
    "Indemnité : {{#each totals}}{{total.indemnity}}{{/each}}\n"
    "{{/if}}\n"
    "{{#if payment_link}}\n"
    "Lien : {{payment_link}}\n"
    "{{/if}}\n"
    "\n"
    "\n"
    "\n"
    "{{signature}}\n";

static const struct tmpl_invoice one_inv[] = {
    {"F-2026-0042", 0, 0, 1234567, 1234567, "EUR", "https://pay.example/42",
     -1, -1, NULL, false},
};

static const struct tmpl_invoice many_inv[] = {
    {"F-2026-0042", 0, 0, 1234567, 1234567, "EUR", "https://pay.example/42",
     -1, -1, NULL, false},
    {"F-2026-0050", 0, 0, 100000, 40000, "EUR", NULL, -1, -1, NULL, false},
    {"F-2026-0051", 0, 0, 250050, 250050, "USD", NULL, -1, -1, NULL, false},
};

static const struct {
    const char *name;
    int lang;
    const struct tmpl_invoice *inv;
    size_t ninv;
    bool legal;
    const char *redirect_to;
    const char *want_subject;
    const char *want_body;
} render_cases[] = {
    {"one invoice, French", LANG_FR, one_inv, 1, false, NULL,
     "Facture F-2026-0042 - Exemple SARL",
     "Bonjour Marie Dupont,\n"
     "\n"
     "  - F-2026-0042 du 1er février 2026, échue le 3 mars 2026 "
     "(12" NBSP "jours) : 12" NBSP "345,67" EURO "\n"
     "\n"
     "Total EUR (1) : 12" NBSP "345,67" EURO "\n"
     "Lien : https://pay.example/42\n"
     "\n"
     "Le service comptabilité\nExemple SARL\n"},
    {"three invoices, two currencies, a partial payment, legal amounts",
     LANG_FR, many_inv, 3, true, NULL,
     "Factures F-2026-0042 F-2026-0050 F-2026-0051 - Exemple SARL",
     "Bonjour Marie Dupont,\n"
     "\n"
     "  - F-2026-0042 du 1er février 2026, échue le 3 mars 2026 "
     "(12" NBSP "jours) : 12" NBSP "345,67" EURO "\n"
     "  - F-2026-0050 du 1er février 2026, échue le 3 mars 2026 "
     "(12" NBSP "jours) : 400,00" EURO " (sur 1" NBSP "000,00" EURO ", "
     "600,00" EURO " reçus)\n"
     "  - F-2026-0051 du 1er février 2026, échue le 3 mars 2026 "
     "(12" NBSP "jours) : 2" NBSP "500,50" NBSP "USD\n"
     "\n"
     "Total EUR (2) : 12" NBSP "745,67" EURO "\n"
     "Total USD (1) : 2" NBSP "500,50" NBSP "USD\n"
     "Indemnité : 80,00" EURO "40,00" NBSP "USD\n"
     "\n"
     "Le service comptabilité\nExemple SARL\n"},
    {"English formatting and redirect banner", LANG_EN, one_inv, 1, false,
     "compta@client.example",
     "Invoice F-2026-0042 - Exemple SARL",
     "TEST: this message would have gone to compta@client.example\n"
     "\n"
     "Dear Marie Dupont,\n"
     "\n"
     "  - F-2026-0042 of 1 February 2026, due on 3 March 2026 (12 days): "
     "\xE2\x82\xAC" "12,345.67\n"
     "\n"
     "Total EUR: \xE2\x82\xAC" "12,345.67\n"
     "\n"
     "The accounts team\nExemple SARL\n"},
};

static const char letter_en[] =
    "Subject: {{#if several}}Invoices{{else}}Invoice{{/if}} "
    "{{#each invoices}}{{invoice.number}} {{/each}}- {{company.name}}\n"
    "\n"
    "Dear {{contact.name}},\n"
    "\n"
    "{{#each invoices}}\n"
    "  - {{invoice.number}} of {{invoice.issue_date}}, due on "
    "{{invoice.due_date}} ({{invoice.days_late_text}}): "
    "{{invoice.amount_due}}\n"
    "{{/each}}\n"
    "\n"
    "{{#each totals}}\n"
    "Total {{total.currency}}: {{total.amount_due}}\n"
    "{{/each}}\n"
    "\n"
    "{{signature}}\n";

static struct tmpl_set *
test_set(void)
{
    static const struct {
        int lang;
        const char *name, *text;
    } parts[] = {
        {LANG_FR, "signature", "Le service comptabilité\n{{company.name}}\n\n"},
        {LANG_EN, "signature", "The accounts team\n{{company.name}}\n"},
        {LANG_FR, "redirect-banner", "TEST : destinataires {{redirect.to}}\n"},
        {LANG_EN, "redirect-banner",
         "TEST: this message would have gone to {{redirect.to}}\n"},
        {LANG_FR, "letter", letter},
        {LANG_EN, "letter", letter_en},
    };
    struct tmpl_set *s = tmpl_set_new();
    char err[256];
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (tmpl_add(s, parts[i].lang, parts[i].name, parts[i].name,
                     parts[i].text, err, sizeof err) < 0) {
            fprintf(stderr, "test set: %s\n", err);
            abort();
        }
    return s;
}

static void
fill_ctx(struct tmpl_ctx *x, int lang, struct tmpl_invoice *inv, size_t n)
{
    memset(x, 0, sizeof *x);
    x->lang = lang;
    x->today = t_day("2026-03-15");
    x->company_name = "Exemple SARL";
    x->client_name = "Dupont Industries";
    x->first_name = "Marie";
    x->last_name = "Dupont";
    x->invoices = inv;
    x->ninvoices = n;
}

/*
 * The shipped templates load, cover every step of the shipped scenarios,
 * and render in both languages with a full context without leaving a
 * brace or an empty subject behind.
 */
static void
shipped_templates(void)
{
    char err[512];
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *tdir = xasprintf("%s/rules/templates", src);
    char *sdir = xasprintf("%s/rules/scenarios", src);
    T_CASE("shipped templates load");
    struct tmpl_set *s = tmpl_load_dir(tdir, err, sizeof err);
    T_CHECK(s != NULL, "%s", err);
    struct scenario_set scn = {0};
    T_CHECK(scenario_load_dir(&scn, sdir, err, sizeof err) == 0, "%s", err);
    if (s) {
        T_CASE("shipped templates cover the shipped scenarios");
        T_CHECK(tmpl_check_scenarios(s, &scn, err, sizeof err) == 0, "%s",
                err);
        static const char *const names[] = {
            "courtesy", "first", "firm", "formal", "collections",
            "notice", "notice-dispute", "notice-paid_claim", "notice-bounce",
            "notice-send_failed", "notice-missing_pdf", "digest", "thanks",
            "task-call", "late-first", "new-courtesy", "new-first",
            "loyal-first"};
        struct tmpl_invoice inv[2] = {
            {"F-2026-0042", t_day("2026-02-01"), t_day("2026-03-03"), 1234567,
             1234567, "EUR", "https://pay.example/42", 10311, 4000,
             "12 345,67 € × 12,15 % × 12 / 365 = 49,31 €", true},
            {"F-2026-0043", t_day("2026-02-03"), t_day("2026-03-05"), 50000,
             20000, "EUR", NULL, 120, 4000, NULL, false},
        };
        struct tmpl_entry ent[] = {
            {t_day("2026-03-14"), "Dupont Industries", "F-2026-0042",
             "relance envoyée"}};
        for (int lang = 0; lang < LANG_COUNT; lang++)
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                T_CASE(names[i]);
                struct tmpl_ctx x;
                fill_ctx(&x, lang, inv, 2);
                x.finance_email = "compta@exemple.fr";
                x.manager_name = "Paul Martin";
                x.manager_email = "paul.martin@exemple.fr";
                x.contact_email = "marie@dupont.example";
                x.client_id = "C042";
                x.legal_rate_bp = 1215;
                x.notice_kind = "dispute";
                x.notice_detail = "Nous contestons cette facture.";
                x.notice_address = "marie@dupont.example";
                x.notice_error = "550 5.1.1 user unknown";
                x.notice_subject = "Re: Facture F-2026-0042";
                x.notice_from = "marie@dupont.example";
                x.notice_invoice = "F-2026-0042";
                x.notice_date = t_day("2026-03-20");
                x.entries = ent;
                x.nentries = 1;
                x.digest_sent = 3;
                char *subj = NULL, *body = NULL;
                T_CHECK(tmpl_render(s, names[i], &x, &subj, &body, err,
                                    sizeof err) == 0,
                        "%s", err);
                T_CHECK(subj && *subj, "empty subject");
                T_CHECK(body && strlen(body) > 40 && !strstr(body, "{{") &&
                            !strstr(body, "}}"),
                        "body: %s", body ? body : "(null)");
                T_CHECK(!body || strstr(body, "Exemple SARL") ||
                            strstr(body, "compta@exemple.fr"),
                        "no signature: %s", body ? body : "(null)");
                if (strcmp(names[i], "formal") == 0 && body) {
                    T_CHECK(strstr(body, "L441-10") && strstr(body, "D441-5") &&
                                strstr(body, "40"),
                            "formal notice lacks the legal basis: %s", body);
                }
                free(subj);
                free(body);
            }
        tmpl_set_free(s);
    }
    scenario_set_free(&scn);
    free(tdir);
    free(sdir);
}

int
main(void)
{
    char err[256];
    struct tmpl_set *s = tmpl_set_new();
    for (size_t i = 0; i < sizeof compile_cases / sizeof compile_cases[0];
         i++) {
        T_CASE(compile_cases[i].name);
        err[0] = '\0';
        int rc = tmpl_add(s, LANG_FR, "t", "t.txt", compile_cases[i].text, err,
                          sizeof err);
        T_RESULT(rc, err, compile_cases[i].want_err);
    }
    T_CASE("parts: no Subject, cannot include themselves");
    T_CHECK(tmpl_add(s, LANG_FR, "signature", "sig.txt", "Subject: x\n\nx\n",
                     err, sizeof err) < 0 &&
                strstr(err, "sig.txt:1: signature is a part"),
            "%s", err);
    T_CHECK(tmpl_add(s, LANG_FR, "signature", "sig.txt", "a\n{{signature}}\n",
                     err, sizeof err) < 0 &&
                strstr(err, "sig.txt:2: the signature cannot include itself"),
            "%s", err);
    T_CHECK(tmpl_add(s, LANG_FR, "redirect-banner", "b.txt", "x\n", err,
                     sizeof err) == 0,
            "%s", err);
    tmpl_set_free(s);

    s = test_set();
    for (size_t i = 0; i < sizeof render_cases / sizeof render_cases[0]; i++) {
        T_CASE(render_cases[i].name);
        struct tmpl_invoice inv[3];
        memcpy(inv, render_cases[i].inv,
               render_cases[i].ninv * sizeof inv[0]);
        for (size_t k = 0; k < render_cases[i].ninv; k++) {
            inv[k].issue_date = t_day("2026-02-01");
            inv[k].due_date = t_day("2026-03-03");
            if (render_cases[i].legal) {
                inv[k].interest_cents = 0;
                inv[k].indemnity_cents = 4000;
            }
        }
        struct tmpl_ctx x;
        fill_ctx(&x, render_cases[i].lang, inv, render_cases[i].ninv);
        x.redirect_to = render_cases[i].redirect_to;
        char *subj = NULL, *body = NULL;
        T_INTEQ(tmpl_render(s, "letter", &x, &subj, &body, err, sizeof err), 0);
        T_STREQ(subj, render_cases[i].want_subject);
        T_STREQ(body, render_cases[i].want_body);
        free(subj);
        free(body);
    }

    /* {{numbers}}: the list up to TMPL_SUBJECT_MAX_NUMBERS, the count
     * beyond (issue 3: "the subject names the invoice numbers, or their
     * count when many"). */
    static const struct {
        size_t n;
        const char *want;
    } numbers_cases[] = {
        {1, "R F-1 -"},
        {5, "R F-1 F-2 F-3 F-4 F-5 -"},
        {6, "R (6) -"},
        {40, "R (40) -"},
    };
    T_CHECK(tmpl_add(s, LANG_FR, "numbers", "numbers.txt",
                     "Subject: R {{numbers}} -\n\nx\n", err, sizeof err) == 0,
            "%s", err);
    for (size_t i = 0; i < sizeof numbers_cases / sizeof numbers_cases[0];
         i++) {
        T_CASE(numbers_cases[i].want);
        struct tmpl_invoice inv[40];
        char num[40][24];
        for (size_t k = 0; k < numbers_cases[i].n; k++) {
            inv[k] = one_inv[0];
            snprintf(num[k], sizeof num[k], "F-%zu", k + 1);
            inv[k].number = num[k];
        }
        struct tmpl_ctx nx;
        fill_ctx(&nx, LANG_FR, inv, numbers_cases[i].n);
        char *nsubj = NULL, *nbody = NULL;
        T_INTEQ(tmpl_render(s, "numbers", &nx, &nsubj, &nbody, err,
                            sizeof err),
                0);
        T_STREQ(nsubj, numbers_cases[i].want);
        free(nsubj);
        free(nbody);
    }

    T_CASE("unknown template at render time");
    struct tmpl_ctx x;
    fill_ctx(&x, LANG_EN, NULL, 0);
    char *subj = (char *)"untouched", *body = NULL;
    T_CHECK(tmpl_render(s, "nope", &x, &subj, &body, err, sizeof err) < 0 &&
                strstr(err, "no template en/nope.txt"),
            "%s", err);
    T_CHECK(body == NULL, "body allocated on error");

    T_CASE("shared payment link and contact name fallback");
    struct tmpl_invoice two[2] = {one_inv[0], one_inv[0]};
    two[1].number = "F-2026-0043";
    two[0].due_date = two[1].due_date = t_day("2026-03-20");
    T_INTEQ(tmpl_add(s, LANG_FR, "mini", "mini.txt",
                     "Subject: {{count}} {{contact.name}}\n\n"
                     "{{payment_link}}\n"
                     "{{#each invoices}}{{invoice.days_to_due_text}} "
                     "{{invoice.days_late}}\n{{/each}}",
                     err, sizeof err),
            0);
    fill_ctx(&x, LANG_FR, two, 2);
    x.first_name = x.last_name = NULL;
    T_INTEQ(tmpl_render(s, "mini", &x, &subj, &body, err, sizeof err), 0);
    T_STREQ(subj, "2 Dupont Industries");
    T_STREQ(body, "https://pay.example/42\n5" NBSP "jours 0\n5" NBSP
                  "jours 0\n");
    free(subj);
    free(body);

    T_CASE("attached PDFs");
    T_INTEQ(tmpl_add(s, LANG_EN, "att", "att.txt",
                     "Subject: x\n\n{{#if attached}}some{{else}}none{{/if}}"
                     "{{#each invoices}} {{invoice.number}}"
                     "{{#if invoice.attached}}+pdf{{/if}}{{/each}}\n",
                     err, sizeof err),
            0);
    x.lang = LANG_EN;
    T_INTEQ(tmpl_render(s, "att", &x, &subj, &body, err, sizeof err), 0);
    T_STREQ(body, "none F-2026-0042 F-2026-0043\n");
    free(subj);
    free(body);
    two[1].pdf_attached = true;
    T_INTEQ(tmpl_render(s, "att", &x, &subj, &body, err, sizeof err), 0);
    T_STREQ(body, "some F-2026-0042 F-2026-0043+pdf\n");
    free(subj);
    free(body);
    x.lang = LANG_FR;

    T_CASE("a part renders alone, without subject");
    T_INTEQ(tmpl_render(s, "signature", &x, &subj, &body, err, sizeof err), 0);
    T_CHECK(subj == NULL, "a part has a subject");
    T_STREQ(body, "Le service comptabilité\nExemple SARL\n");
    free(body);
    tmpl_set_free(s);

    shipped_templates();
    return t_done();
}
