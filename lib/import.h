/*
 * import.h - importing the accounting export: clients, invoices, payments.
 *
 * One file is one transaction (BEGIN IMMEDIATE, so two imports queue on
 * the busy timeout instead of failing): every row is checked, and if any
 * row is bad nothing of the file is written (the transaction is rolled
 * back) and every problem is reported with its line and column.
 *
 * Rules (README):
 *  - A row whose key (client_id, invoice number) is new is inserted with an
 *    'imported' event. A known key whose values are the same changes
 *    nothing and writes no event, so importing the same file twice is a
 *    no-op. A known key with changed values is updated with an 'updated'
 *    event whose detail lists the changed fields.
 *  - An optional column missing from the file leaves that field as it is
 *    on update; an empty value clears it.
 *  - A key twice in one file is an error (naming both lines).
 *  - Clients: e-mail addresses are checked (local@domain, ASCII, no
 *    spaces), lowercased, de-duplicated; `language` is fr (default) or en.
 *  - Invoices: the client must exist; due_date >= issue_date; amount > 0;
 *    currency is three letters (EUR default, "€" accepted); an invoice
 *    already known under another client is an error. amount_paid is what
 *    the accounting has seen paid: amount_due = amount - amount_paid -
 *    payments recorded by Relance; settled -> 'paid', more -> overpaid.
 *    Payment terms beyond 60 days after the issue date (French LME limit)
 *    give a warning, not an error.
 *  - Payments: the invoice must exist; the amount is > 0; a payment
 *    already recorded (same invoice, date, amount, reference) is skipped,
 *    so re-importing a payments file is a no-op. They go through
 *    invoice_pay (partial, full and overpayments as in invoice.h).
 */
#ifndef IMPORT_H
#define IMPORT_H

#include "csvin.h"

#include <sqlite3.h>
#include <stdbool.h>

enum import_kind { IMPORT_CLIENTS, IMPORT_INVOICES, IMPORT_PAYMENTS };

struct import_stats {
    long rows;
    long created;   /* new clients/invoices, payments recorded */
    long updated;
    long unchanged; /* includes payments already recorded */
    int reindexed;  /* 1: invoices_client was built again after the rows */
};

/* import_kind_parse: "clients", "invoices" or "payments"; -1 otherwise. */
int import_kind_parse(const char *name, enum import_kind *kind);

/*
 * import_columns: the columns a file of kind may have, in the importer's
 * own table (static, never freed), the required ones marked; *ncols gets
 * their number. For help texts, so they cannot drift from the importer.
 */
const struct csvin_col *import_columns(enum import_kind kind, int *ncols);

/*
 * import_file imports path into db. Returns 0 when the file was imported
 * (stats filled), -1 when nothing was written; report (zero-initialised
 * by the caller, freed with csvin_report_free) holds the errors and
 * warnings either way, the errors in line order. An invoices file is
 * read by a second thread, started and joined within the call; db is
 * used by the calling thread only.
 */
int import_file(sqlite3 *db, enum import_kind kind, const char *path,
                struct import_stats *stats, struct csvin_report *report);

/*
 * import_email_valid: addr is one syntactically valid address: an ASCII
 * local part of atext characters and single dots, '@', a domain of
 * letter/digit/hyphen labels; no spaces or controls; at most 254 bytes.
 */
bool import_email_valid(const char *addr);

#endif
