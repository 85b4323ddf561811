/*
 * import_int.h - what the importer's files share: the state of one
 * import, small helpers, and the invoice pipeline's rows and batches.
 * Not for use outside the importer.
 *
 *   import.c        statements, helpers, import_file (the driver)
 *   import_cli.c    client rows
 *   import_inv.c    invoice rows read and checked (reader thread),
 *                   payment rows
 *   import_apply.c  invoice rows written (writer thread)
 *   import_pipe.c   the two threads and the batches between them
 */
#ifndef IMPORT_INT_H
#define IMPORT_INT_H

#include "import.h"
#include "strset.h"

#include <stdint.h>

enum {
    S_CLIENT_GET, S_CLIENT_INS, S_CLIENT_UPD, S_EMAILS_GET, S_EMAIL_PUT,
    S_EMAIL_DEL, S_INV_INS, S_INV_INS_N, S_INV_GET, S_INV_UPD, S_PAYSUM,
    S_INV_EXISTS, S_EVENT, S_EVENT_N, S_COUNT
};

/*
 * Rows per multi-row INSERT (S_INV_INS_N, S_EVENT_N): one statement run
 * opens the tables' cursors once for IMP_CHUNK rows instead of once per
 * row. Measured on a million invoices: a fifth of the writer's CPU time
 * saved against one-row INSERT OR IGNORE, a third against one-row
 * INSERT ... ON CONFLICT DO NOTHING.
 */
#define IMP_CHUNK 64

/*
 * New invoices an import writes before it drops invoices_client (when
 * they also outnumber the invoices there were before) to build it again
 * at the end; see import_apply.c.
 */
#define IMP_REINDEX_MIN 32768

/* An 'imported' or 'overpayment' event waiting for the next S_EVENT_N. */
struct imp_ev {
    const char *kind, *invoice, *client; /* borrowed from the batch */
    long line;                           /* 0: the overpayment detail */
};

struct imp {
    sqlite3 *db;
    const char *file; /* basename, for event details */
    char at[21];
    int today;
    char today_iso[11];
    struct import_stats *st;
    struct strset *seen;    /* keys of this file, with their line */
    struct strset *clients; /* every client_id (invoices: loaded at start) */
    char *detail;     /* '{"file":"NAME","line":' then room for the rest */
    size_t detail_len; /* length of that prefix */
    sqlite3_stmt *s[S_COUNT];
    /* Invoices: the writer's state (import_apply.c). */
    sqlite3_int64 last_rowid; /* largest invoices rowid so far */
    sqlite3_int64 rowid_before; /* the largest before this import */
    char *reindex; /* the CREATE INDEX of invoices_client, once dropped */
    bool reindex_tried;
    struct imp_ev ev[IMP_CHUNK];
    int nev;
    char *ev_detail; /* IMP_CHUNK details of detail_len + tail bytes */
    struct ipipe *pipe;
};

/* imp_stmt: the prepared statement `which`, reset, bindings cleared. */
sqlite3_stmt *imp_stmt(struct imp *im, int which);
/*
 * imp_run steps st once and leaves it reset with its bindings cleared,
 * so text bound with imp_bind (not copied) is never referenced after
 * the call. Returns the sqlite3_step result.
 */
int imp_run(sqlite3_stmt *st);
/* imp_bind binds s (or NULL) without copying it: s must outlive the step. */
void imp_bind(sqlite3_stmt *st, int i, const char *s);
const char *imp_text(sqlite3_stmt *st, int i);
/* imp_same: text equality where NULL and "" are both "no value". */
bool imp_same(const char *a, const char *b);
/* imp_db_error reports the SQLite error on the row of `line`; -1. */
int imp_db_error(struct imp *im, struct csvin *in, long line);
/* Room after the detail prefix for a line number and the closing brace. */
#define IMP_DETAIL_TAIL 24
/* imp_detail writes the detail of line's 'imported' event into buf
 * (detail_len + IMP_DETAIL_TAIL bytes) and returns buf. */
const char *imp_detail(const struct imp *im, long line, char *buf);
/*
 * imp_row_event writes an import event whose detail names the file and
 * line; changed is a JSON array or NULL.
 */
int imp_row_event(struct imp *im, const char *kind, const char *invoice,
                  const char *client, long line, const char *changed);
/* imp_changed_add appends a field name to a JSON array under construction. */
void imp_changed_add(struct sbuf *b, const char *name);
/* imp_seen: key was already in this file (reported as an error). */
bool imp_seen(struct imp *im, struct csvin *in,
              const struct csvin_row *row, int col, const char *what,
              const char *key);
/* imp_event writes an event with actor "import" at the import time. */
int imp_event(struct imp *im, const char *kind, const char *invoice,
              const char *client, const char *detail);

/* The row functions of clients and payments, and the columns. */
int import_client_row(struct csvin *in, const struct csvin_row *row,
                      void *arg);
int import_payment_row(struct csvin *in, const struct csvin_row *row,
                       void *arg);
extern const struct csvin_col import_client_cols[];
extern const int import_client_ncols;
extern const struct csvin_col import_invoice_cols[];
extern const int import_invoice_ncols;
extern const struct csvin_col import_payment_cols[];
extern const int import_payment_ncols;

/* ---- the invoice pipeline ---- */

/* The invoice columns (import_invoice_cols). */
enum { I_NUMBER, I_CLIENT, I_ISSUE, I_DUE, I_AMOUNT, I_CURRENCY, I_PAID,
       I_LINK, I_PDF, I_SCENARIO, I_METHOD, I_NCOLS };

/*
 * The events statement; S_EVENT_N repeats the row IMP_CHUNK times. OR
 * FAIL, not the default ABORT: a multi-row INSERT that may abort makes
 * SQLite keep a statement journal (a temporary file holding each page
 * the statement changes, to undo the statement alone), 99,000 page
 * writes for a million invoices. Any failure here fails the whole import,
 * whose transaction is rolled back, so undoing one statement is useless.
 */
#define IMP_EVENT_SQL "INSERT OR FAIL INTO events (at, kind, invoice, " \
                      "client_id, actor, detail) VALUES "
#define IMP_EVENT_ROW "(?, ?, ?, ?, 'import', ?)"

/* What the writer does with a row. */
enum irow_do {
    IROW_WRITE, /* valid: insert, or compare and update */
    IROW_CHECK, /* invalid: only say if it belongs to another client */
};

#define IROW_NULL UINT32_MAX /* a text offset that stands for NULL */

/*
 * One invoice row read and checked by the reader thread: the dates,
 * amounts and currency parsed, the texts copied into the batch's text
 * (offsets, IROW_NULL for none: an empty value or a column the file
 * lacks; `has` says which optional columns the file has).
 */
struct irow {
    long line;
    enum irow_do what;
    unsigned has; /* bit I_x: the file has optional column I_x */
    uint32_t number, client, link, pdf, scenario, method;
    char issue[11], due[11], currency[4];
    int64_t amount, paid;
};

/* Rows handed from the reader to the writer in one go. */
struct ibatch {
    struct irow *rows;
    int n;
    struct sbuf text;
};

/* ibatch_text: the text at off in b, or NULL for IROW_NULL. */
static inline const char *
ibatch_text(const struct ibatch *b, uint32_t off)
{
    return off == IROW_NULL ? NULL : b->text.s + off;
}

/* The reader's row function (import_inv.c): checks the row and queues it
 * with ipipe_row. */
int import_invoice_row(struct csvin *in, const struct csvin_row *row,
                       void *arg);

/*
 * import_invoices reads path in a reader thread and writes its rows in
 * the calling thread, which owns im->db (import_pipe.c). Returns as
 * csvin_read does.
 */
int import_invoices(struct imp *im, const char *path,
                    struct csvin_report *report);
/*
 * ipipe_row: the reader's batch being filled gets one more row, whose
 * texts the caller then adds with ipipe_text. NULL when the writer has
 * stopped (a database error): the reader stops too.
 */
struct irow *ipipe_row(struct ipipe *p);
uint32_t ipipe_text(struct ipipe *p, const char *s);

/*
 * The writer (import_apply.c): prepare, one batch, finish. apply_done
 * builds invoices_client again if it was dropped on the way and ok
 * (nothing failed); -1 if that fails (reported in `in`).
 */
void apply_init(struct imp *im);
int apply_batch(struct imp *im, struct csvin *in, const struct ibatch *b);
int apply_done(struct imp *im, struct csvin *in, bool ok);

#endif
