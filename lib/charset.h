/*
 * charset.h - converting text to UTF-8.
 *
 * Used by the mail reader (mailread.c) for MIME parts and headers, and by
 * anything that must turn bytes of unknown origin into valid UTF-8.
 * Never fails: bytes that cannot be converted become U+FFFD.
 */
#ifndef CHARSET_H
#define CHARSET_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * charset_to_utf8 appends to out the UTF-8 text of len bytes at s in
 * charset (any name iconv knows). NULL, "" or an ASCII label means
 * "guess": UTF-8 if it is valid, else Windows-1252. ISO-8859-1 is read
 * as Windows-1252 (what senders mean); unknown charsets as Windows-1252.
 */
void charset_to_utf8(const char *charset, const char *s, size_t len,
                     struct sbuf *out);

/* charset_utf8_valid: s[0..n) is well-formed UTF-8 (no surrogates,
 * no overlongs). */
bool charset_utf8_valid(const char *s, size_t n);

/* charset_utf8_clean appends s with each invalid byte made U+FFFD. */
void charset_utf8_clean(const char *s, size_t n, struct sbuf *out);

/* charset_put_cp appends code point cp as UTF-8 (U+FFFD if it is not a
 * scalar value, or NUL). */
void charset_put_cp(struct sbuf *out, unsigned cp);

#endif
