/*
 * test-classify.c - the classifier on the team's fixtures
 * (the .eml files of tests/fixtures/mail) with an in-memory "database" behind the
 * lookup callbacks, plus the date phrases, the rules loader and the
 * headers-only decision the milter uses.
 */
#include "classify.h"
#include "datephrase.h"
#include "fold.h"
#include "mailread.h"
#include "patterns.h"
#include "t.h"
#include "tlib.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a tiny fake database ---- */

static const struct {
    const char *number, *client;
} invoices[] = {
    {"F-2026-0042", "C001"}, {"FA2026-042", "C001"}, {"INV-1234", "C002"},
};

static const struct {
    const char *address, *client;
} contacts[] = {
    {"compta@client-one.fr", "C001"}, {"rene@client-one.fr", "C001"},
    {"ancien.contact@client-one.fr", "C001"}, {"ap@client-two.com", "C002"},
};

static const struct {
    const char *token, *client, *inv[2];
} sends[] = {
    {"r1.00c0ffee00000042.5d24d2b797cad681002f1488428c3ee0", "C001",
     {"F-2026-0042", NULL}},
    {"r1.00c0ffee00000043.3bb7d2895ff4087e8b5e01560bcb82c0", "C001",
     {"F-2026-0042", "FA2026-042"}},
    {"r1.00c0ffee00000044.e71710b66d484f182a57214a7252a482", "C002",
     {"INV-1234", NULL}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int invoice_lookups; /* calls of fake_invoice */

static bool
fake_invoice(void *ctx, const char *number, char *client)
{
    invoice_lookups++;
    for (size_t i = 0; i < N(invoices); i++)
        if (strcmp(invoices[i].number, number) == 0) {
            strcpy(client, invoices[i].client);
            return true;
        }
    return false;
}

static bool
fake_address(void *ctx, const char *address, char *client)
{
    for (size_t i = 0; i < N(contacts); i++)
        if (strcmp(contacts[i].address, address) == 0) {
            strcpy(client, contacts[i].client);
            return true;
        }
    return false;
}

static int
fake_token(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
           int max, char *client)
{
    for (size_t i = 0; i < N(sends); i++)
        if (strcmp(sends[i].token, token) == 0) {
            int n = 0;
            strcpy(client, sends[i].client);
            for (int k = 0; k < 2 && sends[i].inv[k] && n < max; k++)
                strcpy(numbers[n++], sends[i].inv[k]);
            return n;
        }
    return -1;
}

static const struct classify_lookup lookup = {
    NULL, fake_invoice, fake_address, fake_token,
};

/* ---- fixtures ---- */

struct fixture {
    const char *file;
    const char *kind, *intent, *until, *invoices, *client;
    const char *failed;   /* comma-separated, "" none */
    const char *review;   /* comma-separated, "" none */
    const char *evidence; /* substring expected in the evidence, or NULL */
};

static const struct fixture fixtures[] = {
    {"fr-dispute-outlook.eml", "reply", "dispute", "", "F-2026-0042", "C001",
     "", "", "our token"},
    {"en-dispute.eml", "reply", "dispute", "", "INV-1234", "C002", "", "",
     "sender ap@client-two.com"},
    {"fr-promise-date.eml", "reply", "promise", "2026-12-15", "F-2026-0042",
     "C001", "", "", "promised date"},
    {"fr-promise-latin1-qp.eml", "reply", "promise", "2026-11-30",
     "F-2026-0042", "C001", "", "", "invoice F-2026-0042 in Subject"},
    {"en-promise-base64.eml", "reply", "promise", "2026-12-04", "INV-1234",
     "C002", "", "", NULL},
    {"fr-paid-cp1252.eml", "reply", "paid", "", "FA2026-042", "C001", "", "",
     NULL},
    {"fr-negation-promise.eml", "reply", "promise", "2027-01-05",
     "F-2026-0042", "C001", "", "", "ignored: negated"},
    {"en-negation-promise.eml", "reply", "promise", "2026-12-15", "INV-1234",
     "C002", "", "", "ignored: negated"},
    {"fr-ooo-exchange.eml", "autoreply", NULL, "2026-12-02", "F-2026-0042",
     "C001", "", "", "Auto-Submitted"},
    {"fr-ooo-rules-loop.eml", "autoreply", NULL, "2027-01-05", "", "C001", "",
     "", "X-MS-Exchange-Inbox-Rules-Loop"},
    {"fr-ooo-zimbra.eml", "autoreply", NULL, "2026-12-05", "F-2026-0042",
     "C001", "", "", "zimbra"},
    {"en-ooo.eml", "autoreply", NULL, "2027-01-06", "INV-1234", "C002", "", "",
     "automatic reply"},
    {"en-suppress-only.eml", "reply", "other", "", "INV-1234", "C002", "", "",
     NULL},
    {"bounce-postfix-dsn.eml", "bounce", NULL, "", "F-2026-0042,FA2026-042",
     "C001", "ancien.contact@client-one.fr", "", "returned message is ours"},
    {"delay-dsn.eml", "delay", NULL, "", "", "C002", "ap@client-two.com", "",
     "delayed"},
    {"html-only-gmail.eml", "reply", "paid", "", "F-2026-0042", "C001", "", "",
     "HTML-only body"},
    {"forged-token.eml", "unrelated", NULL, "", "", "", "", "F-2026-0042",
     "did not verify"},
    {"third-party-number.eml", "reply", "paid", "", "", "C002", "",
     "F-2026-0042", "for review"},
    {"outgoing-reminder.eml", "outgoing", NULL, "", "", "", "", "",
     "reminder leaving"},
    {"mdn-read-receipt.eml", "report", NULL, "", "", "", "", "", "MDN"},
    {"arf-abuse-report.eml", "report", NULL, "", "F-2026-0042", "C001", "", "",
     "ARF"},
    {"staff-manual-contact.eml", "outgoing", NULL, "", "F-2026-0042", "C001",
     "", "", "manual contact"},
    {"bare-body-promise.eml", "unrelated", NULL, "", "", "", "", "", NULL},
};

static void
join(struct sbuf *b, const char *list, size_t stride, int n)
{
    sbuf_reset(b);
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_addc(b, ',');
        sbuf_adds(b, list + (size_t)i * stride);
    }
}

static struct classifier *
load(const char *src)
{
    static const char key[] = "relance-test-key-0123456789abcdef";
    struct token_key k = {.len = sizeof key - 1};
    memcpy(k.key, key, sizeof key - 1);
    char *rules = xasprintf("%s/rules", src);
    struct classify_conf conf = {
        .rules_dir = rules, .key = &k, .domain = "ourco.fr",
        .reply_to = "relances@ourco.fr", .finance_address = "compta@ourco.fr",
        .from = "relances@ourco.fr", .internal_domains = "",
    };
    char err[256];
    struct classifier *c = classifier_load(&conf, err, sizeof err);
    T_CHECK(c != NULL, "classifier_load: %s", err);
    free(rules);
    return c;
}

static void
test_fixtures(struct classifier *c, const char *src)
{
    struct classify_session *s = classify_session_new(c);
    struct mail m;
    struct classify_verdict v;
    struct sbuf b = {0};
    mail_init(&m);
    classify_verdict_init(&v);
    for (size_t i = 0; i < N(fixtures); i++) {
        const struct fixture *f = &fixtures[i];
        T_CASE(f->file);
        char *path = xasprintf("%s/tests/fixtures/mail/%s", src, f->file);
        size_t len;
        char *data = read_file(path, &len);
        T_CHECK(data != NULL, "cannot read %s", path);
        free(path);
        if (data == NULL)
            continue;
        mail_reset(&m);
        mail_read(&m, data, len, 65536);
        free(data);
        classify_message(s, &m, NULL, &lookup, &v);
        T_STREQ(classify_kind_name(v.kind), f->kind);
        T_STREQ(classify_intent_name(v.intent), f->intent);
        T_STREQ(v.until, f->until);
        join(&b, v.invoices[0], CLASSIFY_NUMBER_MAX, v.ninvoices);
        T_STREQ(sbuf_cstr(&b), f->invoices);
        T_STREQ(v.client_id, f->client);
        join(&b, v.failed_recipients[0], CLASSIFY_ADDR_MAX, v.nfailed);
        T_STREQ(sbuf_cstr(&b), f->failed);
        join(&b, v.review[0], CLASSIFY_NUMBER_MAX, v.nreview);
        T_STREQ(sbuf_cstr(&b), f->review);
        if (f->evidence)
            T_CHECK(strstr(sbuf_cstr(&v.evidence), f->evidence) != NULL,
                    "evidence lacks \"%s\":\n%s", f->evidence,
                    sbuf_cstr(&v.evidence));
        T_CHECK(strstr(sbuf_cstr(&v.new_text), "> ") == NULL &&
                    strstr(sbuf_cstr(&v.new_text), "F-2026-0099") == NULL,
                "quote left in new text: %s", sbuf_cstr(&v.new_text));
    }
    sbuf_free(&b);
    classify_verdict_free(&v);
    mail_free(&m);
    classify_session_free(s);
}

/* ---- invoice numbers as the shipped rules/references find them ---- */

static bool
any_invoice(void *ctx, const char *number, char *client)
{
    strcpy(client, "C001");
    return true;
}

struct ref_case {
    const char *subject, *body, *want; /* want: comma-separated */
};

static const struct ref_case ref_cases[] = {
    {"Re: Facture F-2026-0042", "Bonjour", "F-2026-0042"},
    {"Relance", "Les factures FA2026-042 et FAC-12345 sont payées.",
     "FA2026-042,FAC-12345"},
    {"Relance", "Concernant la facture n° 2026-042, voir pièce jointe.",
     "2026-042"},
    {"Relance", "facture numéro 42317", "42317"},
    {"Re: invoice #1234", "", "1234"},
    {"INV-1234 overdue", "see INV-1234 again", "INV-1234"},
    {"Relance", "Virement de 1 200,00 € le 15/12/2026 à 10h.", ""},
    {"Relance", "Appelez le 01 23 45 67 89.", ""},
};

static void
test_references(struct classifier *c)
{
    struct classify_session *s = classify_session_new(c);
    struct classify_lookup lk = {NULL, any_invoice, fake_address, NULL};
    struct classify_verdict v;
    struct mail m;
    struct sbuf b = {0};
    classify_verdict_init(&v);
    mail_init(&m);
    for (size_t i = 0; i < N(ref_cases); i++) {
        const struct ref_case *r = &ref_cases[i];
        T_CASE(r->body[0] ? r->body : r->subject);
        mail_reset(&m);
        mail_add_header(&m, "From", "compta@client-one.fr");
        mail_add_header(&m, "Subject", r->subject);
        mail_add_header(&m, "Content-Type", "text/plain; charset=utf-8");
        mail_end_headers(&m);
        mail_read_body(&m, r->body, strlen(r->body), 0);
        classify_message(s, &m, NULL, &lk, &v);
        join(&b, v.invoices[0], CLASSIFY_NUMBER_MAX, v.ninvoices);
        T_STREQ(sbuf_cstr(&b), r->want);
    }
    sbuf_free(&b);
    mail_free(&m);
    classify_verdict_free(&v);
    classify_session_free(s);
}

/* ---- what people say (rules/intents), dated Monday 23 November 2026 ---- */

struct intent_case {
    const char *text, *intent, *until;
};

static const struct intent_case intent_cases[] = {
    {"Je conteste cette facture.", "dispute", ""},
    {"Nous ne sommes pas d'accord avec le montant.", "dispute", ""},
    {"Je ne suis pas d'accord.", "dispute", ""},
    {"Je ne conteste pas la facture.", "other", ""},
    {"I don't dispute the invoice.", "other", ""},
    {"Le virement a été effectué hier.", "paid", ""},
    {"Nous avons bien réglé cette facture le 10/11.", "paid", ""},
    {"Nous n'avons pas encore payé.", "other", ""},
    {"We have not paid yet.", "other", ""},
    {"We paid it last week.", "paid", ""},
    {"Nous allons payer d'ici vendredi.", "promise", "2026-11-27"},
    {"Le règlement interviendra fin du mois.", "promise", "2026-11-30"},
    {"We will pay by 15 December.", "promise", "2026-12-15"},
    {"I will transfer the money next week.", "promise", "2026-12-04"},
    {"Paiement prévu le 5, comme d'habitude.", "promise", "2026-12-05"},
    {"NOUS RÉGLERONS LE 15 DÉCEMBRE.", "promise", "2026-12-15"},
    {"Nous contestons la facture et nous ne paierons pas.", "dispute", ""},
    {"Le paiement a été fait ; nous contestons toutefois les frais.", "dispute",
     ""},
    {"Merci de m'envoyer votre RIB.", "other", ""},
};

static void
test_intents(struct classifier *c)
{
    struct classify_session *s = classify_session_new(c);
    struct classify_verdict v;
    struct mail m;
    classify_verdict_init(&v);
    mail_init(&m);
    for (size_t i = 0; i < N(intent_cases); i++) {
        const struct intent_case *ic = &intent_cases[i];
        T_CASE(ic->text);
        mail_reset(&m);
        mail_add_header(&m, "From", "compta@client-one.fr");
        mail_add_header(&m, "Subject", "Re: Relance");
        mail_add_header(&m, "Date", "Mon, 23 Nov 2026 10:00:00 +0100");
        mail_end_headers(&m);
        mail_read_body(&m, ic->text, strlen(ic->text), 0);
        classify_message(s, &m, NULL, &lookup, &v);
        T_STREQ(classify_kind_name(v.kind), "reply");
        T_STREQ(classify_intent_name(v.intent), ic->intent);
        T_STREQ(v.until, ic->until);
    }
    mail_free(&m);
    classify_verdict_free(&v);
    classify_session_free(s);
}

/* classify_body: a mail from compta@client-one.fr with the headers
 * (name, value pairs, NULL-terminated) and body, classified into v. */
static void
classify_body(struct classifier *c, const char *const *hdrs, const char *body,
              size_t len, struct classify_verdict *v)
{
    struct classify_session *s = classify_session_new(c);
    struct mail m;
    mail_init(&m);
    mail_add_header(&m, "From", "compta@client-one.fr");
    for (int i = 0; hdrs[i]; i += 2)
        mail_add_header(&m, hdrs[i], hdrs[i + 1]);
    mail_end_headers(&m);
    mail_read_body(&m, body, len, 0);
    classify_message(s, &m, NULL, &lookup, v);
    mail_free(&m);
    classify_session_free(s);
}

/* A long reply: the promise at the top is found; a dispute buried after
 * CLASSIFY_INTENT_SCAN_MAX bytes of pasted text is not read, and the
 * evidence says how much was read. */
static void
test_long_reply(struct classifier *c)
{
    T_CASE("long reply: intent read on the top of the new text");
    struct sbuf body = {0};
    sbuf_adds(&body, "Bonjour, nous réglerons la facture le 15 décembre.\n\n");
    while (body.len < 2 * CLASSIFY_INTENT_SCAN_MAX)
        sbuf_adds(&body, "Annexe : détail des livraisons de l'année écoulée.\n");
    sbuf_adds(&body, "Je conteste cette facture.\n");
    struct classify_verdict v;
    classify_verdict_init(&v);
    const char *hdrs[] = {"Subject", "Re: Relance", "Date",
                          "Mon, 23 Nov 2026 10:00:00 +0100", NULL};
    classify_body(c, hdrs, body.s, body.len, &v);
    T_STREQ(classify_intent_name(v.intent), "promise");
    T_STREQ(v.until, "2026-12-15");
    T_CHECK(strstr(sbuf_cstr(&v.evidence), "intent read on the first") != NULL,
            "no evidence of the cut: %s", sbuf_cstr(&v.evidence));
    classify_verdict_free(&v);
    sbuf_free(&body);
}

/*
 * A number the token's send already names is not looked up again (each
 * lookup is a turn on the milter's shared database connection); any other
 * number still is, and still lands where its client says.
 */
struct tokref_case {
    const char *name, *subject;
    int lookups;
    const char *invoices, *review;
};

static const struct tokref_case tokref_cases[] = {
    {"number of the token's send", "Re: Relance facture F-2026-0042", 0,
     "F-2026-0042,FA2026-042", ""},
    {"lowercase spelling is looked up", "Re: facture f-2026-0042", 2,
     "F-2026-0042,FA2026-042", ""},
    {"another client's number", "Re: F-2026-0042 et INV-1234", 1,
     "F-2026-0042,FA2026-042", "INV-1234"},
};

static void
test_token_numbers(struct classifier *c)
{
    for (size_t i = 0; i < N(tokref_cases); i++) {
        const struct tokref_case *tc = &tokref_cases[i];
        T_CASE(tc->name);
        struct classify_verdict v;
        classify_verdict_init(&v);
        const char *hdrs[] = {"Subject", tc->subject, "In-Reply-To",
                              "<r1.00c0ffee00000043."
                              "3bb7d2895ff4087e8b5e01560bcb82c0@relance.test>",
                              NULL};
        const char body[] = "Bonjour, merci.\n";
        invoice_lookups = 0;
        classify_body(c, hdrs, body, sizeof body - 1, &v);
        T_INTEQ(invoice_lookups, tc->lookups);
        char got[256] = "", rev[256] = "";
        for (int k = 0; k < v.ninvoices; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                     k ? "," : "", v.invoices[k]);
        for (int k = 0; k < v.nreview; k++)
            snprintf(rev + strlen(rev), sizeof rev - strlen(rev), "%s%s",
                     k ? "," : "", v.review[k]);
        T_STREQ(got, tc->invoices);
        T_STREQ(rev, tc->review);
        T_STREQ(v.client_id, "C001");
        classify_verdict_free(&v);
    }
}

/* ---- the milter's first look: headers only ---- */

struct hdr_case {
    const char *name;
    const char *headers; /* "Name: value" lines */
    const char *mail_from;
    bool need_body;
    const char *kind; /* when no body is needed */
};

static const struct hdr_case hdr_cases[] = {
    {"unrelated newsletter", "From: news@shop.example\nTo: paul@ourco.fr\n"
     "Subject: Black Friday", "news@shop.example", false, "unrelated"},
    {"our reminder leaving", "From: relances@ourco.fr\nTo: compta@client-one.fr\n"
     "Message-ID: <r1.00c0ffee00000043.3bb7d2895ff4087e8b5e01560bcb82c0"
     "@ourco.fr>", "relances@ourco.fr", false, "outgoing"},
    {"a known client writes", "From: ap@client-two.com\nTo: jim@ourco.fr",
     "ap@client-two.com", true, NULL},
    {"to our reply address", "From: x@y.example\nTo: relances@ourco.fr",
     "x@y.example", true, NULL},
    {"a token in References", "From: x@y.example\nTo: a@b.example\n"
     "References: <r1.0000000000000000.00000000000000000000000000000000@x>",
     "x@y.example", true, NULL},
    {"null sender", "From: someone@mx.example\nTo: paul@ourco.fr", "", true,
     NULL},
    {"staff to a client", "From: paul.martin@ourco.fr\nTo: compta@client-one.fr",
     "paul.martin@ourco.fr", true, NULL},
    {"staff to a stranger", "From: paul.martin@ourco.fr\nTo: friend@example.org",
     "paul.martin@ourco.fr", false, "unrelated"},
};

static void
test_headers_only(struct classifier *c)
{
    struct classify_session *s = classify_session_new(c);
    struct classify_verdict v;
    struct mail m;
    classify_verdict_init(&v);
    mail_init(&m);
    for (size_t i = 0; i < N(hdr_cases); i++) {
        const struct hdr_case *h = &hdr_cases[i];
        T_CASE(h->name);
        mail_reset(&m);
        char *copy = xstrdup(h->headers);
        for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
            char *colon = strchr(line, ':');
            *colon = '\0';
            mail_add_header(&m, line, colon + 2);
        }
        free(copy);
        mail_end_headers(&m);
        struct classify_envelope env = {.mail_from = h->mail_from};
        bool need = classify_headers_only(s, &m, &env, &lookup, &v);
        T_INTEQ(need, h->need_body);
        if (!need)
            T_STREQ(classify_kind_name(v.kind), h->kind);
    }
    mail_free(&m);
    classify_verdict_free(&v);
    classify_session_free(s);
}

/* ---- date phrases ---- */

struct date_case {
    const char *text, *ref, *want; /* want NULL: no date */
};

static const struct date_case date_cases[] = {
    {"le 15/12", "2026-11-23", "2026-12-15"},
    {"15 decembre", "2026-11-23", "2026-12-15"},
    {"1er janvier 2027", "2026-11-23", "2027-01-01"},
    {"lundi 5 janvier", "2026-12-15", "2027-01-05"},
    {"5 janvier", "2026-02-20", "2027-01-05"},
    {"fin du mois", "2026-11-23", "2026-11-30"},
    {"end of the month", "2026-02-03", "2026-02-28"},
    {"semaine prochaine", "2026-11-23", "2026-12-04"},
    {"next week", "2026-11-25", "2026-12-04"},
    {"d'ici vendredi", "2026-11-23", "2026-11-27"},
    {"by friday", "2026-11-27", "2026-12-04"},
    {"by 15 december", "2026-11-23", "2026-12-15"},
    {"december 15th, 2026", "2026-11-01", "2026-12-15"},
    {"back on 12/02", "2026-11-23", "2027-02-12"},
    {"on 12/25", "2026-11-23", "2026-12-25"},
    {"2026-12-31", "2026-11-23", "2026-12-31"},
    {"demain", "2026-12-31", "2027-01-01"},
    {"dans 10 jours", "2026-11-23", "2026-12-03"},
    {"within 2 weeks", "2026-11-23", "2026-12-07"},
    {"le 5", "2026-11-23", "2026-12-05"},
    {"le 28", "2026-11-23", "2026-11-28"},
    {"mois prochain", "2026-12-10", "2027-01-31"},
    {"montant 12.50 eur", "2026-11-23", NULL},
    {"facture f-2026-0042", "2026-11-23", NULL},
    {"tel 06 12 34 56 78", "2026-11-23", NULL},
    {"31/02", "2026-11-23", NULL},
    {"we may pay", "2026-11-23", NULL},
};

static void
test_dates(void)
{
    for (size_t i = 0; i < N(date_cases); i++) {
        const struct date_case *d = &date_cases[i];
        T_CASE(d->text);
        int day = datephrase_find(d->text, strlen(d->text), 0, t_day(d->ref),
                                  NULL);
        char got[11] = "";
        if (day >= 0)
            civil_format_iso(day, got);
        T_STREQ(day >= 0 ? got : NULL, d->want);
    }
}

/* ---- rules files with mistakes ---- */

struct rules_case {
    const char *name, *references, *intents, *err;
};

static const struct rules_case rules_cases[] = {
    {"good", "\\bF-\\d+\\b\n", "dispute \\bcontest\n", NULL},
    {"bad regex", "# c\n\\bF-(\\d+\n", "dispute x\n", "references:2: column"},
    {"unknown tag", "x\n", "\n# c\nrefuse x\n", "intents:3: unknown tag"},
    {"tag without pattern", "x\n", "dispute\n", "intents:1: expected"},
};

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    T_CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void
test_rules_files(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *refs = xasprintf("%s/references", tmp);
    char *ints = xasprintf("%s/intents", tmp);
    for (size_t i = 0; i < N(rules_cases); i++) {
        const struct rules_case *r = &rules_cases[i];
        T_CASE(r->name);
        write_file(refs, r->references);
        write_file(ints, r->intents);
        struct classify_conf conf = {.rules_dir = tmp};
        char err[256] = "";
        struct classifier *c = classifier_load(&conf, err, sizeof err);
        T_RESULT(c ? 0 : -1, err, r->err);
        classifier_free(c);
    }
    T_CASE("missing rules folder");
    struct classify_conf none = {.rules_dir = "/nonexistent/rules"};
    char err[256] = "";
    struct classifier *c = classifier_load(&none, err, sizeof err);
    T_RESULT(c ? 0 : -1, err, "/nonexistent/rules/references");
    classifier_free(c);
    unlink(refs);
    unlink(ints);
    free(refs);
    free(ints);
}

int
main(void)
{
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    struct classifier *c = load(src);
    if (c) {
        test_fixtures(c, src);
        test_headers_only(c);
        test_references(c);
        test_intents(c);
        test_long_reply(c);
        test_token_numbers(c);
        classifier_free(c);
    }
    test_dates();
    test_rules_files();
    return t_done();
}
