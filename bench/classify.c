/*
 * classify.c - benchmark: the mail reader and the classifier on the
 * team's fixtures (tests/fixtures/mail), in a loop, with lookups answered
 * from memory: what the milter spends deciding once libmilter has handed
 * the message over. Target (issue 4): the whole milter path at 2,000
 * replies per second or more, so this part should stay well under
 * 100 microseconds per reply. Also times the headers-only first look
 * that lets the milter skip unrelated mail.
 *
 *   build/bench/classify [ITERATIONS] [RULESDIR] [FIXTURESDIR]
 *
 * Figures are printed; nothing is asserted (this is not a test).
 */
#include "classify.h"
#include "mailread.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool
mem_invoice(void *ctx, const char *number, char *client)
{
    strcpy(client, "C001");
    return strcmp(number, "F-2026-0042") == 0 || strcmp(number, "INV-1234") == 0;
}

static bool
mem_address(void *ctx, const char *address, char *client)
{
    strcpy(client, "C001");
    return strstr(address, "client") != NULL;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 2000;
    const char *rules = argc > 2 ? argv[2] : "rules";
    const char *dir = argc > 3 ? argv[3] : "tests/fixtures/mail";
    struct classify_conf conf = {.rules_dir = rules, .domain = "ourco.fr",
                                 .reply_to = "relances@ourco.fr"};
    char err[256];
    struct classifier *c = classifier_load(&conf, err, sizeof err);
    if (c == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    char *msgs[256];
    size_t lens[256];
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) && n < 256;) {
        if (e->d_name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        if ((msgs[n] = read_file(path, &lens[n])))
            n++;
        free(path);
    }
    if (d)
        closedir(d);
    if (n == 0) {
        fprintf(stderr, "no messages in %s\n", dir);
        return 1;
    }
    struct classify_lookup lk = {NULL, mem_invoice, mem_address, NULL};
    struct classify_session *s = classify_session_new(c);
    struct mail m;
    struct classify_verdict v;
    mail_init(&m);
    classify_verdict_init(&v);
    size_t bytes = 0;
    double t0 = now();
    for (long i = 0; i < iterations; i++)
        for (int k = 0; k < n; k++) {
            mail_reset(&m);
            mail_read(&m, msgs[k], lens[k], 262144);
            classify_message(s, &m, NULL, &lk, &v);
            bytes += lens[k];
        }
    double t1 = now();
    long total = iterations * n;
    printf("read+classify: %ld messages (%d fixtures), %.2f s, %.0f msg/s, "
           "%.1f us/msg, %.1f MB/s\n", total, n, t1 - t0,
           (double)total / (t1 - t0), 1e6 * (t1 - t0) / (double)total,
           (double)bytes / 1e6 / (t1 - t0));
    /* Headers only: the unrelated mail the milter skips. */
    mail_reset(&m);
    mail_add_header(&m, "From", "news@shop.example");
    mail_add_header(&m, "To", "paul@ourco.fr");
    mail_add_header(&m, "Subject", "Black Friday");
    mail_add_header(&m, "Message-ID", "<abc@shop.example>");
    mail_end_headers(&m);
    long skipped = 0;
    t0 = now();
    for (long i = 0; i < iterations * 50; i++)
        skipped += !classify_headers_only(s, &m, NULL, &lk, &v);
    t1 = now();
    printf("headers only: %ld decisions, %.0f /s, %.2f us each\n", skipped,
           (double)skipped / (t1 - t0), 1e6 * (t1 - t0) / (double)skipped);
    classify_verdict_free(&v);
    mail_free(&m);
    classify_session_free(s);
    classifier_free(c);
    for (int k = 0; k < n; k++)
        free(msgs[k]);
    return 0;
}
