/*
 * classify_link.c - which invoices and which client a mail is about: our
 * token in its headers (step 1 and the returned message of step 2), the
 * invoice numbers rules/references finds in its Subject and new text
 * (step 4), each confirmed through the caller's lookups. Called by
 * classify.c only; see classify_int.h for the contracts.
 */
#include "classify_int.h"
#include "charset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- lookups ---- */

bool
cls_lookup_client(const struct classify_lookup *lk, const char *addr,
                  char *out)
{
    out[0] = '\0';
    return lk && lk->client_of_address && *addr &&
           lk->client_of_address(lk->ctx, addr, out);
}

bool
cls_has_token_shape(const char *h)
{
    return h && (strstr(h, "<r1.") || strstr(h, "<R1."));
}

/* ---- step 1: ours leaving, and tokens in replies ---- */

/* The verified token of a header into v->token: 1, 0 none, -1 forged. */
int
cls_scan_token(const struct classifier *c, const char *h,
               struct classify_verdict *v)
{
    if (h == NULL || !cls_has_token_shape(h))
        return 0;
    if (!c->have_key)
        return -1;
    char buf[TOKEN_LEN + 1];
    int r = token_scan(&c->key, h, buf);
    if (r == 1)
        memcpy(v->token, buf, sizeof buf);
    return r;
}

/* Invoices and client of the send our token names. */
void
cls_token_link(const struct classify_lookup *lk, struct classify_verdict *v)
{
    if (lk == NULL || lk->token_invoices == NULL)
        return;
    char client[CLASSIFY_ID_MAX] = "";
    int n = lk->token_invoices(lk->ctx, v->token, v->invoices,
                               CLASSIFY_MAX_INVOICES, client);
    if (n < 0) {
        classify_evidence(v, "token %s verifies but names no send we know",
                          v->token);
        return;
    }
    v->ninvoices = n > CLASSIFY_MAX_INVOICES ? CLASSIFY_MAX_INVOICES : n;
    for (int i = 0; i < v->ninvoices; i++)
        v->invoices[i][CLASSIFY_NUMBER_MAX - 1] = '\0';
    memcpy(v->client_id, client, sizeof client);
    v->client_id[CLASSIFY_ID_MAX - 1] = '\0';
    classify_evidence(v, "our token names a send of %d invoice(s) for client %s",
                      v->ninvoices, *v->client_id ? v->client_id : "?");
}

/* In-Reply-To, then References. */
static void
reply_token(const struct classifier *c, const struct mail *m,
            const struct classify_lookup *lk, struct classify_verdict *v)
{
    int a = cls_scan_token(c, m->in_reply_to, v);
    int b = a == 1 ? 0 : cls_scan_token(c, m->references, v);
    if (a == 1 || b == 1) {
        classify_evidence(v, "our token %s in %s", v->token,
                          a == 1 ? "In-Reply-To" : "References");
        cls_token_link(lk, v);
    }
    if (a < 0 || b < 0) {
        v->token_forged = true;
        classify_evidence(v, c->have_key
                                 ? "a token-shaped id did not verify (forged or "
                                   "altered): ignored"
                                 : "a token-shaped id cannot be verified "
                                   "(no secret loaded): ignored");
    }
}

/* ---- step 4: invoice numbers ---- */

static bool
have_number(char (*list)[CLASSIFY_NUMBER_MAX], int n, const char *num)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(list[i], num) == 0)
            return true;
    return false;
}

static void
add_number(char (*list)[CLASSIFY_NUMBER_MAX], int *n, const char *num)
{
    if (*n < CLASSIFY_MAX_INVOICES && !have_number(list, *n, num))
        snprintf(list[(*n)++], CLASSIFY_NUMBER_MAX, "%s", num);
}

/* Confirm one number; on success num is rewritten to the spelling the
 * database knows (as written, or uppercased). */
static bool
confirm(const struct classify_lookup *lk, char *num, char *client)
{
    if (lk == NULL || lk->invoice_exists == NULL)
        return false;
    if (lk->invoice_exists(lk->ctx, num, client))
        return true;
    char up[CLASSIFY_NUMBER_MAX];
    size_t i = 0;
    for (; num[i] && i < sizeof up - 1; i++)
        up[i] = (char)toupper((unsigned char)num[i]);
    up[i] = '\0';
    if (strcmp(up, num) != 0 && lk->invoice_exists(lk->ctx, up, client)) {
        strcpy(num, up);
        return true;
    }
    return false;
}

/* A number the token's send already names, spelled as the database
 * spells it: its client is the token's. */
static bool
from_token(const struct classify_verdict *v, const char *num, char *client)
{
    if (!*v->token || !*v->client_id)
        return false;
    for (int i = 0; i < v->ninvoices; i++)
        if (strcmp(v->invoices[i], num) == 0) {
            snprintf(client, CLASSIFY_ID_MAX, "%s", v->client_id);
            return true;
        }
    return false;
}

/* Numbers matched by rules/references in s, confirmed by the database. */
void
cls_find_numbers(struct classify_session *s, const char *text,
                 const char *where, const struct classify_lookup *lk,
                 struct cls_found *f, struct classify_verdict *v)
{
    const struct pattern_set *ps = &s->c->refs;
    size_t n = strlen(text);
    bool valid = charset_utf8_valid(text, n);
    for (size_t i = 0; i < ps->n && f->n < CLASSIFY_MAX_INVOICES; i++) {
        size_t start = 0;
        for (int guard = 0; guard < 32 && start <= n; guard++) {
            int rc = patterns_exec(ps, &ps->v[i], text, n, start, valid,
                                   s->md_refs);
            if (rc <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md_refs);
            size_t g = rc > 1 && ov[2] != PCRE2_UNSET ? 1 : 0;
            size_t b = ov[2 * g], e = ov[2 * g + 1];
            start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (start < n && ((unsigned char)text[start] & 0xc0) == 0x80)
                start++;
            char num[CLASSIFY_NUMBER_MAX];
            if (e <= b || e - b >= sizeof num)
                continue;
            memcpy(num, text + b, e - b);
            num[e - b] = '\0';
            str_trim(num);
            if (!*num || have_number(f->num, f->n, num))
                continue;
            char client[CLASSIFY_ID_MAX] = "";
            if (from_token(v, num, client)) {
                /* Already read with the token: no second lookup. */
            } else if (lk == NULL || lk->invoice_exists == NULL) {
                classify_evidence(v, "references:%d \"%s\" in %s: not "
                                  "checked (no database)", ps->v[i].line, num,
                                  where);
                continue;
            } else if (!confirm(lk, num, client)) {
                classify_evidence(v, "references:%d \"%s\" in %s: not one of "
                                  "our invoices", ps->v[i].line, num, where);
                continue;
            }
            if (have_number(f->num, f->n, num))
                continue;
            snprintf(f->num[f->n], CLASSIFY_NUMBER_MAX, "%s", num);
            snprintf(f->client[f->n], CLASSIFY_ID_MAX, "%s", client);
            f->n++;
            classify_evidence(v, "references:%d invoice %s in %s (client %s)",
                              ps->v[i].line, num, where, *client ? client : "?");
        }
    }
}

/*
 * Keep the numbers that belong to `client` (the token's or the sender's);
 * the others go to review: a number quoted by someone else changes
 * nothing without our token.
 */
void
cls_settle_numbers(const struct cls_found *f, const char *client,
                   const char *who, struct classify_verdict *v)
{
    for (int i = 0; i < f->n; i++) {
        if (*client && strcmp(f->client[i], client) == 0) {
            add_number(v->invoices, &v->ninvoices, f->num[i]);
        } else {
            add_number(v->review, &v->nreview, f->num[i]);
            classify_evidence(v, "invoice %s belongs to client %s, not to %s: "
                              "not acted on, for review",
                              f->num[i], f->client[i], who);
        }
    }
}

/* ---- the whole tie, for replies and autoreplies ---- */

void
cls_link_invoices(struct classify_session *s, const struct mail *m,
                  const struct classify_lookup *lk,
                  struct classify_verdict *v, bool body)
{
    reply_token(s->c, m, lk, v);
    struct cls_found f = {.n = 0};
    cls_find_numbers(s, m->subject, "Subject", lk, &f, v);
    if (body)
        cls_find_numbers(s, sbuf_cstr(&v->new_text), "new text", lk, &f, v);
    char sender[CLASSIFY_ID_MAX];
    bool known = cls_lookup_client(lk, m->from_addr, sender);
    if (known)
        classify_evidence(v, "sender %s is a contact of client %s",
                          m->from_addr, sender);
    if (*v->token && *v->client_id) {
        if (known && strcmp(sender, v->client_id) != 0)
            classify_evidence(v, "sender belongs to client %s, the token to "
                              "client %s: the token wins", sender, v->client_id);
        cls_settle_numbers(&f, v->client_id, "the client of our token", v);
    } else {
        if (known)
            snprintf(v->client_id, sizeof v->client_id, "%s", sender);
        cls_settle_numbers(&f, known ? sender : "",
                           *m->from_addr ? m->from_addr : "the sender", v);
    }
}
