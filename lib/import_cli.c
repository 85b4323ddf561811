/*
 * import_cli.c - the client rows of an import (relancectl import clients);
 * see import.h for the rules and import.c for the driver. One thread: a
 * clients file is small beside an invoices file.
 */
#include "db.h"
#include "import_int.h"
#include "money.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

bool
import_email_valid(const char *a)
{
    const char *at = strchr(a, '@');
    size_t n = strlen(a);
    if (at == NULL || at == a || strchr(at + 1, '@') || n > 254 ||
        at[1] == '\0')
        return false;
    static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
    for (const char *p = a; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (p == a || p + 1 == at || p[1] == '.')
                return false;
        } else if (!(isalnum(c) && c < 0x80) && !strchr(atext, c)) {
            return false;
        }
    }
    size_t label = 0;
    for (const char *p = at + 1;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-')
                return false;
            if (c == '\0')
                return true;
            label = 0;
        } else if ((isalnum(c) && c < 0x80) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
}

/*
 * Splits a list of addresses (separated by ',', ';' or blanks), checks,
 * lowercases and de-duplicates them into out as "a b c". -1 on a bad one.
 */
static int
parse_emails(struct csvin *in, const struct csvin_row *row, int col,
             const char *list, struct sbuf *out)
{
    char *copy = xstrdup(list);
    int rc = 0, n = 0;
    for (char *save, *tok = strtok_r(copy, ",; ", &save); tok;
         tok = strtok_r(NULL, ",; ", &save)) {
        str_lower(tok);
        if (!import_email_valid(tok)) {
            csvin_error(in, row, col, "invalid e-mail address \"%s\"", tok);
            rc = -1;
            break;
        }
        /* De-duplicate: addresses are short, lists shorter. */
        char *pad = xasprintf(" %s ", tok);
        char *have = xasprintf(" %s ", sbuf_cstr(out));
        if (strstr(have, pad) == NULL) {
            if (out->len)
                sbuf_addc(out, ' ');
            sbuf_adds(out, tok);
            n++;
        }
        free(pad);
        free(have);
    }
    free(copy);
    if (rc == 0 && n == 0) {
        csvin_error(in, row, col, "no e-mail address");
        rc = -1;
    }
    return rc;
}

/* ---- clients ---- */

enum { C_ID, C_NAME, C_EMAIL, C_FIRST, C_LAST, C_LANG, C_SEGMENT, C_REVENUE,
       C_AM, C_AM_EMAIL, C_PHONE, C_PUBLIC, C_RATE, C_SCENARIO, C_NCOLS };

const struct csvin_col import_client_cols[C_NCOLS] = {
    {"client_id", true},      {"name", true},     {"email", true},
    {"first_name", false},    {"last_name", false}, {"language", false},
    {"segment", false},       {"annual_revenue", false},
    {"account_manager", false}, {"account_manager_email", false},
    {"phone", false},         {"public_sector", false},
    {"contract_rate", false}, {"scenario", false},
};

const int import_client_ncols = C_NCOLS;

/* The client fields in S_CLIENT_GET order, and their CSV columns. */
#define NCF 12
static const int cf_col[NCF] = {C_NAME, C_FIRST, C_LAST, C_LANG, C_SEGMENT,
                                C_REVENUE, C_AM, C_AM_EMAIL, C_PHONE,
                                C_PUBLIC, C_RATE, C_SCENARIO};
static const char *const cf_name[NCF] = {
    "name", "first_name", "last_name", "language", "segment",
    "annual_revenue", "account_manager", "account_manager_email", "phone",
    "public_sector", "contract_rate", "scenario"};

/* public_sector: "1", "0", or NULL (with the error reported). */
static const char *
parse_public(struct csvin *in, const struct csvin_row *row, const char *v)
{
    static const char *const yes[] = {"oui", "yes", "1", "true", "o", "y"};
    static const char *const no[] = {"non", "no", "0", "false", "n", ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (str_iequal(v, yes[i]))
            return "1";
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (str_iequal(v, no[i]))
            return "0";
    csvin_error(in, row, C_PUBLIC, "\"%s\" is not oui/non (yes/no, 1/0)", v);
    return NULL;
}

/* contract_rate: a percentage (decimal comma or point, at most two
 * decimals) into basis points as text in buf ("" when empty). */
static void
parse_rate(struct csvin *in, const struct csvin_row *row, const char *v,
           char *buf, size_t len)
{
    int64_t bp;
    const char *why = "must be above 0 and at most 100 %";
    char *copy = xstrdup(v), *t = str_trim(copy);
    size_t n = strlen(t);
    if (n && t[n - 1] == '%')
        t[n - 1] = '\0';
    str_trim(t);
    if (*t == '\0')
        buf[0] = '\0';
    else if (money_parse(t, &bp, &why) < 0 || bp <= 0 || bp > 10000)
        csvin_error(in, row, C_RATE, "\"%s\" is not a rate in percent: %s",
                    v, why);
    else
        snprintf(buf, len, "%lld", (long long)bp);
    free(copy);
}

static int
write_emails(struct imp *im, const char *id, const char *list,
             const char *old)
{
    char *copy = xstrdup(list);
    int pos = 0, rc = 0;
    for (char *save, *a = strtok_r(copy, " ", &save); a && rc == 0;
         a = strtok_r(NULL, " ", &save)) {
        sqlite3_stmt *st = imp_stmt(im, S_EMAIL_PUT);
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, a);
        sqlite3_bind_int(st, 3, ++pos);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    free(copy);
    char *gone = xstrdup(old ? old : "");
    char *pad = xasprintf(" %s ", list);
    for (char *save, *a = strtok_r(gone, " ", &save); a && rc == 0;
         a = strtok_r(NULL, " ", &save)) {
        char *key = xasprintf(" %s ", a);
        if (strstr(pad, key) == NULL) {
            sqlite3_stmt *st = imp_stmt(im, S_EMAIL_DEL);
            db_bind_text(st, 1, id);
            db_bind_text(st, 2, a);
            rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        }
        free(key);
    }
    free(gone);
    free(pad);
    return rc;
}

int
import_client_row(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct imp *im = arg;
    const char *const *v = row->val;
    int errs = csvin_nerrors(in);
    struct sbuf emails = {0};
    char *nv[NCF] = {0}, *ov[NCF] = {0}, *old_emails = NULL;
    int rc = 0;

    imp_seen(im, in, row, C_ID, "client_id", v[C_ID]);
    parse_emails(in, row, C_EMAIL, v[C_EMAIL], &emails);
    char lang[3] = "fr";
    if (v[C_LANG] && *v[C_LANG]) {
        if (!str_iequal(v[C_LANG], "fr") && !str_iequal(v[C_LANG], "en"))
            csvin_error(in, row, C_LANG, "\"%s\" is not fr or en", v[C_LANG]);
        else
            snprintf(lang, sizeof lang, "%c%c", tolower(v[C_LANG][0]),
                     tolower(v[C_LANG][1]));
    }
    char revenue[24] = "";
    if (v[C_REVENUE] && *v[C_REVENUE]) {
        int64_t c;
        const char *why;
        if (money_parse(v[C_REVENUE], &c, &why) < 0 || c < 0)
            csvin_error(in, row, C_REVENUE, "\"%s\": %s", v[C_REVENUE],
                        c < 0 ? "negative" : why);
        else
            snprintf(revenue, sizeof revenue, "%lld", (long long)c);
    }
    char *am_email = NULL;
    if (v[C_AM_EMAIL] && *v[C_AM_EMAIL]) {
        am_email = str_lower(xstrdup(v[C_AM_EMAIL]));
        if (!import_email_valid(am_email))
            csvin_error(in, row, C_AM_EMAIL, "invalid e-mail address \"%s\"",
                        v[C_AM_EMAIL]);
    }
    const char *pub = v[C_PUBLIC] ? parse_public(in, row, v[C_PUBLIC]) : NULL;
    char rate[24] = "";
    if (v[C_RATE])
        parse_rate(in, row, v[C_RATE], rate, sizeof rate);
    if (csvin_nerrors(in) > errs || errs > 0)
        goto out; /* bad row, or an earlier one: validate only */

    sqlite3_stmt *st = imp_stmt(im, S_CLIENT_GET);
    db_bind_text(st, 1, v[C_ID]);
    int step = sqlite3_step(st);
    bool exists = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = imp_db_error(im, in, row->line);
        goto out;
    }
    for (int i = 0; exists && i < NCF; i++)
        ov[i] = dup_or_null(imp_text(st, i));
    if (exists) {
        st = imp_stmt(im, S_EMAILS_GET);
        db_bind_text(st, 1, v[C_ID]);
        struct sbuf b = {0};
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (b.len)
                sbuf_addc(&b, ' ');
            sbuf_adds(&b, imp_text(st, 0));
        }
        old_emails = sbuf_steal(&b);
    }
    /* New values: the file's where it has the column, else the old. */
    for (int i = 0; i < NCF; i++) {
        const char *val = v[cf_col[i]];
        if (cf_col[i] == C_LANG)
            val = v[C_LANG] || !exists ? lang : NULL;
        else if (cf_col[i] == C_REVENUE)
            val = v[C_REVENUE] ? revenue : NULL;
        else if (cf_col[i] == C_AM_EMAIL)
            val = v[C_AM_EMAIL] ? (am_email ? am_email : "") : NULL;
        else if (cf_col[i] == C_PUBLIC) /* never NULL in the table */
            val = pub ? pub : exists ? NULL : "0";
        else if (cf_col[i] == C_RATE)
            val = v[C_RATE] ? rate : NULL;
        nv[i] = val ? (*val ? xstrdup(val) : NULL) : dup_or_null(ov[i]);
    }
    struct sbuf changed = {0};
    for (int i = 0; exists && i < NCF; i++)
        if (!imp_same(ov[i], nv[i]))
            imp_changed_add(&changed, cf_name[i]);
    if (exists && !imp_same(old_emails, emails.s))
        imp_changed_add(&changed, "email");
    if (exists && changed.len == 0) {
        im->st->unchanged++;
        goto out;
    }
    st = imp_stmt(im, exists ? S_CLIENT_UPD : S_CLIENT_INS);
    db_bind_text(st, 1, v[C_ID]);
    for (int i = 0; i < NCF; i++) {
        if ((cf_col[i] == C_REVENUE || cf_col[i] == C_RATE ||
             cf_col[i] == C_PUBLIC) && nv[i])
            sqlite3_bind_int64(st, 2 + i, strtoll(nv[i], NULL, 10));
        else
            db_bind_text(st, 2 + i, nv[i]);
    }
    if (!exists)
        db_bind_text(st, 2 + NCF, im->at);
    if (changed.len)
        sbuf_addc(&changed, ']');
    if (sqlite3_step(st) != SQLITE_DONE ||
        write_emails(im, v[C_ID], emails.s, old_emails) < 0 ||
        imp_row_event(im, exists ? "updated" : "imported", NULL, v[C_ID],
                  row->line, exists ? changed.s : NULL) < 0)
        rc = imp_db_error(im, in, row->line);
    else if (exists)
        im->st->updated++;
    else
        im->st->created++;
    sbuf_free(&changed);
out:
    for (int i = 0; i < NCF; i++) {
        free(nv[i]);
        free(ov[i]);
    }
    free(old_emails);
    free(am_email);
    sbuf_free(&emails);
    return rc;
}

