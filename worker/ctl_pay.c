/*
 * ctl_pay.c - `relancectl pay NUMBER AMOUNT [--date D] [--reference R]`:
 * record a payment received (lib/invoice.c's invoice_pay does the work).
 */
#include "ctl.h"
#include "ctl_util.h"
#include "db.h"
#include "invoice.h"
#include "log.h"
#include "money.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define PAY_USAGE "pay NUMBER AMOUNT [--date D] [--reference R]"

static void
help(void)
{
    printf("usage: relancectl [-c FILE] " PAY_USAGE "\n\n"
           "Enregistre un paiement reçu / records a payment received.\n\n"
           "  AMOUNT          1234,56 or 1 234,56 or 1234.56 (same rules as "
           "the CSV files)\n"
           "  --date D        day received, YYYY-MM-DD or DD/MM/YYYY "
           "(default: today)\n"
           "  --reference R   bank reference; the same payment (invoice, "
           "date, amount,\n"
           "                  reference) is recorded only once\n\n"
           "A partial payment lowers the amount due and leaves the invoice "
           "in its status;\na full one marks it paid; money beyond what is "
           "due is kept as an overpayment\n(overpaid_cents and an "
           "'overpayment' event).\n\n"
           "Exit: 0 recorded, 1 unknown invoice or already recorded, 64 bad "
           "usage.\n");
}

int
ctl_pay(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        help();
        return 0;
    }
    static const struct option opts[] = {
        {"date", required_argument, NULL, 'd'},
        {"reference", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *date = NULL, *ref = "";
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            date = optarg;
        else if (ch == 'r')
            ref = optarg;
        else
            return ctl_usage(PAY_USAGE);
    }
    if (argc - optind != 2)
        return ctl_usage(PAY_USAGE);
    const char *number = argv[optind], *amount = argv[optind + 1];
    int64_t cents = 0;
    const char *why = NULL;
    if (money_parse(amount, &cents, &why) < 0 || cents <= 0) {
        msg_error("montant invalide / bad amount \"%s\": %s", amount,
                  why ? why : "must be positive");
        return EX_USAGE;
    }
    int day = ctl_today();
    if (date && ctl_parse_day("--date", date, &day) < 0)
        return EX_USAGE;
    if (day > ctl_today()) {
        msg_error("--date %s: date future / a payment cannot be received "
                  "in the future", date);
        return EX_USAGE;
    }
    if (*ref && ctl_text_arg("--reference", ref) < 0)
        return EX_USAGE;
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL)
        return EXIT_RUNTIME;
    char err[512];
    struct invoice_paid paid;
    if (db_begin(db) < 0)
        return EXIT_RUNTIME;
    int rc = invoice_pay(db, number, day, cents, ref, NULL, ctl_actor(),
                         &paid, err, sizeof err);
    if (rc == 0 && db_commit(db) < 0)
        rc = INVOICE_EDB;
    if (rc < 0) {
        db_rollback(db);
        msg_error("%s", rc == INVOICE_EDB && !*err ? "database error" : err);
        return EXIT_RUNTIME;
    }
    char a[64], d[64];
    money_format_fr(cents, paid.currency, a, sizeof a);
    money_format_fr(paid.due_cents, paid.currency, d, sizeof d);
    printf("%s : paiement de %s enregistré, reste dû %s (%s) / payment "
           "recorded, %s due (%s)\n",
           number, a, d, ctl_status_fr(paid.status), d, paid.status);
    if (paid.overpaid_cents > 0) {
        money_format_fr(paid.overpaid_cents, paid.currency, a, sizeof a);
        printf("%s : trop-perçu de %s enregistré / overpayment of %s "
               "recorded\n",
               number, a, a);
    }
    return 0;
}
