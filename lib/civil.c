/*
 * civil.c - day-number dates and the program clock; see civil.h.
 *
 * The day-number conversions are Howard Hinnant's well-known algorithms
 * (public domain), written out from their description.
 */
#include "civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

int
civil_weekday(int days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int w = (days + 3) % 7;
    return w < 0 ? w + 7 : w;
}

int
civil_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

bool
civil_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= civil_days_in_month(y, m);
}

int
civil_parse_iso(const char *s, int *days)
{
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return -1;
    }
    if (s[10] != '\0')
        return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (!civil_valid(y, m, d))
        return -1;
    *days = civil_days(y, m, d);
    return 0;
}

int
civil_parse_date(const char *s, int *days)
{
    if (strchr(s, '/') == NULL)
        return civil_parse_iso(s, days);
    int part[3], i = 0;
    const char *p = s;
    for (i = 0; i < 3; i++) {
        int n = 0, v = 0;
        while (*p >= '0' && *p <= '9' && n < 5) {
            v = v * 10 + (*p++ - '0');
            n++;
        }
        if (n == 0 || (i < 2 && (n > 2 || *p++ != '/')) || (i == 2 && n != 4))
            return -1;
        part[i] = v;
    }
    if (*p != '\0' || !civil_valid(part[2], part[1], part[0]))
        return -1;
    *days = civil_days(part[2], part[1], part[0]);
    return 0;
}

void
civil_format_iso(int days, char *buf)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
        return;
    }
    /* Without snprintf: the importer formats two dates per invoice row. */
    const int v[3] = {y, m, d}, w[3] = {4, 2, 2};
    char *p = buf;
    for (int i = 0; i < 3; i++) {
        for (int k = w[i] - 1, n = v[i]; k >= 0; k--, n /= 10)
            p[k] = (char)('0' + n % 10);
        p += w[i];
        *p++ = i < 2 ? '-' : '\0';
    }
}

static bool clock_fixed;
static time_t clock_fixed_at;

int
clock_set_timezone(const char *tz)
{
    char path[512];
    if (tz == NULL || *tz == '\0' || strstr(tz, "..") != NULL)
        return -1;
    /* A name the tz database does not know silently means UTC in glibc;
     * refuse it instead so that a typo cannot move the send window. */
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    if (strcmp(tz, "UTC") != 0 && access(path, R_OK) != 0)
        return -1;
    setenv("TZ", tz, 1);
    tzset();
    return 0;
}

time_t
clock_from_local(int days, int minute)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

int
clock_set_now(const char *local)
{
    int days, h = 12, mi = 0;
    char date[11];
    size_t n = strlen(local);
    if (n != 10 && n != 16)
        return -1;
    memcpy(date, local, 10);
    date[10] = '\0';
    if (civil_parse_iso(date, &days) < 0)
        return -1;
    if (n == 16) {
        if (local[10] != ' ' && local[10] != 'T')
            return -1;
        if (sscanf(local + 11, "%2d:%2d", &h, &mi) != 2 || h < 0 || h > 23 ||
            mi < 0 || mi > 59 || local[13] != ':')
            return -1;
    }
    clock_fixed_at = clock_from_local(days, h * 60 + mi);
    clock_fixed = true;
    return 0;
}

time_t
clock_now(void)
{
    return clock_fixed ? clock_fixed_at : time(NULL);
}

int
clock_local_day(time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    return civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int
clock_local_minute(time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

void
clock_format_utc(time_t t, char *buf)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
clock_parse_utc(const char *s, time_t *t)
{
    int y, mo, d, h, mi, se;
    char z;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se,
               &z) != 7 ||
        z != 'Z' || !civil_valid(y, mo, d))
        return -1;
    *t = (time_t)civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}
