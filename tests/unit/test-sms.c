/*
 * test-sms.c - lib/sms: phone numbers made E.164, SmsCommand's argument
 * vector and the email-to-SMS gateway address.
 */
#include "sms.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *in, *want; /* want NULL = refused */
} phone_cases[] = {
    {"french national, spaces", "06 12 34 56 78", "+33612345678"},
    {"french national, dots", "06.12.34.56.78", "+33612345678"},
    {"french national, dashes", "01-23-45-67-89", "+33123456789"},
    {"french national, packed", "0612345678", "+33612345678"},
    {"+33 with spaces", "+33 6 12 34 56 78", "+33612345678"},
    {"+33 packed", "+33612345678", "+33612345678"},
    {"+33 (0) trunk digit", "+33 (0)6 12 34 56 78", "+33612345678"},
    {"0033", "0033 6 12 34 56 78", "+33612345678"},
    {"0033 with trunk 0", "0033 06 12 34 56 78", "+33612345678"},
    {"belgian +32", "+32 470 12 34 56", "+32470123456"},
    {"belgian 0032", "0032 470 12 34 56", "+32470123456"},
    {"uk +44", "+44 7700 900123", "+447700900123"},
    {"tab and spaces around", "\t06 12 34 56 78 ", "+33612345678"},
    {"french too short", "06 12 34 56 7", NULL},
    {"french too long", "06 12 34 56 78 9", NULL},
    {"+33 too short", "+33 6 12 34 56", NULL},
    {"+33 then 00", "+33 00 12 34 56 78", NULL},
    {"national, not french", "612345678", NULL},
    {"starts 00 0", "000 612345678", NULL},
    {"letters", "06 12 AB 56 78", NULL},
    {"extension", "06 12 34 56 78 ext 2", NULL},
    {"plus in the middle", "06+12345678", NULL},
    {"international too short", "+49 1234", NULL},
    {"international too long", "+49 1234 5678 9012 34", NULL},
    {"empty", "", NULL},
    {"only separators", " - . ", NULL},
    {"null", NULL, NULL},
};

static const struct {
    const char *name, *cmd, *phone;
    const char *want[5];         /* NULL-terminated; want[0] NULL = none */
} argv_cases[] = {
    {"one word", "/usr/bin/send-sms", "+33612345678",
     {"/usr/bin/send-sms", "+33612345678", NULL}},
    {"options", "send-sms --account acme --to", "+32470123456",
     {"send-sms", "--account", "acme", "--to", "+32470123456"}},
    {"extra spaces", "  send  -q ", "+33612345678",
     {"send", "-q", "+33612345678", NULL}},
    {"empty", "", "+33612345678", {NULL}},
    {"blank", "   ", "+33612345678", {NULL}},
};

static const struct {
    const char *name, *pattern, *want;
} gw_cases[] = {
    {"suffix", "%s@sms.example.net", "+33612345678@sms.example.net"},
    {"prefix", "sms+%s@gw.test", "sms++33612345678@gw.test"},
    {"no %s", "sms@gw.test", NULL},
    {"two %s", "%s%s@gw.test", NULL},
    {"stray %", "%d%s@gw.test", NULL},
    {"empty", "", NULL},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof phone_cases / sizeof phone_cases[0]; i++) {
        T_CASE(phone_cases[i].name);
        char out[SMS_PHONE_MAX];
        int rc = sms_phone_normalise(phone_cases[i].in, out);
        T_INTEQ(rc, phone_cases[i].want ? 0 : -1);
        T_STREQ(out, phone_cases[i].want ? phone_cases[i].want : "");
    }
    for (size_t i = 0; i < sizeof argv_cases / sizeof argv_cases[0]; i++) {
        T_CASE(argv_cases[i].name);
        char **v = sms_argv(argv_cases[i].cmd, argv_cases[i].phone);
        T_INTEQ(v != NULL, argv_cases[i].want[0] != NULL);
        size_t k = 0;
        for (; v && v[k] && k < 5; k++)
            T_STREQ(v[k], argv_cases[i].want[k]);
        if (v)
            T_CHECK(k == 5 || argv_cases[i].want[k] == NULL,
                    "%zu arguments, more wanted", k);
        sms_argv_free(v);
    }
    for (size_t i = 0; i < sizeof gw_cases / sizeof gw_cases[0]; i++) {
        T_CASE(gw_cases[i].name);
        char *a = sms_gateway_address(gw_cases[i].pattern, "+33612345678");
        T_INTEQ(a != NULL, gw_cases[i].want != NULL);
        if (a && gw_cases[i].want)
            T_STREQ(a, gw_cases[i].want);
        free(a);
    }
    return t_done();
}
