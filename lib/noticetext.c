/*
 * noticetext.c - wording of the milter's notices to staff; see
 * noticetext.h.
 */
#include "noticetext.h"
#include "util.h"

static const char *
or_dash(const char *s)
{
    return *s ? s : "-";
}

void
notice_text(enum notice_kind k, const struct notice_facts *f, char **subject,
            char **text)
{
    switch (k) {
    case NOTICE_DISPUTE:
        *subject = xasprintf("Litige sur la facture %s / Invoice %s disputed",
                             f->invoice, f->invoice);
        *text = xasprintf(
            "%s (%s) conteste la facture %s (message de %s). Les relances "
            "sont arrêtées jusqu'à `relancectl resolve %s`.\n\n"
            "%s (%s) disputes invoice %s (mail from %s). Reminders are "
            "stopped until `relancectl resolve %s`.\n\nExtrait / Excerpt: %s\n",
            f->client_name, f->client_id, f->invoice, f->sender, f->invoice,
            f->client_name, f->client_id, f->invoice, f->sender, f->invoice,
            or_dash(f->evidence));
        break;
    case NOTICE_PAID_CLAIM:
        *subject = xasprintf("Paiement annoncé : facture %s / Payment "
                             "claimed: invoice %s",
                             f->invoice, f->invoice);
        *text = xasprintf(
            "%s (%s) dit avoir payé la facture %s (message de %s). À vérifier "
            "sur le relevé ; relances suspendues jusqu'au %s.\n\n"
            "%s (%s) says invoice %s is paid (mail from %s). Please check the "
            "bank statement; reminders paused until %s.\n\nExtrait / Excerpt: "
            "%s\n",
            f->client_name, f->client_id, f->invoice, f->sender,
            or_dash(f->until), f->client_name, f->client_id, f->invoice,
            f->sender, or_dash(f->until), or_dash(f->evidence));
        break;
    case NOTICE_BOUNCE:
        *subject = xasprintf("Adresse en échec : %s / Undeliverable "
                             "address: %s",
                             f->address, f->address);
        *text = xasprintf(
            "Un message à %s (client %s) est revenu en échec définitif ; "
            "l'adresse est marquée non distribuable. Merci de trouver une "
            "autre adresse.\n\nA message to %s (client %s) bounced "
            "permanently; the address is marked undeliverable. Please find "
            "another address.\n\nMotif / Reason: %s\n",
            f->address, or_dash(f->client_id), f->address,
            or_dash(f->client_id), or_dash(f->evidence));
        break;
    }
}
