/*
 * scenario_parse.c - the scenario file format: the names its keywords
 * take and the parser (scenario_parse); see scenario.h for the API and
 * rules/README.md for the format. Called by scenario_load_dir
 * (scenario.c) for each file, and by the tests on text.
 *
 * The parser is line-based: a line is `keyword value`; `scenario NAME`
 * opens a scenario, `step NAME` opens a step inside it, and every other
 * keyword belongs to whichever of the two is open (scenario keywords only
 * before the first step, so a block reads top to bottom). A step is
 * checked when the next block starts; a scenario's step order when the
 * next scenario starts or the file ends.
 */
#include "scenario.h"
#include "rulesio.h"
#include "money.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const channel_names[] = {"email", "manager", "finance",
                                            "sms", "task"};
static const char *const tone_names[] = {"courtesy", "first", "firm",
                                         "formal", "collections"};
static const char *const field_names[] = {
    "segment",    "amount",        "revenue",    "payment-method",
    "invoices-paid", "client-age",  "avg-days-late", "late-ratio",
};
static const char *const op_names[] = {"is", "is not", "=", "!=",
                                       "<",  "<=",     ">", ">="};
/* Index i is bit 1 << i: SCN_CC_* and SCN_F_* in scenario.h. */
static const char *const cc_names[] = {"manager", "finance", "contacts"};
static const char *const flag_names[] = {"attach-pdf", "legal", "dossier"};
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *
scenario_channel_name(int channel)
{
    return channel >= 0 && (size_t)channel < NELEM(channel_names)
               ? channel_names[channel]
               : "?";
}

const char *
scenario_tone_name(int tone)
{
    return tone >= 0 && (size_t)tone < NELEM(tone_names) ? tone_names[tone]
                                                         : "?";
}

int
scenario_tone_parse(const char *s)
{
    return lookup(tone_names, NELEM(tone_names), s);
}

const char *
scenario_field_name(int field)
{
    return field >= 0 && (size_t)field < NELEM(field_names)
               ? field_names[field] : "?";
}

const char *
scenario_op_name(int op)
{
    return op >= 0 && (size_t)op < NELEM(op_names) ? op_names[op] : "?";
}

/* Parser state for one file. */
struct parser {
    struct scenario_set *set;
    const char *file;
    int line;
    struct scenario *scn;       /* open scenario, or NULL */
    struct scenario_step *step; /* open step, or NULL */
    bool has_offset, has_channel, has_tone;
    char *err;
    size_t errlen;
};

/* fail(p, line, fmt, ...): "FILE:LINE: message" into the caller's err. */
#define fail(p, line, ...)                                                     \
    rulesio_error((p)->err, (p)->errlen, (p)->file, (line), __VA_ARGS__)

/* next_word: the next word of *s split at white space and commas, as a
 * NUL-terminated string inside the (writable) value; NULL at the end. */
static char *
next_word(char **s)
{
    char *p = *s + strspn(*s, " \t,");
    if (*p == '\0')
        return NULL;
    size_t n = strcspn(p, " \t,");
    *s = p + n + (p[n] != '\0');
    p[n] = '\0';
    return p;
}

/* parse_offset: "J-5", "J+3", "j", "-5", "+3", "3". */
static int
parse_offset(const char *v, int *out)
{
    if (*v == 'J' || *v == 'j') {
        v++;
        if (*v == '\0') {
            *out = 0;
            return 0;
        }
        if (*v != '+' && *v != '-')
            return -1;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || n < -365 || n > 3650)
        return -1;
    *out = (int)n;
    return 0;
}

/* finish_step checks the open step and closes it. */
static int
finish_step(struct parser *p)
{
    struct scenario_step *st = p->step;
    if (st == NULL)
        return 0;
    p->step = NULL;
    if (!p->has_offset)
        return fail(p, st->line, "step %s: needs `offset J+N` or `on paid`",
                    st->name);
    if (!p->has_channel)
        return fail(p, st->line, "step %s: needs `channel` (%s)", st->name,
                    "email, manager, finance, sms or task");
    if (!p->has_tone)
        return fail(p, st->line, "step %s: needs `tone` (%s)", st->name,
                    "courtesy, first, firm, formal or collections");
    if (st->template == NULL)
        st->template = xstrdup(st->name);
    if (st->channel == SCN_TASK && st->assignee == NULL)
        return fail(p, st->line,
                    "step %s: a task needs `assignee manager|finance|ADDRESS`",
                    st->name);
    if (st->channel != SCN_TASK && st->assignee != NULL)
        return fail(p, st->line, "step %s: `assignee` is only for tasks",
                    st->name);
    if (st->trigger == SCN_ON_PAID && st->channel != SCN_EMAIL)
        return fail(p, st->line, "step %s: `on paid` steps go by email",
                    st->name);
    return 0;
}

/* finish_scenario checks the step order of the open scenario. */
static int
finish_scenario(struct parser *p)
{
    if (finish_step(p) < 0)
        return -1;
    struct scenario *s = p->scn;
    if (s == NULL)
        return 0;
    p->scn = NULL;
    const struct scenario_step *prev = NULL, *paid = NULL;
    for (size_t i = 0; i < s->nsteps; i++) {
        const struct scenario_step *st = &s->steps[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->steps[j].name, st->name) == 0)
                return fail(p, st->line, "step %s already defined on line %d",
                            st->name, s->steps[j].line);
        if (st->trigger == SCN_ON_PAID) {
            if (paid)
                return fail(p, st->line,
                            "only one `on paid` step (line %d has one)",
                            paid->line);
            paid = st;
            continue;
        }
        if (prev && st->offset <= prev->offset)
            return fail(p, st->line,
                        "step %s: offset J%+d must come after step %s (J%+d); "
                        "steps are listed in the order they are sent",
                        st->name, st->offset, prev->name, prev->offset);
        prev = st;
    }
    return 0;
}

static int
parse_cond(struct parser *p, char *v, bool exclude)
{
    struct scenario *s = p->scn;
    char *w = next_word(&v);
    int field = w ? lookup(field_names, NELEM(field_names), w) : -1;
    if (field < 0)
        return fail(p, p->line,
                    "%s: unknown subject \"%s\" (segment, amount, revenue, "
                    "payment-method, invoices-paid, client-age, "
                    "avg-days-late, late-ratio)",
                    exclude ? "exclude" : "match", w ? w : "");
    s->conds = xrealloc(s->conds, (s->nconds + 1) * sizeof *s->conds);
    struct scenario_cond *c = &s->conds[s->nconds++];
    memset(c, 0, sizeof *c);
    c->field = field;
    c->exclude = exclude;
    c->line = p->line;
    char *op = next_word(&v);
    if (op == NULL)
        return fail(p, p->line, "%s: operator missing", field_names[field]);
    int o = lookup(op_names, NELEM(op_names), op);
    if (o == SCN_OP_IS && strncasecmp(v + strspn(v, " \t"), "not", 3) == 0 &&
        strchr(" \t", v[strspn(v, " \t") + 3])) {
        next_word(&v);
        o = SCN_OP_IS_NOT;
    }
    if (field == SCN_FIELD_SEGMENT || field == SCN_FIELD_PAYMENT) {
        const char *f = field_names[field];
        if (o == SCN_OP_EQ)
            o = SCN_OP_IS;
        else if (o == SCN_OP_NE)
            o = SCN_OP_IS_NOT;
        if (o != SCN_OP_IS && o != SCN_OP_IS_NOT)
            return fail(p, p->line,
                        "%s: use `is NAME...` or `is not NAME...`", f);
        while ((w = next_word(&v))) {
            c->words = xrealloc(c->words, (c->nwords + 1) * sizeof *c->words);
            c->words[c->nwords++] = str_lower(xstrdup(w));
        }
        if (c->nwords == 0)
            return fail(p, p->line, "%s: name at least one value", f);
        c->op = o;
        return 0;
    }
    if (o < SCN_OP_EQ)
        return fail(p, p->line, "%s: operator \"%s\" is not one of = != < <= "
                    "> >=", field_names[field], op);
    c->op = o;
    char *val = str_trim(v);
    if (field == SCN_FIELD_AMOUNT || field == SCN_FIELD_REVENUE) {
        const char *why = NULL;
        if (money_parse(val, &c->value, &why) < 0)
            return fail(p, p->line, "%s: \"%s\" is not an amount (%s)",
                        field_names[field], val, why ? why : "bad");
        return 0;
    }
    size_t n = strlen(val);
    if (field == SCN_FIELD_LATE_RATIO && n > 0 && val[n - 1] == '%')
        val[--n] = '\0';
    char *end;
    errno = 0;
    long num = strtol(val, &end, 10);
    if (n == 0 || *end != '\0' || errno || num < 0 || num > INT_MAX ||
        (field == SCN_FIELD_LATE_RATIO && num > 100))
        return fail(p, p->line, "%s: \"%s\" is not a %s", field_names[field],
                    val,
                    field == SCN_FIELD_LATE_RATIO ? "percentage (0-100)"
                                                  : "whole number");
    c->value = num;
    return 0;
}

/* parse_enum: v must be one of names; *out gets its index. */
static int
parse_enum(struct parser *p, const char *key, const char *v,
           const char *const *names, size_t n, int *out)
{
    int i = lookup(names, n, v);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    char list[128] = "";
    for (size_t k = 0; k < n; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 k ? ", " : "", names[k]);
    return fail(p, p->line, "%s \"%s\" is not one of %s", key, v, list);
}

static int
parse_step_key(struct parser *p, const char *key, char *v)
{
    struct scenario_step *st = p->step;
    char *w;
    if (strcasecmp(key, "offset") == 0) {
        if (p->has_offset)
            return fail(p, p->line, "offset given twice, or with `on paid`");
        if (parse_offset(v, &st->offset) < 0)
            return fail(p, p->line,
                        "offset \"%s\": write J-5, J+3 (days from the due "
                        "date, -365 to +3650)", v);
        p->has_offset = true;
    } else if (strcasecmp(key, "on") == 0) {
        if (strcasecmp(v, "paid") != 0)
            return fail(p, p->line, "on \"%s\": only `on paid` exists", v);
        if (p->has_offset)
            return fail(p, p->line, "offset given twice, or with `on paid`");
        st->trigger = SCN_ON_PAID;
        p->has_offset = true;
    } else if (strcasecmp(key, "channel") == 0) {
        if (parse_enum(p, key, v, channel_names, NELEM(channel_names),
                       &st->channel) < 0)
            return -1;
        p->has_channel = true;
    } else if (strcasecmp(key, "template") == 0) {
        if (*v == '\0' || strspn(v, NAME_CHARS) != strlen(v))
            return fail(p, p->line, "template \"%s\": use lowercase letters, "
                        "digits, - and _ (the file name without .txt)", v);
        free(st->template);
        st->template = xstrdup(v);
    } else if (strcasecmp(key, "tone") == 0) {
        if (parse_enum(p, key, v, tone_names, NELEM(tone_names), &st->tone) < 0)
            return -1;
        p->has_tone = true;
    } else if (strcasecmp(key, "cc") == 0 || strcasecmp(key, "flags") == 0) {
        /* Word i of the list is bit 1 << i (SCN_CC_*, SCN_F_*). */
        bool cc = strcasecmp(key, "cc") == 0;
        const char *const *names = cc ? cc_names : flag_names;
        while ((w = next_word(&v))) {
            int i = lookup(names, 3, w);
            if (i < 0)
                return fail(p, p->line, "%s \"%s\" is not one of %s, %s, %s",
                            cc ? "cc" : "flag", w, names[0], names[1],
                            names[2]);
            *(cc ? &st->cc : &st->flags) |= 1u << i;
        }
    } else if (strcasecmp(key, "approval") == 0) {
        static const char *const no_yes[] = {"no", "yes"};
        int yes;
        if (parse_enum(p, key, v, no_yes, 2, &yes) < 0)
            return -1;
        st->approval = yes;
    } else if (strcasecmp(key, "assignee") == 0) {
        if (*v == '\0' || strpbrk(v, " \t,"))
            return fail(p, p->line, "assignee: one of manager, finance or "
                        "an e-mail address");
        free(st->assignee);
        st->assignee = xstrdup(v);
    } else {
        return fail(p, p->line, "unknown step keyword \"%s\"", key);
    }
    return 0;
}

static int
parse_line(struct parser *p, char *key, char *v)
{
    if (strcasecmp(key, "scenario") == 0 || strcasecmp(key, "step") == 0) {
        bool is_step = strcasecmp(key, "step") == 0;
        if (*v == '\0' || strspn(v, NAME_CHARS) != strlen(v))
            return fail(p, p->line, "%s name \"%s\": one word of lowercase "
                        "letters, digits, - and _", key, v);
        if (!is_step) {
            if (finish_scenario(p) < 0)
                return -1;
            struct scenario_set *set = p->set;
            set->v = xrealloc(set->v, (set->n + 1) * sizeof *set->v);
            p->scn = &set->v[set->n++];
            memset(p->scn, 0, sizeof *p->scn);
            p->scn->name = xstrdup(v);
            p->scn->description = xstrdup("");
            p->scn->file = xstrdup(p->file);
            p->scn->line = p->line;
            return 0;
        }
        if (p->scn == NULL)
            return fail(p, p->line, "step before any `scenario NAME` line");
        if (finish_step(p) < 0)
            return -1;
        struct scenario *s = p->scn;
        s->steps = xrealloc(s->steps, (s->nsteps + 1) * sizeof *s->steps);
        p->step = &s->steps[s->nsteps++];
        memset(p->step, 0, sizeof *p->step);
        p->step->name = xstrdup(v);
        p->step->index = (int)s->nsteps;
        p->step->line = p->line;
        p->has_offset = p->has_channel = p->has_tone = false;
        return 0;
    }
    if (p->scn == NULL)
        return fail(p, p->line, "\"%s\" before any `scenario NAME` line", key);
    if (p->step)
        return parse_step_key(p, key, v);
    if (strcasecmp(key, "description") == 0) {
        free(p->scn->description);
        p->scn->description = xstrdup(v);
    } else if (strcasecmp(key, "priority") == 0) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < -1000 || n > 1000)
            return fail(p, p->line, "priority \"%s\": a whole number from "
                        "-1000 to 1000", v);
        p->scn->priority = (int)n;
    } else if (strcasecmp(key, "match") == 0 || strcasecmp(key, "exclude") == 0) {
        return parse_cond(p, v, strcasecmp(key, "exclude") == 0);
    } else {
        return fail(p, p->line, "unknown scenario keyword \"%s\"%s", key,
                    (strcasecmp(key, "offset") == 0 ||
                             strcasecmp(key, "channel") == 0 ||
                             strcasecmp(key, "template") == 0 ||
                             strcasecmp(key, "tone") == 0)
                        ? " (step keywords go after a `step NAME` line)"
                        : "");
    }
    return 0;
}

int
scenario_parse(struct scenario_set *set, const char *file, const char *text,
               char *err, size_t errlen)
{
    struct parser p = {.set = set, .file = file, .err = err, .errlen = errlen};
    const char *s = text;
    if (strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    int rc = 0;
    while (*s && rc == 0) {
        size_t n = strcspn(s, "\n");
        char *line = xstrndup(s, n);
        s += n + (s[n] == '\n');
        p.line++;
        char *t = str_trim(line);
        if (*t != '\0' && *t != '#') {
            size_t kl = strcspn(t, " \t");
            char *v = t + kl;
            if (*v)
                *v++ = '\0';
            rc = parse_line(&p, t, str_trim(v));
        }
        free(line);
    }
    if (rc == 0)
        rc = finish_scenario(&p);
    return rc;
}
