/*
 * import.c - the driver of the three importers, and what they share; see
 * import.h for the rules, import_int.h for the files.
 *
 * One file, one transaction. csvin hands each row to a row function that
 * validates it and, as long as no error has been seen in the file,
 * writes it. After the first error the rest is still validated (to
 * report every bad row) but nothing more is written, and the transaction
 * is rolled back at the end. Statements are prepared once per import.
 * Clients and payments are read and written in one thread; invoices, the
 * big file, are read in one thread and written in another
 * (import_pipe.c).
 */
#include "import.h"
#include "civil.h"
#include "db.h"
#include "invoice.h"
#include "log.h"
#include "money.h"
#include "strset.h"
#include "import_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sqls[S_COUNT] = {
    [S_CLIENT_GET] = "SELECT name, first_name, last_name, language, segment, "
                     "annual_revenue_cents, account_manager, "
                     "account_manager_email, phone, public_sector, "
                     "contract_rate_bp, scenario FROM clients WHERE id = ?",
    [S_CLIENT_INS] = "INSERT INTO clients (id, name, first_name, last_name, "
                     "language, segment, annual_revenue_cents, "
                     "account_manager, account_manager_email, phone, "
                     "public_sector, contract_rate_bp, scenario, "
                     "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_CLIENT_UPD] = "UPDATE clients SET name = ?2, first_name = ?3, "
                     "last_name = ?4, language = ?5, segment = ?6, "
                     "annual_revenue_cents = ?7, account_manager = ?8, "
                     "account_manager_email = ?9, phone = ?10, "
                     "public_sector = ?11, contract_rate_bp = ?12, "
                     "scenario = ?13 WHERE id = ?1",
    [S_EMAILS_GET] = "SELECT address FROM client_emails WHERE client_id = ? "
                     "ORDER BY position",
    [S_EMAIL_PUT] = "INSERT INTO client_emails (client_id, address, position) "
                    "VALUES (?,?,?) ON CONFLICT (client_id, address) "
                    "DO UPDATE SET position = excluded.position",
    [S_EMAIL_DEL] = "DELETE FROM client_emails WHERE client_id = ? AND "
                    "address = ?",
    [S_INV_GET] = "SELECT client_id, issue_date, due_date, amount_cents, "
                  "amount_due_cents, overpaid_cents, currency, payment_link, "
                  "pdf, status, scenario, payment_method, rowid "
                  "FROM invoices WHERE number = ?",
    [S_INV_UPD] = "UPDATE invoices SET issue_date = ?2, due_date = ?3, "
                  "amount_cents = ?4, amount_due_cents = ?5, "
                  "overpaid_cents = ?6, currency = ?7, payment_link = ?8, "
                  "pdf = ?9, status = ?10, paid_date = CASE WHEN ?10 = "
                  "'paid' THEN coalesce(paid_date, ?11) END, "
                  "scenario = ?12, payment_method = ?13 WHERE number = ?1",
    [S_PAYSUM] = "SELECT coalesce(sum(amount_cents), 0) FROM payments "
                 "WHERE invoice = ?",
    [S_INV_EXISTS] = "SELECT 1 FROM invoices WHERE number = ?",
    /* db_event prepares its statement at every call; a million-row import
     * cannot afford that, so the importer keeps its own. */
    [S_EVENT] = IMP_EVENT_SQL IMP_EVENT_ROW,
    /* S_INV_INS, S_INV_INS_N, S_EVENT_N: built by apply_init. */
};

/* Resets a prepared statement and clears its bindings. */
sqlite3_stmt *
imp_stmt(struct imp *im, int which)
{
    sqlite3_stmt *st = im->s[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

int
imp_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

void
imp_bind(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

const char *
imp_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* "" and NULL are the same "no value". */
bool
imp_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int
imp_db_error(struct imp *im, struct csvin *in, long line)
{
    struct csvin_row row = {.line = line};
    csvin_error(in, &row, -1, "database: %s", sqlite3_errmsg(im->db));
    return -1;
}

int
imp_event(struct imp *im, const char *kind, const char *invoice,
      const char *client, const char *detail)
{
    sqlite3_stmt *st = im->s[S_EVENT];
    imp_bind(st, 1, im->at);
    imp_bind(st, 2, kind);
    imp_bind(st, 3, invoice);
    imp_bind(st, 4, client);
    imp_bind(st, 5, detail);
    return imp_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Builds the event detail prefix {"file":"NAME","line": once per import. */
static void
detail_init(struct imp *im)
{
    struct sbuf d = {0};
    invoice_detail_str(&d, "file", im->file);
    invoice_detail_raw(&d, "line", "");
    im->detail_len = d.len;
    static const char room[IMP_DETAIL_TAIL];
    sbuf_add(&d, room, sizeof room);
    im->detail = sbuf_steal(&d);
}

const char *
imp_detail(const struct imp *im, long line, char *buf)
{
    memcpy(buf, im->detail, im->detail_len);
    snprintf(buf + im->detail_len, IMP_DETAIL_TAIL, "%ld}", line);
    return buf;
}

/* Event detail: {"file":..., "line":..., "changed":[...]}. */
int
imp_row_event(struct imp *im, const char *kind, const char *invoice,
              const char *client, long line, const char *changed)
{
    char *tail = im->detail + im->detail_len;
    if (changed == NULL) /* no allocation */
        return imp_event(im, kind, invoice, client,
                         imp_detail(im, line, im->detail));
    snprintf(tail, IMP_DETAIL_TAIL, "%ld", line);
    struct sbuf d = {0};
    sbuf_adds(&d, im->detail);
    invoice_detail_raw(&d, "changed", changed);
    int rc = imp_event(im, kind, invoice, client, invoice_detail_end(&d));
    sbuf_free(&d);
    return rc;
}

/* Appends "name" to a JSON array being built in b (without brackets). */
void
imp_changed_add(struct sbuf *b, const char *name)
{
    sbuf_adds(b, b->len ? ",\"" : "[\"");
    sbuf_adds(b, name);
    sbuf_addc(b, '"');
}

/* Is `key` already in this file? Reports the earlier line if so. */
bool
imp_seen(struct imp *im, struct csvin *in, const struct csvin_row *row,
            int col, const char *what, const char *key)
{
    int prev = strset_put(im->seen, key, (int)row->line);
    if (prev == 0)
        return false;
    csvin_error(in, row, col, "%s \"%s\" already on line %d", what, key, prev);
    return true;
}


/* The page cache of an import, in KiB (negative: SQLite's convention). */
#define IMPORT_CACHE_KIB "-65536"

/* The integer a PRAGMA returns (0 if it returns nothing). */
static int
pragma_int(sqlite3 *db, const char *name)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s", name);
    sqlite3_stmt *st;
    int v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/*
 * Every client_id, so that the reader thread checks an invoice's client
 * without the database (which the writer thread owns). The import holds
 * the write lock: no client can appear or vanish meanwhile.
 */
static int
load_clients(struct imp *im)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->db, "SELECT id FROM clients", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        strset_put(im->clients, imp_text(st, 0), 1);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int
import_kind_parse(const char *name, enum import_kind *kind)
{
    static const char *const names[] = {"clients", "invoices", "payments"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *kind = (enum import_kind)i;
            return 0;
        }
    return -1;
}

const struct csvin_col *
import_columns(enum import_kind kind, int *ncols)
{
    switch (kind) {
    case IMPORT_CLIENTS:
        *ncols = import_client_ncols;
        return import_client_cols;
    case IMPORT_INVOICES:
        *ncols = import_invoice_ncols;
        return import_invoice_cols;
    case IMPORT_PAYMENTS:
        *ncols = import_payment_ncols;
        return import_payment_cols;
    }
    msg_panic("import_columns: no import kind %d", (int)kind);
}

int
import_file(sqlite3 *db, enum import_kind kind, const char *path,
            struct import_stats *stats, struct csvin_report *report)
{
    struct imp im = {.db = db, .st = stats, .seen = strset_new(),
                     .clients = strset_new()};
    memset(stats, 0, sizeof *stats);
    const char *slash = strrchr(path, '/');
    im.file = slash ? slash + 1 : path;
    db_now(im.at);
    im.today = clock_local_day(clock_now());
    civil_format_iso(im.today, im.today_iso);
    detail_init(&im);

    int rc = -1;
    /* A bigger page cache for the million-row case. Every reference is
     * checked by the row functions themselves (with a message naming the
     * line), so SQLite's own foreign-key lookups, three per invoice row,
     * are switched off for this connection while the import runs (the
     * pragma only works outside a transaction). */
    int old_cache = pragma_int(db, "cache_size");
    db_exec(db, "PRAGMA cache_size = " IMPORT_CACHE_KIB);
    db_exec(db, "PRAGMA foreign_keys = OFF");
    /* SQLite 3.40 evaluates a CHECK (x IN (...)) at a cost of about a
     * microsecond a row, even in a multi-row INSERT: 3.5 s of CPU for a
     * million invoices and their events (measured). An invoice import
     * writes only two CHECKed columns (schema 001-005), and only values
     * the CHECKs accept:
     *  - events.kind: the constants 'imported', 'updated', 'overpayment'
     *    (import_apply.c, import.c);
     *  - invoices.status: settle() in import_apply.c gives 'paid',
     *    'open' or the status read from the row being updated, which its
     *    CHECK accepted when it was written.
     * No other column of invoices or events has a CHECK. So CHECKs are
     * skipped for invoice imports only; a new CHECK on either table, or
     * a new value written, must revisit this. */
    if (kind == IMPORT_INVOICES)
        db_exec(db, "PRAGMA ignore_check_constraints = ON");
    if (db_begin(db) < 0) {
        sbuf_addf(&report->errors, "%s: cannot lock the database: %s\n",
                  path, sqlite3_errmsg(db));
        report->nerrors++;
        goto out;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqls[i] && sqlite3_prepare_v3(db, sqls[i], -1,
                                          SQLITE_PREPARE_PERSISTENT,
                                          &im.s[i], NULL) != SQLITE_OK)
            msg_panic("import: cannot prepare \"%s\": %s", sqls[i],
                      sqlite3_errmsg(db));
    switch (kind) {
    case IMPORT_CLIENTS:
        rc = csvin_read(path, import_client_cols, import_client_ncols,
                        import_client_row, &im, report);
        break;
    case IMPORT_INVOICES:
        if (load_clients(&im) == 0) {
            rc = import_invoices(&im, path, report);
        } else {
            sbuf_addf(&report->errors, "%s: database: %s\n", path,
                      sqlite3_errmsg(db));
            report->nerrors++;
        }
        break;
    case IMPORT_PAYMENTS:
        rc = csvin_read(path, import_payment_cols, import_payment_ncols,
                        import_payment_row, &im, report);
        break;
    }
    stats->rows = report->rows;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(im.s[i]);
    if (rc == 0 && db_commit(db) < 0) {
        sbuf_addf(&report->errors, "%s: commit failed: %s\n", path,
                  sqlite3_errmsg(db));
        report->nerrors++;
        rc = -1;
    }
    if (rc < 0)
        db_rollback(db);
out:
    db_exec(db, "PRAGMA foreign_keys = ON");
    db_exec(db, "PRAGMA ignore_check_constraints = OFF");
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", old_cache);
    db_exec(db, sql);
    strset_free(im.seen);
    strset_free(im.clients);
    free(im.detail);
    return rc;
}
