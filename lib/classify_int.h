/*
 * classify_int.h - what the classifier's two files share: the classifier
 * and session structures, and the functions that tie a mail to our
 * invoices and a client. Not for use outside the classifier; the public
 * interface is classify.h.
 *
 *   classify.c       names, verdicts, classifier_load, sessions, and the
 *                    order of the decision (classify_headers_only,
 *                    classify_message)
 *   classify_link.c  our token in a header and the send it names (step 1,
 *                    and the returned message of step 2); invoice numbers
 *                    in the Subject and new text, confirmed and settled
 *                    between the invoices and review (step 4)
 *
 * The steps with their own module: bounce.c (2), autoreply.c (3),
 * intent.c (5).
 */
#ifndef CLASSIFY_INT_H
#define CLASSIFY_INT_H

#include "classify.h"
#include "patterns.h"

#include <stdbool.h>

/* Read-only after classifier_load; shared by every thread. */
struct classifier {
    struct pattern_set refs, intents;
    struct token_key key;
    bool have_key;
    char *domain, *reply_to, *finance, *from, *internal;
    const char *ours[4]; /* our addresses, NULL-terminated */
};

/* One thread's scratch (classify.h, thread safety). */
struct classify_session {
    const struct classifier *c;
    pcre2_match_data *md_refs, *md_intents;
    struct sbuf folded;
};

/*
 * cls_lookup_client: the client of addr through lk->client_of_address,
 * into out (CLASSIFY_ID_MAX bytes; "" unless found). false when lk or the
 * callback is NULL, addr is "", or the address is no client's.
 */
bool cls_lookup_client(const struct classify_lookup *lk, const char *addr,
                       char *out);

/* cls_has_token_shape: h (NULL allowed) holds an id shaped like our
 * tokens, "<r1." or "<R1.", verified or not. */
bool cls_has_token_shape(const char *h);

/*
 * cls_scan_token verifies the token-shaped ids of header h (NULL
 * allowed) with c's key, as token_scan does. Returns 1 when one
 * verifies (copied into v->token), 0 when h has none, -1 when none
 * verifies or no key is loaded; v->token is written only on 1.
 */
int cls_scan_token(const struct classifier *c, const char *h,
                   struct classify_verdict *v);

/*
 * cls_token_link: the invoices and client of the send v->token names,
 * from lk->token_invoices, into v->invoices, v->ninvoices and
 * v->client_id, with an evidence line (also when the token names no send
 * we know: then v->ninvoices and v->client_id are left as they were).
 * Nothing when lk or the callback is NULL.
 */
void cls_token_link(const struct classify_lookup *lk,
                    struct classify_verdict *v);

/* Invoice numbers found in a mail, each with its client ("" unknown). */
struct cls_found {
    char num[CLASSIFY_MAX_INVOICES][CLASSIFY_NUMBER_MAX];
    char client[CLASSIFY_MAX_INVOICES][CLASSIFY_ID_MAX];
    int n;
};

/*
 * cls_find_numbers adds to f (up to CLASSIFY_MAX_INVOICES, no number
 * twice, case ignored) the numbers rules/references matches in text that
 * are our invoices: named by the send of v's token, or confirmed by
 * lk->invoice_exists as written or uppercased (f keeps the database's
 * spelling). `where` ("Subject", "new text") names text in the evidence
 * line written for each number, kept or not. Uses s->md_refs.
 */
void cls_find_numbers(struct classify_session *s, const char *text,
                      const char *where, const struct classify_lookup *lk,
                      struct cls_found *f, struct classify_verdict *v);

/*
 * cls_settle_numbers: the numbers of f whose client is `client` go to
 * v->invoices, the others (all of them when client is "") to v->review,
 * each with an evidence line saying it is not `who`'s.
 */
void cls_settle_numbers(const struct cls_found *f, const char *client,
                        const char *who, struct classify_verdict *v);

/*
 * cls_link_invoices ties m to invoices and a client, into v: our token in
 * In-Reply-To, else References, and its send (or v->token_forged); the
 * numbers of the Subject and, when body is true, of v->new_text; the
 * sender's client. The token's client wins over the sender's; numbers of
 * another client go to review.
 */
void cls_link_invoices(struct classify_session *s, const struct mail *m,
                       const struct classify_lookup *lk,
                       struct classify_verdict *v, bool body);

#endif
