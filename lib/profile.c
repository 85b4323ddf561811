/*
 * profile.c - payment history aggregates, scenario overrides and the
 * explanation of a scenario choice; see profile.h. Called by
 * lib/planload (the worker) and worker/ctl_scenario.c.
 */
#include "profile.h"
#include "civil.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

/* Columns after client_id: 1 paid ever, 2 first issue date, 3 mean days
 * late over recent paid invoices, 4 recent paid late, 5 recent paid. */
#define HISTORY_SQL                                                        \
    "SELECT client_id, sum(status = 'paid'), min(issue_date),"             \
    " avg(CASE WHEN status = 'paid' AND paid_date >= ?1 THEN"              \
    "  max(julianday(paid_date) - julianday(due_date), 0) END),"           \
    " sum(status = 'paid' AND paid_date >= ?1 AND paid_date > due_date),"  \
    " sum(status = 'paid' AND paid_date >= ?1)"                            \
    " FROM invoices"

sqlite3_stmt *
profile_history_prepare(sqlite3 *db, const char *client_id, int today)
{
    sqlite3_stmt *st;
    const char *sql = client_id
        ? HISTORY_SQL " WHERE client_id = ?2 GROUP BY client_id"
        : HISTORY_SQL " GROUP BY client_id ORDER BY client_id";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    char cutoff[16];
    civil_format_iso(today - PROFILE_RECENT_DAYS, cutoff);
    sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
    if (client_id)
        sqlite3_bind_text(st, 2, client_id, -1, SQLITE_TRANSIENT);
    return st;
}

void
profile_history_row(sqlite3_stmt *st, int today, struct profile_history *h)
{
    *h = (struct profile_history){-1, -1, -1, -1};
    h->paid = sqlite3_column_int(st, 1);
    int first;
    const char *f = (const char *)sqlite3_column_text(st, 2);
    if (f && civil_parse_iso(f, &first) == 0)
        h->age_days = today > first ? today - first : 0;
    int recent = sqlite3_column_int(st, 5);
    if (recent > 0 && sqlite3_column_type(st, 3) != SQLITE_NULL) {
        h->avg_late = (int)(sqlite3_column_double(st, 3) + 0.5);
        h->late_pct = sqlite3_column_int(st, 4) * 100 / recent;
    }
}

int
profile_history_client(sqlite3 *db, const char *client_id, int today,
                       struct profile_history *h)
{
    *h = (struct profile_history){-1, -1, -1, -1};
    sqlite3_stmt *st = profile_history_prepare(db, client_id, today);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        profile_history_row(st, today, h);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

void
profile_apply(struct scenario_profile *p, const struct profile_history *h)
{
    p->invoices_paid = h ? h->paid : -1;
    p->client_age_days = h ? h->age_days : -1;
    p->avg_days_late = h ? h->avg_late : -1;
    p->late_ratio_pct = h ? h->late_pct : -1;
}

/* The override named s, when s names a loaded scenario. */
static const struct scenario *
override(const struct scenario_set *set, const char *s, const char **bad)
{
    if (s == NULL || s[0] == '\0')
        return NULL;
    const struct scenario *o = scenario_find(set, s);
    if (o == NULL && bad && *bad == NULL)
        *bad = s;
    return o;
}

const struct scenario *
profile_choose(const struct scenario_set *set, const char *inv_override,
               const char *client_override, const struct scenario_profile *p,
               int *source, const char **bad_override)
{
    const char *bad = NULL;
    const struct scenario *s;
    int src = PROFILE_BY_RULES;
    if ((s = override(set, inv_override, &bad)))
        src = PROFILE_BY_INVOICE;
    else if ((s = override(set, client_override, &bad)))
        src = PROFILE_BY_CLIENT;
    else
        s = scenario_choose(set, p);
    if (source)
        *source = src;
    if (bad_override)
        *bad_override = bad;
    return s;
}

/* A number of the profile, or "inconnu / unknown". */
static void
add_fact(struct sbuf *out, const char *label, int64_t v, const char *unit)
{
    if (v < 0)
        sbuf_addf(out, "  %s: inconnu / unknown\n", label);
    else
        sbuf_addf(out, "  %s: %" PRId64 "%s\n", label, v, unit);
}

static void
add_cents(struct sbuf *out, int64_t c)
{
    sbuf_addf(out, "%s%" PRId64 ".%02" PRId64, c < 0 ? "-" : "",
              (c < 0 ? -c : c) / 100, (c < 0 ? -c : c) % 100);
}

/* The condition as written in the file: "match late-ratio >= 50". */
static void
add_cond(struct sbuf *out, const struct scenario_cond *c)
{
    sbuf_addf(out, "%s %s %s", c->exclude ? "exclude" : "match",
              scenario_field_name(c->field), scenario_op_name(c->op));
    if (c->nwords) {
        for (size_t i = 0; i < c->nwords; i++)
            sbuf_addf(out, " %s", c->words[i]);
    } else if (c->field == SCN_FIELD_AMOUNT || c->field == SCN_FIELD_REVENUE) {
        sbuf_addc(out, ' ');
        add_cents(out, c->value);
    } else {
        sbuf_addf(out, " %" PRId64, c->value);
    }
}

static void
add_override(struct sbuf *out, const struct scenario_set *set,
             const char *label, const char *o)
{
    sbuf_addf(out, "%s: ", label);
    if (o == NULL || o[0] == '\0')
        sbuf_adds(out, "aucun / none\n");
    else if (scenario_find(set, o) == NULL)
        sbuf_addf(out, "%s (inconnu, ignoré / unknown, ignored)\n", o);
    else
        sbuf_addf(out, "%s\n", o);
}

void
profile_explain(struct sbuf *out, const struct scenario_set *set,
                const char *inv_override, const char *client_override,
                const struct scenario_profile *p)
{
    sbuf_adds(out, "Profil / profile:\n");
    sbuf_addf(out, "  segment: %s\n",
              p->segment && p->segment[0] ? p->segment : "(aucun / none)");
    sbuf_adds(out, "  montant / amount: ");
    add_cents(out, p->amount_cents);
    sbuf_adds(out, "\n  chiffre d'affaires annuel / annual revenue: ");
    if (p->revenue_cents < 0)
        sbuf_adds(out, "inconnu / unknown");
    else
        add_cents(out, p->revenue_cents);
    sbuf_addf(out, "\n  mode de paiement / payment method: %s\n",
              p->payment_method && p->payment_method[0] ? p->payment_method
                                                        : "(aucun / none)");
    add_fact(out, "factures payées / invoices paid (invoices-paid)",
             p->invoices_paid, "");
    add_fact(out, "ancienneté / client age (client-age)", p->client_age_days,
             " j/days");
    add_fact(out, "retard moyen récent / recent mean days late "
                  "(avg-days-late)", p->avg_days_late, " j/days");
    add_fact(out, "part payée en retard / paid late (late-ratio)",
             p->late_ratio_pct, " %");
    add_override(out, set, "Scénario forcé (facture) / invoice override",
                 inv_override);
    add_override(out, set, "Scénario forcé (client) / client override",
                 client_override);
    int src;
    const struct scenario *chosen =
        profile_choose(set, inv_override, client_override, p, &src, NULL);
    if (src == PROFILE_BY_RULES) {
        sbuf_adds(out, "Règles, dans l'ordre essayé / rules, in the order "
                       "tried:\n");
        for (size_t i = 0; i < set->n; i++) {
            const struct scenario *s = &set->v[i];
            if (strcmp(s->name, "default") == 0)
                continue;
            bool ok = true;
            for (size_t j = 0; j < s->nconds; j++) {
                bool h = scenario_cond_holds(&s->conds[j], p);
                ok &= s->conds[j].exclude ? !h : h;
            }
            sbuf_addf(out, "  %s (priority %d): %s\n", s->name, s->priority,
                      ok ? "CHOISI / CHOSEN" : "non retenu / not chosen");
            for (size_t j = 0; j < s->nconds; j++) {
                sbuf_adds(out, "    ");
                add_cond(out, &s->conds[j]);
                sbuf_addf(out, ": %s\n",
                          scenario_cond_holds(&s->conds[j], p)
                              ? "vrai / true" : "faux / false");
            }
            if (ok)
                break;
        }
    }
    static const char *const why[] = {
        "par les règles / by the rules",
        "forcé pour la facture / invoice override",
        "forcé pour le client / client override"};
    sbuf_addf(out, "Scénario / scenario: %s (%s)%s\n",
              chosen ? chosen->name : "?", why[src],
              chosen && chosen->nsteps == 0
                  ? " - aucune relance / no reminders" : "");
}
