/*
 * test-profile.c - the payment history numbers computed from a real
 * SQLite file (worked examples counted by hand below), the choice of the
 * shipped scenarios from that history, overrides, exclusions, and the
 * explanation `relancectl scenario` prints.
 */
#include "db.h"
#include "profile.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>
#include <unistd.h>

/*
 * Today is 2026-03-01; the recent window starts 365 days earlier, on
 * 2025-03-01.
 *   LATE: first invoice 2025-01-10 (415 days ago). Paid: L1 10 days late
 *     but paid 2025-02-20, before the window (counted in invoices-paid
 *     only); L2 20 days late, L3 paid 2 days early (0), L4 30 days late.
 *     Recent mean (20 + 0 + 30) / 3 = 16.67 -> 17; 2 of 3 late -> 66 %.
 *   NEW: one open invoice issued 2026-02-15 (14 days ago), nothing paid.
 *   GOOD: first invoice 2024-01-05; eleven invoices paid on time in
 *     2025 (mean 0, 0 %), age 786 days.
 *   NONE: no invoice at all.
 */
static const char fixture[] =
    "INSERT INTO clients (id, name, segment, created_at) VALUES"
    " ('LATE', 'Tardif', 'pme', 'x'), ('NEW', 'Neuf', 'pme', 'x'),"
    " ('GOOD', 'Fidèle', 'pme', 'x'), ('NONE', 'Rien', 'pme', 'x');"
    "INSERT INTO invoices (number, client_id, issue_date, due_date,"
    " amount_cents, amount_due_cents, status, paid_date, created_at) VALUES"
    " ('L1', 'LATE', '2025-01-10', '2025-02-10', 100, 0, 'paid', '2025-02-20', 'x'),"
    " ('L2', 'LATE', '2025-05-01', '2025-06-01', 100, 0, 'paid', '2025-06-21', 'x'),"
    " ('L3', 'LATE', '2025-08-01', '2025-09-01', 100, 0, 'paid', '2025-08-30', 'x'),"
    " ('L4', 'LATE', '2025-11-01', '2025-12-01', 100, 0, 'paid', '2025-12-31', 'x'),"
    " ('L5', 'LATE', '2026-01-01', '2026-02-01', 120000, 120000, 'open', NULL, 'x'),"
    " ('N1', 'NEW', '2026-02-15', '2026-03-15', 50000, 50000, 'open', NULL, 'x'),"
    " ('G0', 'GOOD', '2024-01-05', '2024-02-05', 100, 100, 'open', NULL, 'x');"
    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k"
    " WHERE i < 11) INSERT INTO invoices (number, client_id, issue_date,"
    " due_date, amount_cents, amount_due_cents, status, paid_date,"
    " created_at) SELECT 'G' || i, 'GOOD', printf('2025-%02d-01', i),"
    " printf('2025-%02d-20', i), 100, 0, 'paid', printf('2025-%02d-20', i),"
    " 'x' FROM k;";

static const struct {
    const char *client;
    struct profile_history want;
} history_cases[] = {
    {"LATE", {4, 415, 17, 66}},
    {"NEW", {0, 14, -1, -1}},
    {"GOOD", {11, 786, 0, 0}},
    {"NONE", {-1, -1, -1, -1}},
};

static const struct {
    const char *name;
    const char *client, *segment, *payment, *inv_override, *client_override;
    int64_t amount;
    const char *want;
    int source;
    const char *bad;
} choose_cases[] = {
    {"late payer from history alone", "LATE", "pme", NULL, NULL, NULL, 120000,
     "late-payer", PROFILE_BY_RULES, NULL},
    {"new client from its first invoice", "NEW", "pme", NULL, NULL, NULL,
     50000, "new-client", PROFILE_BY_RULES, NULL},
    {"loyal client", "GOOD", "pme", "virement", NULL, NULL, 100, "loyal",
     PROFILE_BY_RULES, NULL},
    {"no history: default", "NONE", "pme", NULL, NULL, NULL, 100, "default",
     PROFILE_BY_RULES, NULL},
    {"key account beats late payer", "LATE", "Grands-Comptes", NULL, NULL,
     NULL, 120000, "key-account", PROFILE_BY_RULES, NULL},
    {"direct debit excluded before anything", "LATE", "grands-comptes",
     "Direct-Debit", NULL, NULL, 120000, "direct-debit", PROFILE_BY_RULES,
     NULL},
    {"client override", "LATE", "pme", NULL, NULL, "loyal", 120000, "loyal",
     PROFILE_BY_CLIENT, NULL},
    {"invoice override beats client override", "LATE", "pme", NULL,
     "default", "loyal", 120000, "default", PROFILE_BY_INVOICE, NULL},
    {"override beats an exclusion", "LATE", "pme", "direct-debit",
     "key-account", NULL, 120000, "key-account", PROFILE_BY_INVOICE, NULL},
    {"unknown override ignored and reported", "NEW", "pme", NULL, "vip",
     NULL, 50000, "new-client", PROFILE_BY_RULES, "vip"},
};

/* Explanations: what the finance team must read in them. */
static const struct {
    const char *name;
    int choose_case;
    const char *want[4];
} explain_cases[] = {
    {"late payer: facts and the conditions that held", 0,
     {"retard moyen récent / recent mean days late (avg-days-late): 17 j",
      "late-payer (priority 25): CHOISI / CHOSEN",
      "match late-ratio >= 50: vrai / true",
      "Scénario / scenario: late-payer (par les règles / by the rules)"}},
    {"exclusion says so", 5,
     {"mode de paiement / payment method: Direct-Debit",
      "match payment-method is direct-debit direct_debit prelevement sepa: "
      "vrai",
      "direct-debit (par les règles / by the rules) - aucune relance", NULL}},
    {"no history", 3,
     {"part payée en retard / paid late (late-ratio): inconnu / unknown",
      "match invoices-paid >= 10: faux / false",
      "Scénario / scenario: default", NULL}},
    {"unknown override", 9,
     {"Scénario forcé (facture) / invoice override: vip (inconnu, ignoré",
      "new-client (priority 20): CHOISI", NULL, NULL}},
    {"client override skips the rules", 6,
     {"Scénario forcé (client) / client override: loyal",
      "loyal (forcé pour le client / client override)", NULL, NULL}},
};

int
main(void)
{
    char err[512];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/test-profile-%d.db", tmp, (int)getpid());
    unlink(path);
    sqlite3 *db = db_open(path, DB_CREATE | DB_MIGRATE, 5000, err, sizeof err);
    T_CHECK(db != NULL, "db_open: %s", err);
    if (db == NULL)
        return t_done();
    T_CHECK(db_exec(db, fixture) == 0, "fixture");
    int today = t_day("2026-03-01");

    struct profile_history h[4];
    for (size_t i = 0; i < 4; i++) {
        T_CASE(history_cases[i].client);
        T_CHECK(profile_history_client(db, history_cases[i].client, today,
                                       &h[i]) == 0, "query");
        T_INTEQ(h[i].paid, history_cases[i].want.paid);
        T_INTEQ(h[i].age_days, history_cases[i].want.age_days);
        T_INTEQ(h[i].avg_late, history_cases[i].want.avg_late);
        T_INTEQ(h[i].late_pct, history_cases[i].want.late_pct);
    }

    T_CASE("all clients at once: same numbers, client_id order");
    sqlite3_stmt *st = profile_history_prepare(db, NULL, today);
    T_CHECK(st != NULL, "prepare");
    const char *order[] = {"GOOD", "LATE", "NEW"};
    size_t n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW && n < 3) {
        struct profile_history a;
        T_STREQ((const char *)sqlite3_column_text(st, 0), order[n]);
        profile_history_row(st, today, &a);
        size_t k = n == 0 ? 2 : n == 1 ? 0 : 1;
        T_CHECK(memcmp(&a, &h[k], sizeof a) == 0, "%s differs", order[n]);
        n++;
    }
    T_INTEQ(n, 3);
    sqlite3_finalize(st);

    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *dir = xasprintf("%s/rules/scenarios", src);
    struct scenario_set set = {0};
    T_CASE("shipped scenarios");
    T_CHECK(scenario_load_dir(&set, dir, err, sizeof err) == 0, "%s", err);
    struct scenario_profile prof[sizeof choose_cases / sizeof choose_cases[0]];
    for (size_t i = 0; i < sizeof choose_cases / sizeof choose_cases[0]; i++) {
        T_CASE(choose_cases[i].name);
        size_t k = 0;
        while (k < 3 && strcmp(history_cases[k].client, choose_cases[i].client))
            k++;
        prof[i] = (struct scenario_profile){
            .segment = choose_cases[i].segment,
            .amount_cents = choose_cases[i].amount, .revenue_cents = -1,
            .payment_method = choose_cases[i].payment};
        profile_apply(&prof[i], &h[k]);
        int source = -1;
        const char *bad = "unset";
        const struct scenario *s = profile_choose(
            &set, choose_cases[i].inv_override, choose_cases[i].client_override,
            &prof[i], &source, &bad);
        T_STREQ(s ? s->name : NULL, choose_cases[i].want);
        T_INTEQ(source, choose_cases[i].source);
        T_STREQ(bad, choose_cases[i].bad);
    }
    for (size_t i = 0; i < sizeof explain_cases / sizeof explain_cases[0];
         i++) {
        T_CASE(explain_cases[i].name);
        size_t c = (size_t)explain_cases[i].choose_case;
        struct sbuf out = {0};
        profile_explain(&out, &set, choose_cases[c].inv_override,
                        choose_cases[c].client_override, &prof[c]);
        for (size_t j = 0; j < 4 && explain_cases[i].want[j]; j++)
            T_CHECK(strstr(sbuf_cstr(&out), explain_cases[i].want[j]),
                    "missing \"%s\" in:\n%s", explain_cases[i].want[j],
                    sbuf_cstr(&out));
        sbuf_free(&out);
    }
    scenario_set_free(&set);
    free(dir);
    db_close(db);
    unlink(path);
    free(path);
    return t_done();
}
