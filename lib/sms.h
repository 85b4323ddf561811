/*
 * sms.h - the pure parts of the SMS channel (issue 5): a client's phone
 * number made E.164, the argument vector of SmsCommand, the address of
 * an email-to-SMS gateway. No I/O; the worker (worker/w_sms.c) runs the
 * command and records the outcome.
 */
#ifndef SMS_H
#define SMS_H

#include <stddef.h>

/* E.164: '+', at most 15 digits, a terminating NUL. */
#define SMS_PHONE_MAX 17

/*
 * sms_phone_normalise writes in's E.164 form into out. Spaces, dots,
 * dashes, slashes and parentheses are ignored. French numbers may be
 * written nationally (06 12 34 56 78), with +33 (+33 6..., +33 (0)6...)
 * or 0033; they must have 9 digits after the country code, the first
 * not 0. Other numbers must start with + or 00 and a country code and
 * have 8 to 15 digits. Returns 0, or -1 (out = "") for anything else:
 * NULL, empty, letters, a national number without country code that is
 * not French, too short or too long.
 */
int sms_phone_normalise(const char *in, char out[SMS_PHONE_MAX]);

/*
 * sms_argv splits command on spaces (no quoting, no shell) and appends
 * phone as the last argument. Returns a new NULL-terminated vector
 * (free with sms_argv_free), or NULL when command has no word.
 */
char **sms_argv(const char *command, const char *phone);
void sms_argv_free(char **argv);

/*
 * sms_gateway_address replaces the one "%s" of pattern by phone. Returns
 * a new string, or NULL when pattern does not hold exactly one "%s" or
 * holds another '%' (a mistake in the configuration).
 */
char *sms_gateway_address(const char *pattern, const char *phone);

#endif
