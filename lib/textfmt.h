/*
 * textfmt.h - dates, counts and amounts written for people, in French or
 * English: "15 février 2026", "1er mars 2026", "15 February 2026",
 * "1 jour" / "12 jours". Amounts go through lib/money.h.
 *
 * Used by the template engine (tmpl.c) and by anything that prints dates
 * for the finance team (reports, dossiers). Pure code: no I/O, no locale
 * (the names are tables here, so the output never depends on setlocale).
 */
#ifndef TEXTFMT_H
#define TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

/* Languages of clients and templates (clients.language). */
enum textfmt_lang { LANG_FR = 0, LANG_EN = 1 };
#define LANG_COUNT 2

/* textfmt_lang_parse: "fr" -> LANG_FR, "en" -> LANG_EN (ASCII case
 * ignored); NULL or "" -> LANG_FR (the default language); -1 otherwise. */
int textfmt_lang_parse(const char *s);
/* textfmt_lang_code: "fr" or "en" (static text). */
const char *textfmt_lang_code(int lang);

/* textfmt_month: "février" / "February" for m in 1..12 (static UTF-8). */
const char *textfmt_month(int m, int lang);

/*
 * textfmt_date writes day (a civil.h day number) as "15 février 2026",
 * "1er mars 2026" (French ordinal for the first of the month) or
 * "15 February 2026" into buf (TEXTFMT_DATE_MAX bytes is always enough;
 * shorter buffers truncate). Returns buf.
 */
#define TEXTFMT_DATE_MAX 32
char *textfmt_date(int day, int lang, char *buf, size_t len);

/*
 * textfmt_days writes a count of days with its noun: "1 jour",
 * "12 jours", "0 jour" (French singular for 0 and 1; a no-break space
 * before the noun), "1 day", "12 days".
 * Returns buf (32 bytes is enough).
 */
char *textfmt_days(int n, int lang, char *buf, size_t len);

/*
 * textfmt_money: money_format_fr or money_format_en by language.
 * buf must hold at least 48 bytes. Returns buf.
 */
char *textfmt_money(int64_t cents, const char *currency, int lang, char *buf,
                    size_t len);

/*
 * textfmt_percent writes a rate given in hundredths of a percent (basis
 * points, 1215 = 12.15 %) as "12,15 %" (no-break space) or "12.15%".
 * Returns buf (32 bytes is enough).
 */
char *textfmt_percent(int bp, int lang, char *buf, size_t len);

#endif
