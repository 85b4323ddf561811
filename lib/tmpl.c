/*
 * tmpl.c - the template engine: a small mustache-like language compiled
 * once at load time into a tree, then rendered from struct tmpl_ctx; see
 * tmpl.h for the syntax and the variables.
 *
 * Every name a template uses is looked up in tmplvar.c when the template is
 * compiled, together with where it may be used (a loop field only inside
 * its loop, a condition only in #if, a list only in #each or #if), so a
 * typo is a load error naming the file and line, never a blank in a
 * client's mail. Rendering cannot fail and does no I/O.
 */
#include "tmpl.h"
#include "tmplvar.h"
#include "rulesio.h"
#include "scenario.h"
#include "textfmt.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nkind { N_TEXT, N_VAR, N_EACH, N_IF };

struct nodes {
    struct node *v;
    size_t n;
};

struct node {
    int kind;
    int var;           /* tmplvar id */
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
    bool is_signature;
    char *err;
    size_t errlen;
};

/* cfail(c, line, fmt, ...): "FILE:LINE: message" into the caller's err. */
#define cfail(c, line, ...)                                                    \
    rulesio_error((c)->err, (c)->errlen, (c)->file, (line), __VA_ARGS__)

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
            const struct tmplvar *v = tmplvar_find(name);
            bool each = strcmp(kw, "each") == 0;
            if (!each && strcmp(kw, "if") != 0 && strcmp(kw, "unless") != 0)
                rc = cfail(c, line, "unknown block {{#%s}} (each, if, unless)",
                           kw);
            else if (v == NULL)
                rc = cfail(c, line, "unknown variable \"%s\"", name);
            else if (v->scope != TMPLVAR_TOP && !(scopes & (1u << v->scope)))
                rc = cfail(c, line, "\"%s\" is only known inside "
                           "{{#each %s}}", name, tmplvar_loop_name(v->scope));
            else if (each && v->type != TMPLVAR_LIST)
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
            const struct tmplvar *v = tmplvar_find(word);
            if (v == NULL)
                rc = cfail(c, line, "unknown variable \"%s\"", word);
            else if (v->scope != TMPLVAR_TOP && !(scopes & (1u << v->scope)))
                rc = cfail(c, line, "\"%s\" is only known inside "
                           "{{#each %s}}", word, tmplvar_loop_name(v->scope));
            else if (v->type == TMPLVAR_BOOL || v->type == TMPLVAR_LIST)
                rc = cfail(c, line, "\"%s\" is a %s: use it in {{#%s %s}}",
                           word, v->type == TMPLVAR_BOOL ? "condition" : "list",
                           v->type == TMPLVAR_BOOL ? "if" : "each", word);
            else if (tmplvar_is_signature(v->id) && c->is_signature)
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
load_lang(struct tmpl_set *s, const char *dir, int lang, char *err,
          size_t errlen)
{
    char *ldir = xasprintf("%s/%s", dir, textfmt_lang_code(lang));
    struct rulesio_list files;
    int rc = rulesio_list(&files, ldir, ".txt", err, errlen);
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        char *path = xasprintf("%s/%s", ldir, files.names[i]);
        char *name = xstrndup(files.names[i], strlen(files.names[i]) - 4);
        char *text = read_file(path, NULL);
        if (text == NULL) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = -1;
        } else {
            rc = tmpl_add(s, lang, name, path, text, err, errlen);
        }
        free(text);
        free(name);
        free(path);
    }
    rulesio_list_free(&files);
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

static void render_signature(const struct tmpl_set *set,
                             struct tmplvar_state *st, struct sbuf *out);

static void
render_nodes(const struct tmpl_set *set, struct tmplvar_state *st,
             const struct nodes *ns, struct sbuf *out)
{
    for (size_t i = 0; i < ns->n; i++) {
        const struct node *n = &ns->v[i];
        switch (n->kind) {
        case N_TEXT:
            sbuf_adds(out, n->text);
            break;
        case N_VAR:
            if (tmplvar_is_signature(n->var))
                render_signature(set, st, out);
            else
                tmplvar_value(st, n->var, out);
            break;
        case N_IF:
            render_nodes(set, st,
                         tmplvar_truth(st, n->var) != n->negate ? &n->body
                                                                : &n->alt,
                         out);
            break;
        case N_EACH: {
            struct tmplvar_state inner = *st;
            size_t count = tmplvar_count(st, n->var);
            for (size_t k = 0; k < count; k++) {
                tmplvar_enter(&inner, n->var, k);
                render_nodes(set, &inner, &n->body, out);
            }
            break;
        }
        }
    }
}

/* render_signature: the signature part, without its final newlines, so
 * that {{signature}} can end a line like any variable. */
static void
render_signature(const struct tmpl_set *set, struct tmplvar_state *st,
                 struct sbuf *out)
{
    const struct tmpl *sig = tmpl_find(set, st->ctx->lang, "signature");
    if (sig == NULL)
        return;
    struct sbuf s = {0};
    render_nodes(set, st, &sig->body, &s);
    while (s.len && strchr(" \t\n", s.s[s.len - 1]))
        s.s[--s.len] = '\0';
    sbuf_adds(out, sbuf_cstr(&s));
    sbuf_free(&s);
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
    struct tmplvar_state st;
    tmplvar_begin(&st, ctx);
    *subject = NULL;
    if (t->has_subject) {
        struct sbuf sb = {0}, one = {0};
        render_nodes(s, &st, &t->subject, &sb);
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
        render_nodes(s, &st, &banner->body, &b);
        sbuf_adds(&b, "\n\n");
    }
    render_nodes(s, &st, &t->body, &b);
    *body = tidy(sbuf_cstr(&b));
    sbuf_free(&b);
    tmplvar_end(&st);
    return 0;
}
