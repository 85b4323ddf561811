/*
 * intent.c - what a human reply says; see intent.h.
 */
#include "intent.h"
#include "civil.h"
#include "datephrase.h"

#include <ctype.h>
#include <string.h>

const char *const intent_tags[] = {"dispute", "paid", "promise", "negation",
                                   NULL};

#define NEGATION_WINDOW 40

/* Start of the clause that contains offset at. */
static size_t
clause_start(const char *f, size_t at)
{
    size_t lo = at > NEGATION_WINDOW ? at - NEGATION_WINDOW : 0;
    for (size_t i = at; i > lo; i--) {
        char c = f[i - 1];
        if (c == '.' || c == ',' || c == ';' || c == '!' || c == '?' ||
            c == '\n')
            return i;
        static const char *const joins[] = {" et ", " mais ", " and ",
                                            " but ", NULL};
        for (const char *const *j = joins; *j; j++) {
            size_t k = strlen(*j);
            if (i >= k && i - k >= lo && memcmp(f + i - k, *j, k) == 0)
                return i - 1;
        }
    }
    return lo;
}

static bool
negated(const struct pattern_set *ps, pcre2_match_data *md, const char *f,
        size_t at, bool checked)
{
    size_t b = clause_start(f, at);
    if (b >= at)
        return false;
    /* Back up to a UTF-8 character boundary. */
    while (b > 0 && ((unsigned char)f[b] & 0xc0) == 0x80)
        b--;
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->v[i].tag != TAG_NEGATION)
            continue;
        /* Match inside the window only: subject length = at. */
        if (patterns_exec(ps, &ps->v[i], f, at, b, checked, md) > 0)
            return true;
    }
    return false;
}

void
intent_find(const struct pattern_set *ps, pcre2_match_data *md,
            const char *f, size_t n, bool checked, int ref,
            struct classify_verdict *v)
{
    static const enum classify_intent of_tag[] = {
        [TAG_DISPUTE] = INTENT_DISPUTE, [TAG_PAID] = INTENT_PAID,
        [TAG_PROMISE] = INTENT_PROMISE};
    enum classify_intent best = INTENT_OTHER;
    size_t promise_end = 0;
    bool have_promise = false;
    for (size_t i = 0; i < ps->n; i++) {
        const struct pattern *p = &ps->v[i];
        if (p->tag == TAG_NEGATION)
            continue;
        enum classify_intent it = of_tag[p->tag];
        if (it <= best)
            continue;
        size_t start = 0;
        while (start <= n) {
            int rc = patterns_exec(ps, p, f, n, start, checked, md);
            if (rc <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t ms = ov[0], me = ov[1];
            int len = (int)(me - ms > 60 ? 60 : me - ms);
            if (negated(ps, md, f, ms, checked)) {
                classify_evidence(v, "intents:%d %s \"%.*s\" ignored: negated",
                                  p->line, intent_tags[p->tag], len, f + ms);
            } else {
                classify_evidence(v, "intents:%d %s \"%.*s\"", p->line,
                                  intent_tags[p->tag], len, f + ms);
                if (it > best)
                    best = it;
                if (it == INTENT_PROMISE && !have_promise) {
                    have_promise = true;
                    promise_end = me;
                }
                break;
            }
            start = me > ms ? me : ms + 1;
            while (start < n && ((unsigned char)f[start] & 0xc0) == 0x80)
                start++;
        }
    }
    v->intent = best;
    if (best == INTENT_PROMISE && ref >= 0) {
        size_t at;
        int d = datephrase_find(f, n, promise_end, ref, &at);
        if (d < 0)
            d = datephrase_find(f, n, 0, ref, &at);
        if (d >= 0) {
            civil_format_iso(d, v->until);
            classify_evidence(v, "promised date %s (\"%.30s\")", v->until,
                              f + at);
        }
    }
}
