/*
 * fuzz-classify.c - libFuzzer target for the whole decision: any bytes as
 * a message, read and classified with the shipped rules (RELANCE_SRC or
 * the current folder) and lookups that answer yes often enough to reach
 * every step; also the date phrases on the raw input. Built by
 * tests/run-fuzz.sh.
 */
#include "classify.h"
#include "datephrase.h"
#include "mailread.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classifier *cl;
static struct classify_session *session;

/* Numbers with a digit 2 in them exist; addresses with an 'a' are
 * clients; every token names a send of two invoices. */
static bool
fz_invoice(void *ctx, const char *number, char *client)
{
    snprintf(client, CLASSIFY_ID_MAX, "C%zu", strlen(number) % 3);
    return strchr(number, '2') != NULL;
}

static bool
fz_address(void *ctx, const char *address, char *client)
{
    snprintf(client, CLASSIFY_ID_MAX, "C%zu", strlen(address) % 3);
    return strchr(address, 'a') != NULL;
}

static int
fz_token(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
         int max, char *client)
{
    snprintf(client, CLASSIFY_ID_MAX, "C1");
    int n = max < 2 ? max : 2;
    for (int i = 0; i < n; i++)
        snprintf(numbers[i], CLASSIFY_NUMBER_MAX, "F-2026-%04d", i);
    return n;
}

static const struct classify_lookup lookup = {NULL, fz_invoice, fz_address,
                                              fz_token};

static void
setup(void)
{
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *rules = xasprintf("%s/rules", src);
    static struct token_key key = {.key = "fuzz-key", .len = 8};
    struct classify_conf conf = {
        .rules_dir = rules, .key = &key, .domain = "ourco.fr",
        .reply_to = "relances@ourco.fr", .finance_address = "compta@ourco.fr",
        .from = "relances@ourco.fr",
    };
    char err[256];
    cl = classifier_load(&conf, err, sizeof err);
    free(rules);
    if (cl == NULL) {
        fprintf(stderr, "fuzz-classify: %s\n", err);
        abort();
    }
    session = classify_session_new(cl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (cl == NULL)
        setup();
    struct mail m;
    struct classify_verdict v;
    mail_init(&m);
    classify_verdict_init(&v);
    mail_read(&m, (const char *)data, size, 65536);
    const char *rcpts[] = {"relances@ourco.fr", "ap@client.example"};
    struct classify_envelope env = {.mail_from = size % 2 ? "" : "x@y.example",
                                    .rcpts = rcpts, .nrcpts = 2,
                                    .received = 1795000000};
    classify_headers_only(session, &m, &env, &lookup, &v);
    classify_message(session, &m, &env, &lookup, &v);
    classify_message(session, &m, NULL, NULL, &v);
    datephrase_find((const char *)data, size, 0, 20780, NULL);
    classify_verdict_free(&v);
    mail_free(&m);
    return 0;
}
