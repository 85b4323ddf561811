/*
 * test-mailread.c - the mail reader: headers, MIME, transfer encodings,
 * charsets, RFC 2047, HTML to text, bare bodies, the milter path.
 */
#include "charset.h"
#include "html2text.h"
#include "mailread.h"
#include "mimewalk.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct mail_case {
    const char *name;
    const char *input;
    const char *subject;   /* NULL: not checked */
    const char *from_addr;
    const char *from_name;
    const char *text_has;  /* substring of text */
    const char *text_lacks;
    const char *report_type;
    const char *returned_has;
    int date_day;          /* -2: not checked */
    bool html;
};

static const struct mail_case mail_cases[] = {
    {"plain utf-8",
     "From: Jean Dupont <Jean.Dupont@Example.FR>\nSubject: Re: facture\n"
     "Date: Mon, 23 Nov 2026 10:00:00 +0100\n\nBonjour, déjà payé.\n",
     "Re: facture", "jean.dupont@example.fr", "Jean Dupont",
     "déjà payé", NULL, "", "", 20780, false},
    {"iso-8859-1 quoted-printable",
     "From: a@b.fr\nSubject: =?ISO-8859-1?Q?R=E9ponse_automatique?=\n"
     "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\n"
     "Content-Transfer-Encoding: quoted-printable\n\n"
     "Je serai de retour le 2 d=E9cembre.=\nFin.\n",
     "Réponse automatique", "a@b.fr", "", "de retour le 2 décembre.Fin.",
     NULL, "", "", -2, false},
    {"windows-1252 8bit",
     "From: \"=?windows-1252?Q?Andr=E9?=\" <andre@x.fr>\nSubject: x\n"
     "Content-Type: text/plain; charset=windows-1252\n"
     "Content-Transfer-Encoding: 8bit\n\n"
     "Montant : 12\x80, c\x92" "est r\xe9gl\xe9.\n",
     "x", "andre@x.fr", "André", "12€, c’est réglé.", NULL, "", "", -2,
     false},
    {"base64 utf-8",
     "From: b@c.com\nSubject: =?UTF-8?B?w4l0w6k=?= test\n"
     "Content-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: base64\n\n"
     "Tm91cyBjb250ZXN0b25zIGxhIGZhY3R1cmUu\n",
     "Été test", "b@c.com", "", "Nous contestons la facture.", NULL, "", "",
     -2, false},
    {"multipart alternative prefers plain",
     "From: c@d.com\nSubject: alt\nMIME-Version: 1.0\n"
     "Content-Type: multipart/alternative; boundary=\"XX\"\n\n"
     "--XX\nContent-Type: text/plain; charset=us-ascii\n\nplain part\n"
     "--XX\nContent-Type: text/html; charset=us-ascii\n\n<p>html part</p>\n"
     "--XX--\n",
     "alt", "c@d.com", NULL, "plain part", "html part", "", "", -2, false},
    {"html only, gmail quote cut, entities",
     "From: d@e.com\nSubject: h\nMIME-Version: 1.0\n"
     "Content-Type: text/html; charset=utf-8\n\n"
     "<html><head><style>p{color:red}</style></head><body>"
     "<div>Nous avons r&eacute;gl&#233; &amp; vir&eacute;.<br>Merci</div>"
     "<div class=\"gmail_quote\">Le lun. a &eacute;crit :<blockquote>"
     "Facture F-2026-0042</blockquote></div></body></html>\n",
     "h", "d@e.com", NULL, "Nous avons réglé & viré.\nMerci",
     "F-2026-0042", "", "", -2, true},
    {"dsn report parts",
     "From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered\n"
     "MIME-Version: 1.0\nContent-Type: multipart/report; "
     "report-type=delivery-status; boundary=\"B\"\n\n"
     "--B\nContent-Type: text/plain\n\nSorry.\n"
     "--B\nContent-Type: message/delivery-status\n\n"
     "Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; "
     "x@y.fr\nAction: failed\nStatus: 5.1.1\n"
     "--B\nContent-Type: text/rfc822-headers\n\n"
     "Message-ID: <abc@relance.example>\nSubject: Relance\n\n"
     "--B--\n",
     "Undelivered", "mailer-daemon@mx.example.com", NULL, "Sorry.", NULL,
     "delivery-status", "Message-ID: <abc@relance.example>", -2, false},
    {"bare body, no headers",
     "Merci, nous payons le 15/12.\n\nLe lun. 3 nov., X a écrit :\n> relance\n",
     "", "", "", "nous payons le 15/12", NULL, "", "", -1, false},
    {"bare quoted-printable body",
     "R=C3=A9ponse =C3=A0 la relance,=\n suite.\n", "", "", "",
     "Réponse à la relance, suite.", NULL, "", "", -1, false},
    {"folded header and crlf",
     "From: x@y.z\r\nSubject: one\r\n two\r\n\r\nbody\r\nline\r\n", "one two",
     "x@y.z", "", "body\nline", "\r", "", "", -2, false},
    {"absurd date zone (found by fuzz-mailread)",
     "From: x@y.z\nDate: Mon, 23 Nov 2026 10:00:00 -1908874354\n\nx\n", NULL,
     "x@y.z", NULL, "x", NULL, "", "", -1, false},
    {"two-digit year", "From: x@y.z\nDate: 23 Nov 26 10:00 +0000\n\nx\n",
     NULL, "x@y.z", NULL, "x", NULL, "", "", 20780, false},
    {"invalid utf-8 unlabelled is windows-1252",
     "From: x@y.z\nSubject: s\n\nd\xe9j\xe0 r\xe9gl\xe9\n", "s", "x@y.z", "",
     "déjà réglé", NULL, "", "", -2, false},
};

static void
test_mail_cases(void)
{
    struct mail m;
    mail_init(&m);
    for (size_t i = 0; i < sizeof mail_cases / sizeof mail_cases[0]; i++) {
        const struct mail_case *c = &mail_cases[i];
        T_CASE(c->name);
        mail_reset(&m);
        mail_read(&m, c->input, strlen(c->input), 0);
        if (c->subject)
            T_STREQ(m.subject, c->subject);
        if (c->from_addr)
            T_STREQ(m.from_addr, c->from_addr);
        if (c->from_name)
            T_STREQ(m.from_name, c->from_name);
        T_CHECK(strstr(m.text, c->text_has) != NULL, "text [%s] lacks [%s]",
                m.text, c->text_has);
        if (c->text_lacks)
            T_CHECK(strstr(m.text, c->text_lacks) == NULL,
                    "text [%s] has [%s]", m.text, c->text_lacks);
        if (c->report_type)
            T_STREQ(m.report_type, c->report_type);
        if (c->returned_has)
            T_CHECK(strstr(m.returned_headers, c->returned_has) != NULL,
                    "returned [%s]", m.returned_headers);
        if (c->date_day != -2)
            T_INTEQ(m.date_day, c->date_day);
        T_INTEQ(m.text_from_html, c->html);
    }
    mail_free(&m);
}

/* The milter path: headers one by one, then the body, with a cap. */
static void
test_milter_path(void)
{
    T_CASE("milter path and max_bytes");
    struct mail m;
    mail_init(&m);
    mail_add_header(&m, "From", "Client <c@client.fr>");
    mail_add_header(&m, "To", "\"Compta, Service\" <compta@us.fr>,\r\n\tx@y.fr");
    mail_add_header(&m, "Subject", "=?utf-8?Q?Re=3A_Facture_F-2026-0042?=");
    mail_add_header(&m, "Content-Type", "text/plain; charset=utf-8");
    mail_add_header(&m, "Content-Transfer-Encoding", "quoted-printable");
    mail_end_headers(&m);
    T_STREQ(m.subject, "Re: Facture F-2026-0042");
    T_INTEQ(m.nrcpts, 2);
    T_STREQ(m.rcpts[0], "compta@us.fr");
    T_STREQ(m.rcpts[1], "x@y.fr");
    T_CHECK(!m.body_read, "body not read yet");
    const char *body = "Pay=C3=A9 hier.\r\nSuite tr=C3=A8s longue.\r\n";
    mail_read_body(&m, body, strlen(body), 16);
    T_CHECK(m.truncated, "truncated");
    T_CHECK(strncmp(m.text, "Payé hier.", strlen("Payé hier.")) == 0,
            "text [%s]", m.text);
    T_CHECK(strstr(m.text, "longue") == NULL, "cap ignored: [%s]", m.text);
    mail_free(&m);
}

struct cs_case {
    const char *name, *charset, *in, *out;
};

static const struct cs_case cs_cases[] = {
    {"latin-1 read as cp1252", "ISO-8859-1", "caf\xe9 \x80", "café €"},
    {"latin-9 euro", "iso-8859-15", "\xa4 \xbd", "€ œ"},
    {"utf-8 with a bad byte", "utf-8", "a\xffz", "a\xef\xbf\xbdz"},
    {"iconv charset", "koi8-r", "\xf0\xd2\xc9", "При"},
    {"unknown charset", "x-nonsense", "d\xe9j\xe0", "déjà"},
    {"guess utf-8", NULL, "déjà", "déjà"},
};

static void
test_charsets(void)
{
    for (size_t i = 0; i < sizeof cs_cases / sizeof cs_cases[0]; i++) {
        T_CASE(cs_cases[i].name);
        struct sbuf b = {0};
        charset_to_utf8(cs_cases[i].charset, cs_cases[i].in,
                        strlen(cs_cases[i].in), &b);
        T_STREQ(sbuf_cstr(&b), cs_cases[i].out);
        sbuf_free(&b);
    }
}

struct html_case {
    const char *name, *in, *out;
};

static const struct html_case html_cases[] = {
    {"blocks and breaks", "<p>Un</p><p>Deux<br>Trois</p>", "Un\n\nDeux\nTrois"},
    {"blockquote skipped", "Oui<blockquote>cite</blockquote>fin",
     "Oui\nfin"},
    {"outlook border-top cut",
     "Réglé.<div style=\"border:none;border-top:solid #E1E1E1 1.0pt\">"
     "<p><b>De :</b> Compta</p></div><p>Relance</p>",
     "Réglé."},
    {"divRplyFwdMsg cut", "ok<hr><div id=\"divRplyFwdMsg\">De : x</div>z",
     "ok"},
    {"entities", "&lt;a&gt; &eacute;&#x20AC;&#8364;&nbsp;x &bogus;",
     "<a> é€€\xc2\xa0x &bogus;"},
    {"script and comments", "a<script>var x=1;</script><!-- c -->b", "ab"},
    {"whitespace collapsed", "  a \n\n  b  ", "a b"},
    {"unterminated tag", "x<div class=\"a", "x"},
};

static void
test_html(void)
{
    for (size_t i = 0; i < sizeof html_cases / sizeof html_cases[0]; i++) {
        T_CASE(html_cases[i].name);
        struct sbuf b = {0};
        html_to_text(html_cases[i].in, strlen(html_cases[i].in), &b);
        T_STREQ(sbuf_cstr(&b), html_cases[i].out);
        sbuf_free(&b);
    }
}

/*
 * mimewalk_single (the milter's shortcut for one text part) must read a
 * body exactly as the full MIME walk does, and decline what it does not
 * handle.
 */
struct single_case {
    const char *name, *ct, *cte, *body;
    bool handled;
};

static const struct single_case single_cases[] = {
    {"utf-8 8bit", "text/plain; charset=utf-8", "8bit",
     "Bonjour,\r\nnous r\xC3\xA9glerons le 30.\r\n", true},
    {"no cte", "text/plain; charset=\"UTF-8\"", NULL, "Pay\xC3\xA9.\r\n", true},
    {"latin-1 qp", "text/plain; charset=iso-8859-1", "quoted-printable",
     "Pay=E9 hier, facture F-12=\r\n34 r=E9gl=E9e.\r\n", true},
    {"windows-1252 raw", "TEXT/PLAIN; CHARSET=windows-1252", "8bit",
     "\x93Pay\xE9\x94 \x80 30\r\n", true},
    {"base64", "text/plain; charset=utf-8", "base64",
     "UGF5w6kgaGllci4K\r\n", true},
    {"broken base64", "text/plain", "base64", "@@@@ not base64 at all\r\n", true},
    {"html qp", "text/html; charset=utf-8", "Quoted-Printable",
     "<p>Nous paierons le 5 d=C3=A9cembre.</p>=\r\n<br>\r\n", true},
    {"unlabelled 8-bit", "text/plain", "7bit", "d\xE9j\xE0 pay\xE9\r\n", true},
    {"multipart declined", "multipart/alternative; boundary=x", NULL,
     "--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n", false},
    {"report declined", "multipart/report; report-type=delivery-status; "
     "boundary=y", NULL, "--y--\r\n", false},
    {"application declined", "application/pdf", "base64", "JVBERi0=\r\n",
     false},
    {"unterminated parameter", "text/plain; charset=\"", NULL, "x\r\n", true},
    {"message declined", "message/rfc822", NULL, "Subject: x\r\n\r\nx\r\n",
     false},
};

static void
test_single(void)
{
    for (size_t i = 0; i < sizeof single_cases / sizeof single_cases[0]; i++) {
        const struct single_case *c = &single_cases[i];
        T_CASE(c->name);
        struct mimewalk a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        bool handled = mimewalk_single(&a, c->ct, c->cte, c->body,
                                       strlen(c->body));
        T_CHECK(handled == c->handled, "handled %d, want %d", handled,
                c->handled);
        if (!handled) {
            T_CHECK(!a.have_plain && !a.have_html && a.plain.len == 0,
                    "a declined body left w untouched");
        } else {
            struct sbuf mime = {0};
            sbuf_addf(&mime, "Content-Type: %s\r\n", c->ct);
            if (c->cte)
                sbuf_addf(&mime, "Content-Transfer-Encoding: %s\r\n", c->cte);
            sbuf_addf(&mime, "\r\n%s", c->body);
            T_CHECK(mimewalk_parse(&b, mime.s, mime.len), "full walk parses");
            T_INTEQ(a.have_plain, b.have_plain);
            T_INTEQ(a.have_html, b.have_html);
            T_STREQ(sbuf_cstr(&a.plain), sbuf_cstr(&b.plain));
            T_STREQ(sbuf_cstr(&a.html), sbuf_cstr(&b.html));
            T_CHECK(a.plain.len + a.html.len > 0, "some text read");
            sbuf_free(&mime);
        }
        mimewalk_free(&a);
        mimewalk_free(&b);
    }
}

/*
 * A transfer encoding cut at the very end of an exact-size buffer (the
 * milter's body stops at MaxBodyBytes): libetpan's decoder must not read
 * past it (ASan in the test build catches it). Found by fuzz-mailread.
 */
static const struct {
    const char *name, *cte, *body, *text_has;
} cut_cases[] = {
    {"qp escape cut", "quoted-printable", "R=E9gl=C3=A9 ce matin, virem =C",
     "ce matin"},
    {"qp soft break at the end", "quoted-printable", "pay=C3=A9 =", "pay"},
    {"base64 cut", "base64", "UGF5w6kgaGll", "Pay"},
};

static void
test_cut_encodings(void)
{
    for (size_t i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
        T_CASE(cut_cases[i].name);
        size_t n = strlen(cut_cases[i].body);
        char *exact = xmalloc(n); /* no NUL after it */
        memcpy(exact, cut_cases[i].body, n);
        struct mail m;
        mail_init(&m);
        mail_add_header(&m, "Content-Type", "text/plain; charset=utf-8");
        mail_add_header(&m, "Content-Transfer-Encoding", cut_cases[i].cte);
        mail_end_headers(&m);
        mail_read_body(&m, exact, n, 0);
        T_CHECK(strstr(m.text, cut_cases[i].text_has) != NULL,
                "text [%s] lacks [%s]", m.text, cut_cases[i].text_has);
        mail_free(&m);
        free(exact);
    }
}

int
main(void)
{
    test_cut_encodings();
    test_mail_cases();
    test_single();
    test_milter_path();
    test_charsets();
    test_html();
    return t_done();
}
