/*
 * ctl_invoice.c - `relancectl invoice show NUMBER [--json]` and
 * `relancectl invoice list [--status S] [--client ID] [--json]`.
 *
 * JSON comes from lib/invoice_json.c (one object per invoice; list is an
 * array of them without events, streamed row by row). The text output is
 * for the finance team: French first, amounts as 1 234,56 €, dates as
 * DD/MM/YYYY.
 */
#include "ctl.h"
#include "ctl_util.h"
#include "invoice_json.h"
#include "log.h"
#include "money.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define INVOICE_USAGE                                                         \
    "invoice show NUMBER [--json] | invoice list [--status S] "               \
    "[--client ID] [--json]"

static const char *const statuses[] = {"open", "paused", "promised",
                                       "disputed", "hold", "paid"};

static void
help(void)
{
    printf("usage: relancectl [-c FILE] invoice show NUMBER [--json]\n"
           "       relancectl [-c FILE] invoice list [--status S] "
           "[--client ID] [--json]\n\n"
           "show   une facture, ses paiements, relances et événements / one "
           "invoice with its\n       payments, reminders and events\n"
           "list   les factures par échéance / invoices by due date; "
           "--status one of\n       open, paused, promised, disputed, hold, "
           "paid\n"
           "--json machine-readable output (list: an array of the show "
           "objects without\n       events)\n\n"
           "Exit: 0 ok, 1 unknown invoice or database error, 64 bad "
           "usage.\n");
}

static const char *
col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static void
print_json_item(const char *json, void *arg)
{
    long *n = arg;
    printf("%s\n  %s", (*n)++ ? "," : "", json);
}

static int
list_text(sqlite3 *db, const char *status, const char *client)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT i.number, i.client_id, c.name, i.due_date,"
                           " i.amount_cents, i.amount_due_cents, i.currency,"
                           " i.status FROM invoices i JOIN clients c ON "
                           "c.id = i.client_id WHERE (?1 IS NULL OR "
                           "i.status = ?1) AND (?2 IS NULL OR i.client_id = "
                           "?2) ORDER BY i.due_date, i.number",
                           -1, &st, NULL) != SQLITE_OK) {
        msg_error("database: %s", sqlite3_errmsg(db));
        return EXIT_RUNTIME;
    }
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
    ctl_pad(stdout, "Numéro / Number", 17);
    ctl_pad(stdout, "Client", 29);
    ctl_pad(stdout, "Échéance", 12);
    ctl_rpad(stdout, "Montant", 16);
    ctl_rpad(stdout, "Reste dû / Due", 17);
    printf("  Statut\n");
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char who[160], day[11], a[64], d[64];
        snprintf(who, sizeof who, "%s %s", col(st, 1), col(st, 2));
        /* Cut long names at a character boundary. */
        size_t cut = 0;
        for (int c = 0; who[cut] && c < 28; c++)
            do
                cut++;
            while (((unsigned char)who[cut] & 0xC0) == 0x80);
        who[cut] = '\0';
        ctl_pad(stdout, col(st, 0), 16);
        putchar(' ');
        ctl_pad(stdout, who, 28);
        printf(" %s  ", ctl_day_fr(col(st, 3), day));
        ctl_rpad(stdout, money_format_fr(sqlite3_column_int64(st, 4),
                                         col(st, 6), a, sizeof a), 16);
        putchar(' ');
        ctl_rpad(stdout, money_format_fr(sqlite3_column_int64(st, 5),
                                         col(st, 6), d, sizeof d), 16);
        printf("  %s\n", ctl_status_fr(col(st, 7)));
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        msg_error("database: %s", sqlite3_errmsg(db));
        return EXIT_RUNTIME;
    }
    printf("%ld facture%s / invoice%s\n", n, n > 1 ? "s" : "",
           n > 1 ? "s" : "");
    return 0;
}

/* Prints rows of sql (bound to number) as "  a  b  c" lines. */
static void
print_rows(sqlite3 *db, const char *title, const char *sql,
           const char *number, bool money_col2)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    printf("%s\n", title);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        printf(" ");
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            char m[64];
            if (i == 1 && money_col2)
                printf("  %s", money_format_fr(sqlite3_column_int64(st, 1),
                                               col(st, 3), m, sizeof m));
            else if (i == 3 && money_col2)
                continue;
            else
                printf("  %s", col(st, i));
        }
        putchar('\n');
        n++;
    }
    if (n == 0)
        printf("  (aucun / none)\n");
    sqlite3_finalize(st);
}

static int
show_text(sqlite3 *db, const char *number)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            db,
            "SELECT i.client_id, c.name, i.issue_date, i.due_date, "
            "i.amount_cents, i.amount_due_cents, i.overpaid_cents, "
            "i.currency, i.status, i.status_reason, i.paused_until, i.step, "
            "i.step_name, i.paid_date, c.hold_reason, c.hold_until "
            "FROM invoices i JOIN clients c ON c.id = i.client_id "
            "WHERE i.number = ?",
            -1, &st, NULL) != SQLITE_OK) {
        msg_error("database: %s", sqlite3_errmsg(db));
        return EXIT_RUNTIME;
    }
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        msg_error("facture inconnue / unknown invoice \"%s\"", number);
        return EXIT_RUNTIME;
    }
    char d1[11], m[64];
    const char *cur = col(st, 7);
    printf("Facture / Invoice %s\n", number);
    printf("  Client                 %s — %s\n", col(st, 0), col(st, 1));
    printf("  Émise le / Issued      %s\n", ctl_day_fr(col(st, 2), d1));
    printf("  Échéance / Due date    %s\n", ctl_day_fr(col(st, 3), d1));
    printf("  Montant / Amount       %s\n",
           money_format_fr(sqlite3_column_int64(st, 4), cur, m, sizeof m));
    printf("  Reste dû / Amount due  %s\n",
           money_format_fr(sqlite3_column_int64(st, 5), cur, m, sizeof m));
    if (sqlite3_column_int64(st, 6) > 0)
        printf("  Trop-perçu / Overpaid  %s\n",
               money_format_fr(sqlite3_column_int64(st, 6), cur, m,
                               sizeof m));
    printf("  Statut / Status        %s (%s)", ctl_status_fr(col(st, 8)),
           col(st, 8));
    if (*col(st, 9))
        printf(" — %s", col(st, 9));
    if (*col(st, 10))
        printf(", jusqu'au / until %s", ctl_day_fr(col(st, 10), d1));
    printf("\n  Étape / Step           %d%s%s%s\n", sqlite3_column_int(st, 11),
           *col(st, 12) ? " (" : "", col(st, 12), *col(st, 12) ? ")" : "");
    if (*col(st, 13))
        printf("  Payée le / Paid on     %s\n", ctl_day_fr(col(st, 13), d1));
    if (*col(st, 14))
        printf("  Client suspendu / client on hold: %s%s%s\n", col(st, 14),
               *col(st, 15) ? ", jusqu'au / until " : "",
               ctl_day_fr(col(st, 15), d1));
    sqlite3_finalize(st);
    print_rows(db, "Paiements / Payments",
               "SELECT p.date, p.amount_cents, p.reference, i.currency "
               "FROM payments p JOIN invoices i ON i.number = p.invoice "
               "WHERE p.invoice = ? ORDER BY p.date, p.id",
               number, true);
    print_rows(db, "Relances / Reminders",
               "SELECT r.step, r.step_name, m.sent_at, m.message_id, m.state "
               "FROM reminders r JOIN messages m ON m.id = r.message "
               "WHERE r.invoice = ? ORDER BY r.step",
               number, false);
    print_rows(db, "Événements / Events",
               "SELECT at, kind, coalesce(actor, ''), coalesce(detail, '') "
               "FROM events WHERE invoice = ? ORDER BY id",
               number, false);
    return 0;
}

int
ctl_invoice(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        help();
        return 0;
    }
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"status", required_argument, NULL, 's'},
        {"client", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *status = NULL, *client = NULL;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'j')
            json = true;
        else if (ch == 's')
            status = optarg;
        else if (ch == 'c')
            client = optarg;
        else
            return ctl_usage(INVOICE_USAGE);
    }
    int npos = argc - optind;
    if (npos < 1)
        return ctl_usage(INVOICE_USAGE);
    const char *sub = argv[optind];
    bool show = strcmp(sub, "show") == 0;
    if ((show && (npos != 2 || status || client)) ||
        (!show && (strcmp(sub, "list") != 0 || npos != 1)))
        return ctl_usage(INVOICE_USAGE);
    if (status) {
        size_t i;
        for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            if (strcmp(status, statuses[i]) == 0)
                break;
        if (i == sizeof statuses / sizeof statuses[0]) {
            msg_error("--status \"%s\": open, paused, promised, disputed, "
                      "hold or paid",
                      status);
            return EX_USAGE;
        }
    }
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL)
        return EXIT_RUNTIME;
    if (show && !json)
        return show_text(db, argv[optind + 1]);
    if (!show && !json)
        return list_text(db, status, client);
    if (show) {
        struct sbuf b = {0};
        int rc = invoice_json_one(db, argv[optind + 1], true, &b);
        if (rc == 1)
            printf("%s\n", b.s);
        else if (rc == 0)
            msg_error("facture inconnue / unknown invoice \"%s\"",
                      argv[optind + 1]);
        sbuf_free(&b);
        return rc == 1 ? 0 : EXIT_RUNTIME;
    }
    long n = 0;
    fputs("[", stdout);
    long rc = invoice_json_list(db, status, client, print_json_item, &n);
    fputs(n ? "\n]\n" : "]\n", stdout);
    return rc < 0 ? EXIT_RUNTIME : 0;
}
