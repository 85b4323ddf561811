/*
 * money.h - amounts as integer cents: parsing what accounting exports
 * write, and formatting for people.
 */
#ifndef MONEY_H
#define MONEY_H

#include <stddef.h>
#include <stdint.h>

/*
 * money_parse reads an amount into cents. Accepts a decimal point or a
 * decimal comma, at most 2 decimals, an optional leading '-', thousands
 * separated by a space, a no-break space (U+00A0) or a narrow no-break
 * space (U+202F) in groups of three, and an optional trailing currency
 * symbol "€"/"EUR" (with or without a space). Refuses anything else
 * ("12,3,4", "1.234,56" style ambiguity is refused unless unambiguous).
 * Returns 0, or -1 with a short reason in *why (static text).
 */
int money_parse(const char *s, int64_t *cents, const char **why);

/*
 * money_format_fr writes French style: "12 345,67 €" with a no-break
 * space (U+00A0) between thousands groups and before the currency symbol;
 * currencies other than EUR are written as their code ("1 000,00 USD").
 * money_format_en: "€12,345.67" / "USD 1,000.00".
 * Returns buf (the caller gives at least 48 bytes).
 */
char *money_format_fr(int64_t cents, const char *currency, char *buf,
                      size_t len);
char *money_format_en(int64_t cents, const char *currency, char *buf,
                      size_t len);

#endif
