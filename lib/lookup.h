/*
 * lookup.h - the classifier's database lookups (struct classify_lookup)
 * on the SQLite schema.
 *
 * Used by `relancectl classify` and available to the milter: the
 * classifier itself stays pure and asks through callbacks; this module
 * answers them with prepared statements, kept for the life of the
 * struct lookup_db (one per connection/thread: SQLite statements are not
 * shared between threads).
 *
 *   invoice_exists      invoices.number = ? (exact)
 *   client_of_address   client_emails.address = lower(?), else the
 *                       address's domain when exactly one client has
 *                       contacts there and it is not a public mail
 *                       provider (gmail.com, orange.fr, ...)
 *   token_invoices      messages.token = ? and the invoices of its
 *                       reminders
 */
#ifndef LOOKUP_H
#define LOOKUP_H

#include "classify.h"

#include <sqlite3.h>

struct lookup_db {
    sqlite3 *db;                    /* borrowed */
    sqlite3_stmt *invoice, *address, *domain, *token;
};

/*
 * lookup_db_init prepares the statements on db (borrowed; may be NULL:
 * every lookup then answers "not found") and points lk at them.
 * Returns 0, or -1 with the SQLite message in err (lk then answers "not
 * found").
 */
int lookup_db_init(struct lookup_db *l, sqlite3 *db,
                   struct classify_lookup *lk, char *err, size_t errlen);
void lookup_db_free(struct lookup_db *l);

/* lookup_public_domain: a mail provider shared by unrelated people. */
bool lookup_public_domain(const char *domain);

#endif
