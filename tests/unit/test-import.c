/*
 * test-import.c - the importers and invoice_pay on a real SQLite file:
 * a sequence of steps (each builds on the state the previous left), each
 * an import or a payment, its expected outcome and a query that must
 * give an exact answer afterwards.
 */
#include "civil.h"
#include "db.h"
#include "import.h"
#include "invoice.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>

#define HEAD_C "client_id;name;email;language\n"
#define HEAD_I "number;client_id;issue_date;due_date;amount;amount_paid\n"

static const struct {
    const char *name;
    int kind;         /* an import_kind, or -1: a payment via invoice_pay */
    const char *text; /* the file; for a payment "NUMBER;YYYY-MM-DD;CENTS" */
    int rc;           /* 0 or -1 (import), or the invoice_pay result */
    const char *err;  /* substring of the errors */
    const char *sql;  /* must return `want` */
    const char *want;
} steps[] = {
    {"clients", IMPORT_CLIENTS,
     HEAD_C "C1;Dupont;A@Example.FR b@example.fr a@example.fr;\n"
            "C2;Martin;c@example.fr;EN\n",
     0, NULL,
     "SELECT group_concat(address||position, ' ') FROM client_emails", 
     "a@example.fr1 b@example.fr2 c@example.fr1"},
    {"same clients again: no event", IMPORT_CLIENTS,
     HEAD_C "C1;Dupont;A@Example.FR b@example.fr a@example.fr;\n"
            "C2;Martin;c@example.fr;EN\n",
     0, NULL, "SELECT count(*) FROM events", "2"},
    {"changed client: updated event", IMPORT_CLIENTS,
     HEAD_C "C2;Martin SA;d@example.fr;en\n", 0, NULL,
     "SELECT detail->>'$.changed' FROM events WHERE kind = 'updated'",
     "[\"name\",\"email\"]"},
    {"missing optional column keeps the value", IMPORT_CLIENTS,
     "client_id;name;email\nC2;Martin SA;d@example.fr\n", 0, NULL,
     "SELECT language FROM clients WHERE id = 'C2'", "en"},
    {"invoices", IMPORT_INVOICES,
     HEAD_I "F1;C1;01/03/2026;31/03/2026;1 000,00;\n"
            "F2;C1;2026-03-01;2026-03-31;50;60\n",
     0, NULL,
     "SELECT group_concat(amount_due_cents||status||overpaid_cents, ' ') "
     "FROM invoices",
     "100000open0 0paid1000"},
    {"import amount_paid overpaying writes an overpayment event",
     IMPORT_INVOICES, "", 0, NULL,
     "SELECT count(*) FROM events WHERE kind = 'overpayment'", "1"},
    {"imported event names the file and line", IMPORT_INVOICES, "", 0, NULL,
     "SELECT detail FROM events WHERE kind = 'imported' AND invoice = 'F2'",
     "{\"file\":\"t.csv\",\"line\":3}"},
    {"import restores foreign keys, CHECKs and cache size", IMPORT_INVOICES,
     "", 0, NULL,
     "SELECT (SELECT foreign_keys FROM pragma_foreign_keys) || "
     "(SELECT ignore_check_constraints FROM pragma_ignore_check_constraints)"
     " || (SELECT cache_size FROM pragma_cache_size)",
     "10-2000"},
    {"due before issue", IMPORT_INVOICES,
     HEAD_I "F3;C1;31/03/2026;01/03/2026;10;\n", -1,
     "t.csv:2: column 4 (due_date): due date", "SELECT count(*) FROM invoices",
     "2"},
    {"zero amount", IMPORT_INVOICES, HEAD_I "F3;C1;01/03/2026;01/03/2026;0;\n",
     -1, "must be positive", "SELECT count(*) FROM invoices", "2"},
    {"bad currency", IMPORT_INVOICES,
     "number;client_id;issue_date;due_date;amount;currency\n"
     "F3;C1;01/03/2026;01/03/2026;1;EURO\n",
     -1, "not a currency code", "SELECT count(*) FROM invoices", "2"},
    {"every bad row reported", IMPORT_INVOICES,
     HEAD_I "F3;C1;31/02/2026;01/03/2026;1;\nF4;C9;01/03/2026;01/03/2026;1;\n",
     -1, "t.csv:3: column 2 (client_id): unknown client_id",
     "SELECT count(*) FROM invoices", "2"},
    {"partial payment", -1, "F1;2026-03-10;40000", 0, NULL,
     "SELECT amount_due_cents||status FROM invoices WHERE number = 'F1'",
     "60000open"},
    {"same payment again", -1, "F1;2026-03-10;40000", INVOICE_EDUPLICATE,
     NULL, "SELECT count(*) FROM payments", "1"},
    {"amount_paid raised by the export", IMPORT_INVOICES,
     HEAD_I "F1;C1;01/03/2026;31/03/2026;1 000,00;100\n", 0, NULL,
     "SELECT amount_due_cents||status FROM invoices WHERE number = 'F1'",
     "50000open"},
    {"overpayment", -1, "F1;2026-03-12;70000", 0, NULL,
     "SELECT amount_due_cents||status||overpaid_cents||paid_date FROM "
     "invoices WHERE number = 'F1'",
     "0paid200002026-03-12"},
    {"payment on unknown invoice", -1, "F9;2026-03-12;100", INVOICE_ENOTFOUND,
     NULL, "SELECT count(*) FROM payments", "2"},
    {"payments file, duplicate line counted once", IMPORT_PAYMENTS,
     "invoice;date;amount;reference\nF2;01/03/2026;5;x\nF2;01/03/2026;5;x\n",
     0, NULL, "SELECT overpaid_cents FROM invoices WHERE number = 'F2'",
     "1500"},
    {"public sector, contract rate, scenario", IMPORT_CLIENTS,
     "client_id;name;email;public_sector;contract_rate;scenario\n"
     "C1;Dupont;a@example.fr;oui;12,5 %;key-account\n"
     "C2;Martin SA;d@example.fr;non;;\n",
     0, NULL,
     "SELECT group_concat(id||public_sector||coalesce(contract_rate_bp, '-')"
     "||coalesce(scenario, '-'), ' ') FROM clients",
     "C111250key-account C20--"},
    {"same profile columns again: no second update", IMPORT_CLIENTS,
     "client_id;name;email;public_sector;contract_rate;scenario\n"
     "C1;Dupont;a@example.fr;yes;12.50;key-account\n",
     0, NULL, "SELECT count(*) FROM events WHERE client_id = 'C1' AND "
     "kind = 'updated' AND detail LIKE '%public_sector%'", "1"},
    {"new client without the columns is not public", IMPORT_CLIENTS,
     HEAD_C "C3;Durand;e@example.fr;fr\n", 0, NULL,
     "SELECT public_sector||coalesce(contract_rate_bp, '-') FROM clients "
     "WHERE id = 'C3'", "0-"},
    {"bad public_sector and contract_rate", IMPORT_CLIENTS,
     "client_id;name;email;public_sector;contract_rate\n"
     "C4;X;x@example.fr;peut-être;0\nC5;Y;y@example.fr;1;abc\n",
     -1, "t.csv:3: column 5 (contract_rate)",
     "SELECT count(*) FROM clients", "3"},
    {"invoice scenario and payment method", IMPORT_INVOICES,
     "number;client_id;issue_date;due_date;amount;scenario;payment_method\n"
     "F5;C1;01/03/2026;31/03/2026;10;loyal;direct-debit\n",
     0, NULL, "SELECT scenario||' '||payment_method FROM invoices "
     "WHERE number = 'F5'", "loyal direct-debit"},
    {"payment method changed: updated event", IMPORT_INVOICES,
     "number;client_id;issue_date;due_date;amount;payment_method\n"
     "F5;C1;01/03/2026;31/03/2026;10;transfer\n",
     0, NULL, "SELECT detail->>'$.changed'||' '||(SELECT scenario FROM "
     "invoices WHERE number = 'F5') FROM events WHERE kind = 'updated' "
     "AND invoice = 'F5'", "[\"payment_method\"] loyal"},
};

/*
 * Generated invoice files, big enough for the pipeline's batches (4096
 * rows) and chunks (64 rows): rows B<from>..B<to-1> of client C1, amount
 * 10, dated March 2026, except number `changed` with amount 20, the rows
 * on the lines of bad[] with a 31 February, and the row on other_line,
 * which names B00010 (imported as C1's) under client C2. Run in order
 * after the steps above, on the same database. The errors must contain
 * order[] in this order.
 */
static const struct {
    const char *name;
    int from, to, changed;
    long bad[2], other_line;
    int rc;
    const char *order[3];
    const char *sql, *want;
    int reindexed; /* import_stats.reindexed */
} big[] = {
    {"100 new rows: a chunk of 64, then one by one", 0, 100, -1, {0, 0}, 0,
     0, {NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM events WHERE "
     "kind = 'imported' AND invoice LIKE 'B%') FROM invoices WHERE number "
     "LIKE 'B%'", "100 100", 0},
    {"known, changed and new rows in the same chunks", 50, 250, 60, {0, 0},
     0, 0, {NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM events WHERE "
     "kind = 'imported' AND invoice LIKE 'B%') || ' ' || (SELECT "
     "group_concat(invoice) FROM events WHERE kind = 'updated' AND invoice "
     "LIKE 'B%') || ' ' || (SELECT amount_cents FROM invoices WHERE number "
     "= 'B00060') FROM invoices WHERE number LIKE 'B%'",
     "250 250 B00060 2000", 0},
    {"bad row after two written batches: nothing kept", 250, 9000, -1,
     {8751, 0}, 0, -1, {":8751: column 3 (issue_date)", NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM events WHERE invoice "
     "LIKE 'B%') FROM invoices WHERE number LIKE 'B%'", "250 251", 0},
    {"the writer's error listed among the reader's, in line order", 9000,
     14000, -1, {2, 5001}, 12, -1,
     {":2: column 3 (issue_date)",
      ":12: column 2 (client_id): invoice B00010 belongs to client C1",
      ":5001: column 3 (issue_date)"},
     "SELECT count(*) FROM invoices WHERE number LIKE 'B%'", "250", 0},
    /* Past IMP_REINDEX_MIN new rows, more than there were: invoices_client
     * is dropped, then built again, or restored by the rollback. The bad
     * row is far enough for the writer to have written 32,768 rows when
     * the reader meets it: the reader holds at most 4 batches of 4,096. */
    {"bad row after invoices_client was dropped: nothing kept, index back",
     14000, 74000, -1, {59000, 0}, 0, -1, {":59000: column 3", NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM invoices INDEXED BY "
     "invoices_client WHERE client_id = 'C1' AND number LIKE 'B%') || ' ' "
     "|| (SELECT sql FROM sqlite_schema WHERE name = 'invoices_client') "
     "FROM invoices WHERE number LIKE 'B%'",
     "250 250 CREATE INDEX invoices_client ON invoices(client_id)", 1},
    {"40,000 new rows: invoices_client built again after them", 14000,
     54000, -1, {0, 0}, 0, 0, {NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM invoices INDEXED BY "
     "invoices_client WHERE client_id = 'C1' AND number LIKE 'B%') || ' ' "
     "|| (SELECT count(*) FROM events WHERE kind = 'imported' AND invoice "
     "LIKE 'B%') || ' ' || (SELECT integrity_check FROM "
     "pragma_integrity_check) || ' ' || (SELECT sql FROM sqlite_schema "
     "WHERE name = 'invoices_client') FROM invoices WHERE number LIKE 'B%'",
     "40250 40250 40250 ok CREATE INDEX invoices_client ON "
     "invoices(client_id)", 1},
    {"fewer new rows than there were: invoices_client kept up", 54000,
     88000, -1, {0, 0}, 0, 0, {NULL},
     "SELECT count(*) || ' ' || (SELECT count(*) FROM invoices INDEXED BY "
     "invoices_client WHERE client_id = 'C1' AND number LIKE 'B%') "
     "FROM invoices WHERE number LIKE 'B%'", "74250 74250", 0},
};

/* Writes the generated file of big[i] (see above). */
static void
write_big(const char *path, size_t i)
{
    FILE *f = fopen(path, "w");
    fputs("number;client_id;issue_date;due_date;amount\n", f);
    for (int n = big[i].from; n < big[i].to; n++) {
        long line = n - big[i].from + 2;
        bool other = line == big[i].other_line;
        bool bad = line == big[i].bad[0] || line == big[i].bad[1];
        fprintf(f, "B%05d;%s;%s;31/03/2026;%s\n", other ? 10 : n,
                other ? "C2" : "C1", bad ? "31/02/2026" : "01/03/2026",
                n == big[i].changed ? "20" : "10");
    }
    fclose(f);
}

static void
test_big(sqlite3 *db, const char *csv)
{
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        T_CASE(big[i].name);
        write_big(csv, i);
        struct import_stats st;
        struct csvin_report rep = {0};
        int rc = import_file(db, IMPORT_INVOICES, csv, &st, &rep);
        const char *e = sbuf_cstr(&rep.errors), *at = e;
        T_CHECK(rc == big[i].rc, "rc %d: %s", rc, e);
        for (int k = 0; k < 3 && big[i].order[k]; k++) {
            const char *hit = strstr(at, big[i].order[k]);
            T_CHECK(hit != NULL, "\"%s\" missing or out of order in:\n%s",
                    big[i].order[k], e);
            at = hit ? hit + 1 : at;
        }
        csvin_report_free(&rep);
        T_INTEQ(st.reindexed, big[i].reindexed);
        sqlite3_stmt *q;
        T_INTEQ(sqlite3_prepare_v2(db, big[i].sql, -1, &q, NULL), SQLITE_OK);
        T_INTEQ(sqlite3_step(q), SQLITE_ROW);
        T_STREQ((const char *)sqlite3_column_text(q, 0), big[i].want);
        sqlite3_finalize(q);
    }
}

int
main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dbpath = xasprintf("%s/t.db", dir), *csv = xasprintf("%s/t.csv", dir);
    char err[512];
    clock_set_timezone("UTC");
    clock_set_now("2026-03-20 10:00");
    sqlite3 *db = db_open(dbpath, DB_CREATE | DB_MIGRATE, 1000, err, sizeof err);
    T_CHECK(db != NULL, "db_open: %s", err);
    if (db == NULL)
        return t_done();
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        T_CASE(steps[i].name);
        int rc;
        struct csvin_report rep = {0};
        if (steps[i].kind >= 0 && *steps[i].text) {
            FILE *f = fopen(csv, "w");
            fputs(steps[i].text, f);
            fclose(f);
            struct import_stats st;
            rc = import_file(db, (enum import_kind)steps[i].kind, csv, &st,
                             &rep);
            T_CHECK(rc == steps[i].rc, "rc %d: %s", rc,
                    sbuf_cstr(&rep.errors));
        } else if (steps[i].kind < 0) {
            char number[16], day[11];
            long long cents;
            sscanf(steps[i].text, "%15[^;];%10[^;];%lld", number, day, &cents);
            int d;
            civil_parse_iso(day, &d);
            db_begin(db);
            rc = invoice_pay(db, number, d, cents, NULL, NULL, "test", NULL,
                             err, sizeof err);
            if (rc == 0)
                db_commit(db);
            else
                db_rollback(db);
            T_INTEQ(rc, steps[i].rc);
        }
        if (steps[i].err)
            T_CHECK(strstr(sbuf_cstr(&rep.errors), steps[i].err) != NULL,
                    "errors \"%s\" lack \"%s\"", sbuf_cstr(&rep.errors),
                    steps[i].err);
        csvin_report_free(&rep);
        sqlite3_stmt *q;
        T_INTEQ(sqlite3_prepare_v2(db, steps[i].sql, -1, &q, NULL), SQLITE_OK);
        T_INTEQ(sqlite3_step(q), SQLITE_ROW);
        T_STREQ((const char *)sqlite3_column_text(q, 0), steps[i].want);
        sqlite3_finalize(q);
    }
    test_big(db, csv);
    static const struct {
        const char *addr;
        bool ok;
    } emails[] = {
        {"a@example.fr", true},      {"a.b+c@sub.example.fr", true},
        {"x@localhost", true},       {"a@b@c", false},
        {"@example.fr", false},      {"a@", false},
        {"a..b@example.fr", false},  {".a@example.fr", false},
        {"a@-example.fr", false},    {"a@example-.fr", false},
        {"a@exa mple.fr", false},    {"a b@example.fr", false},
        {"é@example.fr", false},     {"a@example..fr", false},
        {"a@example.fr\r\nBcc: x@y", false},
    };
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        T_CASE(emails[i].addr);
        T_INTEQ(import_email_valid(emails[i].addr), emails[i].ok);
    }
    db_close(db);
    free(dbpath);
    free(csv);
    return t_done();
}
