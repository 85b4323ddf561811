/*
 * lookup.c - the classifier's database lookups; see lookup.h.
 */
#include "lookup.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const public_domains[] = {
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "ymail.com",
    "hotmail.com", "hotmail.fr", "outlook.com", "outlook.fr", "live.com",
    "live.fr", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net",
    "bbox.fr", "numericable.fr", "gmx.fr", "gmx.com", "gmx.de", "web.de",
    "protonmail.com", "proton.me", "yandex.ru", "mail.ru", "t-online.de",
    NULL,
};

bool
lookup_public_domain(const char *domain)
{
    for (const char *const *d = public_domains; *d; d++)
        if (strcasecmp(domain, *d) == 0)
            return true;
    return false;
}

static bool
copy_col(sqlite3_stmt *st, int col, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, n, "%s", t ? (const char *)t : "");
    return true;
}

static bool
invoice_exists(void *ctx, const char *number, char *client)
{
    struct lookup_db *l = ctx;
    bool found = false;
    sqlite3_reset(l->invoice);
    sqlite3_bind_text(l->invoice, 1, number, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(l->invoice) == SQLITE_ROW)
        found = copy_col(l->invoice, 0, client, CLASSIFY_ID_MAX);
    sqlite3_reset(l->invoice);
    return found;
}

static bool
client_of_address(void *ctx, const char *address, char *client)
{
    struct lookup_db *l = ctx;
    bool found = false;
    sqlite3_reset(l->address);
    sqlite3_bind_text(l->address, 1, address, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(l->address) == SQLITE_ROW)
        found = copy_col(l->address, 0, client, CLASSIFY_ID_MAX);
    sqlite3_reset(l->address);
    const char *at = strrchr(address, '@');
    if (found || at == NULL || lookup_public_domain(at + 1))
        return found;
    /* The domain, when one client only has contacts there. */
    sqlite3_reset(l->domain);
    sqlite3_bind_text(l->domain, 1, at + 1, -1, SQLITE_TRANSIENT);
    int rows = 0;
    while (sqlite3_step(l->domain) == SQLITE_ROW && rows < 2)
        if (rows++ == 0)
            copy_col(l->domain, 0, client, CLASSIFY_ID_MAX);
    sqlite3_reset(l->domain);
    if (rows != 1)
        client[0] = '\0';
    return rows == 1;
}

static int
token_invoices(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
               int max, char *client)
{
    struct lookup_db *l = ctx;
    int n = -1;
    sqlite3_reset(l->token);
    sqlite3_bind_text(l->token, 1, token, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(l->token) == SQLITE_ROW) {
        if (n < 0) {
            n = 0;
            copy_col(l->token, 0, client, CLASSIFY_ID_MAX);
        }
        if (sqlite3_column_type(l->token, 1) != SQLITE_NULL && n < max)
            copy_col(l->token, 1, numbers[n++], CLASSIFY_NUMBER_MAX);
    }
    sqlite3_reset(l->token);
    return n;
}

int
lookup_db_init(struct lookup_db *l, sqlite3 *db, struct classify_lookup *lk,
               char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    memset(lk, 0, sizeof *lk);
    if (db == NULL)
        return 0;
    static const char *const sql[] = {
        "SELECT client_id FROM invoices WHERE number = ?1",
        "SELECT client_id FROM client_emails WHERE address = lower(?1) "
        "ORDER BY position LIMIT 1",
        "SELECT DISTINCT client_id FROM client_emails "
        "WHERE substr(address, instr(address, '@') + 1) = lower(?1) LIMIT 2",
        "SELECT m.client_id, r.invoice FROM messages m "
        "LEFT JOIN reminders r ON r.message = m.id WHERE m.token = ?1 "
        "ORDER BY r.invoice",
    };
    sqlite3_stmt **st[] = {&l->invoice, &l->address, &l->domain, &l->token};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
            lookup_db_free(l);
            return -1;
        }
    l->db = db;
    lk->ctx = l;
    lk->invoice_exists = invoice_exists;
    lk->client_of_address = client_of_address;
    lk->token_invoices = token_invoices;
    return 0;
}

void
lookup_db_free(struct lookup_db *l)
{
    sqlite3_finalize(l->invoice);
    sqlite3_finalize(l->address);
    sqlite3_finalize(l->domain);
    sqlite3_finalize(l->token);
    memset(l, 0, sizeof *l);
}
