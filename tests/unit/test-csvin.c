/*
 * test-csvin.c - the CSV reader: separators, BOM, CRLF, quoting, line
 * numbers of multi-line records, header mapping and every refusal.
 */
#include "csvin.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>

static const struct csvin_col cols[] = {
    {"a", true}, {"b", true}, {"c", false},
};

static const struct {
    const char *name;
    const char *text;
    const char *rows; /* "LINE:a|b|c;" per row, c "-" when absent */
    const char *err;  /* substring of the errors, NULL = none */
    const char *warn; /* substring of the warnings, NULL = none */
} cases[] = {
    {"semicolon", "a;b;c\n1;2;3\n", "2:1|2|3;", NULL, NULL},
    {"comma", "a,b\n1,2\n", "2:1|2|-;", NULL, NULL},
    {"BOM and CRLF", "\xEF\xBB\xBF" "A ; B\r\nx;y\r\n", "2:x|y|-;", NULL, NULL},
    {"quoted separator", "a;b\n\"1;2\";\"say \"\"hi\"\"\"\n",
     "2:1;2|say \"hi\"|-;", NULL, NULL},
    {"commas inside quotes do not count", "a;b;\"x,y,z\";c\n1;2;9;3\n",
     "2:1|2|3;", NULL, "\"x,y,z\" is not used"},
    {"multi-line field, next line number", "a;b;x\n1;2;\"l1\r\nl2\nl3\"\n5;6;\n",
     "2:1|2|-;5:5|6|-;", NULL, "\"x\" is not used"},
    {"blank and empty rows skipped", "a;b\n\n;\n1;2\n", "4:1|2|-;", NULL, NULL},
    {"no final newline", "a;b\n1;2", "2:1|2|-;", NULL, NULL},
    {"columns in any order, trimmed", "c;b;a\n 3 ; 2 ;1\n", "2:1|2|3;", NULL,
     NULL},
    {"missing required column", "a;c\n1;2\n", "", ":1: missing required column \"b\"", NULL},
    {"column twice", "a;b;a\n1;2;3\n", "", "appears twice (columns 1 and 3)", NULL},
    {"broken quote at end", "a;b\n1;2\n3;\"4\n5;6\n", "2:1|2|-;",
     ":3: quoted field is never closed", NULL},
    {"quote in unquoted field", "a;b\n1;x\"y\n", "", ":2: column 2: malformed quoting", NULL},
    {"short row", "a;b;c\n1;2\n", "", ":2: 2 fields, the header has 3", NULL},
    {"extra empty fields ok", "a;b\n1;2;;\n", "2:1|2|-;", NULL, NULL},
    {"extra field refused", "a;b\n1;2;3\n", "", ":2: 3 fields, the header has 2", NULL},
    {"empty required value", "a;b\n1;\n", "", ":2: column 2 (b): required value is empty", NULL},
    {"control character", "a;b\n1;\"x\ty\"\n", "", ":2: column 2 (b): control character", NULL},
    {"CR inside a quoted value", "a;b\n1;\"x\ry\"\n", "", "column 2 (b): control character", NULL},
    {"invalid UTF-8 (Latin-1)", "a;b\n1;caf\xE9\n", "", "column 2 (b): invalid UTF-8", NULL},
    {"C1 control", "a;b\n1;x\xC2\x85y\n", "", "column 2 (b): invalid UTF-8 or control", NULL},
    {"UTF-16", "\xFF\xFE" "a\0;\0b\0\n\0", "", ":1: file is UTF-16", NULL},
    {"empty file", "", "", "no header row", NULL},
    {"accents kept", "a;b\nHélène;Müller\n", "2:Hélène|Müller|-;", NULL, NULL},
};

static int
collect(struct csvin *in, const struct csvin_row *row, void *arg)
{
    struct sbuf *out = arg;
    sbuf_addf(out, "%ld:%s|%s|%s;", row->line, row->val[0], row->val[1],
              row->val[2] ? row->val[2] : "-");
    (void)in;
    return 0;
}

/*
 * Errors reported after the reading (as the importer's writer thread
 * does, about a row it was handed earlier) are listed in line order.
 * Each case reads text, then reports "late" about late_line; the errors
 * must contain want[] in this order.
 */
static const struct {
    const char *name;
    const char *text;
    long late_line;
    const char *want[3];
} late[] = {
    {"late error before the reader's", "a;b\n1;2\n3;4\n5;\n", 3,
     {":3: column 2 (b): late", ":4: column 2 (b): required value", NULL}},
    {"late error between two", "a;b\n1;\n3;4\n5;\n", 3,
     {":2: column 2 (b): required", ":3: column 2 (b): late", ":4: column"}},
    {"late error after the reader's", "a;b\n1;\n3;4\n", 3,
     {":2: column 2 (b): required", ":3: column 2 (b): late", NULL}},
    {"same line: the reader's first", "a;b\n1;\n", 2,
     {":2: column 2 (b): required", ":2: column 2 (b): late", NULL}},
};

static void
test_late(const char *path)
{
    for (size_t i = 0; i < sizeof late / sizeof late[0]; i++) {
        T_CASE(late[i].name);
        FILE *f = fopen(path, "wb");
        fputs(late[i].text, f);
        fclose(f);
        struct sbuf rows = {0};
        struct csvin_report rep = {0};
        struct csvin *in = csvin_open(path, cols, 3, &rep);
        T_CHECK(in != NULL, "cannot open");
        if (in == NULL)
            continue;
        csvin_run(in, collect, &rows);
        struct csvin_row row = {.line = late[i].late_line};
        csvin_error(in, &row, 1, "late");
        T_INTEQ(csvin_close(in), -1);
        const char *e = sbuf_cstr(&rep.errors), *at = e;
        for (int k = 0; k < 3 && late[i].want[k]; k++) {
            const char *hit = strstr(at, late[i].want[k]);
            T_CHECK(hit != NULL, "\"%s\" missing or out of order in:\n%s",
                    late[i].want[k], e);
            at = hit ? hit + 1 : at;
        }
        sbuf_free(&rows);
        csvin_report_free(&rep);
    }
}

int
main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/t.csv", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        FILE *f = fopen(path, "wb");
        /* The UTF-16 case holds NULs: write its known length. */
        size_t n = strcmp(cases[i].name, "UTF-16") == 0 ? 10
                                                         : strlen(cases[i].text);
        fwrite(cases[i].text, 1, n, f);
        fclose(f);
        struct sbuf rows = {0};
        struct csvin_report rep = {0};
        int rc = csvin_read(path, cols, 3, collect, &rows, &rep);
        T_STREQ(sbuf_cstr(&rows), cases[i].rows);
        if (cases[i].err) {
            T_CHECK(rc < 0, "accepted");
            T_CHECK(strstr(sbuf_cstr(&rep.errors), cases[i].err) != NULL,
                    "errors \"%s\" lack \"%s\"", sbuf_cstr(&rep.errors),
                    cases[i].err);
            T_CHECK(strncmp(sbuf_cstr(&rep.errors), "t.csv:", 6) == 0,
                    "message does not name the file: %s",
                    sbuf_cstr(&rep.errors));
        } else {
            T_CHECK(rc == 0, "refused: %s", sbuf_cstr(&rep.errors));
        }
        if (cases[i].warn)
            T_CHECK(strstr(sbuf_cstr(&rep.warnings), cases[i].warn) != NULL,
                    "warnings \"%s\"", sbuf_cstr(&rep.warnings));
        else
            T_INTEQ(rep.nwarnings, 0);
        sbuf_free(&rows);
        csvin_report_free(&rep);
    }
    test_late(path);
    free(path);
    return t_done();
}
