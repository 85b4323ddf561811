/*
 * ctl_import.c - `relancectl import clients|invoices|payments FILE`.
 *
 * The work is lib/import.c's; this prints its messages and a summary.
 * Exit 0 when the file was imported (warnings allowed), 1 when it was
 * refused (nothing written), 64 on bad usage.
 */
#include "ctl.h"
#include "ctl_util.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define IMPORT_USAGE "import clients|invoices|payments FILE"

/*
 * What a column's values look like, where its name does not say it. The
 * names themselves come from the importer's tables (import_columns), so
 * the help lists every column the importer reads, whatever is added.
 */
static const struct {
    const char *col;
    const char *note;
} col_notes[] = {
    {"email", "one or more, separated by , or spaces"},
    {"language", "fr|en"},
    {"public_sector", "oui/non, yes/no, 1/0"},
    {"contract_rate", "a percentage such as 12,5"},
    {"scenario", "forces a scenario"},
    {"pdf", "a relative path is read under PdfDir"},
    {"payment_method", "such as direct-debit"},
};

#define HELP_WIDTH 78
#define HELP_INDENT 12

/*
 * Prints one kind's columns, "name*" when required, each with its note
 * in parentheses, folded between columns at HELP_WIDTH under HELP_INDENT
 * so that a note stays with its column.
 */
static void
help_columns(const char *kind_name)
{
    enum import_kind kind;
    if (import_kind_parse(kind_name, &kind) < 0)
        msg_panic("ctl_import: no import kind \"%s\"", kind_name);
    int ncols;
    const struct csvin_col *cols = import_columns(kind, &ncols);
    printf("  %-*s", HELP_INDENT - 2, kind_name);
    int at = HELP_INDENT;
    struct sbuf item = {0};
    for (int i = 0; i < ncols; i++) {
        sbuf_reset(&item);
        sbuf_addf(&item, "%s%s", cols[i].name, cols[i].required ? "*" : "");
        for (size_t j = 0; j < sizeof col_notes / sizeof col_notes[0]; j++)
            if (strcmp(col_notes[j].col, cols[i].name) == 0)
                sbuf_addf(&item, " (%s)", col_notes[j].note);
        if (i + 1 < ncols)
            sbuf_addc(&item, ',');
        int len = ctl_width(sbuf_cstr(&item));
        if (i > 0 && at + 1 + len > HELP_WIDTH) {
            printf("\n%*s", HELP_INDENT, "");
            at = HELP_INDENT;
        } else if (i > 0) {
            putchar(' ');
            at++;
        }
        fputs(sbuf_cstr(&item), stdout);
        at += len;
    }
    putchar('\n');
    sbuf_free(&item);
}

static void
help(void)
{
    printf("usage: relancectl [-c FILE] " IMPORT_USAGE "\n\n"
           "Importe un export comptable CSV / imports an accounting CSV "
           "export.\n\n"
           "Colonnes / columns (* = obligatoire / required; any order, "
           "found by the\nheader row):\n");
    help_columns("clients");
    help_columns("invoices");
    help_columns("payments");
    printf("\nAccepted: UTF-8 with or without BOM, ';' or ',' separator, "
           "quoted fields,\nCRLF, decimal comma or point, 1 234,56 "
           "thousands, dates YYYY-MM-DD or\nDD/MM/YYYY. One bad row and "
           "nothing of the file is imported; every\nproblem is reported "
           "with its line and column. Re-importing the same file\nchanges "
           "nothing; a changed row is updated (an 'updated' event lists "
           "the\nfields). An optional column missing from the file leaves "
           "that field as it\nis; an empty value clears it.\n\n"
           "Exit: 0 imported, 1 refused, 64 bad usage.\n");
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
    /* A million-row file is one large transaction: its pages are written
     * in large writes (bulkvfs.h). */
    sqlite3 *db = ctl_db_flags(ctl, DB_BULK);
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
