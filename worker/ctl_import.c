/*
 * ctl_import.c - `relancectl import clients|invoices|payments FILE`.
 *
 * The work is lib/import.c's; this prints its messages and a summary.
 * Exit 0 when the file was imported (warnings allowed), 1 when it was
 * refused (nothing written), 64 on bad usage.
 */
#include "ctl.h"
#include "import.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define IMPORT_USAGE "import clients|invoices|payments FILE"

static void
help(void)
{
    printf("usage: relancectl [-c FILE] " IMPORT_USAGE "\n\n"
           "Importe un export comptable CSV / imports an accounting CSV "
           "export.\n\n"
           "  clients   client_id*, name*, email* (one or more, separated "
           "by , or spaces),\n"
           "            first_name, last_name, language (fr|en), segment,\n"
           "            annual_revenue, account_manager, "
           "account_manager_email, phone\n"
           "  invoices  number*, client_id*, issue_date*, due_date*, "
           "amount*, currency,\n"
           "            amount_paid, payment_link, pdf\n"
           "  payments  invoice*, date*, amount*, reference\n"
           "(* = required column; columns in any order, found by the "
           "header row)\n\n"
           "Accepted: UTF-8 with or without BOM, ';' or ',' separator, "
           "quoted fields,\nCRLF, decimal comma or point, 1 234,56 "
           "thousands, dates YYYY-MM-DD or\nDD/MM/YYYY. One bad row and "
           "nothing of the file is imported; every\nproblem is reported "
           "with its line and column. Re-importing the same file\nchanges "
           "nothing; a changed row is updated (an 'updated' event lists "
           "the\nfields).\n\nExit: 0 imported, 1 refused, 64 bad usage.\n");
}

int
ctl_import(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        help();
        return 0;
    }
    enum import_kind kind;
    if (argc != 3 || import_kind_parse(argv[1], &kind) < 0)
        return ctl_usage(IMPORT_USAGE);
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL)
        return EXIT_RUNTIME;
    struct import_stats st;
    struct csvin_report rep = {0};
    int rc = import_file(db, kind, argv[2], &st, &rep);
    fputs(sbuf_cstr(&rep.warnings), stderr);
    if (rep.nwarnings > CSVIN_MAX_WARNINGS)
        fprintf(stderr, "%s: %d avertissements de plus / %d more warnings\n",
                argv[2], rep.nwarnings - CSVIN_MAX_WARNINGS,
                rep.nwarnings - CSVIN_MAX_WARNINGS);
    fputs(sbuf_cstr(&rep.errors), stderr);
    if (rc < 0)
        fprintf(stderr,
                "%s : rien n'a été importé (%d erreur%s) / nothing was "
                "imported (%d error%s)\n",
                argv[2], rep.nerrors, rep.nerrors > 1 ? "s" : "",
                rep.nerrors, rep.nerrors > 1 ? "s" : "");
    else
        printf("%s : %ld lignes, %ld nouvelles, %ld mises à jour, %ld "
               "inchangées / %ld rows: %ld new, %ld updated, %ld "
               "unchanged\n",
               argv[2], st.rows, st.created, st.updated, st.unchanged,
               st.rows, st.created, st.updated, st.unchanged);
    csvin_report_free(&rep);
    return rc < 0 ? EXIT_RUNTIME : 0;
}
