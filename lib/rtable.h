/*
 * rtable.h - a small typed table for reports, and its three renderings:
 * an aligned text table (French amounts), CSV for Excel-FR and JSON.
 *
 * The report queries (report.c) fill an rtable; relancectl prints it in
 * the format the user asked for. Pure code: no I/O, no locale; rendering
 * appends to a struct sbuf.
 *
 * Cell types and how each format writes them:
 *   RT_TEXT    text as is; CSV quoted when needed; JSON string.
 *   RT_INT     integer; right-aligned in text.
 *   RT_MONEY   integer cents with a currency: "1 234,56 €" in text
 *              (money_format_fr), "1234,56" in CSV (decimal comma, no
 *              thousands separator, the currency is its own column),
 *              an integer number of cents in JSON (the key says _cents).
 *   RT_TENTHS  a fixed-point number in tenths (DSO days): "12,3" in text
 *              and CSV, 12.3 in JSON.
 * Any cell may be null: "-" in text, empty in CSV, null in JSON.
 */
#ifndef RTABLE_H
#define RTABLE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtable_type { RT_TEXT, RT_INT, RT_MONEY, RT_TENTHS };

/* A column: key (JSON), title (text and CSV header, French), type. */
struct rtable_col {
    const char *key;
    const char *title;
    int type; /* enum rtable_type */
};

struct rtable_cell {
    bool null;
    int64_t num; /* RT_INT, RT_MONEY (cents), RT_TENTHS */
    char *text;  /* RT_TEXT; RT_MONEY: the currency code */
};

struct rtable_row {
    bool total; /* a totals row: after a rule in text, apart in JSON */
    struct rtable_cell *cells;
};

struct rtable {
    const struct rtable_col *cols; /* borrowed: usually a static array */
    size_t ncols;
    struct rtable_row *rows;
    size_t nrows, cap;
    size_t filled; /* cells filled in the last row */
};

/*
 * rtable_init prepares t for columns cols[0..ncols-1] (kept by pointer;
 * they must outlive t). rtable_free releases every row; t may then be
 * initialised again.
 */
void rtable_init(struct rtable *t, const struct rtable_col *cols, size_t ncols);
void rtable_free(struct rtable *t);

/*
 * rtable_row starts a new row; then exactly ncols rtable_text/_int/
 * _money/_tenths/_null calls fill it left to right (more is a bug:
 * msg_panic). Cells not filled when rendering are null.
 */
void rtable_row(struct rtable *t, bool total);
/* s is copied; NULL makes a null cell. */
void rtable_text(struct rtable *t, const char *s);
void rtable_int(struct rtable *t, int64_t v);
void rtable_money(struct rtable *t, int64_t cents, const char *currency);
void rtable_tenths(struct rtable *t, int64_t tenths);
void rtable_null(struct rtable *t);

/*
 * rtable_write_text appends the aligned table: header, a rule, the rows,
 * a rule and the totals rows. Widths count UTF-8 characters.
 */
void rtable_write_text(const struct rtable *t, struct sbuf *out);
/*
 * rtable_write_csv appends a header row of titles and every row (totals
 * last), ';'-separated, CRLF-terminated (RFC 4180, what Excel writes).
 */
void rtable_write_csv(const struct rtable *t, struct sbuf *out);
/*
 * rtable_write_json appends a JSON array of objects (one per row, keys
 * from the columns): the plain rows when totals is false, the totals
 * rows when true.
 */
void rtable_write_json(const struct rtable *t, bool totals, struct sbuf *out);

/* rtable_json_string appends s as a JSON string literal ("null" if NULL). */
void rtable_json_string(struct sbuf *out, const char *s);

/* rtable_fixed writes v/10^decimals with a decimal comma ("-12,3").
 * Returns buf (32 bytes is enough). */
char *rtable_fixed(int64_t v, int decimals, char sep, char *buf, size_t len);

#endif
