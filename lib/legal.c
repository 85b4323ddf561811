/*
 * legal.c - late-payment interest and the recovery indemnity; see legal.h
 * for the rules. The worker calls legal_compute for the invoices of a
 * step flagged `legal` (the formal notice), and the dossier prints
 * legal_detail. The rate tables are read once at start-up.
 */
#include "legal.h"
#include "civil.h"
#include "rulesio.h"
#include "textfmt.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parse_rate: "4.50", "4,5", "10" -> basis points; -1 if bad. */
static int
parse_rate(const char *s)
{
    int whole = 0, frac = 0, nd = 0, ni = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++, ni++)
        if (ni > 3 || (whole = whole * 10 + (*p - '0')) > 100)
            return -1;
    if (ni == 0)
        return -1;
    if (*p == '.' || *p == ',') {
        for (p++; *p >= '0' && *p <= '9'; p++, nd++)
            if (nd >= 2)
                return -1;
            else
                frac = frac * 10 + (*p - '0');
        if (nd == 0)
            return -1;
    }
    if (*p == '%')
        p++;
    if (*p != '\0')
        return -1;
    return whole * 100 + (nd == 1 ? frac * 10 : frac);
}

/*
 * parse_table reads rows of `date rate...` (ncols rates); calls add for
 * each row. The callers below keep the two tables' specifics.
 */
static int
parse_table(const char *file, const char *text, int ncols, bool half_starts,
            void (*add)(struct legal_rates *, int, const int *),
            struct legal_rates *r, char *err, size_t errlen)
{
    int line = 0, prev = 0;
    bool first = true;
    int rc = 0;
    while (*text && rc == 0) {
        size_t n = strcspn(text, "\n");
        char *l = xstrndup(text, n);
        text += n + (text[n] == '\n');
        line++;
        char *t = str_trim(l);
        if (*t == '\0' || *t == '#') {
            free(l);
            continue;
        }
        char *f[4];
        int nf = 0;
        for (char *w = strtok(t, " \t"); w; w = strtok(NULL, " \t")) {
            if (nf < 4)
                f[nf] = w;
            nf++;
        }
        int day, rates[2];
#define ROW_ERROR(...) rulesio_error(err, errlen, file, line, __VA_ARGS__)
        if (nf != ncols + 1)
            rc = ROW_ERROR("expected a date and %d rate%s, found %d field%s",
                           ncols, ncols > 1 ? "s" : "", nf, nf > 1 ? "s" : "");
        else if (civil_parse_iso(f[0], &day) < 0)
            rc = ROW_ERROR("\"%s\" is not a date (YYYY-MM-DD)", f[0]);
        else if (!first && day <= prev)
            rc = ROW_ERROR("dates must increase (%s is not after the row "
                           "above)", f[0]);
        else if (half_starts && (strcmp(f[0] + 4, "-01-01") != 0 &&
                                 strcmp(f[0] + 4, "-07-01") != 0))
            rc = ROW_ERROR("%s: a half-year starts on 1 January or 1 July",
                           f[0]);
        for (int i = 0; rc == 0 && i < ncols; i++)
            if ((rates[i] = parse_rate(f[i + 1])) < 0)
                rc = ROW_ERROR("\"%s\" is not a rate in percent (e.g. 4.50)",
                               f[i + 1]);
#undef ROW_ERROR
        if (rc == 0) {
            add(r, day, rates);
            prev = day;
            first = false;
        }
        free(l);
    }
    return rc;
}

static void
add_ecb(struct legal_rates *r, int day, const int *rates)
{
    r->ecb = xrealloc(r->ecb, (r->necb + 1) * sizeof *r->ecb);
    r->ecb[r->necb++] = (struct legal_ecb){day, rates[0]};
}

static void
add_legal(struct legal_rates *r, int day, const int *rates)
{
    r->legal = xrealloc(r->legal, (r->nlegal + 1) * sizeof *r->legal);
    r->legal[r->nlegal++] = (struct legal_half){day, rates[0], rates[1]};
}

int
legal_parse_ecb(struct legal_rates *r, const char *file, const char *text,
                char *err, size_t errlen)
{
    free(r->ecb);
    r->ecb = NULL;
    r->necb = 0;
    return parse_table(file, text, 1, false, add_ecb, r, err, errlen);
}

int
legal_parse_legal(struct legal_rates *r, const char *file, const char *text,
                  char *err, size_t errlen)
{
    free(r->legal);
    r->legal = NULL;
    r->nlegal = 0;
    return parse_table(file, text, 2, true, add_legal, r, err, errlen);
}

int
legal_rates_load(struct legal_rates *r, const char *rules_dir, char *err,
                 size_t errlen)
{
    static const char *const names[] = {"ecb-rates.tsv", "legal-rates.tsv"};
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 2; i++) {
        char *path = xasprintf("%s/%s", rules_dir, names[i]);
        char *text = read_file(path, NULL);
        int rc;
        if (text == NULL) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = -1;
        } else {
            rc = i == 0 ? legal_parse_ecb(r, path, text, err, errlen)
                        : legal_parse_legal(r, path, text, err, errlen);
        }
        free(text);
        free(path);
        if (rc < 0) {
            legal_rates_free(r);
            return -1;
        }
    }
    return 0;
}

void
legal_rates_free(struct legal_rates *r)
{
    free(r->ecb);
    free(r->legal);
    memset(r, 0, sizeof *r);
}

int
legal_ecb_on(const struct legal_rates *r, int day)
{
    int bp = -1;
    for (size_t i = 0; i < r->necb && r->ecb[i].from <= day; i++)
        bp = r->ecb[i].bp;
    return bp;
}

/* half_start: 1 January or 1 July of the half-year holding day. */
static int
half_start(int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return civil_days(y, m <= 6 ? 1 : 7, 1);
}

int
legal_pro_rate(const struct legal_rates *r, int day)
{
    int h = half_start(day);
    for (size_t i = 0; i < r->nlegal; i++)
        if (r->legal[i].from == h)
            return r->legal[i].pro_bp;
    return -1;
}

/* rate_for fills the rate fields of period p starting on day. */
static int
rate_for(const struct legal_rates *r, const struct legal_terms *t,
         int due_date, int day, struct legal_period *p, char *err,
         size_t errlen)
{
    char date[TEXTFMT_DATE_MAX];
    p->floored = false;
    p->ecb_bp = -1;
    p->ecb_day = 0;
    if (t->contract_rate_bp > 0 && !t->public_sector) {
        int legal = legal_pro_rate(r, day);
        if (legal < 0) {
            snprintf(err, errlen, "legal-rates.tsv has no legal interest "
                     "rate for the half-year starting %s: add it",
                     textfmt_date(half_start(day), LANG_EN, date, sizeof date));
            return -1;
        }
        p->rate_bp = t->contract_rate_bp;
        if (p->rate_bp < 3 * legal) {
            p->rate_bp = 3 * legal;
            p->floored = true;
        }
        return 0;
    }
    /* Public buyers keep the rate of the half-year interest started in. */
    p->ecb_day = half_start(t->public_sector ? due_date + 1 : day);
    p->ecb_bp = legal_ecb_on(r, p->ecb_day);
    if (p->ecb_bp < 0) {
        snprintf(err, errlen, "ecb-rates.tsv has no ECB rate in force on %s: "
                 "add it",
                 textfmt_date(p->ecb_day, LANG_EN, date, sizeof date));
        return -1;
    }
    p->rate_bp = p->ecb_bp + (t->public_sector ? 800 : 1000);
    return 0;
}

static int64_t
interest(int64_t base, int rate_bp, int days)
{
    /* base x rate/10000 x days/365, rounded half away from zero. */
    __int128 num = (__int128)base * rate_bp * days;
    __int128 den = (__int128)10000 * 365;
    return (int64_t)((num + den / 2) / den);
}

int
legal_compute(const struct legal_rates *r, const struct legal_terms *t,
              int64_t amount_cents, int due_date,
              const struct legal_payment *payments, size_t npayments,
              int until, struct legal_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    int day = due_date + 1;
    while (day <= until) {
        int64_t base = amount_cents;
        int next = until + 1;
        for (size_t i = 0; i < npayments; i++) {
            if (payments[i].day < day)
                base -= payments[i].cents;
            else if (payments[i].day + 1 < next)
                next = payments[i].day + 1; /* base falls the day after */
        }
        if (base <= 0)
            break;
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        int half_end = m <= 6 ? civil_days(y, 7, 1) : civil_days(y + 1, 1, 1);
        if (half_end < next)
            next = half_end;
        struct legal_period p = {.from = day, .to = next - 1,
                                 .days = next - day, .base_cents = base};
        if (rate_for(r, t, due_date, day, &p, err, errlen) < 0) {
            legal_result_free(res);
            return -1;
        }
        p.interest_cents = interest(base, p.rate_bp, p.days);
        res->periods = xrealloc(res->periods,
                                (res->nperiods + 1) * sizeof *res->periods);
        res->periods[res->nperiods++] = p;
        res->interest_cents += p.interest_cents;
        res->rate_bp = p.rate_bp;
        res->days_late = p.to - due_date;
        day = next;
    }
    if (res->nperiods)
        res->indemnity_cents = LEGAL_INDEMNITY_CENTS;
    return 0;
}

void
legal_result_free(struct legal_result *res)
{
    free(res->periods);
    memset(res, 0, sizeof *res);
}

char *
legal_detail(const struct legal_result *res, int lang, const char *sep)
{
    struct sbuf b = {0};
    bool fr = lang != LANG_EN;
    for (size_t i = 0; i < res->nperiods; i++) {
        const struct legal_period *p = &res->periods[i];
        char base[64], amt[64], rate[32], ecb[32], from[TEXTFMT_DATE_MAX],
            to[TEXTFMT_DATE_MAX], eday[TEXTFMT_DATE_MAX];
        textfmt_money(p->base_cents, "EUR", lang, base, sizeof base);
        textfmt_money(p->interest_cents, "EUR", lang, amt, sizeof amt);
        textfmt_percent(p->rate_bp, lang, rate, sizeof rate);
        textfmt_date(p->from, lang, from, sizeof from);
        textfmt_date(p->to, lang, to, sizeof to);
        if (i)
            sbuf_adds(&b, sep);
        sbuf_addf(&b, fr ? "%s × %s × %d j / 365 = %s (du %s au %s ; "
                         : "%s × %s × %d days / 365 = %s (%s to %s; ",
                  base, rate, p->days, amt, from, to);
        if (p->ecb_bp >= 0) {
            textfmt_percent(p->ecb_bp, lang, ecb, sizeof ecb);
            textfmt_date(p->ecb_day, lang, eday, sizeof eday);
            int pts = (p->rate_bp - p->ecb_bp) / 100;
            sbuf_addf(&b, fr ? "taux BCE %s au %s + %d points)"
                             : "ECB rate %s on %s + %d points)",
                      ecb, eday, pts);
        } else if (p->floored) {
            sbuf_adds(&b, fr ? "taux contractuel porté à 3 fois le taux "
                               "d'intérêt légal)"
                             : "contract rate raised to 3 times the legal "
                               "interest rate)");
        } else {
            sbuf_adds(&b, fr ? "taux contractuel)" : "contract rate)");
        }
    }
    if (b.s == NULL)
        return xstrdup("");
    return sbuf_steal(&b);
}
