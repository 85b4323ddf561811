/*
 * dossier.c - the litigation dossier of one invoice; see dossier.h.
 * Called by relancectl's dossier command (worker/ctl_dossier.c).
 *
 * The text is French first, English second (labels "Échéance / Due
 * date"); dates are written both in words and in ISO form, instants in
 * local time with their UTC offset, so nothing depends on the reader's
 * time zone.
 */
#include "dossier.h"

#include "civil.h"
#include "log.h"
#include "money.h"
#include "textfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *
dossier_eml_name(int index, const char *message_id)
{
    struct sbuf b = {0};
    sbuf_addf(&b, "%03d-", index);
    for (const char *p = message_id ? message_id : ""; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || strchr("._@+=-", c) != NULL;
        sbuf_addc(&b, ok ? c : '_');
    }
    sbuf_adds(&b, ".eml");
    return sbuf_steal(&b);
}

char *
dossier_time(const char *utc, char *buf, size_t len)
{
    time_t t;
    struct tm tm;
    if (utc == NULL)
        utc = "";
    if (clock_parse_utc(utc, &t) < 0 || localtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(buf, len, "%s", utc);
    return buf;
}

void
dossier_free(struct dossier *d)
{
    sbuf_free(&d->text);
    for (size_t i = 0; i < d->nemls; i++) {
        free(d->emls[i].name);
        free(d->emls[i].body);
    }
    free(d->emls);
    d->emls = NULL;
    d->nemls = 0;
}

/* What each event kind means, for the chronology and the status history
 * (status = true: the kind changes or confirms the invoice's status). */
static const struct {
    const char *kind;
    const char *fr, *en;
    bool status;
} kinds[] = {
    {"imported", "facture importée", "invoice imported", true},
    {"updated", "facture mise à jour", "invoice updated", false},
    {"reminder_sent", "relance envoyée", "reminder sent", false},
    {"notify_sent", "avis interne envoyé", "internal notice sent", false},
    {"reply", "réponse du client (pause)", "client reply (paused)", true},
    {"dispute", "contestation (litige)", "dispute", true},
    {"promise", "promesse de paiement", "promise to pay", true},
    {"paid_claim", "paiement annoncé par le client", "client says paid", true},
    {"autoreply", "réponse automatique", "auto-reply", false},
    {"bounce", "message non distribué", "bounce", false},
    {"delay", "distribution retardée", "delivery delayed", false},
    {"manual_contact", "contact manuel du personnel", "manual contact", false},
    {"payment", "paiement enregistré", "payment recorded", true},
    {"overpayment", "trop-perçu", "overpayment", true},
    {"hold", "suspension", "hold", true},
    {"release", "fin de suspension", "hold released", true},
    {"resolve", "litige résolu", "dispute resolved", true},
    {"resume", "reprise de la séquence", "sequence resumed", true},
    {"send_failed", "échec d'envoi", "send failed", false},
    {"send_uncertain", "envoi incertain", "send uncertain", false},
    {"review", "à vérifier", "review", false},
    {"report", "rapport", "report", false},
    {"approval", "envoi approuvé", "sending approved", false},
    {"task_done", "tâche faite (appel...)", "task done (call...)", false},
    {"sms_sent", "SMS envoyé", "text message sent", false},
    {"sms_failed", "échec d'envoi du SMS", "text message failed", false},
    {"sms_uncertain", "envoi du SMS incertain", "text message uncertain",
     false},
};

/* How relancectl approve and task done began their details before
 * schema 004 gave them their own kinds (worker/ctl_tasks.c). */
#define APPROVED_PREFIX "envoi approuvé / approved: "
#define TASK_PREFIX "tâche / task #"

const char *
dossier_event_kind(const char *kind, const char *detail, const char *channel)
{
    static const char *const sms[][2] = {
        {"reminder_sent", "sms_sent"},
        {"send_failed", "sms_failed"},
        {"send_uncertain", "sms_uncertain"},
    };
    if (detail == NULL)
        detail = "";
    if (strcmp(kind, "review") == 0 &&
        strncmp(detail, APPROVED_PREFIX, strlen(APPROVED_PREFIX)) == 0)
        return "approval";
    if (strcmp(kind, "manual_contact") == 0 &&
        strncmp(detail, TASK_PREFIX, strlen(TASK_PREFIX)) == 0)
        return "task_done";
    if (channel && strncmp(channel, "sms", 3) == 0)
        for (size_t i = 0; i < sizeof sms / sizeof sms[0]; i++)
            if (strcmp(kind, sms[i][0]) == 0)
                return sms[i][1];
    return kind;
}

static int
kind_index(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return (int)i;
    return -1;
}

static const char *
status_label(const char *s)
{
    static const char *const map[][2] = {
        {"open", "ouverte / open"},
        {"paused", "en pause / paused"},
        {"promised", "promesse de paiement / promised"},
        {"disputed", "contestée / disputed"},
        {"hold", "suspendue / on hold"},
        {"paid", "payée / paid"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], s) == 0)
            return map[i][1];
    return s;
}

static const char *
col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static void
field(struct sbuf *b, const char *label, const char *value)
{
    if (value && *value)
        sbuf_addf(b, "  %s : %s\n", label, value);
}

/* date_field: "15 février 2026 (2026-02-15)". */
static void
date_field(struct sbuf *b, const char *label, const char *iso)
{
    int day;
    char words[TEXTFMT_DATE_MAX], line[80];
    if (iso == NULL || *iso == '\0')
        return;
    if (civil_parse_iso(iso, &day) < 0) {
        field(b, label, iso);
        return;
    }
    snprintf(line, sizeof line, "%s (%s)",
             textfmt_date(day, LANG_FR, words, sizeof words), iso);
    field(b, label, line);
}

static void
money_field(struct sbuf *b, const char *label, int64_t cents,
            const char *currency)
{
    char buf[64];
    field(b, label, money_format_fr(cents, currency, buf, sizeof buf));
}

static sqlite3_stmt *
query(sqlite3 *db, const char *sql, const char *a, const char *b2)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        msg_error("dossier query: %s", sqlite3_errmsg(db));
        return NULL;
    }
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b2)
        sqlite3_bind_text(st, 2, b2, -1, SQLITE_TRANSIENT);
    return st;
}

static int
done(sqlite3 *db, sqlite3_stmt *st, int rc)
{
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    msg_error("dossier query: %s", sqlite3_errmsg(db));
    return -1;
}

/* Section 1 and 2: the invoice and its client. Sets *client. */
static int
identity(sqlite3 *db, const char *number, struct sbuf *b, char **client,
         char **currency)
{
    sqlite3_stmt *st =
        query(db,
              "SELECT i.number, i.issue_date, i.due_date, i.amount_cents, "
              "i.amount_due_cents, i.currency, i.status, i.status_reason, "
              "i.paused_until, i.step, i.step_name, i.paid_date, "
              "i.overpaid_cents, i.payment_link, i.created_at, "
              "c.id, c.name, c.first_name, c.last_name, c.language, c.segment, "
              "c.account_manager, c.account_manager_email, c.phone, "
              "c.hold_reason, c.hold_until "
              "FROM invoices i JOIN clients c ON c.id = i.client_id "
              "WHERE i.number = ?",
              number, NULL);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        done(db, st, rc);
        return rc == SQLITE_DONE ? DOSSIER_UNKNOWN : -1;
    }
    *client = xstrdup(col(st, 15));
    *currency = xstrdup(col(st, 5));
    char buf[64];
    sbuf_addf(b, "1. CLIENT / CLIENT\n");
    field(b, "Identifiant / Client ID", col(st, 15));
    field(b, "Raison sociale / Name", col(st, 16));
    char *contact = xasprintf("%s %s", col(st, 17), col(st, 18));
    field(b, "Contact / Contact", str_trim(contact));
    free(contact);
    field(b, "Langue / Language", col(st, 19));
    field(b, "Segment / Segment", col(st, 20));
    field(b, "Chargé de compte / Account manager", col(st, 21));
    field(b, "Courriel du chargé / Manager's e-mail", col(st, 22));
    field(b, "Téléphone / Phone", col(st, 23));
    field(b, "Client suspendu / Client on hold", col(st, 24));
    date_field(b, "Suspendu jusqu'au / On hold until", col(st, 25));
    sqlite3_stmt *em =
        query(db,
              "SELECT address, undeliverable_at, undeliverable_reason "
              "FROM client_emails WHERE client_id = ? ORDER BY position",
              *client, NULL);
    if (em == NULL) {
        sqlite3_finalize(st);
        return -1;
    }
    while ((rc = sqlite3_step(em)) == SQLITE_ROW) {
        sbuf_addf(b, "  Adresse / Address : %s", col(em, 0));
        if (sqlite3_column_type(em, 1) != SQLITE_NULL)
            sbuf_addf(b,
                      " (non distribuable depuis / undeliverable since %s"
                      ": %s)",
                      dossier_time(col(em, 1), buf, sizeof buf), col(em, 2));
        sbuf_addc(b, '\n');
    }
    if (done(db, em, rc) < 0) {
        sqlite3_finalize(st);
        return -1;
    }

    sbuf_addf(b, "\n2. FACTURE / INVOICE\n");
    field(b, "Numéro / Number", col(st, 0));
    date_field(b, "Date d'émission / Issue date", col(st, 1));
    date_field(b, "Échéance / Due date", col(st, 2));
    money_field(b, "Montant TTC / Amount incl. tax",
                sqlite3_column_int64(st, 3), col(st, 5));
    money_field(b, "Reste dû / Amount due", sqlite3_column_int64(st, 4),
                col(st, 5));
    if (sqlite3_column_int64(st, 12) != 0)
        money_field(b, "Trop-perçu / Overpaid", sqlite3_column_int64(st, 12),
                    col(st, 5));
    field(b, "Statut / Status", status_label(col(st, 6)));
    field(b, "Motif / Reason", col(st, 7));
    date_field(b, "En attente jusqu'au / Paused until", col(st, 8));
    if (sqlite3_column_int(st, 9) > 0) {
        char *step =
            xasprintf("%d (%s)", sqlite3_column_int(st, 9), col(st, 10));
        field(b, "Dernière étape / Last step", step);
        free(step);
    }
    date_field(b, "Payée le / Paid on", col(st, 11));
    field(b, "Lien de paiement / Payment link", col(st, 13));
    field(b, "Enregistrée le / Recorded",
          dossier_time(col(st, 14), buf, sizeof buf));
    return done(db, st, SQLITE_DONE);
}

static int
payments(sqlite3 *db, const char *number, const char *currency, struct sbuf *b)
{
    sqlite3_stmt *st =
        query(db,
              "SELECT date, amount_cents, reference FROM payments "
              "WHERE invoice = ? ORDER BY date, id",
              number, NULL);
    if (st == NULL)
        return -1;
    sbuf_adds(b, "\n3. PAIEMENTS / PAYMENTS\n");
    int rc, n = 0;
    int64_t sum = 0;
    char buf[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        sum += sqlite3_column_int64(st, 1);
        sbuf_addf(b, "  %s  %s  %s\n", col(st, 0),
                  money_format_fr(sqlite3_column_int64(st, 1), currency, buf,
                                  sizeof buf),
                  col(st, 2));
    }
    if (n == 0)
        sbuf_adds(b, "  Aucun paiement enregistré. / No payment recorded.\n");
    else
        money_field(b, "Total payé / Total paid", sum, currency);
    return done(db, st, rc);
}

/* Sections 4 and 5: the status history and the full chronology. The
 * client's own events (hold, bounce of an address) are included. */
static int
events(sqlite3 *db, const char *number, const char *client, struct sbuf *b)
{
    sqlite3_stmt *st = query(
        db,
        "SELECT e.id, e.at, e.kind, e.actor, e.detail, e.message_id, "
        "e.queue_id, e.invoice, m.channel FROM events e "
        "LEFT JOIN messages m ON m.message_id = e.message_id "
        "WHERE e.invoice = ?1 "
        "OR (e.invoice IS NULL AND e.client_id = ?2) ORDER BY e.id",
        number, client);
    if (st == NULL)
        return -1;
    struct sbuf hist = {0}, all = {0};
    char buf[64];
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *stored = col(st, 2);
        const char *kind = dossier_event_kind(
            stored, col(st, 4), (const char *)sqlite3_column_text(st, 8));
        int k = kind_index(kind);
        const char *at = dossier_time(col(st, 1), buf, sizeof buf);
        n++;
        sbuf_addf(&all, "  [%d] %s  %s — %s / %s%s\n", n, at, kind,
                  k >= 0 ? kinds[k].fr : kind, k >= 0 ? kinds[k].en : kind,
                  sqlite3_column_type(st, 7) == SQLITE_NULL ? " (client)" : "");
        if (kind != stored)
            sbuf_addf(&all, "      enregistré comme / recorded as : %s\n",
                      stored);
        if (*col(st, 3))
            sbuf_addf(&all, "      acteur / actor : %s\n", col(st, 3));
        if (*col(st, 5))
            sbuf_addf(&all, "      Message-ID : <%s>\n", col(st, 5));
        if (*col(st, 6))
            sbuf_addf(&all, "      file d'attente / queue ID : %s\n",
                      col(st, 6));
        if (*col(st, 4))
            sbuf_addf(&all, "      détail / detail : %s\n", col(st, 4));
        if (k >= 0 && kinds[k].status)
            sbuf_addf(&hist, "  %s  %s / %s\n", at, kinds[k].fr, kinds[k].en);
    }
    sbuf_adds(b, "\n4. HISTORIQUE DU STATUT / STATUS HISTORY\n");
    sbuf_adds(b, hist.len ? sbuf_cstr(&hist)
                          : "  Aucun changement. / No change.\n");
    sbuf_addf(b, "\n5. CHRONOLOGIE (%d événements) / EVENTS\n", n);
    sbuf_adds(b, all.len ? sbuf_cstr(&all) : "  Aucun. / None.\n");
    sbuf_free(&hist);
    sbuf_free(&all);
    return done(db, st, rc);
}

static void
add_eml(struct dossier *d, int index, const char *message_id, const void *body,
        size_t len)
{
    d->emls = xrealloc(d->emls, (d->nemls + 1) * sizeof *d->emls);
    struct dossier_eml *e = &d->emls[d->nemls++];
    e->name = dossier_eml_name(index, message_id);
    e->body = xmalloc(len + 1);
    if (len)
        memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
}

/* Section 6: every message that carried the invoice (a reminder step) or
 * told staff about it (a notice), with its full stored text. */
static int
messages(sqlite3 *db, const char *number, struct dossier *d)
{
    sqlite3_stmt *st = query(
        db,
        "SELECT m.message_id, m.kind, m.channel, m.state, m.mail_from, "
        "m.recipients, m.subject, m.created_at, m.sent_at, m.handed_off_at, "
        "m.handed_off_queue_id, m.last_error, m.body, "
        "(SELECT group_concat(r.step || ' ' || r.step_name, ', ') "
        " FROM reminders r WHERE r.message = m.id AND r.invoice = ?1) "
        "FROM messages m WHERE m.id IN "
        "(SELECT message FROM reminders WHERE invoice = ?1 UNION "
        " SELECT message FROM notices WHERE invoice = ?1) "
        "ORDER BY COALESCE(m.sent_at, m.created_at), m.id",
        number, NULL);
    if (st == NULL)
        return -1;
    struct sbuf *b = &d->text;
    sbuf_adds(b, "\n6. MESSAGES ENVOYÉS / MESSAGES SENT\n");
    char buf[64];
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        bool sent = strcmp(col(st, 3), "sent") == 0;
        sbuf_addf(b, "\n  --- Message %03d ---\n", n);
        field(b, "Message-ID", col(st, 0));
        field(b, "Nature / Kind", col(st, 1));
        field(b, "Canal / Channel", col(st, 2));
        field(b, "Étape / Step", col(st, 13));
        field(b, "État / State", sent ? "envoyé / sent" : col(st, 3));
        field(b, "Expéditeur / From", col(st, 4));
        field(b, "Destinataires / Recipients", col(st, 5));
        field(b, "Objet / Subject", col(st, 6));
        field(b, "Créé le / Created",
              dossier_time(col(st, 7), buf, sizeof buf));
        field(b, "Accepté par le serveur / Accepted by the server",
              dossier_time(col(st, 8), buf, sizeof buf));
        field(b, "Vu sortir par le milter / Seen leaving",
              dossier_time(col(st, 9), buf, sizeof buf));
        field(b, "File d'attente / Queue ID", col(st, 10));
        field(b, "Erreur / Error", col(st, 11));
        const char *body = sqlite3_column_blob(st, 12);
        size_t len = (size_t)sqlite3_column_bytes(st, 12);
        if (sent)
            add_eml(d, n, col(st, 0), body, len);
        sbuf_adds(b, "  ----- début du message / message begins -----\n");
        /* The stored message has CRLF line ends: show plain lines. */
        for (size_t i = 0; i < len; i++)
            if (((const char *)body)[i] != '\r')
                sbuf_addc(b, ((const char *)body)[i]);
        if (len && ((const char *)body)[len - 1] != '\n')
            sbuf_addc(b, '\n');
        sbuf_adds(b, "  ----- fin du message / message ends -----\n");
    }
    if (n == 0)
        sbuf_adds(b, "  Aucun message. / No message.\n");
    return done(db, st, rc);
}

int
dossier_build(sqlite3 *db, const char *number, struct dossier *d)
{
    char now[21], buf[64];
    clock_format_utc(clock_now(), now);
    struct sbuf *b = &d->text;
    sbuf_addf(b, "DOSSIER DE LA FACTURE %s\nInvoice dossier %s\n", number,
              number);
    sbuf_addf(b, "Établi le / Generated: %s\n\n",
              dossier_time(now, buf, sizeof buf));
    char *client = NULL, *currency = NULL;
    int rc = identity(db, number, b, &client, &currency);
    if (rc == 0)
        rc = payments(db, number, currency, b);
    if (rc == 0)
        rc = events(db, number, client, b);
    if (rc == 0)
        rc = messages(db, number, d);
    free(client);
    free(currency);
    return rc;
}
