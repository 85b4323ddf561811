/*
 * scenario.c - the set of dunning scenarios once parsed: the checks
 * across files, loading a folder, freeing, finding, and the choice of a
 * scenario for an invoice; see scenario.h. The file format and its
 * parser are in scenario_parse.c.
 *
 * The worker loads the folder at start (worker/w_setup.c) and chooses
 * per invoice through lib/profile.c; relancectl (`scenario`) and the
 * milter's start-up check load it too. Choosing is pure code on a profile
 * the caller fills.
 */
#include "scenario.h"
#include "rulesio.h"
#include "util.h"

#include <errno.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
scenario_free_one(struct scenario *s)
{
    for (size_t i = 0; i < s->nsteps; i++) {
        free(s->steps[i].name);
        free(s->steps[i].template);
        free(s->steps[i].assignee);
    }
    for (size_t i = 0; i < s->nconds; i++) {
        for (size_t j = 0; j < s->conds[i].nwords; j++)
            free(s->conds[i].words[j]);
        free(s->conds[i].words);
    }
    free(s->steps);
    free(s->conds);
    free(s->name);
    free(s->description);
    free(s->file);
}

void
scenario_set_free(struct scenario_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        scenario_free_one(&set->v[i]);
    free(set->v);
    set->v = NULL;
    set->n = 0;
}

int
scenario_check(struct scenario_set *set, char *err, size_t errlen)
{
    const struct scenario *def = NULL;
    for (size_t i = 0; i < set->n; i++) {
        const struct scenario *s = &set->v[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(set->v[j].name, s->name) == 0) {
                snprintf(err, errlen,
                         "%s:%d: scenario %s already defined at %s:%d",
                         s->file, s->line, s->name, set->v[j].file,
                         set->v[j].line);
                return -1;
            }
        if (strcmp(s->name, "default") == 0)
            def = s;
    }
    if (def == NULL) {
        snprintf(err, errlen, "%s: no scenario named \"default\" (it is used "
                 "when no other scenario matches)",
                 set->n ? set->v[0].file : "scenarios");
        return -1;
    }
    if (def->nconds) {
        snprintf(err, errlen, "%s:%d: the default scenario takes no match or "
                 "exclude line (it is the fallback)", def->file,
                 def->conds[0].line);
        return -1;
    }
    /* Stable insertion sort: priority descending, then load order. */
    for (size_t i = 1; i < set->n; i++) {
        struct scenario tmp = set->v[i];
        size_t j = i;
        while (j > 0 && set->v[j - 1].priority < tmp.priority) {
            set->v[j] = set->v[j - 1];
            j--;
        }
        set->v[j] = tmp;
    }
    return 0;
}

int
scenario_load_dir(struct scenario_set *set, const char *dir, char *err,
                  size_t errlen)
{
    struct rulesio_list files;
    int rc = rulesio_list(&files, dir, ".scn", err, errlen);
    if (rc == 0 && files.n == 0) {
        snprintf(err, errlen, "%s: no scenario file (NAME.scn)", dir);
        rc = -1;
    }
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        char *path = xasprintf("%s/%s", dir, files.names[i]);
        char *text = read_file(path, NULL);
        if (text == NULL) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = -1;
        } else {
            rc = scenario_parse(set, path, text, err, errlen);
        }
        free(text);
        free(path);
    }
    rulesio_list_free(&files);
    if (rc == 0)
        rc = scenario_check(set, err, errlen);
    if (rc < 0)
        scenario_set_free(set);
    return rc;
}

const struct scenario *
scenario_find(const struct scenario_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].name, name) == 0)
            return &set->v[i];
    return NULL;
}

const struct scenario_step *
scenario_step_find(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->nsteps; i++)
        if (strcmp(s->steps[i].name, name) == 0)
            return &s->steps[i];
    return NULL;
}

static bool
compare(int64_t a, int op, int64_t b)
{
    return op == SCN_OP_EQ ? a == b : op == SCN_OP_NE ? a != b
         : op == SCN_OP_LT ? a < b  : op == SCN_OP_LE ? a <= b
         : op == SCN_OP_GT ? a > b  : op == SCN_OP_GE && a >= b;
}

bool
scenario_cond_holds(const struct scenario_cond *c,
                    const struct scenario_profile *p)
{
    int64_t v;
    switch (c->field) {
    case SCN_FIELD_SEGMENT: {
        bool in = false;
        for (size_t i = 0; p->segment && i < c->nwords; i++)
            in |= strcasecmp(p->segment, c->words[i]) == 0;
        return c->op == SCN_OP_IS ? in : !in;
    }
    case SCN_FIELD_PAYMENT: {
        bool in = false;
        for (size_t i = 0; p->payment_method && i < c->nwords; i++)
            in |= strcasecmp(p->payment_method, c->words[i]) == 0;
        return c->op == SCN_OP_IS ? in : !in;
    }
    case SCN_FIELD_AMOUNT:
        v = p->amount_cents;
        break;
    case SCN_FIELD_REVENUE:
        v = p->revenue_cents;
        break;
    case SCN_FIELD_INVOICES_PAID:
        v = p->invoices_paid;
        break;
    case SCN_FIELD_CLIENT_AGE:
        v = p->client_age_days;
        break;
    case SCN_FIELD_AVG_DAYS_LATE:
        v = p->avg_days_late;
        break;
    case SCN_FIELD_LATE_RATIO:
        v = p->late_ratio_pct;
        break;
    default:
        return false;
    }
    /* An unknown fact (-1) satisfies no condition; amounts are never
     * unknown (the invoice has one). */
    if (v < 0 && c->field != SCN_FIELD_AMOUNT)
        return false;
    return compare(v, c->op, c->value);
}

const struct scenario *
scenario_choose(const struct scenario_set *set,
                const struct scenario_profile *p)
{
    const struct scenario *def = NULL;
    for (size_t i = 0; i < set->n; i++) {
        const struct scenario *s = &set->v[i];
        if (strcmp(s->name, "default") == 0) {
            def = s;
            continue;
        }
        bool ok = true;
        for (size_t j = 0; j < s->nconds && ok; j++) {
            bool holds = scenario_cond_holds(&s->conds[j], p);
            ok = s->conds[j].exclude ? !holds : holds;
        }
        if (ok)
            return s;
    }
    return def;
}
