/*
 * fuzz-rules.c - libFuzzer target for the RulesDir parsers that read
 * text a user edits: scenarios (scenario_parse + scenario_check),
 * templates (tmpl_add, then a render of what compiled) and the rate
 * tables (legal_parse_ecb / legal_parse_legal). The first input byte
 * picks the parser. Any crash, leak or sanitizer report is a bug.
 */
#include "legal.h"
#include "scenario.h"
#include "textfmt.h"
#include "tmpl.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = xstrndup((const char *)data + 1, size - 1);
    char err[512];
    switch (data[0] % 4) {
    case 0: {
        struct scenario_set set = {0};
        if (scenario_parse(&set, "f.scn", text, err, sizeof err) == 0 &&
            scenario_check(&set, err, sizeof err) == 0) {
            struct scenario_profile p = {"x", 100, -1, 2, 10, 3, 50, NULL};
            (void)scenario_choose(&set, &p);
        }
        scenario_set_free(&set);
        break;
    }
    case 1: {
        struct tmpl_set *s = tmpl_set_new();
        struct tmpl_invoice inv[2] = {
            {"F-1", 20000, 20030, 12345, 2345, "EUR", "https://p", 10, 4000,
             "d", true},
            {"F-2", 20001, 20031, 500, 500, "USD", NULL, -1, -1, NULL, false},
        };
        struct tmpl_ctx x = {.lang = LANG_FR, .today = 20040,
                             .invoices = inv, .ninvoices = 2,
                             .redirect_to = "a@b"};
        if (tmpl_add(s, LANG_FR, "m", "m.txt", text, err, sizeof err) == 0) {
            char *subj = NULL, *body = NULL;
            if (tmpl_render(s, "m", &x, &subj, &body, err, sizeof err) == 0) {
                free(subj);
                free(body);
            }
        }
        tmpl_set_free(s);
        break;
    }
    default: {
        struct legal_rates r = {0};
        if (data[0] % 4 == 2)
            (void)legal_parse_ecb(&r, "e.tsv", text, err, sizeof err);
        else
            (void)legal_parse_legal(&r, "l.tsv", text, err, sizeof err);
        legal_rates_free(&r);
        break;
    }
    }
    free(text);
    return 0;
}
