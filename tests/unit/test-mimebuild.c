/*
 * test-mimebuild.c - outgoing MIME (lib/mimebuild): headers, RFC 2047
 * subjects and names, quoted-printable UTF-8 body, the PDF attachment,
 * Auto-Submitted on notices only, and header injection refused.
 */
#include "mimebuild.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *in;
    const char *want;
} words[] = {
    {"Relance facture F-2026-0042", "Relance facture F-2026-0042"},
    {"Rappel : factures F-1, F-2", "Rappel : factures F-1, F-2"},
    {"Facture échue F-1", "Facture =?UTF-8?Q?=C3=A9chue?= F-1"},
    {"Très très en retard",
     "=?UTF-8?Q?Tr=C3=A8s_tr=C3=A8s?= en retard"},
    {"a =?utf-8?q?x?= b", "a =?UTF-8?Q?=3D=3Futf-8=3Fq=3Fx=3F=3D?= b"},
    {"  spaces   collapse ", "spaces collapse"},
    {"€€€€€€€€€€€€€€€€€€€€€€€€€€€€",
     "=?UTF-8?Q?=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC?= "
     "=?UTF-8?Q?=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC?= "
     "=?UTF-8?Q?=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC?= "
     "=?UTF-8?Q?=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC=E2=82=AC?="},
};

static const char *const to2[] = {"compta@client.test", "dg@client.test"};
static const char *const cc1[] = {"am@fournisseur.test"};
static const char *const to_inj[] = {"a@client.test\r\nBcc: x@evil.test"};
static const char *const to_sp[] = {"a b@client.test"};
static const char *const to_comma[] = {"a@client.test,x@evil.test"};
static const struct mime_attachment pdf = {"F-2026-0042.pdf",
                                           "application/pdf", "%PDF-1.4 x",
                                           10};
static const struct mime_attachment pdf_inj = {"f.pdf\r\nBcc: x@evil.test",
                                               "application/pdf", "x", 1};

#define FROM "\"Service comptabilité\" <compta@fournisseur.test>"
#define BODY "Bonjour,\nMontant dû : 12 000,00 €\nMerci.\n"

static const struct {
    const char *name;
    struct mime_msg m;
    int ok;
    const char *has[8];
    const char *hasnt[4];
} builds[] = {
    {"reminder headers",
     {FROM, "compta@fournisseur.test", to2, 2, cc1, 1,
      "Relance : facture F-2026-0042 échue", "r1.abc@relance.test",
      1767225600, false, BODY, NULL, 0},
     1,
     {"\r\nFrom: =?UTF-8?Q?Service_comptabilit=C3=A9?= "
      "<compta@fournisseur.test>\r\n",
      "\r\nTo: compta@client.test, dg@client.test\r\n",
      "\r\nCc: am@fournisseur.test\r\n",
      "\r\nReply-To: compta@fournisseur.test\r\n",
      "\r\nMessage-ID: <r1.abc@relance.test>\r\n",
      "\r\nSubject: Relance : facture F-2026-0042 =?UTF-8?Q?=C3=A9chue?=\r\n",
      "MIME-Version: 1.0\r\n",
      "Content-Type: text/plain; charset=\"utf-8\""},
     {"Auto-Submitted", "multipart", "\n\n"}},
    {"quoted-printable UTF-8 body",
     {FROM, NULL, to2, 1, NULL, 0, "x", "r1.abc@relance.test", 1767225600,
      false, BODY, NULL, 0},
     1,
     {"Content-Transfer-Encoding: quoted-printable\r\n",
      "Montant d=C3=BB : 12 000,00 =E2=82=AC\r\n", "Date: "},
     {"Reply-To", "Cc:", "€"}},
    {"notice carries Auto-Submitted",
     {FROM, NULL, cc1, 1, NULL, 0, "Litige", "r1.n@relance.test",
      1767225600, true, "texte", NULL, 0},
     1, {"\r\nAuto-Submitted: auto-generated\r\n"}, {NULL}},
    {"PDF attachment",
     {FROM, NULL, to2, 1, NULL, 0, "x", "r1.p@relance.test", 1767225600,
      false, BODY, &pdf, 1},
     1,
     {"multipart/mixed", "Content-Type: application/pdf",
      "Content-Disposition: attachment; filename=\"F-2026-0042.pdf\"",
      "Content-Transfer-Encoding: base64", "JVBERi0xLjQgeA=="},
     {NULL}},
    {"CR LF in subject refused",
     {FROM, NULL, to2, 1, NULL, 0, "x\r\nBcc: x@evil.test",
      "r1.i@relance.test", 0, false, BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"LF alone in subject refused",
     {FROM, NULL, to2, 1, NULL, 0, "x\nBcc: x@evil.test",
      "r1.i@relance.test", 0, false, BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"tab in subject refused",
     {FROM, NULL, to2, 1, NULL, 0, "x\ty", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"CR LF in an address refused",
     {FROM, NULL, to_inj, 1, NULL, 0, "x", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"space in an address refused",
     {FROM, NULL, to_sp, 1, NULL, 0, "x", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"two addresses in one refused",
     {FROM, NULL, to_comma, 1, NULL, 0, "x", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"CR LF in a Cc refused",
     {FROM, NULL, to2, 1, to_inj, 1, "x", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"CR LF in the From name refused",
     {"Evil\r\nBcc: x@evil.test <a@b.test>", NULL, to2, 1, NULL, 0, "x",
      "r1.i@relance.test", 0, false, BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"quote inside the From name refused",
     {"\"a\" b\" <a@b.test>", NULL, to2, 1, NULL, 0, "x",
      "r1.i@relance.test", 0, false, BODY, NULL, 0},
     0, {NULL}, {NULL}},
    {"CR LF in an attachment name refused",
     {FROM, NULL, to2, 1, NULL, 0, "x", "r1.i@relance.test", 0, false,
      BODY, &pdf_inj, 1},
     0, {NULL}, {NULL}},
    {"no recipient refused",
     {FROM, NULL, to2, 0, NULL, 0, "x", "r1.i@relance.test", 0, false,
      BODY, NULL, 0},
     0, {NULL}, {NULL}},
};

/* Every line ends with CRLF and stays under the RFC 5322 limit. */
static bool
lines_ok(const char *s, size_t len)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            return false;
        if (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n'))
            return false;
        col = s[i] == '\n' ? 0 : col + 1;
        if (col > 998)
            return false;
    }
    return len >= 2 && s[len - 1] == '\n';
}

int
main(void)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        T_CASE(words[i].in);
        char *got = mimebuild_encode_words(words[i].in);
        T_STREQ(got, words[i].want);
        /* No encoded word is longer than 75 characters. */
        for (char *w = strtok(got, " "); w; w = strtok(NULL, " "))
            T_CHECK(strlen(w) <= 75, "word too long: %s", w);
        free(got);
    }
    for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++) {
        T_CASE(builds[i].name);
        char *out = NULL, err[256] = "";
        size_t len = 0;
        int rc = mimebuild(&builds[i].m, &out, &len, err, sizeof err);
        T_INTEQ(rc == 0, builds[i].ok);
        if (!builds[i].ok) {
            T_CHECK(err[0] != '\0', "refusal without a reason");
            T_CHECK(out == NULL, "output on refusal");
            continue;
        }
        if (rc < 0)
            continue;
        T_INTEQ(strlen(out), len);
        T_CHECK(lines_ok(out, len), "bad line ends or length");
        for (size_t k = 0; k < 8 && builds[i].has[k]; k++)
            T_CHECK(strstr(out, builds[i].has[k]) != NULL,
                    "missing \"%s\" in:\n%s", builds[i].has[k], out);
        /* Look for what must be absent in the header block only when it
         * is a header name; anywhere otherwise. */
        for (size_t k = 0; k < 4 && builds[i].hasnt[k]; k++)
            T_CHECK(strstr(out, builds[i].hasnt[k]) == NULL,
                    "unexpected \"%s\" in:\n%s", builds[i].hasnt[k], out);
        free(out);
    }
    T_CASE("addresses");
    T_CHECK(mimebuild_address_ok("a.b+c@x.test"), "plain address refused");
    T_CHECK(!mimebuild_address_ok("a@b@c"), "two @ accepted");
    T_CHECK(!mimebuild_address_ok("@x.test"), "empty local part accepted");
    T_CHECK(!mimebuild_address_ok("a@"), "empty domain accepted");
    T_CHECK(!mimebuild_address_ok("<a@x.test>"), "brackets accepted");
    return t_done();
}
