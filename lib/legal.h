/*
 * legal.h - the French late-payment rules: interest (pénalités de retard)
 * and the fixed recovery indemnity, computed from user-maintained rate
 * tables. Pure code except legal_rates_load, which reads the two files.
 *
 * Rules implemented (Code de commerce L441-10 and D441-5; Code de la
 * commande publique R2192-31 for public buyers):
 *   - Interest runs from the day after the due date up to and including
 *     the day of payment (or the day computed for), on the amount still
 *     due that day: a partial payment on day P lowers the base from P+1.
 *   - Interest = amount due x annual rate x days / 365, computed per
 *     period and rounded to the cent (half away from zero) per period.
 *     A period ends at each half-year boundary and at each payment.
 *   - Default rate: the ECB main refinancing rate in force on 1 January
 *     (for January-June) or on 1 July (for July-December), plus 10
 *     points.
 *   - A contract rate (CGV) replaces it, but never below 3 times the
 *     legal interest rate for professionals of that half-year; the floor
 *     applies per half-year.
 *   - Public-sector clients: ECB rate plus 8 points, the ECB rate being
 *     the one in force on the first day of the half-year in which
 *     interest started to run, kept for the whole delay.
 *   - Indemnity: 40 EUR once per invoice paid late (or still unpaid
 *     after its due date), not per reminder.
 * Amounts are for EUR invoices; callers leave other currencies without
 * legal amounts (the indemnity is fixed in euros).
 *
 * Rates are basis points (hundredths of a percent): 1215 = 12.15 %.
 */
#ifndef LEGAL_H
#define LEGAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEGAL_INDEMNITY_CENTS 4000 /* D441-5: 40 EUR */

/* One row of rules/ecb-rates.tsv: the rate in force from `from` on. */
struct legal_ecb {
    int from; /* day number */
    int bp;
};

/* One row of rules/legal-rates.tsv: the legal interest rate of the
 * half-year starting on `from` (1 January or 1 July). */
struct legal_half {
    int from;
    int pro_bp;     /* "tous les autres cas": creditor is a professional */
    int private_bp; /* creditor is an individual (kept for reference) */
};

struct legal_rates {
    struct legal_ecb *ecb;     /* sorted by from, ascending */
    size_t necb;
    struct legal_half *legal;  /* sorted by from, ascending */
    size_t nlegal;
};

/*
 * legal_parse_ecb / legal_parse_legal parse one table's text (file names
 * it in errors) into r, replacing what was there. Format: `#` comments,
 * one row per line, fields separated by tabs or spaces:
 *     ecb-rates.tsv:   YYYY-MM-DD  RATE            (e.g. 2025-06-11 2.15)
 *     legal-rates.tsv: YYYY-MM-DD  PRO  PRIVATE     (YYYY-01-01 or -07-01)
 * Rates in percent with '.' or ',' and at most 2 decimals. Dates must
 * increase. Returns 0, or -1 with "FILE:LINE: message" in err.
 */
int legal_parse_ecb(struct legal_rates *r, const char *file, const char *text,
                    char *err, size_t errlen);
int legal_parse_legal(struct legal_rates *r, const char *file,
                      const char *text, char *err, size_t errlen);

/* legal_rates_load reads RULES_DIR/ecb-rates.tsv and legal-rates.tsv. */
int legal_rates_load(struct legal_rates *r, const char *rules_dir, char *err,
                     size_t errlen);
void legal_rates_free(struct legal_rates *r);

/* legal_ecb_on: the ECB rate in force on day; -1 if the table starts
 * later. */
int legal_ecb_on(const struct legal_rates *r, int day);
/* legal_pro_rate: the professionals' legal rate of the half-year holding
 * day; -1 if the table has no row for it. */
int legal_pro_rate(const struct legal_rates *r, int day);

/* What the contract and the client say. */
struct legal_terms {
    bool public_sector;   /* public buyer: ECB + 8 points, fixed */
    int contract_rate_bp; /* 0 = none (ECB + 10 points) */
};

/* A payment received on an invoice. */
struct legal_payment {
    int day;
    int64_t cents;
};

/* One line of the calculation. */
struct legal_period {
    int from, to;        /* inclusive days */
    int days;
    int64_t base_cents;  /* amount due during the period */
    int rate_bp;
    int ecb_bp;          /* the ECB rate it derives from (-1 = contract) */
    int ecb_day;         /* the day that ECB rate was read for */
    bool floored;        /* contract rate raised to 3 x legal rate */
    int64_t interest_cents;
};

struct legal_result {
    int64_t interest_cents;  /* sum of the periods */
    int64_t indemnity_cents; /* 0 or LEGAL_INDEMNITY_CENTS */
    int days_late;           /* days between due date and `until` */
    int rate_bp;             /* rate of the last period, 0 if none */
    struct legal_period *periods;
    size_t nperiods;
};

/*
 * legal_compute: interest and indemnity for one invoice of amount_cents
 * (including tax) due on due_date, with the payments received (any order;
 * those after `until` are ignored), computed up to and including `until`
 * (today, or the day of the last payment for a paid invoice). res is
 * overwritten; free it with legal_result_free. Returns 0, or -1 with a
 * message in err when a rate is missing from the tables (naming the
 * date and file to update); res is then empty.
 */
int legal_compute(const struct legal_rates *r, const struct legal_terms *t,
                  int64_t amount_cents, int due_date,
                  const struct legal_payment *payments, size_t npayments,
                  int until, struct legal_result *res, char *err,
                  size_t errlen);
void legal_result_free(struct legal_result *res);

/*
 * legal_detail writes the calculation, one line per period, lines joined
 * with sep (e.g. "\n      "), in French or English (enum textfmt_lang):
 *   "12 345,67 € × 12,15 % × 12 j / 365 = 49,31 € (du 4 mars 2026 au
 *    15 mars 2026 ; taux BCE 2,15 % au 1er janvier 2026 + 10 points)"
 * Returns a new string the caller frees ("" when there is no period).
 */
char *legal_detail(const struct legal_result *res, int lang, const char *sep);

#endif
