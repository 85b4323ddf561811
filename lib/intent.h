/*
 * intent.h - what a human reply says: dispute, paid claim, promise to
 * pay, or something else. Step 5 of the classifier (classify.c).
 *
 * The rules come from RulesDir/intents (patterns.h, tagged file): lines
 * "dispute PATTERN", "paid PATTERN", "promise PATTERN" and
 * "negation PATTERN". Patterns match folded text (fold.h: lowercase, no
 * accents; the patterns themselves are folded at load, so they may be
 * written with accents). Every rule is tried on the new text (quotes
 * removed); the strongest intent found wins: dispute > paid > promise >
 * other.
 *
 * Negation: a match is ignored when a negation pattern matches in the
 * same clause just before it (at most 40 bytes back, not across . , ; ! ?
 * or a line break, nor across "et", "mais", "and", "but"): "je ne
 * conteste pas", "nous n'avons pas encore payé", "we have not paid yet",
 * "I don't dispute". A rule that is itself negative ("pas d'accord",
 * "never received") must include its negation word so that the match
 * starts before it.
 *
 * The promised date is the first date (datephrase.h) after the promise
 * match, else anywhere in the new text, relative to the reference day.
 */
#ifndef INTENT_H
#define INTENT_H

#include "classify.h"
#include "patterns.h"

#include <stdbool.h>
#include <stddef.h>

/* Tags of the intents file, in this order (TAG index = enum below). */
enum intent_tag { TAG_DISPUTE, TAG_PAID, TAG_PROMISE, TAG_NEGATION };
extern const char *const intent_tags[];

/*
 * intent_find sets v->intent (never INTENT_NONE: a reply with no match is
 * INTENT_OTHER) and, for a promise with a date, v->until; adds evidence.
 * f[0..n) is the folded new text; checked: f is known valid UTF-8;
 * ref_day: civil day of the mail's Date, -1 if unknown (no date then).
 */
void intent_find(const struct pattern_set *ps, pcre2_match_data *md,
                 const char *f, size_t n, bool checked, int ref_day,
                 struct classify_verdict *v);

#endif
