/*
 * test-cfg.c - the config parser: defaults, every error with its line,
 * relative paths, and the sample file generated from the key table.
 */
#include "cfg.h"
#include "util.h"
#include "t.h"

#include <stdlib.h>

static char *
write_tmp(const char *name, const char *text)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static const struct {
    const char *name;
    const char *text;
    const char *want_err; /* substring of the error, NULL = success */
} cases[] = {
    {"empty file gives defaults", "", NULL},
    {"comments and blanks", "# hello\n\n   # indented\n", NULL},
    {"all basic keys",
     "Database relance.db\nDomain example.fr\nMode live\nMinGapDays 3\n"
     "SendWindow 08:30-17:45\nAddHeaders no\n",
     NULL},
    {"key names are case-insensitive", "minGAPdays 2\n", NULL},
    {"unknown key", "Database x\nFrobnicate 1\n", ":2: unknown key \"Frobnicate\""},
    {"repeated key", "Mode live\n\nMode dry-run\n", ":3: Mode already set on line 1"},
    {"bad integer", "MinGapDays five\n", ":1: MinGapDays \"five\" is not a whole number"},
    {"integer out of range", "MinGapDays -1\n", "out of range"},
    {"bad enum", "Mode loud\n", ":1: Mode \"loud\" is not one of"},
    {"bad bool", "AddHeaders maybe\n", "must be yes or no"},
    {"bad window", "SendWindow 18:00-09:00\n", ":1: SendWindow must look like"},
    {"bad window syntax", "# c\nSendWindow nine\n", ":2: SendWindow"},
    {"BOM is accepted", "\xEF\xBB\xBFMode live\n", NULL},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        char *path = write_tmp("t.conf", cases[i].text);
        struct cfg c;
        char err[512] = "";
        int rc = cfg_load(&c, path, err, sizeof err);
        if (cases[i].want_err == NULL)
            T_CHECK(rc == 0, "unexpected error: %s", err);
        else
            T_CHECK(rc < 0 && strstr(err, cases[i].want_err) != NULL,
                    "error \"%s\" does not contain \"%s\"", err,
                    cases[i].want_err);
        cfg_free(&c);
        free(path);
    }

    T_CASE("values and relative paths");
    char *path = write_tmp("v.conf", "Database db/r.db\nMode dry-run\n"
                                     "SendWindow 08:30-17:45\nAddHeaders no\n"
                                     "SecretFile /abs/secret\n");
    struct cfg c;
    char err[512];
    T_INTEQ(cfg_load(&c, path, err, sizeof err), 0);
    char *want = xasprintf("%s/db/r.db", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    T_STREQ(c.database, want);
    T_STREQ(c.secret_file, "/abs/secret");
    T_INTEQ(c.mode, MODE_DRY_RUN);
    T_INTEQ(c.send_start_min, 8 * 60 + 30);
    T_INTEQ(c.send_end_min, 17 * 60 + 45);
    T_INTEQ(c.add_headers, 0);
    T_INTEQ(c.min_gap_days, 5);
    T_CHECK(cfg_require(&c, err, sizeof err, "Domain", (char *)NULL) < 0 &&
                strstr(err, "Domain is required"),
            "Domain should be required: %s", err);
    cfg_free(&c);
    free(want);
    free(path);

    T_CASE("sample file is the table");
    char *sample = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&sample, &len);
    cfg_write_sample(m);
    fclose(m);
    char *shipped_path = xasprintf("%s/etc/relance.conf.sample",
                                   getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".");
    char *shipped = read_file(shipped_path, NULL);
    T_CHECK(shipped && strcmp(shipped, sample) == 0,
            "%s differs from cfg_write_sample(); regenerate it with "
            "`relancectl config sample > etc/relance.conf.sample`",
            shipped_path);
    /* The sample, uncommented, must itself load: every default is valid. */
    struct sbuf b = {0};
    for (char *line = strtok(sample, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' &&
            strchr(line, ' ')) {
            sbuf_adds(&b, line + 1);
            sbuf_addc(&b, '\n');
        }
    char *p2 = write_tmp("sample.conf", sbuf_cstr(&b));
    T_CHECK(cfg_load(&c, p2, err, sizeof err) == 0, "sample does not load: %s", err);
    cfg_free(&c);
    sbuf_free(&b);
    free(p2);
    free(shipped);
    free(shipped_path);
    free(sample);
    return t_done();
}
