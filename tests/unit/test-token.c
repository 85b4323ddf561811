/*
 * test-token.c - signed Message-ID tokens: round trip, every one-character
 * alteration refused, another key refused, scanning real-looking
 * References headers, secret file errors.
 */
#include "token.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static const struct {
    const char *name;
    const char *text; /* NULL: the file does not exist */
    const char *want_err;
} key_cases[] = {
    {"good key with newline", KEY_A "\n", NULL},
    {"good key, spaces around", "  " KEY_A "  \n", NULL},
    {"uppercase hex", "00112233445566778899AABBCCDDEEFF\n", NULL},
    {"missing file", NULL, "No such file"},
    {"empty file", "\n", "is empty"},
    {"odd length", "0011223344556677889\n", "even number of hex digits"},
    {"too short", "0011223344556677\n", "too short"},
    {"not hex", "0011223344556677889900112233445g\n", "character 32 "},
    {"too long", KEY_A KEY_A "00\n", "at most 128"},
};

/*
 * Headers to scan: the good token and the forged one are filled in at
 * run time ("GOOD" and "FORGED" are replaced).
 */
static const struct {
    const char *name;
    const char *header;
    int want;
} scan_cases[] = {
    {"In-Reply-To alone", "<GOOD@example.fr>", 1},
    {"References, ours in the middle, folded",
     "<CAF=abc123@mail.gmail.com>\r\n <GOOD@example.fr>\r\n"
     "\t<5f2e.1@outlook.com>",
     1},
    {"several ids on one line", "<a@b> <c@d> <GOOD@relance.example.fr> <e@f>",
     1},
    {"forged first, good later", "<FORGED@example.fr> <GOOD@example.fr>", 1},
    {"only a forged one", "<x@y>\r\n <FORGED@example.fr>", -1},
    {"none of ours", "<CAF=abc123@mail.gmail.com> <1234.5678@example.org>", 0},
    {"empty header", "", 0},
    {"another system's r1. id is not evidence", "<r1.hello@example.org>", 0},
    {"token without @ is not a message id", "<GOOD>", 0},
};

static char *
replace(const char *s, const char *what, const char *with)
{
    struct sbuf b = {0};
    const char *p;
    while ((p = strstr(s, what))) {
        sbuf_add(&b, s, (size_t)(p - s));
        sbuf_adds(&b, with);
        s = p + strlen(what);
    }
    sbuf_adds(&b, s);
    return sbuf_steal(&b);
}

int
main(void)
{
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        T_CASE(key_cases[i].name);
        char *path = key_cases[i].text
                         ? t_tmpfile("secret", key_cases[i].text)
                         : xasprintf("%s/no-such-secret",
                                     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        struct token_key k;
        char err[256] = "";
        int rc = token_load_key(&k, path, err, sizeof err);
        T_RESULT(rc, err, key_cases[i].want_err);
        if (rc < 0)
            T_CHECK(strstr(err, path) != NULL, "error lacks the path: %s", err);
        free(path);
    }

    struct token_key ka, kb;
    char err[256];
    char *pa = t_tmpfile("ka", KEY_A "\n"), *pb = t_tmpfile("kb", KEY_B "\n");
    T_CASE("load both keys");
    T_INTEQ(token_load_key(&ka, pa, err, sizeof err), 0);
    T_INTEQ(token_load_key(&kb, pb, err, sizeof err), 0);
    T_INTEQ(ka.len, 32);
    T_INTEQ(ka.key[10], 0xaa);
    free(pa);
    free(pb);

    T_CASE("make and verify");
    char tok[TOKEN_LEN + 1], tok2[TOKEN_LEN + 1];
    T_INTEQ(token_make(&ka, tok), 0);
    T_INTEQ(strlen(tok), TOKEN_LEN);
    T_CHECK(strncmp(tok, "r1.", 3) == 0 && tok[19] == '.', "shape: %s", tok);
    T_CHECK(token_verify(&ka, tok), "own token refused: %s", tok);
    T_CHECK(!token_verify(&kb, tok), "token accepted with another key");
    T_INTEQ(token_make(&ka, tok2), 0);
    T_CHECK(strcmp(tok, tok2) != 0, "two tokens are equal: %s", tok);

    T_CASE("the tag is HMAC-SHA256 of the documented message");
    /* Known answer computed outside this code base, with Python:
     * hmac.new(bytes.fromhex(KEY_A), b"relance-token-v1:0123456789abcdef",
     *          hashlib.sha256).hexdigest()[:32] */
    T_CHECK(token_verify(&ka, "r1.0123456789abcdef."
                              "ba9865afad7a43881dc904bd18868257"),
            "known-answer token refused");
    T_CHECK(!token_verify(&ka, "r1.0123456789abcdef."), "tag-less token");

    T_CASE("every one-character change is refused");
    int accepted = 0;
    for (int i = 0; i < TOKEN_LEN; i++) {
        static const char alphabet[] = "0123456789abcdefr.@xABCDEF ";
        for (const char *c = alphabet; *c; c++) {
            if (*c == tok[i])
                continue;
            char t[TOKEN_LEN + 1];
            memcpy(t, tok, sizeof t);
            t[i] = *c;
            accepted += token_verify(&ka, t);
        }
    }
    T_INTEQ(accepted, 0);
    T_CASE("truncated or extended tokens are refused");
    char longer[TOKEN_LEN + 2];
    snprintf(longer, sizeof longer, "%sa", tok);
    T_CHECK(!token_verify(&ka, longer), "extended token accepted");
    char shorter[TOKEN_LEN];
    memcpy(shorter, tok, TOKEN_LEN - 1);
    shorter[TOKEN_LEN - 1] = '\0';
    T_CHECK(!token_verify(&ka, shorter), "truncated token accepted");
    T_CHECK(!token_verify(&ka, ""), "empty token accepted");

    /* A forged token: the shape is right, the tag is made with key B. */
    char forged[TOKEN_LEN + 1];
    T_INTEQ(token_make(&kb, forged), 0);
    for (size_t i = 0; i < sizeof scan_cases / sizeof scan_cases[0]; i++) {
        T_CASE(scan_cases[i].name);
        char *h1 = replace(scan_cases[i].header, "GOOD", tok);
        char *h = replace(h1, "FORGED", forged);
        char found[TOKEN_LEN + 1] = "";
        int rc = token_scan(&ka, h, found);
        T_INTEQ(rc, scan_cases[i].want);
        if (rc == 1)
            T_STREQ(found, tok);
        free(h1);
        free(h);
    }
    return t_done();
}
