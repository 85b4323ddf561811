/*
 * csvin.h - reading the CSV files of an accounting export (on libcsv).
 *
 * What it accepts (DESIGN.md §6): UTF-8 with or without a BOM; `;` or `,`
 * as separator, chosen by the header row (the one that occurs more often
 * outside quotes, `,` on a tie); RFC 4180 quoting, including separators
 * and line breaks inside quoted fields; LF or CRLF line ends; blank lines
 * and rows whose fields are all empty are skipped (Excel writes ";;;;").
 *
 * The header row names the columns, in any order, case-insensitively;
 * columns the caller does not know are ignored with a warning, a missing
 * required column is an error naming it. Every mapped value is trimmed
 * and must be valid UTF-8 without control characters (C0, DEL, C1, U+2028,
 * U+2029), so no CSV value can ever break a mail header later.
 *
 * Errors and warnings are collected as "FILE:LINE: column N (name): what"
 * lines, LINE being the physical line where the record starts; errors
 * are listed in line order even when a row's error is found later (by
 * another thread, see csvin_open). Reading stops after CSVIN_MAX_ERRORS
 * errors.
 *
 * Used by lib/import*.c; the unit test test-csvin.c drives it directly.
 */
#ifndef CSVIN_H
#define CSVIN_H

#include "util.h"

#include <stdbool.h>

#define CSVIN_MAX_ERRORS 20
/* Warnings beyond this many are counted, not written out. */
#define CSVIN_MAX_WARNINGS 50

/* One column the caller knows. */
struct csvin_col {
    const char *name;
    bool required;
};

/* One data row, as handed to the row callback. */
struct csvin_row {
    long line;              /* physical line where the record starts */
    const char *const *val; /* val[i] for column i of the spec: trimmed,
                               "" when empty, NULL when the file has no
                               such column; borrowed for the callback */
};

/* The outcome of a read: the caller zero-initialises and frees it. */
struct csvin_report {
    struct sbuf errors;   /* one message per line */
    struct sbuf warnings; /* one message per line */
    int nerrors;
    int nwarnings;
    long rows;            /* data rows handed to the callback */
};

struct csvin;

/*
 * The row callback: validate (report problems with csvin_error) and
 * store. Return 0 to go on, -1 to stop reading at once (a database
 * failure; the callback has reported it with csvin_error).
 */
typedef int (*csvin_row_fn)(struct csvin *in, const struct csvin_row *row,
                            void *arg);

/*
 * csvin_read reads path, mapping the header to cols[0..ncols), and calls
 * fn for every data row. Returns 0 when the file was read to its end
 * without any error reported (by the reader or the callback), -1
 * otherwise; the messages are in report. It is csvin_open, csvin_run
 * and csvin_close in one call.
 */
int csvin_read(const char *path, const struct csvin_col *cols, int ncols,
               csvin_row_fn fn, void *arg, struct csvin_report *report);

/*
 * The same in three steps, for a reader thread that hands rows to
 * another thread which may still report errors about them after the
 * reading is over (the invoice importer): csvin_open opens path (NULL,
 * with the error in report, if it cannot); csvin_run reads it all,
 * calling fn for every data row, and returns as csvin_read does;
 * csvin_close frees in and returns 0 if no error at all was reported,
 * -1 otherwise. Between csvin_open and csvin_close, csvin_error,
 * csvin_warn and csvin_nerrors may be called from any thread; report
 * must not be read before csvin_close, which puts the errors in line
 * order.
 */
struct csvin *csvin_open(const char *path, const struct csvin_col *cols,
                         int ncols, struct csvin_report *report);
int csvin_run(struct csvin *in, csvin_row_fn fn, void *arg);
int csvin_close(struct csvin *in);

/*
 * csvin_error / csvin_warn add a message about row's column col (an
 * index into the spec; -1 for the whole row). The message gets the file,
 * line, column number and name in front. row may come from another
 * thread's copy: only row->line is read.
 */
void csvin_error(struct csvin *in, const struct csvin_row *row, int col,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void csvin_warn(struct csvin *in, const struct csvin_row *row, int col,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* csvin_nerrors: errors reported so far in this read (by any thread). */
int csvin_nerrors(const struct csvin *in);

/* csvin_path: the file being read (borrowed). */
const char *csvin_path(const struct csvin *in);

/* csvin_report_free releases the messages. */
void csvin_report_free(struct csvin_report *report);

/*
 * csvin_text_ok: s is valid UTF-8 without control characters (the test
 * every mapped value passes; exported for the commands' arguments).
 */
bool csvin_text_ok(const char *s);

#endif
