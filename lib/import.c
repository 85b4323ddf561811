/*
 * import.c - the three importers; see import.h for the rules.
 *
 * One pass: csvin hands each row to a row function that validates it and,
 * as long as no error has been seen in the file, writes it. After the
 * first error the rest is still validated (to report every bad row) but
 * nothing more is written, and the transaction is rolled back at the end.
 * Statements are prepared once per import; a fresh invoice costs a hash
 * lookup of its client (one query per distinct client), one INSERT ..
 * ON CONFLICT DO NOTHING and one event, with the row's text bound in
 * place (not copied) and no allocation of ours.
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
    [S_CLIENT_EXISTS] = "SELECT 1 FROM clients WHERE id = ?",
    [S_INV_INS] = "INSERT INTO invoices (number, client_id, issue_date, "
                  "due_date, amount_cents, amount_due_cents, currency, "
                  "payment_link, pdf, status, paid_date, overpaid_cents, "
                  "created_at, scenario, payment_method) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                  "ON CONFLICT (number) DO NOTHING",
    [S_INV_GET] = "SELECT client_id, issue_date, due_date, amount_cents, "
                  "amount_due_cents, overpaid_cents, currency, payment_link, "
                  "pdf, status, scenario, payment_method FROM invoices "
                  "WHERE number = ?",
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
    [S_EVENT] = "INSERT INTO events (at, kind, invoice, client_id, actor, "
                "detail) VALUES (?, ?, ?, ?, 'import', ?)",
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

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* "" and NULL are the same "no value". */
bool
imp_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int
imp_db_error(struct imp *im, struct csvin *in, const struct csvin_row *row)
{
    csvin_error(in, row, -1, "database: %s", sqlite3_errmsg(im->db));
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

/* Room after the detail prefix for a line number and the closing brace. */
#define DETAIL_TAIL 24

/* Builds the event detail prefix {"file":"NAME","line": once per import. */
static void
detail_init(struct imp *im)
{
    struct sbuf d = {0};
    invoice_detail_str(&d, "file", im->file);
    invoice_detail_raw(&d, "line", "");
    im->detail_len = d.len;
    static const char room[DETAIL_TAIL];
    sbuf_add(&d, room, sizeof room);
    im->detail = sbuf_steal(&d);
}

/* Event detail: {"file":..., "line":..., "changed":[...]}. */
int
imp_row_event(struct imp *im, const char *kind, const char *invoice,
          const char *client, long line, const char *changed)
{
    char *tail = im->detail + im->detail_len;
    if (changed == NULL) { /* every new row: no allocation */
        snprintf(tail, DETAIL_TAIL, "%ld}", line);
        return imp_event(im, kind, invoice, client, im->detail);
    }
    snprintf(tail, DETAIL_TAIL, "%ld", line);
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

bool
import_email_valid(const char *a)
{
    const char *at = strchr(a, '@');
    size_t n = strlen(a);
    if (at == NULL || at == a || strchr(at + 1, '@') || n > 254 ||
        at[1] == '\0')
        return false;
    static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
    for (const char *p = a; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (p == a || p + 1 == at || p[1] == '.')
                return false;
        } else if (!(isalnum(c) && c < 0x80) && !strchr(atext, c)) {
            return false;
        }
    }
    size_t label = 0;
    for (const char *p = at + 1;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-')
                return false;
            if (c == '\0')
                return true;
            label = 0;
        } else if ((isalnum(c) && c < 0x80) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
}

/*
 * Splits a list of addresses (separated by ',', ';' or blanks), checks,
 * lowercases and de-duplicates them into out as "a b c". -1 on a bad one.
 */
static int
parse_emails(struct csvin *in, const struct csvin_row *row, int col,
             const char *list, struct sbuf *out)
{
    char *copy = xstrdup(list);
    int rc = 0, n = 0;
    for (char *save, *tok = strtok_r(copy, ",; ", &save); tok;
         tok = strtok_r(NULL, ",; ", &save)) {
        str_lower(tok);
        if (!import_email_valid(tok)) {
            csvin_error(in, row, col, "invalid e-mail address \"%s\"", tok);
            rc = -1;
            break;
        }
        /* De-duplicate: addresses are short, lists shorter. */
        char *pad = xasprintf(" %s ", tok);
        char *have = xasprintf(" %s ", sbuf_cstr(out));
        if (strstr(have, pad) == NULL) {
            if (out->len)
                sbuf_addc(out, ' ');
            sbuf_adds(out, tok);
            n++;
        }
        free(pad);
        free(have);
    }
    free(copy);
    if (rc == 0 && n == 0) {
        csvin_error(in, row, col, "no e-mail address");
        rc = -1;
    }
    return rc;
}

/* ---- clients ---- */

enum { C_ID, C_NAME, C_EMAIL, C_FIRST, C_LAST, C_LANG, C_SEGMENT, C_REVENUE,
       C_AM, C_AM_EMAIL, C_PHONE, C_PUBLIC, C_RATE, C_SCENARIO, C_NCOLS };

static const struct csvin_col client_cols[C_NCOLS] = {
    {"client_id", true},      {"name", true},     {"email", true},
    {"first_name", false},    {"last_name", false}, {"language", false},
    {"segment", false},       {"annual_revenue", false},
    {"account_manager", false}, {"account_manager_email", false},
    {"phone", false},         {"public_sector", false},
    {"contract_rate", false}, {"scenario", false},
};

/* The client fields in S_CLIENT_GET order, and their CSV columns. */
#define NCF 12
static const int cf_col[NCF] = {C_NAME, C_FIRST, C_LAST, C_LANG, C_SEGMENT,
                                C_REVENUE, C_AM, C_AM_EMAIL, C_PHONE,
                                C_PUBLIC, C_RATE, C_SCENARIO};
static const char *const cf_name[NCF] = {
    "name", "first_name", "last_name", "language", "segment",
    "annual_revenue", "account_manager", "account_manager_email", "phone",
    "public_sector", "contract_rate", "scenario"};

/* public_sector: "1", "0", or NULL (with the error reported). */
static const char *
parse_public(struct csvin *in, const struct csvin_row *row, const char *v)
{
    static const char *const yes[] = {"oui", "yes", "1", "true", "o", "y"};
    static const char *const no[] = {"non", "no", "0", "false", "n", ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (str_iequal(v, yes[i]))
            return "1";
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (str_iequal(v, no[i]))
            return "0";
    csvin_error(in, row, C_PUBLIC, "\"%s\" is not oui/non (yes/no, 1/0)", v);
    return NULL;
}

/* contract_rate: a percentage (decimal comma or point, at most two
 * decimals) into basis points as text in buf ("" when empty). */
static void
parse_rate(struct csvin *in, const struct csvin_row *row, const char *v,
           char *buf, size_t len)
{
    int64_t bp;
    const char *why = "must be above 0 and at most 100 %";
    char *copy = xstrdup(v), *t = str_trim(copy);
    size_t n = strlen(t);
    if (n && t[n - 1] == '%')
        t[n - 1] = '\0';
    str_trim(t);
    if (*t == '\0')
        buf[0] = '\0';
    else if (money_parse(t, &bp, &why) < 0 || bp <= 0 || bp > 10000)
        csvin_error(in, row, C_RATE, "\"%s\" is not a rate in percent: %s",
                    v, why);
    else
        snprintf(buf, len, "%lld", (long long)bp);
    free(copy);
}

static int
write_emails(struct imp *im, const char *id, const char *list,
             const char *old)
{
    char *copy = xstrdup(list);
    int pos = 0, rc = 0;
    for (char *save, *a = strtok_r(copy, " ", &save); a && rc == 0;
         a = strtok_r(NULL, " ", &save)) {
        sqlite3_stmt *st = imp_stmt(im, S_EMAIL_PUT);
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, a);
        sqlite3_bind_int(st, 3, ++pos);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    free(copy);
    char *gone = xstrdup(old ? old : "");
    char *pad = xasprintf(" %s ", list);
    for (char *save, *a = strtok_r(gone, " ", &save); a && rc == 0;
         a = strtok_r(NULL, " ", &save)) {
        char *key = xasprintf(" %s ", a);
        if (strstr(pad, key) == NULL) {
            sqlite3_stmt *st = imp_stmt(im, S_EMAIL_DEL);
            db_bind_text(st, 1, id);
            db_bind_text(st, 2, a);
            rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        }
        free(key);
    }
    free(gone);
    free(pad);
    return rc;
}

int
import_client_row(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct imp *im = arg;
    const char *const *v = row->val;
    int errs = csvin_nerrors(in);
    struct sbuf emails = {0};
    char *nv[NCF] = {0}, *ov[NCF] = {0}, *old_emails = NULL;
    int rc = 0;

    imp_seen(im, in, row, C_ID, "client_id", v[C_ID]);
    parse_emails(in, row, C_EMAIL, v[C_EMAIL], &emails);
    char lang[3] = "fr";
    if (v[C_LANG] && *v[C_LANG]) {
        if (!str_iequal(v[C_LANG], "fr") && !str_iequal(v[C_LANG], "en"))
            csvin_error(in, row, C_LANG, "\"%s\" is not fr or en", v[C_LANG]);
        else
            snprintf(lang, sizeof lang, "%c%c", tolower(v[C_LANG][0]),
                     tolower(v[C_LANG][1]));
    }
    char revenue[24] = "";
    if (v[C_REVENUE] && *v[C_REVENUE]) {
        int64_t c;
        const char *why;
        if (money_parse(v[C_REVENUE], &c, &why) < 0 || c < 0)
            csvin_error(in, row, C_REVENUE, "\"%s\": %s", v[C_REVENUE],
                        c < 0 ? "negative" : why);
        else
            snprintf(revenue, sizeof revenue, "%lld", (long long)c);
    }
    char *am_email = NULL;
    if (v[C_AM_EMAIL] && *v[C_AM_EMAIL]) {
        am_email = str_lower(xstrdup(v[C_AM_EMAIL]));
        if (!import_email_valid(am_email))
            csvin_error(in, row, C_AM_EMAIL, "invalid e-mail address \"%s\"",
                        v[C_AM_EMAIL]);
    }
    const char *pub = v[C_PUBLIC] ? parse_public(in, row, v[C_PUBLIC]) : NULL;
    char rate[24] = "";
    if (v[C_RATE])
        parse_rate(in, row, v[C_RATE], rate, sizeof rate);
    if (csvin_nerrors(in) > errs || errs > 0)
        goto out; /* bad row, or an earlier one: validate only */

    sqlite3_stmt *st = imp_stmt(im, S_CLIENT_GET);
    db_bind_text(st, 1, v[C_ID]);
    int step = sqlite3_step(st);
    bool exists = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = imp_db_error(im, in, row);
        goto out;
    }
    for (int i = 0; exists && i < NCF; i++)
        ov[i] = dup_or_null(imp_text(st, i));
    if (exists) {
        st = imp_stmt(im, S_EMAILS_GET);
        db_bind_text(st, 1, v[C_ID]);
        struct sbuf b = {0};
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (b.len)
                sbuf_addc(&b, ' ');
            sbuf_adds(&b, imp_text(st, 0));
        }
        old_emails = sbuf_steal(&b);
    }
    /* New values: the file's where it has the column, else the old. */
    for (int i = 0; i < NCF; i++) {
        const char *val = v[cf_col[i]];
        if (cf_col[i] == C_LANG)
            val = v[C_LANG] || !exists ? lang : NULL;
        else if (cf_col[i] == C_REVENUE)
            val = v[C_REVENUE] ? revenue : NULL;
        else if (cf_col[i] == C_AM_EMAIL)
            val = v[C_AM_EMAIL] ? (am_email ? am_email : "") : NULL;
        else if (cf_col[i] == C_PUBLIC) /* never NULL in the table */
            val = pub ? pub : exists ? NULL : "0";
        else if (cf_col[i] == C_RATE)
            val = v[C_RATE] ? rate : NULL;
        nv[i] = val ? (*val ? xstrdup(val) : NULL) : dup_or_null(ov[i]);
    }
    struct sbuf changed = {0};
    for (int i = 0; exists && i < NCF; i++)
        if (!imp_same(ov[i], nv[i]))
            imp_changed_add(&changed, cf_name[i]);
    if (exists && !imp_same(old_emails, emails.s))
        imp_changed_add(&changed, "email");
    if (exists && changed.len == 0) {
        im->st->unchanged++;
        goto out;
    }
    st = imp_stmt(im, exists ? S_CLIENT_UPD : S_CLIENT_INS);
    db_bind_text(st, 1, v[C_ID]);
    for (int i = 0; i < NCF; i++) {
        if ((cf_col[i] == C_REVENUE || cf_col[i] == C_RATE ||
             cf_col[i] == C_PUBLIC) && nv[i])
            sqlite3_bind_int64(st, 2 + i, strtoll(nv[i], NULL, 10));
        else
            db_bind_text(st, 2 + i, nv[i]);
    }
    if (!exists)
        db_bind_text(st, 2 + NCF, im->at);
    if (changed.len)
        sbuf_addc(&changed, ']');
    if (sqlite3_step(st) != SQLITE_DONE ||
        write_emails(im, v[C_ID], emails.s, old_emails) < 0 ||
        imp_row_event(im, exists ? "updated" : "imported", NULL, v[C_ID],
                  row->line, exists ? changed.s : NULL) < 0)
        rc = imp_db_error(im, in, row);
    else if (exists)
        im->st->updated++;
    else
        im->st->created++;
    sbuf_free(&changed);
out:
    for (int i = 0; i < NCF; i++) {
        free(nv[i]);
        free(ov[i]);
    }
    free(old_emails);
    free(am_email);
    sbuf_free(&emails);
    return rc;
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
    /* SQLite 3.40 builds a temporary b-tree for a CHECK (x IN (...)) at
     * every row (events.kind: 22 values; invoices.status), which was
     * most of the work of an invoice import. The invoice importer writes
     * only values it chose itself into those columns (kind 'imported',
     * 'updated' or 'overpayment'; status from settle(): 'open', 'paid'
     * or the stored one), so CHECKs are skipped for invoice imports. */
    if (kind == IMPORT_INVOICES)
        db_exec(db, "PRAGMA ignore_check_constraints = ON");
    if (db_begin(db) < 0) {
        sbuf_addf(&report->errors, "%s: cannot lock the database: %s\n",
                  path, sqlite3_errmsg(db));
        report->nerrors++;
        goto out;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(db, sqls[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &im.s[i], NULL) != SQLITE_OK)
            msg_panic("import: cannot prepare \"%s\": %s", sqls[i],
                      sqlite3_errmsg(db));
    switch (kind) {
    case IMPORT_CLIENTS:
        rc = csvin_read(path, client_cols, C_NCOLS, import_client_row, &im,
                        report);
        break;
    case IMPORT_INVOICES:
        rc = csvin_read(path, import_invoice_cols, import_invoice_ncols,
                        import_invoice_row, &im, report);
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
