/*
 * w_letter.c - the printable formal-notice letter (mise en demeure) kept
 * for the litigation dossier: when a message of a step flagged `dossier`
 * has been recorded, one text file per invoice is written to
 * DossierDir/<invoice number>/mise-en-demeure-<YYYY-MM-DD>.txt with the
 * amounts (principal still due, late-payment interest with its
 * calculation lines, the 40 EUR indemnity), the legal basis (articles
 * L441-10 and D441-5 of the Code de commerce), the deadline
 * (W_LETTER_DAYS days) and what follows without payment (recovery
 * proceedings, injonction de payer). Called by w_pass.c after recording
 * (never in dry-run). A letter that cannot be written is logged; the
 * message itself is not affected.
 */
#include "w.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "textfmt.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define W_LETTER_DAYS 8

/* Was message_id recorded? (the letter follows the record) */
static bool
recorded(sqlite3 *db, const char *message_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM messages WHERE message_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    db_bind_text(st, 1, message_id);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* The letter's text for invoice i of the message. */
static void
letter_text(const struct worker *w, const struct planload_client *c,
            const struct sched_invoice *si, const struct planload_invoice *wi,
            int today, const char *message_id, struct sbuf *out)
{
    char d1[64], d2[64], d3[64], a1[64], a2[64], a3[64], a4[64];
    textfmt_date(today, LANG_FR, d1, sizeof d1);
    textfmt_date(si->due_date, LANG_FR, d2, sizeof d2);
    textfmt_date(today + W_LETTER_DAYS, LANG_FR, d3, sizeof d3);
    const char *cur = wi->currency ? wi->currency : "EUR";
    sbuf_addf(out, "%s\n\n%s\n%s\n\nLe %s\n\n",
              w->cfg.company_name[0] ? w->cfg.company_name : w->cfg.from,
              c->name ? c->name : c->id, c->naddrs ? c->addrs[0] : "", d1);
    sbuf_addf(out, "Objet : MISE EN DEMEURE DE PAYER - facture %s\n\n",
              si->number);
    sbuf_addf(out, "Madame, Monsieur,\n\nMalgré nos relances, la facture "
              "%s, échue le %s, n'est pas réglée.\n\n", si->number, d2);
    textfmt_money(wi->amount_due_cents, cur, LANG_FR, a1, sizeof a1);
    sbuf_addf(out, "Principal restant dû :                   %s\n", a1);
    struct legal_terms terms = {.public_sector = c->public_sector,
                                .contract_rate_bp = c->contract_rate_bp};
    struct legal_result res;
    char err[512];
    int64_t total = wi->amount_due_cents;
    if (strcmp(cur, "EUR") == 0 &&
        legal_compute(&w->legal, &terms, wi->amount_due_cents, si->due_date,
                      NULL, 0, today, &res, err, sizeof err) == 0) {
        char *detail = legal_detail(&res, LANG_FR, "\n    ");
        textfmt_money(res.interest_cents, cur, LANG_FR, a2, sizeof a2);
        textfmt_money(res.indemnity_cents, cur, LANG_FR, a3, sizeof a3);
        total += res.interest_cents + res.indemnity_cents;
        sbuf_addf(out, "Pénalités de retard au %s :           %s\n"
                  "    %s\n"
                  "Indemnité forfaitaire pour frais de recouvrement : %s\n",
                  d1, a2, detail, a3);
        free(detail);
        legal_result_free(&res);
    } else if (strcmp(cur, "EUR") == 0) {
        msg_warn("worker: letter %s: no legal amounts: %s", si->number, err);
        sbuf_addf(out, "Pénalités de retard : à calculer (taux manquant)\n");
    }
    textfmt_money(total, cur, LANG_FR, a4, sizeof a4);
    sbuf_addf(out, "Total réclamé :                          %s\n\n", a4);
    sbuf_addf(out,
              "En application de l'article L441-10 du Code de commerce, tout "
              "retard de paiement rend exigibles de plein droit, dès le "
              "lendemain de l'échéance, des pénalités de retard, ainsi "
              "qu'une indemnité forfaitaire pour frais de recouvrement de 40 "
              "euros par facture (article D441-5 du même code).\n\n"
              "Nous vous mettons en demeure de régler la somme de %s au plus "
              "tard le %s (%d jours).\n\n"
              "À défaut de paiement dans ce délai, nous engagerons sans autre "
              "avis une procédure de recouvrement judiciaire, notamment une "
              "requête en injonction de payer, dont les frais resteront à "
              "votre charge.\n\n"
              "Veuillez agréer, Madame, Monsieur, nos salutations "
              "distinguées.\n\n%s\n\n"
              "Réf. : message <%s> envoyé le %s\n",
              a4, d3, W_LETTER_DAYS,
              w->cfg.company_name[0] ? w->cfg.company_name : w->cfg.from,
              message_id, d1);
}

/* A folder name from an invoice number: no '/', no leading '.'. */
static char *
folder_for(const struct worker *w, const char *number)
{
    char *n = xstrdup(number);
    for (char *p = n; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20 || (p == n && *p == '.'))
            *p = '_';
    char *path = xasprintf("%s/%s", w->cfg.dossier_dir, n);
    free(n);
    return path;
}

void
w_letter_write(const struct worker *w, sqlite3 *db,
               const struct planload_data *d, const struct sched_msg *m,
               int today, const struct w_msg *msg)
{
    if (!(m->flags & SCN_F_DOSSIER) || !recorded(db, msg->message_id))
        return;
    const struct planload_client *c = &d->wc[m->client];
    char day[11];
    civil_format_iso(today, day);
    mkdir(w->cfg.dossier_dir, 0750);
    for (size_t i = 0; i < m->nitems; i++) {
        if (!(m->items[i].step->flags & SCN_F_DOSSIER))
            continue;
        const struct sched_invoice *si = &d->si[m->items[i].invoice];
        struct sbuf text = {0};
        letter_text(w, c, si, &d->wi[m->items[i].invoice], today,
                    msg->message_id, &text);
        char *dir = folder_for(w, si->number);
        char *path = xasprintf("%s/mise-en-demeure-%s.txt", dir, day);
        mkdir(dir, 0750);
        FILE *f = fopen(path, "w");
        bool ok = f != NULL && fwrite(text.s, 1, text.len, f) == text.len;
        if (f != NULL && fclose(f) != 0)
            ok = false;
        if (!ok)
            msg_warn("worker: letter %s: %s", path, strerror(errno));
        else
            msg_info("worker: invoice=%s letter=%s", si->number, path);
        free(dir);
        free(path);
        sbuf_free(&text);
    }
}
