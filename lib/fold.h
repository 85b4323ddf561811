/*
 * fold.h - text folded for matching: lowercase, accents removed.
 *
 * The classifier's patterns (rules/references, rules/intents) and the
 * quote stripper match folded text, so that "Réponse", "REPONSE" and
 * "reponse" are one word to them and rule writers need not spell every
 * accent. Pure code, no allocation beyond the output buffer.
 *
 * Folding: ASCII letters lowercased; Latin letters with diacritics
 * (Latin-1 Supplement, Latin Extended-A) become their base letter
 * (é→e, Ç→c, œ→oe, ß→ss); no-break and other Unicode spaces become ' ';
 * typographic apostrophes and quotes become ' and "; dashes become '-'.
 * Other characters are copied unchanged. Line breaks are kept, so line
 * N of the folded text is line N of the input.
 */
#ifndef FOLD_H
#define FOLD_H

#include "util.h"

#include <stddef.h>

/* fold_text appends the folded text of s[0..n) (UTF-8) to out. */
void fold_text(const char *s, size_t n, struct sbuf *out);

/*
 * fold_accents is fold_text leaving ASCII alone: for regular expressions,
 * whose escapes (\S, \D, \B) change meaning when lowercased; they are
 * compiled caseless instead.
 */
void fold_accents(const char *s, size_t n, struct sbuf *out);

/* fold_str folds a NUL-terminated string into a new string (free()). */
char *fold_str(const char *s);

#endif
