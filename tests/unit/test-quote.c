/*
 * test-quote.c - quote and signature stripping (quote.h), and text
 * folding (fold.h) which it relies on.
 */
#include "fold.h"
#include "quote.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct quote_case {
    const char *name;
    const char *in;
    const char *out;
    bool cut; /* a reason is expected */
};

static const struct quote_case cases[] = {
    {"nothing to strip", "Bonjour,\nc'est payé.\n", "Bonjour,\nc'est payé.",
     false},
    {"gmail english attribution",
     "Paid yesterday.\n\nOn Mon, Nov 23, 2026 at 10:00 AM, Compta "
     "<compta@us.fr> wrote:\n> Invoice F-2026-0042 is due.\n",
     "Paid yesterday.", true},
    {"french attribution on one line",
     "Nous contestons.\n\nLe lun. 23 nov. 2026 à 10:00, Compta "
     "<compta@us.fr> a écrit :\n> Relance\n",
     "Nous contestons.", true},
    {"french attribution wrapped over two lines",
     "Virement fait.\n\nLe lun. 23 nov. 2026 à 10:00, Service Comptabilité\n"
     "<compta@us.fr> a écrit :\n\n> Relance F-2026-0042\n",
     "Virement fait.", true},
    {"no-break space before colon",
     "Ok.\nLe 23/11/2026 à 10:00, Compta a\xc2\xa0\xc3\xa9" "crit\xc2\xa0:\n"
     "> Relance\n",
     "Ok.", true},
    {"outlook french block",
     "Nous paierons le 15/12.\n\nDe : Compta <compta@us.fr>\n"
     "Envoyé : lundi 23 novembre 2026 10:00\nÀ : Client <c@c.fr>\n"
     "Objet : Facture F-2026-0042\n\nMerci de régler F-2026-0099.\n",
     "Nous paierons le 15/12.", true},
    {"outlook block with no-break spaces and bold",
     "Payé.\n*De\xc2\xa0:* Compta\n*Envoyé\xc2\xa0:* lundi\n*À\xc2\xa0:* Client\n"
     "*Objet\xc2\xa0:* Relance\nTexte cité\n",
     "Payé.", true},
    {"english outlook block",
     "We dispute this.\nFrom: Billing\nSent: Monday\nTo: Client\n"
     "Subject: Invoice\nPlease pay.\n",
     "We dispute this.", true},
    {"original message separator",
     "Réglé.\n-----Original Message-----\nFrom: x\nrelance\n", "Réglé.", true},
    {"message d'origine",
     "Réglé.\n-------- Message d'origine --------\nDe : x\n", "Réglé.", true},
    {"signature dash dash",
     "D'accord.\n-- \nJean Dupont\nDirecteur\n", "D'accord.", true},
    {"iphone footer", "Je paie demain.\n\nEnvoyé de mon iPhone\n",
     "Je paie demain.", true},
    {"sent from my iphone then quote",
     "Paid.\nSent from my iPhone\n\nOn Nov 23, 2026, at 10:00, X <x@y.z> "
     "wrote:\n> Relance\n",
     "Paid.", true},
    {"bottom posting keeps the reply below the quote",
     "On Mon, Nov 23, 2026, Compta wrote:\n> Facture F-1\n> due\n\n"
     "Payée hier.\n",
     "Payée hier.", true},
    {"interleaved reply",
     "> Question one?\nAnswer one.\n> Question two?\nAnswer two.\n",
     "Answer one.\nAnswer two.", true},
    {"a line starting with On is not a header",
     "On Friday we will pay.\nThanks\n", "On Friday we will pay.\nThanks",
     false},
    {"dashes inside a line are not a signature",
     "Paid -- see the bank.\n", "Paid -- see the bank.", false},
    {"quoted only", "> only a quote\n", "", true},
};

static void
test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct quote_case *c = &cases[i];
        T_CASE(c->name);
        struct sbuf b = {0};
        const char *why = quote_strip(c->in, strlen(c->in), &b);
        T_STREQ(sbuf_cstr(&b), c->out);
        T_CHECK((why != NULL) == c->cut, "reason %s", why ? why : "(none)");
        sbuf_free(&b);
    }
}

struct fold_case {
    const char *name, *in, *out;
};

static const struct fold_case fold_cases[] = {
    {"accents and case", "Réponse AUTOMATIQUE à Éric", "reponse automatique a eric"},
    {"ligatures and cedilla", "Œuvre Ça straße", "oeuvre ca strasse"},
    {"spaces and apostrophes", "n\xe2\x80\x99" "avons\xc2\xa0pas", "n'avons pas"},
    {"degree sign in n°", "facture n° 42", "facture no 42"},
    {"other scripts kept", "Привет", "Привет"},
    /* Found by fuzz-mailread: a Latin-1 byte cut at the end was folded
     * as if it were U+00E6, two bytes out of one (the fold writes into a
     * buffer the size of its input). Invalid UTF-8 is copied raw. */
    {"lone ae byte at the end", "Caf\xe6", "caf\xe6"},
    {"lone thorn byte at the end", "x\xde", "x\xde"},
};

static void
test_fold(void)
{
    for (size_t i = 0; i < sizeof fold_cases / sizeof fold_cases[0]; i++) {
        T_CASE(fold_cases[i].name);
        char *f = fold_str(fold_cases[i].in);
        T_STREQ(f, fold_cases[i].out);
        free(f);
    }
}

/* Found by fuzz-mailread: a reused (reset) buffer and nothing kept. */
static void
test_reused_buffer(void)
{
    T_CASE("reused buffer, nothing kept");
    struct sbuf b = {0};
    sbuf_adds(&b, "previous text");
    sbuf_reset(&b);
    quote_strip("> only quoted\n", 14, &b);
    T_STREQ(sbuf_cstr(&b), "");
    quote_strip("\f\0\0e", 4, &b);
    T_INTEQ(b.len, 4); /* kept as is, NULs included */
    sbuf_free(&b);
}

int
main(void)
{
    test_cases();
    test_reused_buffer();
    test_fold();
    return t_done();
}
