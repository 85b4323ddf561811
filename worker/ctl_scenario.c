/*
 * ctl_scenario.c - `relancectl scenario NUMBER`: which scenario applies to
 * an invoice and why (the profile computed from the history, overrides,
 * every rule tried), then the steps of that scenario. Reads only.
 */
#include "ctl.h"
#include "ctl_util.h"
#include "log.h"
#include "profile.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_USAGE "scenario NUMBER"

/* The facts of one invoice and its client; strings are owned. */
struct facts {
    char *client, *segment, *payment, *inv_override, *client_override;
    int64_t amount, revenue;
};

static char *
dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? xstrdup((const char *)s) : NULL;
}

/* Returns 1 found, 0 unknown invoice, -1 database error. */
static int
read_facts(sqlite3 *db, const char *number, struct facts *f)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT i.client_id, c.segment, i.payment_method, i.scenario,"
            " c.scenario, i.amount_cents, c.annual_revenue_cents"
            " FROM invoices i JOIN clients c ON c.id = i.client_id"
            " WHERE i.number = ?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *f = (struct facts){
            .client = dup_col(st, 0), .segment = dup_col(st, 1),
            .payment = dup_col(st, 2), .inv_override = dup_col(st, 3),
            .client_override = dup_col(st, 4),
            .amount = sqlite3_column_int64(st, 5),
            .revenue = sqlite3_column_type(st, 6) == SQLITE_NULL
                           ? -1 : sqlite3_column_int64(st, 6)};
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static void
facts_free(struct facts *f)
{
    free(f->client);
    free(f->segment);
    free(f->payment);
    free(f->inv_override);
    free(f->client_override);
}

static void
print_steps(const struct scenario *s)
{
    if (s->nsteps == 0)
        return;
    printf("Étapes / steps:\n");
    for (size_t i = 0; i < s->nsteps; i++) {
        const struct scenario_step *st = &s->steps[i];
        char when[16];
        if (st->trigger == SCN_ON_PAID)
            snprintf(when, sizeof when, "on paid");
        else
            snprintf(when, sizeof when, "J%+d", st->offset);
        printf("  %d. %-12s %-8s %-8s %-11s%s\n", st->index, st->name, when,
               scenario_channel_name(st->channel),
               scenario_tone_name(st->tone),
               st->approval ? " approbation / approval" : "");
    }
}

int
ctl_scenario(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] " SCENARIO_USAGE "\n\n"
               "Quel scénario s'applique à la facture, et pourquoi / which "
               "scenario applies\nto the invoice and why: the client's "
               "profile computed from its history\n(paid invoices of the "
               "last %d days), the overrides (invoice, then client),\n"
               "every rule tried with each condition, then the steps.\n\n"
               "Exit: 0 shown, 1 unknown invoice or unreadable rules, 64 "
               "bad usage.\n", PROFILE_RECENT_DAYS);
        return 0;
    }
    if (argc != 2)
        return ctl_usage(SCENARIO_USAGE);
    char err[512];
    struct scenario_set set = {0};
    char *dir = xasprintf("%s/scenarios", ctl->cfg.rules_dir);
    int rc = scenario_load_dir(&set, dir, err, sizeof err);
    free(dir);
    if (rc < 0) {
        msg_error("%s", err);
        return EXIT_RUNTIME;
    }
    sqlite3 *db = ctl_db(ctl);
    struct facts f = {0};
    int found = db ? read_facts(db, argv[1], &f) : -1;
    rc = EXIT_RUNTIME;
    if (found == 0)
        msg_error("facture inconnue / unknown invoice: %s", argv[1]);
    if (found <= 0)
        goto out;
    struct profile_history h;
    if (profile_history_client(db, f.client, ctl_today(), &h) < 0) {
        msg_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    struct scenario_profile p = {
        .segment = f.segment, .amount_cents = f.amount,
        .revenue_cents = f.revenue, .payment_method = f.payment};
    profile_apply(&p, &h);
    struct sbuf out = {0};
    printf("Facture / invoice %s, client %s\n", argv[1], f.client);
    profile_explain(&out, &set, f.inv_override, f.client_override, &p);
    fputs(sbuf_cstr(&out), stdout);
    sbuf_free(&out);
    const struct scenario *s =
        profile_choose(&set, f.inv_override, f.client_override, &p, NULL,
                       NULL);
    if (s)
        print_steps(s);
    rc = 0;
out:
    facts_free(&f);
    scenario_set_free(&set);
    return rc;
}
