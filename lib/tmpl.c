/*
 * tmpl.c - the template engine: a small mustache-like language compiled
 * once at load time into a tree, then rendered from struct tmpl_ctx; see
 * tmpl.h for the syntax and the variables.
 *
 * Every name a template uses is looked up in vars[] when the template is
 * compiled, together with where it may be used (a loop field only inside
 * its loop, a condition only in #if, a list only in #each or #if), so a
 * typo is a load error naming the file and line, never a blank in a
 * client's mail. Rendering cannot fail and does no I/O.
 */
#include "tmpl.h"
#include "scenario.h"
#include "textfmt.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- vars */

enum vtype { V_TEXT, V_NUM, V_BOOL, V_LIST };
/* Scopes: where a variable may be used. */
enum vscope { S_TOP, S_INVOICE, S_TOTAL, S_ENTRY };

enum var_id {
    V_COMPANY, V_FINANCE, V_TODAY, V_PAYLINK, V_SIGNATURE, V_CLIENT_ID,
    V_CLIENT_NAME, V_FIRST, V_LAST, V_CONTACT_NAME, V_CONTACT_EMAIL,
    V_MANAGER_NAME, V_MANAGER_EMAIL, V_STEP_NAME, V_STEP_TONE, V_COUNT,
    V_SEVERAL, V_SEVERAL_CUR, V_ATTACHED, V_REDIRECT_TO, V_LEGAL, V_LEGAL_RATE,
    V_INVOICES, V_TOTALS, V_ENTRIES,
    V_NOTICE_KIND, V_NOTICE_DETAIL, V_NOTICE_ADDRESS, V_NOTICE_ERROR,
    V_NOTICE_SUBJECT, V_NOTICE_FROM, V_NOTICE_INVOICE, V_NOTICE_DATE,
    V_DIGEST_DATE, V_DIGEST_SENT, V_DIGEST_FAILED, V_DIGEST_DISPUTES,
    V_DIGEST_PROMISES,
    V_INV_NUMBER, V_INV_ISSUE, V_INV_DUE, V_INV_AMOUNT, V_INV_AMOUNT_DUE,
    V_INV_PAID, V_INV_PARTIAL, V_INV_CURRENCY, V_INV_DAYS_LATE,
    V_INV_DAYS_LATE_TEXT, V_INV_DAYS_TO_DUE, V_INV_DAYS_TO_DUE_TEXT,
    V_INV_PAYLINK, V_INV_INTEREST, V_INV_INDEMNITY, V_INV_INTEREST_DETAIL,
    V_INV_ATTACHED,
    V_TOT_CURRENCY, V_TOT_COUNT, V_TOT_AMOUNT_DUE, V_TOT_INTEREST,
    V_TOT_INDEMNITY, V_TOT_CLAIM,
    V_ENT_DATE, V_ENT_CLIENT, V_ENT_INVOICE, V_ENT_TEXT,
};

static const struct var {
    const char *name;
    int id, type, scope;
    int loop_scope; /* V_LIST: the scope its items open */
} vars[] = {
    {"company.name", V_COMPANY, V_TEXT, S_TOP, 0},
    {"finance.email", V_FINANCE, V_TEXT, S_TOP, 0},
    {"today", V_TODAY, V_TEXT, S_TOP, 0},
    {"payment_link", V_PAYLINK, V_TEXT, S_TOP, 0},
    {"signature", V_SIGNATURE, V_TEXT, S_TOP, 0},
    {"client.id", V_CLIENT_ID, V_TEXT, S_TOP, 0},
    {"client.name", V_CLIENT_NAME, V_TEXT, S_TOP, 0},
    {"client.first_name", V_FIRST, V_TEXT, S_TOP, 0},
    {"client.last_name", V_LAST, V_TEXT, S_TOP, 0},
    {"contact.name", V_CONTACT_NAME, V_TEXT, S_TOP, 0},
    {"contact.email", V_CONTACT_EMAIL, V_TEXT, S_TOP, 0},
    {"manager.name", V_MANAGER_NAME, V_TEXT, S_TOP, 0},
    {"manager.email", V_MANAGER_EMAIL, V_TEXT, S_TOP, 0},
    {"step.name", V_STEP_NAME, V_TEXT, S_TOP, 0},
    {"step.tone", V_STEP_TONE, V_TEXT, S_TOP, 0},
    {"count", V_COUNT, V_NUM, S_TOP, 0},
    {"several", V_SEVERAL, V_BOOL, S_TOP, 0},
    {"several_currencies", V_SEVERAL_CUR, V_BOOL, S_TOP, 0},
    {"attached", V_ATTACHED, V_BOOL, S_TOP, 0},
    {"redirect.to", V_REDIRECT_TO, V_TEXT, S_TOP, 0},
    {"legal", V_LEGAL, V_BOOL, S_TOP, 0},
    {"legal.rate", V_LEGAL_RATE, V_TEXT, S_TOP, 0},
    {"invoices", V_INVOICES, V_LIST, S_TOP, S_INVOICE},
    {"totals", V_TOTALS, V_LIST, S_TOP, S_TOTAL},
    {"entries", V_ENTRIES, V_LIST, S_TOP, S_ENTRY},
    {"notice.kind", V_NOTICE_KIND, V_TEXT, S_TOP, 0},
    {"notice.detail", V_NOTICE_DETAIL, V_TEXT, S_TOP, 0},
    {"notice.address", V_NOTICE_ADDRESS, V_TEXT, S_TOP, 0},
    {"notice.error", V_NOTICE_ERROR, V_TEXT, S_TOP, 0},
    {"notice.subject", V_NOTICE_SUBJECT, V_TEXT, S_TOP, 0},
    {"notice.from", V_NOTICE_FROM, V_TEXT, S_TOP, 0},
    {"notice.invoice", V_NOTICE_INVOICE, V_TEXT, S_TOP, 0},
    {"notice.date", V_NOTICE_DATE, V_TEXT, S_TOP, 0},
    {"digest.date", V_DIGEST_DATE, V_TEXT, S_TOP, 0},
    {"digest.sent", V_DIGEST_SENT, V_NUM, S_TOP, 0},
    {"digest.failed", V_DIGEST_FAILED, V_NUM, S_TOP, 0},
    {"digest.disputes", V_DIGEST_DISPUTES, V_NUM, S_TOP, 0},
    {"digest.promises", V_DIGEST_PROMISES, V_NUM, S_TOP, 0},
    {"invoice.number", V_INV_NUMBER, V_TEXT, S_INVOICE, 0},
    {"invoice.issue_date", V_INV_ISSUE, V_TEXT, S_INVOICE, 0},
    {"invoice.due_date", V_INV_DUE, V_TEXT, S_INVOICE, 0},
    {"invoice.amount", V_INV_AMOUNT, V_TEXT, S_INVOICE, 0},
    {"invoice.amount_due", V_INV_AMOUNT_DUE, V_TEXT, S_INVOICE, 0},
    {"invoice.paid", V_INV_PAID, V_TEXT, S_INVOICE, 0},
    {"invoice.partial", V_INV_PARTIAL, V_BOOL, S_INVOICE, 0},
    {"invoice.currency", V_INV_CURRENCY, V_TEXT, S_INVOICE, 0},
    {"invoice.days_late", V_INV_DAYS_LATE, V_NUM, S_INVOICE, 0},
    {"invoice.days_late_text", V_INV_DAYS_LATE_TEXT, V_TEXT, S_INVOICE, 0},
    {"invoice.days_to_due", V_INV_DAYS_TO_DUE, V_NUM, S_INVOICE, 0},
    {"invoice.days_to_due_text", V_INV_DAYS_TO_DUE_TEXT, V_TEXT, S_INVOICE,
     0},
    {"invoice.payment_link", V_INV_PAYLINK, V_TEXT, S_INVOICE, 0},
    {"invoice.interest", V_INV_INTEREST, V_TEXT, S_INVOICE, 0},
    {"invoice.indemnity", V_INV_INDEMNITY, V_TEXT, S_INVOICE, 0},
    {"invoice.interest_detail", V_INV_INTEREST_DETAIL, V_TEXT, S_INVOICE, 0},
    {"invoice.attached", V_INV_ATTACHED, V_BOOL, S_INVOICE, 0},
    {"total.currency", V_TOT_CURRENCY, V_TEXT, S_TOTAL, 0},
    {"total.count", V_TOT_COUNT, V_NUM, S_TOTAL, 0},
    {"total.amount_due", V_TOT_AMOUNT_DUE, V_TEXT, S_TOTAL, 0},
    {"total.interest", V_TOT_INTEREST, V_TEXT, S_TOTAL, 0},
    {"total.indemnity", V_TOT_INDEMNITY, V_TEXT, S_TOTAL, 0},
    {"total.claim", V_TOT_CLAIM, V_TEXT, S_TOTAL, 0},
    {"entry.date", V_ENT_DATE, V_TEXT, S_ENTRY, 0},
    {"entry.client", V_ENT_CLIENT, V_TEXT, S_ENTRY, 0},
    {"entry.invoice", V_ENT_INVOICE, V_TEXT, S_ENTRY, 0},
    {"entry.text", V_ENT_TEXT, V_TEXT, S_ENTRY, 0},
};

static const char *const scope_loop[] = {"", "invoices", "totals", "entries"};

static const struct var *
var_find(const char *name)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (strcmp(vars[i].name, name) == 0)
            return &vars[i];
    return NULL;
}

/* ------------------------------------------------------------ the tree */

enum nkind { N_TEXT, N_VAR, N_EACH, N_IF };

struct nodes {
    struct node *v;
    size_t n;
};

struct node {
    int kind;
    int var;           /* enum var_id */
    bool negate;       /* #unless */
    char *text;        /* N_TEXT */
    struct nodes body; /* N_EACH, N_IF */
    struct nodes alt;  /* N_IF: the {{else}} part */
};

static void
nodes_free(struct nodes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        free(ns->v[i].text);
        nodes_free(&ns->v[i].body);
        nodes_free(&ns->v[i].alt);
    }
    free(ns->v);
    ns->v = NULL;
    ns->n = 0;
}

static struct node *
nodes_push(struct nodes *ns, int kind)
{
    ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
    struct node *n = &ns->v[ns->n++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return n;
}

/* ------------------------------------------------------------ compiler */

struct compiler {
    const char *file;
    const char *s;    /* the whole text */
    size_t pos;
    int line;         /* line of s[pos] */
    int base_line;    /* line number of s[0] in the file */
    bool is_signature;
    char *err;
    size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
cfail(struct compiler *c, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s:%d: %s", c->file, line, msg);
    return -1;
}

/* advance moves pos to to, counting lines. */
static void
advance(struct compiler *c, size_t to)
{
    for (; c->pos < to; c->pos++)
        if (c->s[c->pos] == '\n')
            c->line++;
}

static void
add_text(struct nodes *out, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (out->n && out->v[out->n - 1].kind == N_TEXT) {
        struct node *last = &out->v[out->n - 1];
        size_t l = strlen(last->text);
        last->text = xrealloc(last->text, l + n + 1);
        memcpy(last->text + l, s, n);
        last->text[l + n] = '\0';
        return;
    }
    nodes_push(out, N_TEXT)->text = xstrndup(s, n);
}

/*
 * compile_block compiles until the closing tag of `open` ("each", "if",
 * "unless", or NULL for the top level) and stores the {{else}} part of an
 * if/unless in alt. scopes is a bit set of the loops we are inside.
 */
static int
compile_block(struct compiler *c, struct nodes *out, struct nodes *alt,
              const char *open, int open_line, unsigned scopes)
{
    struct nodes *cur = out;
    for (;;) {
        const char *q = strstr(c->s + c->pos, "{{");
        if (q == NULL) {
            add_text(cur, c->s + c->pos, strlen(c->s + c->pos));
            advance(c, strlen(c->s));
            if (open)
                return cfail(c, open_line, "{{#%s}} is never closed", open);
            return 0;
        }
        size_t start = c->pos, tag = (size_t)(q - c->s);
        const char *end = strstr(q + 2, "}}");
        const char *nl = strchr(q + 2, '\n');
        advance(c, tag);
        int line = c->line;
        if (end == NULL || (nl && nl < end))
            return cfail(c, line, "\"{{\" without \"}}\" on the same line");
        char *word = xstrndup(q + 2, (size_t)(end - q - 2));
        str_trim(word);
        size_t after = (size_t)(end + 2 - c->s);
        bool block = word[0] == '#' || word[0] == '/' || word[0] == '!' ||
                     strcmp(word, "else") == 0;
        /* A block tag alone on its line takes the whole line with it. */
        size_t text_end = tag;
        if (block) {
            size_t ls = tag;
            while (ls > 0 && (c->s[ls - 1] == ' ' || c->s[ls - 1] == '\t'))
                ls--;
            size_t le = after + strspn(c->s + after, " \t");
            if ((ls == 0 || c->s[ls - 1] == '\n') &&
                (c->s[le] == '\n' || c->s[le] == '\0')) {
                text_end = ls;
                after = le + (c->s[le] == '\n');
            }
        }
        add_text(cur, c->s + start, text_end - start);
        advance(c, after);

        int rc = 0;
        if (word[0] == '!') {
            /* comment */
        } else if (strcmp(word, "else") == 0) {
            if (open == NULL || strcmp(open, "each") == 0 || cur == alt)
                rc = cfail(c, line, "{{else}} outside {{#if}}/{{#unless}}");
            else
                cur = alt;
        } else if (word[0] == '/') {
            const char *w = word + 1;
            if (open == NULL)
                rc = cfail(c, line, "{{/%s}} without an opening tag", w);
            else if (strcmp(w, open) != 0)
                rc = cfail(c, line, "{{/%s}} closes {{#%s}} of line %d", w,
                           open, open_line);
            else {
                free(word);
                return 0;
            }
        } else if (word[0] == '#') {
            char *kw = word + 1;
            size_t kl = strcspn(kw, " \t");
            char *name = kw + kl;
            if (*name)
                *name++ = '\0';
            name = str_trim(name);
            const struct var *v = var_find(name);
            bool each = strcmp(kw, "each") == 0;
            if (!each && strcmp(kw, "if") != 0 && strcmp(kw, "unless") != 0)
                rc = cfail(c, line, "unknown block {{#%s}} (each, if, unless)",
                           kw);
            else if (v == NULL)
                rc = cfail(c, line, "unknown variable \"%s\"", name);
            else if (v->scope != S_TOP && !(scopes & (1u << v->scope)))
                rc = cfail(c, line, "\"%s\" is only known inside "
                           "{{#each %s}}", name, scope_loop[v->scope]);
            else if (each && v->type != V_LIST)
                rc = cfail(c, line, "{{#each %s}}: not a list (invoices, "
                           "totals, entries)", name);
            else {
                struct node *n = nodes_push(cur, each ? N_EACH : N_IF);
                n->var = v->id;
                n->negate = kw[0] == 'u';
                /* n may move when cur grows: compile into locals. */
                struct nodes body = {0}, nalt = {0};
                unsigned sc = each ? scopes | 1u << v->loop_scope : scopes;
                rc = compile_block(c, &body, each ? NULL : &nalt, kw, line,
                                   sc);
                n = &cur->v[cur->n - 1];
                n->body = body;
                n->alt = nalt;
            }
        } else {
            const struct var *v = var_find(word);
            if (v == NULL)
                rc = cfail(c, line, "unknown variable \"%s\"", word);
            else if (v->scope != S_TOP && !(scopes & (1u << v->scope)))
                rc = cfail(c, line, "\"%s\" is only known inside "
                           "{{#each %s}}", word, scope_loop[v->scope]);
            else if (v->type == V_BOOL || v->type == V_LIST)
                rc = cfail(c, line, "\"%s\" is a %s: use it in {{#%s %s}}",
                           word, v->type == V_BOOL ? "condition" : "list",
                           v->type == V_BOOL ? "if" : "each", word);
            else if (v->id == V_SIGNATURE && c->is_signature)
                rc = cfail(c, line, "the signature cannot include itself");
            else
                nodes_push(cur, N_VAR)->var = v->id;
        }
        free(word);
        if (rc < 0)
            return rc;
    }
}

/* ------------------------------------------------------------- the set */

struct tmpl {
    int lang;
    char *name;
    char *file;
    bool has_subject;
    struct nodes subject;
    struct nodes body;
};

struct tmpl_set {
    struct tmpl *v;
    size_t n;
};

static bool
is_part(const char *name)
{
    return strcmp(name, "signature") == 0 ||
           strcmp(name, "redirect-banner") == 0;
}

static const struct tmpl *
tmpl_find(const struct tmpl_set *s, int lang, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].lang == lang && strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    return NULL;
}

bool
tmpl_has(const struct tmpl_set *s, int lang, const char *name)
{
    return tmpl_find(s, lang, name) != NULL;
}

struct tmpl_set *
tmpl_set_new(void)
{
    return xcalloc(1, sizeof(struct tmpl_set));
}

static void
tmpl_free_one(struct tmpl *t)
{
    free(t->name);
    free(t->file);
    nodes_free(&t->subject);
    nodes_free(&t->body);
}

void
tmpl_set_free(struct tmpl_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        tmpl_free_one(&s->v[i]);
    free(s->v);
    free(s);
}

static int
compile(struct compiler *c, const char *text, int line, struct nodes *out)
{
    c->s = text;
    c->pos = 0;
    c->line = line;
    return compile_block(c, out, NULL, NULL, line, 0);
}

int
tmpl_add(struct tmpl_set *s, int lang, const char *name, const char *file,
         const char *text, char *err, size_t errlen)
{
    struct sbuf clean = {0};
    if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3;
    for (const char *p = text; *p; p++)
        if (*p != '\r')
            sbuf_addc(&clean, *p);
    const char *t = sbuf_cstr(&clean);
    struct tmpl nt = {.lang = lang, .name = xstrdup(name),
                      .file = xstrdup(file)};
    struct compiler c = {.file = file, .err = err, .errlen = errlen,
                         .is_signature = strcmp(name, "signature") == 0};
    int rc = 0;
    if (strncasecmp(t, "Subject:", 8) == 0) {
        size_t n = strcspn(t, "\n");
        char *subj = xstrndup(t + 8, n - 8);
        nt.has_subject = true;
        if (is_part(name))
            rc = cfail(&c, 1, "%s is a part of messages and has no Subject "
                       "line", name);
        if (rc == 0)
            rc = compile(&c, str_trim(subj), 1, &nt.subject);
        free(subj);
        const char *body = t + n + (t[n] == '\n');
        size_t bl = strcspn(body, "\n");
        if (rc == 0 && *body && strspn(body, " \t") != bl)
            rc = cfail(&c, 2, "a blank line must follow the Subject line");
        if (rc == 0)
            rc = compile(&c, body + bl + (body[bl] == '\n'), 3, &nt.body);
    } else if (!is_part(name)) {
        rc = cfail(&c, 1, "a message template starts with a "
                   "\"Subject: ...\" line");
    } else {
        rc = compile(&c, t, 1, &nt.body);
    }
    sbuf_free(&clean);
    if (rc < 0) {
        tmpl_free_one(&nt);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].lang == lang && strcmp(s->v[i].name, name) == 0) {
            tmpl_free_one(&s->v[i]);
            s->v[i] = nt;
            return 0;
        }
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = nt;
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_lang(struct tmpl_set *s, const char *dir, int lang, char *err,
          size_t errlen)
{
    char *ldir = xasprintf("%s/%s", dir, textfmt_lang_code(lang));
    DIR *d = opendir(ldir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", ldir, strerror(errno));
        free(ldir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".txt"))
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xstrndup(e->d_name, l - 4);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *path = xasprintf("%s/%s.txt", ldir, names[i]);
        char *text = read_file(path, NULL);
        if (text == NULL) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = -1;
        } else {
            rc = tmpl_add(s, lang, names[i], path, text, err, errlen);
        }
        free(text);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(ldir);
    return rc;
}

struct tmpl_set *
tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
    struct tmpl_set *s = tmpl_set_new();
    int rc = 0;
    for (int lang = 0; lang < LANG_COUNT && rc == 0; lang++)
        rc = load_lang(s, dir, lang, err, errlen);
    /* Every template exists in every language, parts included. */
    for (size_t i = 0; i < s->n && rc == 0; i++)
        for (int lang = 0; lang < LANG_COUNT && rc == 0; lang++)
            if (!tmpl_has(s, lang, s->v[i].name)) {
                snprintf(err, errlen, "%s/%s/%s.txt: missing (%s exists)",
                         dir, textfmt_lang_code(lang), s->v[i].name,
                         s->v[i].file);
                rc = -1;
            }
    for (int lang = 0; lang < LANG_COUNT && rc == 0; lang++) {
        const char *parts[] = {"signature", "redirect-banner"};
        for (size_t i = 0; i < 2 && rc == 0; i++)
            if (!tmpl_has(s, lang, parts[i])) {
                snprintf(err, errlen, "%s/%s/%s.txt: missing (every "
                         "message uses it)", dir, textfmt_lang_code(lang),
                         parts[i]);
                rc = -1;
            }
    }
    if (rc < 0) {
        tmpl_set_free(s);
        return NULL;
    }
    return s;
}

int
tmpl_check_scenarios(const struct tmpl_set *s, const struct scenario_set *scn,
                     char *err, size_t errlen)
{
    for (size_t i = 0; i < scn->n; i++)
        for (size_t j = 0; j < scn->v[i].nsteps; j++) {
            const struct scenario_step *st = &scn->v[i].steps[j];
            for (int lang = 0; lang < LANG_COUNT; lang++)
                if (!tmpl_has(s, lang, st->template)) {
                    snprintf(err, errlen,
                             "%s:%d: step %s: no template %s/%s.txt",
                             scn->v[i].file, st->line, st->name,
                             textfmt_lang_code(lang), st->template);
                    return -1;
                }
        }
    return 0;
}

/* ------------------------------------------------------------ renderer */

struct total {
    const char *currency;
    int count;
    int64_t due, interest, indemnity;
    bool interest_known, indemnity_known;
};

struct rstate {
    const struct tmpl_set *set;
    const struct tmpl_ctx *ctx;
    const struct tmpl_invoice *inv; /* current loop items */
    const struct total *tot;
    const struct tmpl_entry *ent;
    struct total *totals;
    size_t ntotals;
};

static const char *
cur_of(const char *c)
{
    return c && *c ? c : "EUR";
}

static void
compute_totals(struct rstate *st)
{
    const struct tmpl_ctx *x = st->ctx;
    for (size_t i = 0; i < x->ninvoices; i++) {
        const struct tmpl_invoice *inv = &x->invoices[i];
        struct total *t = NULL;
        for (size_t j = 0; j < st->ntotals; j++)
            if (strcmp(st->totals[j].currency, cur_of(inv->currency)) == 0)
                t = &st->totals[j];
        if (t == NULL) {
            st->totals = xrealloc(st->totals,
                                  (st->ntotals + 1) * sizeof *st->totals);
            t = &st->totals[st->ntotals++];
            memset(t, 0, sizeof *t);
            t->currency = cur_of(inv->currency);
        }
        t->count++;
        t->due += inv->amount_due_cents;
        if (inv->interest_cents >= 0) {
            t->interest += inv->interest_cents;
            t->interest_known = true;
        }
        if (inv->indemnity_cents >= 0) {
            t->indemnity += inv->indemnity_cents;
            t->indemnity_known = true;
        }
    }
}

static void
add_str(struct sbuf *b, const char *s)
{
    if (s)
        sbuf_adds(b, s);
}

static void
add_date(struct sbuf *b, int day, int lang)
{
    char buf[TEXTFMT_DATE_MAX];
    if (day != 0)
        sbuf_adds(b, textfmt_date(day, lang, buf, sizeof buf));
}

static void
add_money(struct sbuf *b, int64_t cents, const char *cur, int lang)
{
    char buf[64];
    sbuf_adds(b, textfmt_money(cents, cur_of(cur), lang, buf, sizeof buf));
}

/* shared_link: ctx->payment_link, else the link all invoices share. */
static const char *
shared_link(const struct tmpl_ctx *x)
{
    if (x->payment_link && *x->payment_link)
        return x->payment_link;
    const char *link = NULL;
    for (size_t i = 0; i < x->ninvoices; i++) {
        const char *l = x->invoices[i].payment_link;
        if (l == NULL || *l == '\0' || (link && strcmp(link, l) != 0))
            return NULL;
        link = l;
    }
    return link;
}

static int
days_late(const struct rstate *st)
{
    int d = st->ctx->today - st->inv->due_date;
    return d > 0 ? d : 0;
}

static int
days_to_due(const struct rstate *st)
{
    int d = st->inv->due_date - st->ctx->today;
    return d > 0 ? d : 0;
}

static bool truth(const struct rstate *st, int id);
static void render_nodes(struct rstate *st, const struct nodes *ns,
                         struct sbuf *out);

/* value appends the text of a V_TEXT or V_NUM variable. */
static void
value(struct rstate *st, int id, struct sbuf *b)
{
    const struct tmpl_ctx *x = st->ctx;
    const struct tmpl_invoice *inv = st->inv;
    const struct total *t = st->tot;
    int lang = x->lang;
    char buf[64];
    switch (id) {
    case V_COMPANY: add_str(b, x->company_name); break;
    case V_FINANCE: add_str(b, x->finance_email); break;
    case V_TODAY: add_date(b, x->today, lang); break;
    case V_PAYLINK: add_str(b, shared_link(x)); break;
    case V_SIGNATURE: {
        const struct tmpl *sig = tmpl_find(st->set, lang, "signature");
        if (sig) {
            struct sbuf s = {0};
            render_nodes(st, &sig->body, &s);
            while (s.len && strchr(" \t\n", s.s[s.len - 1]))
                s.s[--s.len] = '\0';
            sbuf_adds(b, sbuf_cstr(&s));
            sbuf_free(&s);
        }
        break;
    }
    case V_CLIENT_ID: add_str(b, x->client_id); break;
    case V_CLIENT_NAME: add_str(b, x->client_name); break;
    case V_FIRST: add_str(b, x->first_name); break;
    case V_LAST: add_str(b, x->last_name); break;
    case V_CONTACT_NAME: {
        bool f = x->first_name && *x->first_name;
        bool l = x->last_name && *x->last_name;
        if (f || l)
            sbuf_addf(b, "%s%s%s", f ? x->first_name : "",
                      f && l ? " " : "", l ? x->last_name : "");
        else
            add_str(b, x->client_name);
        break;
    }
    case V_CONTACT_EMAIL: add_str(b, x->contact_email); break;
    case V_MANAGER_NAME: add_str(b, x->manager_name); break;
    case V_MANAGER_EMAIL: add_str(b, x->manager_email); break;
    case V_STEP_NAME: add_str(b, x->step_name); break;
    case V_STEP_TONE: add_str(b, scenario_tone_name(x->tone)); break;
    case V_COUNT: sbuf_addf(b, "%zu", x->ninvoices); break;
    case V_REDIRECT_TO: add_str(b, x->redirect_to); break;
    case V_LEGAL_RATE:
        if (x->legal_rate_bp > 0)
            sbuf_adds(b, textfmt_percent(x->legal_rate_bp, lang, buf,
                                         sizeof buf));
        break;
    case V_NOTICE_KIND: add_str(b, x->notice_kind); break;
    case V_NOTICE_DETAIL: add_str(b, x->notice_detail); break;
    case V_NOTICE_ADDRESS: add_str(b, x->notice_address); break;
    case V_NOTICE_ERROR: add_str(b, x->notice_error); break;
    case V_NOTICE_SUBJECT: add_str(b, x->notice_subject); break;
    case V_NOTICE_FROM: add_str(b, x->notice_from); break;
    case V_NOTICE_INVOICE: add_str(b, x->notice_invoice); break;
    case V_NOTICE_DATE: add_date(b, x->notice_date, lang); break;
    case V_DIGEST_DATE: add_date(b, x->today, lang); break;
    case V_DIGEST_SENT: sbuf_addf(b, "%d", x->digest_sent); break;
    case V_DIGEST_FAILED: sbuf_addf(b, "%d", x->digest_failed); break;
    case V_DIGEST_DISPUTES: sbuf_addf(b, "%d", x->digest_disputes); break;
    case V_DIGEST_PROMISES: sbuf_addf(b, "%d", x->digest_promises); break;
    case V_INV_NUMBER: add_str(b, inv->number); break;
    case V_INV_ISSUE: add_date(b, inv->issue_date, lang); break;
    case V_INV_DUE: add_date(b, inv->due_date, lang); break;
    case V_INV_AMOUNT:
        add_money(b, inv->amount_cents, inv->currency, lang);
        break;
    case V_INV_AMOUNT_DUE:
        add_money(b, inv->amount_due_cents, inv->currency, lang);
        break;
    case V_INV_PAID:
        if (inv->amount_cents > inv->amount_due_cents)
            add_money(b, inv->amount_cents - inv->amount_due_cents,
                      inv->currency, lang);
        break;
    case V_INV_CURRENCY: add_str(b, cur_of(inv->currency)); break;
    case V_INV_DAYS_LATE: sbuf_addf(b, "%d", days_late(st)); break;
    case V_INV_DAYS_LATE_TEXT:
        sbuf_adds(b, textfmt_days(days_late(st), lang, buf, sizeof buf));
        break;
    case V_INV_DAYS_TO_DUE: sbuf_addf(b, "%d", days_to_due(st)); break;
    case V_INV_DAYS_TO_DUE_TEXT:
        sbuf_adds(b, textfmt_days(days_to_due(st), lang, buf, sizeof buf));
        break;
    case V_INV_PAYLINK: add_str(b, inv->payment_link); break;
    case V_INV_INTEREST:
        if (inv->interest_cents >= 0)
            add_money(b, inv->interest_cents, inv->currency, lang);
        break;
    case V_INV_INDEMNITY:
        if (inv->indemnity_cents >= 0)
            add_money(b, inv->indemnity_cents, inv->currency, lang);
        break;
    case V_INV_INTEREST_DETAIL: add_str(b, inv->interest_detail); break;
    case V_TOT_CURRENCY: add_str(b, t->currency); break;
    case V_TOT_COUNT: sbuf_addf(b, "%d", t->count); break;
    case V_TOT_AMOUNT_DUE: add_money(b, t->due, t->currency, lang); break;
    case V_TOT_INTEREST:
        if (t->interest_known)
            add_money(b, t->interest, t->currency, lang);
        break;
    case V_TOT_INDEMNITY:
        if (t->indemnity_known)
            add_money(b, t->indemnity, t->currency, lang);
        break;
    case V_TOT_CLAIM:
        add_money(b, t->due + t->interest + t->indemnity, t->currency, lang);
        break;
    case V_ENT_DATE: add_date(b, st->ent->date, lang); break;
    case V_ENT_CLIENT: add_str(b, st->ent->client); break;
    case V_ENT_INVOICE: add_str(b, st->ent->invoice); break;
    case V_ENT_TEXT: add_str(b, st->ent->text); break;
    default: msg_panic("tmpl: variable %d has no value", id);
    }
}

static bool
truth(const struct rstate *st, int id)
{
    const struct tmpl_ctx *x = st->ctx;
    switch (id) {
    case V_INVOICES: return x->ninvoices > 0;
    case V_TOTALS: return st->ntotals > 0;
    case V_ENTRIES: return x->nentries > 0;
    case V_SEVERAL: return x->ninvoices > 1;
    case V_SEVERAL_CUR: return st->ntotals > 1;
    case V_LEGAL:
        for (size_t i = 0; i < x->ninvoices; i++)
            if (x->invoices[i].interest_cents >= 0 ||
                x->invoices[i].indemnity_cents >= 0)
                return true;
        return false;
    case V_INV_PARTIAL:
        return st->inv->amount_due_cents < st->inv->amount_cents;
    case V_INV_ATTACHED:
        return st->inv->pdf_attached;
    case V_ATTACHED:
        for (size_t i = 0; i < x->ninvoices; i++)
            if (x->invoices[i].pdf_attached)
                return true;
        return false;
    case V_COUNT: return x->ninvoices > 0;
    case V_DIGEST_SENT: return x->digest_sent != 0;
    case V_DIGEST_FAILED: return x->digest_failed != 0;
    case V_DIGEST_DISPUTES: return x->digest_disputes != 0;
    case V_DIGEST_PROMISES: return x->digest_promises != 0;
    case V_INV_DAYS_LATE: return days_late(st) != 0;
    case V_INV_DAYS_TO_DUE: return days_to_due(st) != 0;
    case V_TOT_COUNT: return st->tot->count != 0;
    default: {
        struct sbuf b = {0};
        value((struct rstate *)st, id, &b);
        bool r = b.len > 0;
        sbuf_free(&b);
        return r;
    }
    }
}

static void
render_nodes(struct rstate *st, const struct nodes *ns, struct sbuf *out)
{
    for (size_t i = 0; i < ns->n; i++) {
        const struct node *n = &ns->v[i];
        switch (n->kind) {
        case N_TEXT:
            sbuf_adds(out, n->text);
            break;
        case N_VAR:
            value(st, n->var, out);
            break;
        case N_IF:
            render_nodes(st, truth(st, n->var) != n->negate ? &n->body
                                                             : &n->alt,
                         out);
            break;
        case N_EACH: {
            struct rstate inner = *st;
            size_t count = n->var == V_INVOICES ? st->ctx->ninvoices
                           : n->var == V_TOTALS ? st->ntotals
                                                : st->ctx->nentries;
            for (size_t k = 0; k < count; k++) {
                if (n->var == V_INVOICES)
                    inner.inv = &st->ctx->invoices[k];
                else if (n->var == V_TOTALS)
                    inner.tot = &st->totals[k];
                else
                    inner.ent = &st->ctx->entries[k];
                render_nodes(&inner, &n->body, out);
            }
            break;
        }
        }
    }
}

/* tidy: no trailing white space, at most one blank line in a row, one
 * final newline. */
static char *
tidy(const char *s)
{
    struct sbuf b = {0};
    int newlines = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            while (b.len && (b.s[b.len - 1] == ' ' || b.s[b.len - 1] == '\t'))
                b.s[--b.len] = '\0';
            if (++newlines > 2 || b.len == 0)
                continue;
        } else {
            newlines = 0;
        }
        sbuf_addc(&b, *p);
    }
    while (b.len && strchr(" \t\n", b.s[b.len - 1]))
        b.s[--b.len] = '\0';
    sbuf_addc(&b, '\n');
    return sbuf_steal(&b);
}

int
tmpl_render(const struct tmpl_set *s, const char *name,
            const struct tmpl_ctx *ctx, char **subject, char **body,
            char *err, size_t errlen)
{
    const struct tmpl *t = tmpl_find(s, ctx->lang, name);
    if (t == NULL) {
        snprintf(err, errlen, "no template %s/%s.txt",
                 textfmt_lang_code(ctx->lang), name);
        return -1;
    }
    struct rstate st = {.set = s, .ctx = ctx};
    compute_totals(&st);
    *subject = NULL;
    if (t->has_subject) {
        struct sbuf sb = {0}, one = {0};
        render_nodes(&st, &t->subject, &sb);
        /* One line, single spaces: a newline in a header would break it. */
        for (const char *p = sbuf_cstr(&sb); *p; p++) {
            bool sp = *p == '\n' || *p == '\t' || *p == ' ';
            if (sp && (one.len == 0 || one.s[one.len - 1] == ' '))
                continue;
            sbuf_addc(&one, sp ? ' ' : *p);
        }
        while (one.len && one.s[one.len - 1] == ' ')
            one.s[--one.len] = '\0';
        *subject = xstrdup(sbuf_cstr(&one));
        sbuf_free(&sb);
        sbuf_free(&one);
    }
    struct sbuf b = {0};
    const struct tmpl *banner = tmpl_find(s, ctx->lang, "redirect-banner");
    if (ctx->redirect_to && *ctx->redirect_to && banner &&
        strcmp(name, "redirect-banner") != 0) {
        render_nodes(&st, &banner->body, &b);
        sbuf_adds(&b, "\n\n");
    }
    render_nodes(&st, &t->body, &b);
    *body = tidy(sbuf_cstr(&b));
    sbuf_free(&b);
    free(st.totals);
    return 0;
}
