/*
 * tmplvar.h - what a template can know: the catalogue of variables (name,
 * kind, where each may be used) and their values computed from a struct
 * tmpl_ctx (dates and amounts formatted by language, totals per
 * currency). Used only by tmpl.c: the compiler checks names against the
 * catalogue, the renderer asks for values. The variable list itself is
 * documented in tmpl.h and rules/README.md.
 */
#ifndef TMPLVAR_H
#define TMPLVAR_H

#include "tmpl.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

enum tmplvar_type {
    TMPLVAR_TEXT, /* printed as is */
    TMPLVAR_NUM,  /* printed in decimal; true when not 0 */
    TMPLVAR_BOOL, /* a condition: only in {{#if}} / {{#unless}} */
    TMPLVAR_LIST, /* only in {{#each}} (or #if: not empty) */
};

/* Where a variable is known: everywhere, or inside one loop. */
enum tmplvar_scope { TMPLVAR_TOP, TMPLVAR_INVOICE, TMPLVAR_TOTAL,
                     TMPLVAR_ENTRY };

struct tmplvar {
    const char *name;
    int id;         /* private to tmplvar.c */
    int type;       /* enum tmplvar_type */
    int scope;      /* enum tmplvar_scope */
    int loop_scope; /* TMPLVAR_LIST: the scope its items open */
};

/* tmplvar_find: the variable called name, or NULL. */
const struct tmplvar *tmplvar_find(const char *name);
/* tmplvar_loop_name: "invoices" for TMPLVAR_INVOICE, etc. (static). */
const char *tmplvar_loop_name(int scope);
/* tmplvar_is_signature: id is {{signature}}, which tmpl.c renders from
 * the signature template itself. */
bool tmplvar_is_signature(int id);

struct tmplvar_total; /* one currency's totals, private */

/* Rendering state: the context and the current item of each loop. */
struct tmplvar_state {
    const struct tmpl_ctx *ctx;
    const struct tmpl_invoice *inv;
    const struct tmplvar_total *tot;
    const struct tmpl_entry *ent;
    struct tmplvar_total *totals; /* computed by tmplvar_begin */
    size_t ntotals;
};

/* tmplvar_begin prepares st for ctx (totals per currency, first-seen
 * order); tmplvar_end frees what begin allocated. */
void tmplvar_begin(struct tmplvar_state *st, const struct tmpl_ctx *ctx);
void tmplvar_end(struct tmplvar_state *st);

/* tmplvar_count: the number of items of list variable id;
 * tmplvar_enter makes item k the current one in st. */
size_t tmplvar_count(const struct tmplvar_state *st, int id);
void tmplvar_enter(struct tmplvar_state *st, int id, size_t k);

/* tmplvar_value appends the text of a TEXT or NUM variable;
 * tmplvar_truth says whether any variable is true for {{#if}}. The
 * variable must be known in the current scope (the compiler checked). */
void tmplvar_value(const struct tmplvar_state *st, int id, struct sbuf *b);
bool tmplvar_truth(const struct tmplvar_state *st, int id);

#endif
