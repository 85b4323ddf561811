/*
 * import_int.h - what import.c and import_inv.c share: the state of one
 * import and small helpers. Not for use outside the importer.
 */
#ifndef IMPORT_INT_H
#define IMPORT_INT_H

#include "import.h"
#include "strset.h"

enum {
    S_CLIENT_GET, S_CLIENT_INS, S_CLIENT_UPD, S_EMAILS_GET, S_EMAIL_PUT,
    S_EMAIL_DEL, S_CLIENT_EXISTS, S_INV_INS, S_INV_GET, S_INV_UPD,
    S_PAYSUM, S_INV_EXISTS, S_EVENT, S_COUNT
};

struct imp {
    sqlite3 *db;
    const char *file; /* basename, for event details */
    char at[21];
    int today;
    char today_iso[11];
    struct import_stats *st;
    struct strset *seen;    /* keys of this file, with their line */
    struct strset *clients; /* client_ids known to exist (invoices) */
    char *detail;     /* '{"file":"NAME","line":' then room for the rest */
    size_t detail_len; /* length of that prefix */
    sqlite3_stmt *s[S_COUNT];
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
/* imp_db_error reports the SQLite error on row and returns -1. */
int imp_db_error(struct imp *im, struct csvin *in, const struct csvin_row *row);
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

/* The row functions of each kind, and their columns. */
int import_client_row(struct csvin *in, const struct csvin_row *row,
                      void *arg);
int import_invoice_row(struct csvin *in, const struct csvin_row *row,
                       void *arg);
int import_payment_row(struct csvin *in, const struct csvin_row *row,
                       void *arg);
extern const struct csvin_col import_invoice_cols[];
extern const int import_invoice_ncols;
extern const struct csvin_col import_payment_cols[];
extern const int import_payment_ncols;

#endif
