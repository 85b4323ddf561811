/*
 * test-lookup.c - the classifier's database lookups (lookup.h) on a real
 * SQLite database with the project's schema.
 */
#include "db.h"
#include "lookup.h"
#include "t.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char fill[] =
    "INSERT INTO clients(id, name, created_at) VALUES"
    " ('C001', 'Client One', '2026-01-01T00:00:00Z'),"
    " ('C002', 'Client Two', '2026-01-01T00:00:00Z'),"
    " ('C003', 'Client Three', '2026-01-01T00:00:00Z');"
    "INSERT INTO client_emails(client_id, address, position) VALUES"
    " ('C001', 'compta@client-one.fr', 0),"
    " ('C002', 'ap@client-two.com', 0),"
    " ('C002', 'boss@gmail.com', 1),"
    " ('C003', 'a@shared.example', 0),"
    " ('C002', 'b@shared.example', 1);"
    "INSERT INTO invoices(number, client_id, issue_date, due_date,"
    " amount_cents, amount_due_cents, created_at) VALUES"
    " ('F-2026-0042', 'C001', '2026-10-01', '2026-10-31', 120000, 120000,"
    "  '2026-10-01T00:00:00Z'),"
    " ('FA2026-043', 'C001', '2026-10-01', '2026-10-31', 5000, 5000,"
    "  '2026-10-01T00:00:00Z');"
    "INSERT INTO messages(id, message_id, token, client_id, kind, channel,"
    " mail_from, recipients, subject, body, state, created_at) VALUES"
    " (1, 'tok1@ourco.fr', 'tok1', 'C001', 'reminder', 'email', 'r@o.fr',"
    "  'compta@client-one.fr', 's', 'b', 'sent', '2026-11-01T00:00:00Z'),"
    " (2, 'tok2@ourco.fr', 'tok2', 'C002', 'notice', 'email', 'r@o.fr',"
    "  'ap@client-two.com', 's', 'b', 'sent', '2026-11-01T00:00:00Z');"
    "INSERT INTO reminders(invoice, step, step_name, message) VALUES"
    " ('F-2026-0042', 1, 'first', 1), ('FA2026-043', 1, 'first', 1);";

struct addr_case {
    const char *address, *client; /* client NULL: not found */
};

static const struct addr_case addr_cases[] = {
    {"compta@client-one.fr", "C001"},
    {"COMPTA@Client-One.fr", "C001"},
    {"someone.else@client-one.fr", "C001"}, /* domain of one client */
    {"friend@gmail.com", NULL},             /* public provider */
    {"c@shared.example", NULL},             /* domain of two clients */
    {"x@nowhere.example", NULL},
};

int
main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/test-lookup.db", tmp);
    unlink(path);
    char err[512];
    sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 1000, err, sizeof err);
    T_CHECK(db != NULL, "db_open: %s", err);
    if (db == NULL)
        return t_done();
    T_INTEQ(db_exec(db, fill), 0);
    struct lookup_db l;
    struct classify_lookup lk;
    T_INTEQ(lookup_db_init(&l, db, &lk, err, sizeof err), 0);
    char client[CLASSIFY_ID_MAX];

    T_CASE("invoice found");
    T_CHECK(lk.invoice_exists(lk.ctx, "F-2026-0042", client), "found");
    T_STREQ(client, "C001");
    T_CASE("invoice spelt otherwise");
    T_CHECK(!lk.invoice_exists(lk.ctx, "f-2026-0042", client), "exact match");

    for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
        T_CASE(addr_cases[i].address);
        bool found = lk.client_of_address(lk.ctx, addr_cases[i].address, client);
        T_INTEQ(found, addr_cases[i].client != NULL);
        if (found)
            T_STREQ(client, addr_cases[i].client);
    }

    T_CASE("token with two invoices");
    char nums[CLASSIFY_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
    T_INTEQ(lk.token_invoices(lk.ctx, "tok1", nums, CLASSIFY_MAX_INVOICES,
                              client), 2);
    T_STREQ(client, "C001");
    T_STREQ(nums[0], "F-2026-0042");
    T_STREQ(nums[1], "FA2026-043");
    T_CASE("token of a notice, no invoice");
    T_INTEQ(lk.token_invoices(lk.ctx, "tok2", nums, CLASSIFY_MAX_INVOICES,
                              client), 0);
    T_STREQ(client, "C002");
    T_CASE("unknown token");
    T_INTEQ(lk.token_invoices(lk.ctx, "nope", nums, CLASSIFY_MAX_INVOICES,
                              client), -1);

    T_CASE("no database: nothing found, no crash");
    struct lookup_db none;
    struct classify_lookup lk0;
    T_INTEQ(lookup_db_init(&none, NULL, &lk0, err, sizeof err), 0);
    T_CHECK(lk0.invoice_exists == NULL && lk0.client_of_address == NULL,
            "callbacks unset");
    lookup_db_free(&none);

    lookup_db_free(&l);
    db_close(db);
    unlink(path);
    free(path);
    return t_done();
}
