/*
 * textfmt.c - dates, day counts, rates and amounts for people, French or
 * English; see textfmt.h. Month names are tables, not the C locale, so
 * the worker writes the same letters whatever LANG it was started with.
 */
#include "textfmt.h"
#include "civil.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define NBSP "\xC2\xA0"

static const char *const months_fr[12] = {
    "janvier", "février", "mars",      "avril",   "mai",      "juin",
    "juillet", "août",    "septembre", "octobre", "novembre", "décembre",
};

static const char *const months_en[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

int
textfmt_lang_parse(const char *s)
{
    if (s == NULL || *s == '\0' || str_iequal(s, "fr"))
        return LANG_FR;
    if (str_iequal(s, "en"))
        return LANG_EN;
    return -1;
}

const char *
textfmt_lang_code(int lang)
{
    return lang == LANG_EN ? "en" : "fr";
}

const char *
textfmt_month(int m, int lang)
{
    if (m < 1 || m > 12)
        return "?";
    return lang == LANG_EN ? months_en[m - 1] : months_fr[m - 1];
}

char *
textfmt_date(int day, int lang, char *buf, size_t len)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (lang == LANG_EN)
        snprintf(buf, len, "%d %s %d", d, months_en[m - 1], y);
    else if (d == 1)
        snprintf(buf, len, "1er %s %d", months_fr[m - 1], y);
    else
        snprintf(buf, len, "%d %s %d", d, months_fr[m - 1], y);
    return buf;
}

char *
textfmt_days(int n, int lang, char *buf, size_t len)
{
    /* French treats 0 and 1 as singular; English only 1 (and -1). */
    if (lang == LANG_EN)
        snprintf(buf, len, "%d %s", n, n == 1 || n == -1 ? "day" : "days");
    else
        snprintf(buf, len, "%d" NBSP "%s", n,
                 n >= -1 && n <= 1 ? "jour" : "jours");
    return buf;
}

char *
textfmt_money(int64_t cents, const char *currency, int lang, char *buf,
              size_t len)
{
    if (lang == LANG_EN)
        return money_format_en(cents, currency, buf, len);
    return money_format_fr(cents, currency, buf, len);
}

char *
textfmt_percent(int bp, int lang, char *buf, size_t len)
{
    const char *sign = bp < 0 ? "-" : "";
    unsigned u = bp < 0 ? (unsigned)-(long)bp : (unsigned)bp;
    if (lang == LANG_EN)
        snprintf(buf, len, "%s%u.%02u%%", sign, u / 100, u % 100);
    else
        snprintf(buf, len, "%s%u,%02u" NBSP "%%", sign, u / 100, u % 100);
    return buf;
}
