/*
 * test-bounce.c - bounce_detect (bounce.h) on small delivery reports
 * written for this test: which failed recipients it reads from a DSN's
 * machine-readable part and from the layout of free-text bounces, and
 * which addresses of the explanation it must leave out (help text,
 * postmaster, the sender).
 */
#include "bounce.h"
#include "classify.h"
#include "mailread.h"
#include "t.h"
#include "util.h"

#include <string.h>

struct bounce_case {
    const char *name;
    const char *msg;    /* whole message, LF line ends */
    const char *kind;   /* classify_kind_name, "" = not a report */
    const char *failed; /* comma-separated, in order found; "" none */
};

static const struct bounce_case cases[] = {
    /* A directory-lookup failure: the list names a bare mailbox with
     * its reason; the help text below wraps addresses to the start of
     * its lines; only the returned message's Received line gives the
     * mailbox's domain. */
    {"bare mailbox with reason, addresses in the help text",
     "From: MAILER-DAEMON@mx2.campus.example.edu\n"
     "To: relances@ourco.fr\n"
     "Subject: Returned mail - directory lookup failed\n"
     "\n"
     " ====== Mail could not be delivered to the following:\n"
     "\n"
     " anne.x.martin     Name unknown to the directory\n"
     "\n"
     " ====== About this error:\n"
     "\n"
     " The directory had no name, alias or nickname matching the one\n"
     " given. Look the person up before writing again; a short form may\n"
     " work where a long one does not, so if\n"
     " a.martin@campus.example.edu is refused, try amartin@campus.example.edu.\n"
     " Old mail for NAME@campus.example.edu now goes to\n"
     " NAME@dept.campus.example.edu.\n"
     "\n"
     " ====== Unsent message below:\n"
     "\n"
     "Received: from out.ourco.fr (out.ourco.fr [192.0.2.10])\n"
     "\tby mx2.campus.example.edu with ESMTP id QX1234\n"
     "\tfor <anne.x.martin@campus.example.edu>; Mon, 2 Mar 2026 10:00:00 +0100\n"
     "From: relances@ourco.fr\n"
     "To: facturation@ourco.fr\n"
     "Subject: Facture F-2026-0042\n"
     "\n"
     "Bonjour,\n",
     "bounce", "anne.x.martin@campus.example.edu"},
    /* The bare mailbox alone on its line and nothing returned: it is a
     * mailbox of the reporting domain. */
    {"bare mailbox alone, reporting domain",
     "From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.net>\n"
     "To: relances@ourco.fr\n"
     "Subject: Undeliverable: Facture F-2026-0042\n"
     "\n"
     "Your mail could not be delivered to the following recipient:\n"
     "\n"
     "    jdupont\n"
     "\n"
     "Please check the name and try again.\n",
     "bounce", "jdupont@mail.example.net"},
    /* Exim-like: the list is indented less than each reason; the help
     * desk and the sender appear in the prose around it. */
    {"indented list, help desk and sender in the prose",
     "From: Mail Delivery System <Mailer-Daemon@relay.example.org>\n"
     "To: relances@ourco.fr\n"
     "Subject: Mail delivery failed: returning message to sender\n"
     "\n"
     "A message that you (relances@ourco.fr) sent could not be delivered to\n"
     "one or more of its recipients. This is a permanent error. The\n"
     "following address(es) failed:\n"
     "\n"
     "  compta@client-one.example\n"
     "    host mx.client-one.example [192.0.2.5]\n"
     "    SMTP error after RCPT TO:<compta@client-one.example>:\n"
     "    550 5.1.1 No such user here\n"
     "  ap@client-two.example\n"
     "    host mx.client-two.example [192.0.2.6]: mailbox full\n"
     "\n"
     "For help, please contact the help desk at helpdesk@relay.example.org\n"
     "or write to noc@relay.example.org with the lines above.\n",
     "bounce", "compta@client-one.example,ap@client-two.example"},
    /* qmail: "<addr>:" opens each recipient's paragraph. */
    {"qmail recipient paragraph",
     "From: MAILER-DAEMON@mx.example.org\n"
     "To: relances@ourco.fr\n"
     "Subject: failure notice\n"
     "\n"
     "Hi. This is the qmail-send program at mx.example.org.\n"
     "I'm afraid I wasn't able to deliver your message to the following\n"
     "addresses. This is a permanent error; I've given up.\n"
     "\n"
     "<rene@client-one.example>:\n"
     "192.0.2.7 does not like recipient.\n"
     "Remote host said: 550 5.1.1 mailbox unavailable\n"
     "Giving up on 192.0.2.7.\n",
     "bounce", "rene@client-one.example"},
    /* A sentence wrapped just before the recipient: weak, but the only
     * clue; the help line is left out. */
    {"recipient wrapped to the start of a line",
     "From: MAILER-DAEMON@relay.example.org\n"
     "To: relances@ourco.fr\n"
     "Subject: Returned mail\n"
     "\n"
     "Your message of Monday, 2 March 2026, was not delivered to\n"
     "lucie@client-three.example because nobody by that name works there\n"
     "any more. For help, please contact help@relay.example.org.\n",
     "bounce", "lucie@client-three.example"},
    /* Addresses one per line under a lead-in, at one indentation: a
     * list, not wrapped prose. */
    {"one address a line under a lead-in",
     "From: postmaster@gw.example.com\n"
     "To: relances@ourco.fr\n"
     "Subject: Delivery failure\n"
     "\n"
     "Delivery failed for the following recipients:\n"
     "    paul@one.example\n"
     "    marie@two.example\n",
     "bounce", "paul@one.example,marie@two.example"},
    /* RFC 3464: the delivery-status part decides, whatever the text
     * says; Original-Recipient (what we wrote to) over Final-Recipient. */
    {"DSN fields over the text",
     "From: MAILER-DAEMON@mx.example.com\n"
     "To: relances@ourco.fr\n"
     "Subject: Undelivered Mail Returned to Sender\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/report; report-type=delivery-status;\n"
     " boundary=\"b1\"\n"
     "\n"
     "--b1\n"
     "Content-Type: text/plain\n"
     "\n"
     "Your message could not be delivered.\n"
     "\n"
     "sales@example.com: mailbox unavailable, ask postmaster@example.com\n"
     "\n"
     "--b1\n"
     "Content-Type: message/delivery-status\n"
     "\n"
     "Reporting-MTA: dns; mx.example.com\n"
     "\n"
     "Final-Recipient: rfc822; claire.dubois@mbox.example.com\n"
     "Original-Recipient: rfc822; c.dubois@example.com\n"
     "Action: failed\n"
     "Status: 5.1.1\n"
     "\n"
     "--b1--\n",
     "bounce", "c.dubois@example.com"},
    /* Without Original-Recipient, the Final-Recipient of the failed
     * block only: the delivered one is no failure. */
    {"DSN failed and delivered blocks",
     "From: MAILER-DAEMON@mx.example.com\n"
     "To: relances@ourco.fr\n"
     "Subject: Delivery Status Notification (Failure)\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/report; report-type=delivery-status;\n"
     " boundary=\"b2\"\n"
     "\n"
     "--b2\n"
     "Content-Type: text/plain\n"
     "\n"
     "Delivery to the following recipient failed permanently:\n"
     "\n"
     "     ap@client-two.example\n"
     "\n"
     "--b2\n"
     "Content-Type: message/delivery-status\n"
     "\n"
     "Reporting-MTA: dns; mx.example.com\n"
     "\n"
     "Final-Recipient: rfc822; compta@client-one.example\n"
     "Action: delivered\n"
     "Status: 2.0.0\n"
     "\n"
     "Final-Recipient: rfc822;<ap@client-two.example>\n"
     "Action: failed\n"
     "Status: 5.1.1\n"
     "\n"
     "--b2--\n",
     "bounce", "ap@client-two.example"},
    /* A person's mail is no report, addresses or not. */
    {"human mail",
     "From: Rene <rene@client-one.example>\n"
     "To: relances@ourco.fr\n"
     "Subject: Re: Facture F-2026-0042\n"
     "\n"
     "Write to compta@client-one.example from now on.\n",
     "", ""},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
main(void)
{
    static const char *const ours[] = {"relances@ourco.fr", NULL};
    struct mail m;
    struct classify_verdict v;
    struct sbuf b = {0};
    mail_init(&m);
    classify_verdict_init(&v);
    for (size_t i = 0; i < N(cases); i++) {
        const struct bounce_case *c = &cases[i];
        T_CASE(c->name);
        mail_reset(&m);
        mail_read(&m, c->msg, strlen(c->msg), 65536);
        classify_verdict_reset(&v);
        bool found = bounce_detect(&m, NULL, ours, &v);
        T_STREQ(found ? classify_kind_name(v.kind) : "", c->kind);
        sbuf_reset(&b);
        for (int k = 0; k < v.nfailed; k++) {
            if (k)
                sbuf_addc(&b, ',');
            sbuf_adds(&b, v.failed_recipients[k]);
        }
        T_STREQ(sbuf_cstr(&b), c->failed);
    }
    sbuf_free(&b);
    classify_verdict_free(&v);
    mail_free(&m);
    return t_done();
}
