/*
 * planload.h - reading what the planner needs from the database: clients,
 * their deliverable addresses and last reminder day, and the invoices
 * that can still get a step, with their scenario chosen. The arrays are
 * the inputs of sched_plan (lib/sched.h) plus what the composer shows.
 *
 * Used by relance-worker (worker/w_pass.c, w_compose.c) and by the
 * planning benchmark (bench/plan.c). Sized for a million invoices:
 * strings live in one arena, clients and invoices are matched by a merge
 * walk on client_id, no per-row allocation.
 */
#ifndef PLANLOAD_H
#define PLANLOAD_H

#include "scenario.h"
#include "sched.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A client as the composer needs it. Strings live in the load arena. */
struct planload_client {
    const char *id, *name, *first_name, *last_name, *manager_name,
        *manager_email;
    const char *phone;       /* clients.phone as imported, may be NULL */
    int lang;
    const char **addrs;      /* deliverable addresses, in CSV order */
    size_t naddrs;
    bool public_sector;      /* clients.public_sector (lib/legal) */
    int contract_rate_bp;    /* clients.contract_rate_bp, 0 = none */
};

/* The invoice fields the planner does not need. */
struct planload_invoice {
    int issue_date;
    int64_t amount_cents, amount_due_cents;
    const char *currency, *payment_link, *pdf;
};

struct planload_data {
    struct sched_client *sc;   /* parallel arrays, clients sorted by id */
    struct planload_client *wc;
    size_t nclients;
    struct sched_invoice *si;  /* parallel arrays, grouped by client */
    struct planload_invoice *wi;
    size_t ninvoices;
    struct planload_arena *arena;
};

/*
 * planload_read reads the database into d (zeroed first) in one read
 * transaction: every client (sorted by id) with its deliverable
 * addresses and the local day of its last reminder, and every invoice
 * that can still get a step (not paid, not disputed), grouped by client,
 * each with its scenario (lib/profile: the invoice's or the client's
 * override, else scenario_choose; history aggregates are
 * read only when some scenario tests them). today is the local day for
 * client ages. Returns 0, or -1 (logged) with d still safe to free.
 * planload_free releases everything (d is reusable).
 */
int planload_read(sqlite3 *db, const struct scenario_set *scn, int today,
                  struct planload_data *d);
void planload_free(struct planload_data *d);

/* String arena for the loaded rows (one free for all). */
struct planload_arena;
struct planload_arena *planload_arena_new(void);
/* planload_arena_dup copies s into the arena; NULL stays NULL. */
const char *planload_arena_dup(struct planload_arena *a, const char *s);
void planload_arena_free(struct planload_arena *a);

#endif
