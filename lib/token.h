/*
 * token.h - signed reference tokens carried in our Message-IDs.
 *
 * A token names one send (a row of `messages`) and carries an
 * HMAC-SHA256 tag made with the secret file, so that the milter can trust
 * a reply's In-Reply-To/References without a database lookup and a forged
 * or altered token is refused.
 *
 * Format (lowercase, fixed length TOKEN_LEN):
 *     "r1" "." 16 hex digits (random 64-bit send id) "." 32 hex digits
 * where the 32 hex digits are the first 16 bytes of
 * HMAC-SHA256(key, "relance-token-v1:" + the 16-hex-digit send id).
 * The Message-ID is "<" token "@" Domain ">". Verification compares in
 * constant time. Implemented with GnuTLS (gnutls_hmac_fast).
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_LEN 52 /* 2 + 1 + 16 + 1 + 32 */

struct token_key {
    unsigned char key[64];
    size_t len;
};

/*
 * token_load_key reads the secret file (hex text as written by
 * `relancectl init`). Returns 0, or -1 with a message in err.
 */
int token_load_key(struct token_key *k, const char *path, char *err,
                   size_t errlen);

/* token_make: a new token with a random send id into buf[TOKEN_LEN + 1]. */
int token_make(const struct token_key *k, char *buf);

/* token_verify: true if s (exactly a token, nothing around it) is ours. */
bool token_verify(const struct token_key *k, const char *s);

/*
 * token_scan finds the first "<r1.…@…>" message id in a header value
 * (In-Reply-To, References, Message-ID) whose token verifies, and copies
 * the token into buf[TOKEN_LEN + 1]. Returns 1 if found and valid, 0 if
 * none, -1 if tokens were present but none verified (forged/altered: the
 * caller logs it).
 */
int token_scan(const struct token_key *k, const char *header, char *buf);

#endif
