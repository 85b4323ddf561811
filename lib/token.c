/*
 * token.c - signed reference tokens for our Message-IDs; see token.h.
 *
 * The worker makes one token per message (token_make); the milter checks
 * the tokens it finds in replies' In-Reply-To/References (token_scan).
 * The tag is HMAC-SHA256 from GnuTLS, truncated to 128 bits, compared in
 * constant time so that timing tells an attacker nothing about how much
 * of a forged tag was right.
 */
#include "token.h"
#include "util.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TOKEN_PREFIX "r1."
#define TOKEN_ID_HEX 16
#define TOKEN_TAG_HEX 32
#define TOKEN_CONTEXT "relance-token-v1:"

static const char hexdigits[] = "0123456789abcdef";

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void
to_hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdigits[p[i] >> 4];
        out[2 * i + 1] = hexdigits[p[i] & 0xf];
    }
    out[2 * n] = '\0';
}

int
token_load_key(struct token_key *k, const char *path, char *err,
               size_t errlen)
{
    size_t len;
    char *text = read_file(path, &len);
    if (text == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *hex = str_trim(text);
    size_t n = strlen(hex);
    int rc = -1;
    if (n == 0)
        snprintf(err, errlen, "%s: the secret file is empty", path);
    else if (n % 2 != 0 || n / 2 > sizeof k->key)
        snprintf(err, errlen,
                 "%s: the secret must be an even number of hex digits, "
                 "at most %zu", path, 2 * sizeof k->key);
    else if (n < 32)
        snprintf(err, errlen,
                 "%s: the secret is too short (%zu hex digits, need at "
                 "least 32)", path, n);
    else {
        rc = 0;
        for (size_t i = 0; i < n / 2; i++) {
            int hi = hexval((unsigned char)hex[2 * i]);
            int lo = hexval((unsigned char)hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen,
                         "%s: character %zu of the secret is not a hex "
                         "digit", path, 2 * i + (hi < 0 ? 1 : 2));
                rc = -1;
                break;
            }
            k->key[i] = (unsigned char)(hi << 4 | lo);
        }
        k->len = n / 2;
    }
    /* The secret must not linger in freed heap memory. */
    explicit_bzero(text, len);
    free(text);
    return rc;
}

/* tag_hex: the 32-hex-digit tag of a 16-hex-digit send id. */
static int
tag_hex(const struct token_key *k, const char *id, char *out)
{
    char msg[sizeof TOKEN_CONTEXT - 1 + TOKEN_ID_HEX];
    unsigned char mac[32];
    memcpy(msg, TOKEN_CONTEXT, sizeof TOKEN_CONTEXT - 1);
    memcpy(msg + sizeof TOKEN_CONTEXT - 1, id, TOKEN_ID_HEX);
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->key, k->len, msg, sizeof msg,
                         mac) < 0)
        return -1;
    to_hex(mac, TOKEN_TAG_HEX / 2, out);
    return 0;
}

int
token_make(const struct token_key *k, char *buf)
{
    unsigned char id[TOKEN_ID_HEX / 2];
    if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id)
        return -1;
    memcpy(buf, TOKEN_PREFIX, 3);
    to_hex(id, sizeof id, buf + 3);
    buf[3 + TOKEN_ID_HEX] = '.';
    if (tag_hex(k, buf + 3, buf + 4 + TOKEN_ID_HEX) < 0)
        return -1;
    return 0;
}

/* shape_ok: s[0..TOKEN_LEN) is "r1." lowercase-hex "." lowercase-hex. */
static bool
shape_ok(const char *s)
{
    if (memcmp(s, TOKEN_PREFIX, 3) != 0 || s[3 + TOKEN_ID_HEX] != '.')
        return false;
    for (int i = 3; i < TOKEN_LEN; i++) {
        if (i == 3 + TOKEN_ID_HEX)
            continue;
        if (strchr(hexdigits, s[i]) == NULL || s[i] == '\0')
            return false;
    }
    return true;
}

/* verify_n: s holds at least TOKEN_LEN bytes; true if they are ours. */
static bool
verify_n(const struct token_key *k, const char *s)
{
    if (!shape_ok(s))
        return false;
    char want[TOKEN_TAG_HEX + 1];
    if (tag_hex(k, s + 3, want) < 0)
        return false;
    unsigned diff = 0;
    const char *got = s + 4 + TOKEN_ID_HEX;
    for (int i = 0; i < TOKEN_TAG_HEX; i++)
        diff |= (unsigned char)(want[i] ^ got[i]);
    return diff == 0;
}

bool
token_verify(const struct token_key *k, const char *s)
{
    return strnlen(s, TOKEN_LEN + 1) == TOKEN_LEN && verify_n(k, s);
}

int
token_scan(const struct token_key *k, const char *header, char *buf)
{
    int seen = 0;
    for (const char *p = header; (p = strstr(p, "<" TOKEN_PREFIX)); p++) {
        const char *t = p + 1;
        size_t n = strcspn(t, "@> \t\r\n");
        /* Only ids of a token's length and then '@' look like ours;
         * others (another system's "r1.something") are not evidence. */
        if (n != TOKEN_LEN || t[n] != '@')
            continue;
        seen = 1;
        if (verify_n(k, t)) {
            memcpy(buf, t, TOKEN_LEN);
            buf[TOKEN_LEN] = '\0';
            return 1;
        }
    }
    return seen ? -1 : 0;
}
