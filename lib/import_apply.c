/*
 * import_apply.c - the invoice rows written: the writer thread of
 * import_pipe.c, which owns the database connection. The rows come
 * parsed and checked (import_inv.c); see import.h for the rules.
 *
 * Valid rows are inserted IMP_CHUNK at a time by one INSERT OR IGNORE
 * (a known number is ignored). When the statement changed as many rows
 * as it was given, all were new: each gets its 'imported' event, and
 * those events are written IMP_CHUNK at a time too. Otherwise each row
 * of the chunk is read back: a rowid above the largest one before the
 * chunk means the row is new; a lower one is an invoice known before
 * this import, compared with the file and updated when it changed (or
 * refused when it belongs to another client). Rowids grow because
 * invoices has no AUTOINCREMENT and nothing sets a rowid: SQLite gives
 * max(rowid) + 1, and would only pick at random after 2^63 - 1.
 *
 * Once any error is reported (by either thread) nothing more is written;
 * each row is still read back to name an invoice of another client.
 *
 * A big import into a small table drops invoices_client and builds it
 * again at the end, in the same transaction. The index is keyed by
 * client, so rows in invoice order land at random places in it: kept up
 * row by row, it took three quarters of the time of the invoices INSERTs
 * for a million new rows (2.1 of 2.8 s), where CREATE INDEX sorts the
 * same entries in about 1 s (measured). This is done once IMP_REINDEX_MIN
 * new rows are written and they outnumber the rows there were before (the
 * largest rowid before the import, an upper bound), so that a small import
 * into a big table never pays for sorting it all. A failed import rolls
 * back with the rest: the index is back as it was. Other connections read
 * their own snapshot meanwhile, and re-prepare their statements after the
 * commit (SQLite does that).
 */
#include "db.h"
#include "import_int.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INV_INS "INSERT OR IGNORE INTO invoices (number, client_id, " \
    "issue_date, due_date, amount_cents, amount_due_cents, currency, "  \
    "payment_link, pdf, status, paid_date, overpaid_cents, created_at, " \
    "scenario, payment_method) VALUES "
#define INV_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define INV_NPARAM 15
#define EV_NPARAM 5 /* IMP_EVENT_ROW's parameters */

static const char overpaid_detail[] = "{\"source\":\"import amount_paid\"}";

/*
 * What the invoice looks like: from the file (the strings borrowed from
 * the batch), or from the database (the strings in own, freed by
 * inv_free).
 */
struct inv {
    const char *number, *client, *link, *pdf, *scenario, *method;
    char issue[11], due[11], currency[4], status[12];
    int64_t amount, paid; /* paid: what the accounting export says */
    int64_t amount_due, overpaid;
    char *own[5];
};

static void
inv_free(struct inv *v)
{
    for (int i = 0; i < 5; i++)
        free(v->own[i]);
}

/* The invoice of a row, as the file gives it. */
static void
inv_from_row(struct inv *v, const struct ibatch *b, const struct irow *r)
{
    memset(v, 0, sizeof *v);
    v->number = ibatch_text(b, r->number);
    v->client = ibatch_text(b, r->client);
    v->link = ibatch_text(b, r->link);
    v->pdf = ibatch_text(b, r->pdf);
    v->scenario = ibatch_text(b, r->scenario);
    v->method = ibatch_text(b, r->method);
    memcpy(v->issue, r->issue, sizeof v->issue);
    memcpy(v->due, r->due, sizeof v->due);
    memcpy(v->currency, r->currency, sizeof v->currency);
    v->amount = r->amount;
    v->paid = r->paid;
}

/* A copy of the column's text kept in o->own[slot], or NULL. */
static const char *
inv_keep(struct inv *o, int slot, sqlite3_stmt *st, int col)
{
    const char *t = imp_text(st, col);
    return t ? (o->own[slot] = xstrdup(t)) : NULL;
}

/*
 * Due, overpaid and status from amount, what is paid, the old status.
 * The status is 'paid', 'open' or old_status (read from the table, so
 * one its CHECK accepted): import.c relies on this to skip the CHECKs.
 */
static void
settle(struct inv *v, int64_t payments, const char *old_status)
{
    int64_t paid = v->paid + payments;
    v->amount_due = paid < v->amount ? v->amount - paid : 0;
    v->overpaid = paid > v->amount ? paid - v->amount : 0;
    if (v->amount_due == 0)
        snprintf(v->status, sizeof v->status, "paid");
    else if (old_status && strcmp(old_status, "paid") != 0)
        snprintf(v->status, sizeof v->status, "%s", old_status);
    else
        snprintf(v->status, sizeof v->status, "open");
}

/*
 * Reads the stored invoice; 1 found, 0 not, -1 error. *payments: the
 * payments Relance recorded; *rowid: its rowid.
 */
static int
load_invoice(struct imp *im, const char *number, struct inv *o,
             int64_t *payments, sqlite3_int64 *rowid)
{
    memset(o, 0, sizeof *o);
    sqlite3_stmt *st = imp_stmt(im, S_INV_GET);
    imp_bind(st, 1, number);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return -1;
    o->number = number;
    o->client = inv_keep(o, 0, st, 0);
    snprintf(o->issue, sizeof o->issue, "%s", imp_text(st, 1));
    snprintf(o->due, sizeof o->due, "%s", imp_text(st, 2));
    o->amount = sqlite3_column_int64(st, 3);
    o->amount_due = sqlite3_column_int64(st, 4);
    o->overpaid = sqlite3_column_int64(st, 5);
    snprintf(o->currency, sizeof o->currency, "%s", imp_text(st, 6));
    o->link = inv_keep(o, 1, st, 7);
    o->pdf = inv_keep(o, 2, st, 8);
    snprintf(o->status, sizeof o->status, "%s", imp_text(st, 9));
    o->scenario = inv_keep(o, 3, st, 10);
    o->method = inv_keep(o, 4, st, 11);
    *rowid = sqlite3_column_int64(st, 12);
    st = imp_stmt(im, S_PAYSUM);
    imp_bind(st, 1, number);
    if (sqlite3_step(st) != SQLITE_ROW)
        return -1;
    *payments = sqlite3_column_int64(st, 0);
    /* What the export said was paid, recovered from the invariant
     * amount - due + overpaid = export's amount_paid + our payments. */
    o->paid = o->amount - o->amount_due + o->overpaid - *payments;
    return 1;
}

/* ---- events, IMP_CHUNK at a time ---- */

/*
 * Writes the queued events: one statement when there are IMP_CHUNK. A
 * failure is reported on line (the row being written).
 */
static int
flush_events(struct imp *im, struct csvin *in, long line)
{
    size_t dlen = im->detail_len + IMP_DETAIL_TAIL;
    int n = im->nev, rc = 0;
    im->nev = 0;
    if (n == IMP_CHUNK) {
        sqlite3_stmt *st = im->s[S_EVENT_N];
        for (int i = 0; i < n; i++) {
            const struct imp_ev *e = &im->ev[i];
            const char *detail =
                e->line ? imp_detail(im, e->line, im->ev_detail + i * dlen)
                        : overpaid_detail;
            int p = i * EV_NPARAM;
            imp_bind(st, p + 1, im->at);
            imp_bind(st, p + 2, e->kind);
            imp_bind(st, p + 3, e->invoice);
            imp_bind(st, p + 4, e->client);
            imp_bind(st, p + 5, detail);
        }
        /* Every parameter is bound again before the next run, so the
         * statement is only reset, not cleared (320 parameters). */
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    } else {
        for (int i = 0; i < n && rc == 0; i++) {
            const struct imp_ev *e = &im->ev[i];
            rc = e->line ? imp_row_event(im, e->kind, e->invoice, e->client,
                                         e->line, NULL)
                         : imp_event(im, e->kind, e->invoice, e->client,
                                     overpaid_detail);
        }
    }
    return rc < 0 ? imp_db_error(im, in, line) : 0;
}

/* Queues an event of v (line 0: the overpayment detail). */
static int
queue_event(struct imp *im, struct csvin *in, const char *kind,
            const struct inv *v, long line, long row_line)
{
    im->ev[im->nev++] = (struct imp_ev){kind, v->number, v->client, line};
    return im->nev == IMP_CHUNK ? flush_events(im, in, row_line) : 0;
}

/* A new invoice of the row on line: counted, and its events queued. */
static int
created(struct imp *im, struct csvin *in, const struct inv *v, long line)
{
    im->st->created++;
    if (queue_event(im, in, "imported", v, line, line) < 0)
        return -1;
    return v->overpaid > 0 ? queue_event(im, in, "overpayment", v, 0, line)
                           : 0;
}

/* ---- invoices known before this import ---- */

static bool
other_client(struct csvin *in, const struct irow *r, const struct inv *v,
             const struct inv *o)
{
    if (strcmp(o->client, v->client) == 0)
        return false;
    struct csvin_row row = {.line = r->line};
    csvin_error(in, &row, I_CLIENT, "invoice %s belongs to client %s, not %s",
                v->number, o->client, v->client);
    return true;
}

static int
update_invoice(struct imp *im, struct csvin *in, const struct irow *r,
               struct inv *v, const struct inv *o, int64_t payments)
{
    /* Columns absent from the file keep their stored value. */
    if (!(r->has & 1u << I_CURRENCY))
        memcpy(v->currency, o->currency, sizeof v->currency);
    if (!(r->has & 1u << I_PAID))
        v->paid = o->paid;
    if (!(r->has & 1u << I_LINK))
        v->link = o->link;
    if (!(r->has & 1u << I_PDF))
        v->pdf = o->pdf;
    if (!(r->has & 1u << I_SCENARIO))
        v->scenario = o->scenario;
    if (!(r->has & 1u << I_METHOD))
        v->method = o->method;
    struct sbuf ch = {0};
    static const char *const names[] = {"issue_date", "due_date", "amount",
                                        "currency", "amount_paid",
                                        "payment_link", "pdf", "scenario",
                                        "payment_method"};
    bool diff[] = {
        strcmp(v->issue, o->issue) != 0, strcmp(v->due, o->due) != 0,
        v->amount != o->amount, strcmp(v->currency, o->currency) != 0,
        v->paid != o->paid, !imp_same(v->link, o->link),
        !imp_same(v->pdf, o->pdf), !imp_same(v->scenario, o->scenario),
        !imp_same(v->method, o->method),
    };
    for (size_t i = 0; i < sizeof diff / sizeof diff[0]; i++)
        if (diff[i])
            imp_changed_add(&ch, names[i]);
    if (ch.len == 0) {
        im->st->unchanged++;
        return 0;
    }
    sbuf_addc(&ch, ']');
    settle(v, payments, o->status);
    sqlite3_stmt *st = imp_stmt(im, S_INV_UPD);
    imp_bind(st, 1, v->number);
    imp_bind(st, 2, v->issue);
    imp_bind(st, 3, v->due);
    sqlite3_bind_int64(st, 4, v->amount);
    sqlite3_bind_int64(st, 5, v->amount_due);
    sqlite3_bind_int64(st, 6, v->overpaid);
    imp_bind(st, 7, v->currency);
    imp_bind(st, 8, v->link);
    imp_bind(st, 9, v->pdf);
    imp_bind(st, 10, v->status);
    /* paid_date: kept while paid, today when the import settles it. */
    imp_bind(st, 11, im->today_iso);
    imp_bind(st, 12, v->scenario);
    imp_bind(st, 13, v->method);
    int rc = imp_run(st) == SQLITE_DONE &&
                     imp_row_event(im, "updated", v->number, o->client,
                                   r->line, ch.s) == 0 &&
                     (v->overpaid <= o->overpaid ||
                      imp_event(im, "overpayment", v->number, o->client,
                                overpaid_detail) == 0)
                 ? 0
                 : imp_db_error(im, in, r->line);
    sbuf_free(&ch);
    if (rc == 0)
        im->st->updated++;
    return rc;
}

/*
 * A row whose INSERT may have been ignored: read it back. rowid above
 * `before`: this import inserted it; else compare, update or refuse.
 * write false: only look for another client.
 */
static int
read_back(struct imp *im, struct csvin *in, const struct ibatch *b,
          const struct irow *r, sqlite3_int64 before, bool write)
{
    struct inv v, o;
    int64_t payments = 0;
    sqlite3_int64 rowid = 0;
    inv_from_row(&v, b, r);
    int rc = 0, found = load_invoice(im, v.number, &o, &payments, &rowid);
    if (found < 0) {
        rc = imp_db_error(im, in, r->line);
    } else if (found == 0 && write) { /* ignored, yet not there */
        struct csvin_row row = {.line = r->line};
        csvin_error(in, &row, -1, "database: invoice %s was not written",
                    v.number);
        rc = -1;
    } else if (!write) {
        if (found)
            other_client(in, r, &v, &o);
    } else if (rowid > before) {
        settle(&v, 0, NULL);
        rc = created(im, in, &v, r->line);
    } else if (!other_client(in, r, &v, &o)) {
        rc = update_invoice(im, in, r, &v, &o, payments);
    }
    inv_free(&o);
    return rc;
}

/* ---- chunks of new rows ---- */

static void
bind_invoice(struct imp *im, sqlite3_stmt *st, int p, const struct inv *v)
{
    imp_bind(st, p + 1, v->number);
    imp_bind(st, p + 2, v->client);
    imp_bind(st, p + 3, v->issue);
    imp_bind(st, p + 4, v->due);
    sqlite3_bind_int64(st, p + 5, v->amount);
    sqlite3_bind_int64(st, p + 6, v->amount_due);
    imp_bind(st, p + 7, v->currency);
    imp_bind(st, p + 8, v->link);
    imp_bind(st, p + 9, v->pdf);
    imp_bind(st, p + 10, v->status);
    imp_bind(st, p + 11, v->amount_due == 0 ? im->today_iso : NULL);
    sqlite3_bind_int64(st, p + 12, v->overpaid);
    imp_bind(st, p + 13, im->at);
    imp_bind(st, p + 14, v->scenario);
    imp_bind(st, p + 15, v->method);
}

/* ---- invoices_client dropped and built again ---- */

/*
 * Only invoices_client: its entries land at random places. The other
 * indexes of invoices are cheap to keep up: the primary key grows at its
 * end when the file is in number order, and invoices_status holds only
 * invoices that are not open.
 */
static int
drop_index(struct imp *im, struct csvin *in, long line)
{
    im->reindex_tried = true;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->db, "SELECT sql FROM sqlite_schema WHERE "
                           "type = 'index' AND name = 'invoices_client'",
                           -1, &st, NULL) != SQLITE_OK)
        return imp_db_error(im, in, line);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        im->reindex = xstrdup(imp_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW &&
        sqlite3_exec(im->db, "DROP INDEX invoices_client", NULL, NULL,
                     NULL) != SQLITE_OK)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return imp_db_error(im, in, line);
    im->st->reindexed = im->reindex != NULL;
    return 0;
}

/* After a chunk written up to line: time to drop invoices_client? */
static int
maybe_drop_index(struct imp *im, struct csvin *in, long line)
{
    if (im->reindex_tried || im->st->created < IMP_REINDEX_MIN ||
        im->st->created <= im->rowid_before)
        return 0;
    return drop_index(im, in, line);
}

/* Inserts rows r[0..n), n being IMP_CHUNK or 1. */
static int
insert_rows(struct imp *im, struct csvin *in, const struct ibatch *b,
            const struct irow *const *r, int n)
{
    sqlite3_stmt *st = im->s[n == IMP_CHUNK ? S_INV_INS_N : S_INV_INS];
    struct inv v[IMP_CHUNK];
    for (int i = 0; i < n; i++) {
        inv_from_row(&v[i], b, r[i]);
        settle(&v[i], 0, NULL);
        bind_invoice(im, st, i * INV_NPARAM, &v[i]);
    }
    int step = sqlite3_step(st);
    sqlite3_reset(st); /* all bound again next time: no clearing */
    if (step != SQLITE_DONE)
        return imp_db_error(im, in, r[0]->line);
    int changed = sqlite3_changes(im->db);
    sqlite3_int64 before = im->last_rowid;
    if (changed > 0)
        im->last_rowid = sqlite3_last_insert_rowid(im->db);
    if (changed == n) {
        for (int i = 0; i < n; i++)
            if (created(im, in, &v[i], r[i]->line) < 0)
                return -1;
        return maybe_drop_index(im, in, r[n - 1]->line);
    }
    /* Some were known: read each back, events in line order. */
    if (flush_events(im, in, r[0]->line) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (read_back(im, in, b, r[i], before, true) < 0)
            return -1;
    return 0;
}

/* Rows not yet written: one by one, or only checked after an error. */
static int
write_rest(struct imp *im, struct csvin *in, const struct ibatch *b,
           const struct irow *const *r, int n)
{
    bool ok = csvin_nerrors(in) == 0;
    for (int i = 0; i < n; i++)
        if ((ok ? insert_rows(im, in, b, &r[i], 1)
                : read_back(im, in, b, r[i], 0, false)) < 0)
            return -1;
    return 0;
}

int
apply_batch(struct imp *im, struct csvin *in, const struct ibatch *b)
{
    const struct irow *chunk[IMP_CHUNK];
    int n = 0;
    for (int i = 0; i < b->n; i++) {
        const struct irow *r = &b->rows[i];
        if (r->what == IROW_WRITE && csvin_nerrors(in) == 0) {
            chunk[n++] = r;
            if (n == IMP_CHUNK) {
                if (insert_rows(im, in, b, chunk, n) < 0)
                    return -1;
                n = 0;
            }
            continue;
        }
        if (write_rest(im, in, b, chunk, n) < 0 ||
            read_back(im, in, b, r, 0, false) < 0)
            return -1;
        n = 0;
    }
    /* The events borrow the batch's texts: written before it goes back. */
    if (write_rest(im, in, b, chunk, n) < 0)
        return -1;
    return flush_events(im, in, b->n ? b->rows[b->n - 1].line : 0);
}

/* A statement of head followed by n times row, comma-separated. */
static sqlite3_stmt *
prepare_rows(sqlite3 *db, const char *head, const char *row, int n)
{
    struct sbuf sql = {0};
    sbuf_adds(&sql, head);
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_addc(&sql, ',');
        sbuf_adds(&sql, row);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db, sql.s, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK)
        msg_panic("import: cannot prepare \"%.60s...\": %s", sql.s,
                  sqlite3_errmsg(db));
    sbuf_free(&sql);
    return st;
}

void
apply_init(struct imp *im)
{
    im->s[S_INV_INS] = prepare_rows(im->db, INV_INS, INV_ROW, 1);
    im->s[S_INV_INS_N] = prepare_rows(im->db, INV_INS, INV_ROW, IMP_CHUNK);
    im->s[S_EVENT_N] = prepare_rows(im->db, IMP_EVENT_SQL, IMP_EVENT_ROW,
                                    IMP_CHUNK);
    im->ev_detail = xmalloc(IMP_CHUNK * (im->detail_len + IMP_DETAIL_TAIL));
    im->nev = 0;
    sqlite3_stmt *st;
    im->last_rowid = 0;
    if (sqlite3_prepare_v2(im->db, "SELECT max(rowid) FROM invoices", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        im->last_rowid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    im->rowid_before = im->last_rowid;
}

int
apply_done(struct imp *im, struct csvin *in, bool ok)
{
    int rc = 0;
    if (ok && im->reindex &&
        sqlite3_exec(im->db, im->reindex, NULL, NULL, NULL) != SQLITE_OK) {
        csvin_error(in, NULL, -1, "database: cannot build invoices_client "
                    "again: %s", sqlite3_errmsg(im->db));
        rc = -1;
    }
    free(im->reindex);
    im->reindex = NULL;
    im->reindex_tried = false;
    free(im->ev_detail);
    im->ev_detail = NULL;
    return rc;
}
