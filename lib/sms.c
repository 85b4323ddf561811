/*
 * sms.c - phone numbers, SmsCommand's argument vector and the gateway
 * address for the SMS channel; see sms.h. Pure functions, called by
 * worker/w_sms.c and worker/w_setup.c.
 */
#include "sms.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS_MAX 15

/* The digits of s, separators dropped; a leading '+' noted. Returns the
 * number of digits, or -1 on any other character or too many digits. */
static int
digits_of(const char *s, char d[DIGITS_MAX + 4], bool *plus)
{
    int n = 0;
    *plus = false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == ' ' || ch == '.' || ch == '-' || ch == '/' || ch == '(' ||
            ch == ')' || ch == '\t')
            continue;
        if (ch == '+' && n == 0 && !*plus) {
            *plus = true;
            continue;
        }
        if (!isdigit(ch) || n == DIGITS_MAX + 3)
            return -1;
        d[n++] = (char)ch;
    }
    d[n] = '\0';
    return n;
}

int
sms_phone_normalise(const char *in, char out[SMS_PHONE_MAX])
{
    char d[DIGITS_MAX + 4];
    bool plus;
    out[0] = '\0';
    int n = in ? digits_of(in, d, &plus) : -1;
    if (n <= 0)
        return -1;
    const char *intl;        /* country code onwards */
    if (plus)
        intl = d;
    else if (d[0] == '0' && d[1] == '0')
        intl = d + 2;
    else if (d[0] == '0' && n == 10 && d[1] != '0')
        return snprintf(out, SMS_PHONE_MAX, "+33%.9s", d + 1) > 0 ? 0 : -1;
    else
        return -1;
    size_t len = strlen(intl);
    if (intl[0] == '0' || len < 8 || len > DIGITS_MAX)
        return -1;
    if (strncmp(intl, "33", 2) == 0) {
        const char *national = intl + 2;
        if (national[0] == '0')          /* +33 (0)6 12 ... */
            national++;
        if (strlen(national) != 9 || national[0] == '0')
            return -1;
        snprintf(out, SMS_PHONE_MAX, "+33%.9s", national);
        return 0;
    }
    snprintf(out, SMS_PHONE_MAX, "+%.15s", intl);
    return 0;
}

char **
sms_argv(const char *command, const char *phone)
{
    size_t n = 0, cap = 4;
    char **v = xmalloc(cap * sizeof *v);
    for (const char *p = command ? command : ""; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, " \t");
        if (len == 0)
            break;
        if (n + 2 >= cap) {
            cap *= 2;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n++] = xstrndup(p, len);
        p += len;
    }
    if (n == 0) {
        free(v);
        return NULL;
    }
    v[n++] = xstrdup(phone);
    v[n] = NULL;
    return v;
}

void
sms_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

char *
sms_gateway_address(const char *pattern, const char *phone)
{
    const char *at = pattern ? strstr(pattern, "%s") : NULL;
    if (at == NULL || strchr(at + 2, '%') || memchr(pattern, '%',
                                                    (size_t)(at - pattern)))
        return NULL;
    return xasprintf("%.*s%s%s", (int)(at - pattern), pattern, phone, at + 2);
}
