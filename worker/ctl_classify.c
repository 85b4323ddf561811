/*
 * ctl_classify.c - `relancectl classify [--json] [--rules DIR] FILE...`:
 * the milter's decision on message files, without an MTA (the
 * `opendkim -t` idea). The administrator's answer to "why did this mail
 * pause invoice F-2026-0042?".
 *
 * Runs exactly classify_message() of lib/classify.c, with the database
 * lookups of lib/lookup.c when the configuration and the database can be
 * opened. Without them it still classifies (lookups find nothing, tokens
 * cannot be verified) and says so on stderr: a message file can be
 * studied on any machine.
 *
 * Output: for people, French first; with --json one object per file and
 * per line (DESIGN.md section 6: kind, intent, invoices, client_id,
 * evidence, failed_recipients, until, new_text, plus file, review,
 * token).
 */
#include "classify.h"
#include "ctl.h"
#include "db.h"
#include "invoice.h"
#include "log.h"
#include "lookup.h"
#include "mailread.h"
#include "token.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "classify [--json] [--rules DIR] FILE...";

struct run {
    struct classifier *cl;
    struct classify_session *s;
    struct classify_lookup lk;
    struct lookup_db ldb;
    sqlite3 *db;
    size_t max_bytes;
    bool json;
};

static void
json_list(struct sbuf *b, const char *key, char (*v)[CLASSIFY_NUMBER_MAX],
          int n)
{
    sbuf_addf(b, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_addc(b, ',');
        invoice_json_string(b, v[i]);
    }
    sbuf_addc(b, ']');
}

static void
print_json(const char *file, const struct classify_verdict *v)
{
    struct sbuf b = {0};
    sbuf_adds(&b, "{\"file\":");
    invoice_json_string(&b, file);
    sbuf_adds(&b, ",\"kind\":");
    invoice_json_string(&b, classify_kind_name(v->kind));
    sbuf_adds(&b, ",\"intent\":");
    invoice_json_string(&b, classify_intent_name(v->intent));
    json_list(&b, "invoices", (char (*)[CLASSIFY_NUMBER_MAX])v->invoices,
              v->ninvoices);
    sbuf_adds(&b, ",\"client_id\":");
    invoice_json_string(&b, *v->client_id ? v->client_id : NULL);
    json_list(&b, "review", (char (*)[CLASSIFY_NUMBER_MAX])v->review,
              v->nreview);
    sbuf_adds(&b, ",\"failed_recipients\":[");
    for (int i = 0; i < v->nfailed; i++) {
        if (i)
            sbuf_addc(&b, ',');
        invoice_json_string(&b, v->failed_recipients[i]);
    }
    sbuf_adds(&b, "],\"until\":");
    invoice_json_string(&b, *v->until ? v->until : NULL);
    sbuf_adds(&b, ",\"token\":");
    invoice_json_string(&b, *v->token ? v->token : NULL);
    sbuf_adds(&b, ",\"evidence\":[");
    const char *p = sbuf_cstr(&v->evidence);
    for (bool first = true; *p; first = false) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);
        if (!first)
            sbuf_addc(&b, ',');
        invoice_json_string(&b, line);
        free(line);
        p += n + (nl != NULL);
    }
    sbuf_adds(&b, "],\"new_text\":");
    invoice_json_string(&b, sbuf_cstr(&v->new_text));
    sbuf_adds(&b, "}\n");
    fputs(sbuf_cstr(&b), stdout);
    sbuf_free(&b);
}

/* A label padded to one column, counting characters, not bytes. */
static void
label(const char *text)
{
    int chars = 0;
    for (const char *p = text; *p; p++)
        chars += ((unsigned char)*p & 0xc0) != 0x80;
    printf("  %s%*s", text, chars < 34 ? 34 - chars : 1, "");
}

static void
print_list(const char *text, char (*v)[CLASSIFY_NUMBER_MAX], int n)
{
    label(text);
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", v[i]);
    printf("%s\n", n ? "" : "-");
}

/* Each line of text, after prefix. */
static void
print_lines(const char *prefix, const char *p)
{
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("%s%.*s\n", prefix, (int)n, p);
        p += n + (nl != NULL);
    }
}

static void
print_human(const char *file, const struct classify_verdict *v)
{
    const char *intent = classify_intent_name(v->intent);
    printf("%s\n", file);
    label("type / kind:");
    printf("%s\n", classify_kind_name(v->kind));
    label("intention / intent:");
    printf("%s\n", intent ? intent : "-");
    print_list("factures / invoices:", (char (*)[CLASSIFY_NUMBER_MAX])v->invoices,
               v->ninvoices);
    label("client:");
    printf("%s\n", *v->client_id ? v->client_id : "-");
    label("jusqu'au / until:");
    printf("%s\n", *v->until ? v->until : "-");
    if (v->nreview)
        print_list("à vérifier / for review:",
                   (char (*)[CLASSIFY_NUMBER_MAX])v->review, v->nreview);
    if (v->nfailed) {
        label("adresses en échec / failed:");
        for (int i = 0; i < v->nfailed; i++)
            printf("%s%s", i ? ", " : "", v->failed_recipients[i]);
        printf("\n");
    }
    if (*v->token) {
        label("jeton / token:");
        printf("%s\n", v->token);
    }
    printf("  preuves / evidence:\n");
    print_lines("    - ", sbuf_cstr(&v->evidence));
    printf("  nouveau texte / new text:\n");
    if (v->new_text.len == 0)
        printf("    (vide / empty)\n");
    print_lines("    | ", sbuf_cstr(&v->new_text));
    printf("\n");
}

static int
classify_file(struct run *r, const char *file, struct mail *m,
              struct classify_verdict *v)
{
    size_t len;
    char *data = read_file(file, &len);
    if (data == NULL) {
        msg_error("%s: %s", file, strerror(errno));
        return -1;
    }
    mail_reset(m);
    mail_read(m, data, len, r->max_bytes);
    free(data);
    classify_message(r->s, m, NULL, &r->lk, v);
    if (r->json)
        print_json(file, v);
    else
        print_human(file, v);
    return 0;
}

/* Config, secret and database when they can be had; never fatal. */
static int
setup(struct ctl *ctl, struct run *r, const char *rules)
{
    char err[1024];
    struct cfg *cfg = &ctl->cfg;
    if (!ctl->cfg_loaded) {
        if (cfg_load(cfg, ctl->cfg_path, err, sizeof err) == 0) {
            ctl->cfg_loaded = true;
        } else {
            cfg_free(cfg);
            cfg_defaults(cfg);
            ctl->cfg_loaded = true;
            msg_warn("%s; classifying without configuration or database", err);
        }
    }
    struct token_key key;
    bool have_key = cfg->secret_file && token_load_key(&key, cfg->secret_file,
                                                       err, sizeof err) == 0;
    if (!have_key && cfg->secret_file)
        msg_warn("%s; tokens cannot be verified", err);
    struct classify_conf cc = {
        .rules_dir = rules ? rules : cfg->rules_dir,
        .key = have_key ? &key : NULL,
        .domain = cfg->domain,
        .reply_to = cfg->reply_to,
        .finance_address = cfg->finance_address,
        .from = cfg->from,
        .internal_domains = cfg->internal_domains,
    };
    r->cl = classifier_load(&cc, err, sizeof err);
    if (r->cl == NULL) {
        msg_error("%s", err);
        return EXIT_RUNTIME;
    }
    r->s = classify_session_new(r->cl);
    r->max_bytes = cfg->max_body_bytes > 0 ? (size_t)cfg->max_body_bytes : 0;
    if (cfg->database && *cfg->database) {
        r->db = db_open(cfg->database, DB_READONLY, 5000, err, sizeof err);
        if (r->db == NULL)
            msg_warn("%s; invoices and clients will not be looked up", err);
    }
    if (lookup_db_init(&r->ldb, r->db, &r->lk, err, sizeof err) < 0)
        msg_warn("database lookups: %s", err);
    return 0;
}

int
ctl_classify(struct ctl *ctl, int argc, char **argv)
{
    struct run r = {0};
    const char *rules = NULL;
    int i = 1;
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] %s\n\n"
               "Classe des messages comme le milter, sans MTA, et montre "
               "pourquoi.\n"
               "Classifies message files as the milter does, without an MTA, "
               "and shows why.\n\n"
               "  --json        one JSON object per file and per line\n"
               "  --rules DIR   rules folder (default: RulesDir of the "
               "configuration)\n",
               usage_text);
        return 0;
    }
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--json") == 0)
            r.json = true;
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules = argv[++i];
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else
            return ctl_usage(usage_text);
    }
    if (i >= argc)
        return ctl_usage(usage_text);
    int rc = setup(ctl, &r, rules);
    if (rc == 0) {
        struct mail m;
        struct classify_verdict v;
        mail_init(&m);
        classify_verdict_init(&v);
        for (; i < argc; i++)
            if (classify_file(&r, argv[i], &m, &v) < 0)
                rc = EXIT_RUNTIME;
        classify_verdict_free(&v);
        mail_free(&m);
    }
    lookup_db_free(&r.ldb);
    if (r.db)
        db_close(r.db);
    classify_session_free(r.s);
    classifier_free(r.cl);
    return rc;
}
