/*
 * patterns.c - a rules file of PCRE2 patterns, compiled once; see
 * patterns.h.
 */
#include "patterns.h"
#include "fold.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add(struct pattern_set *ps, pcre2_code *re, int tag, int line,
    const char *src)
{
    ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof *ps->v);
    ps->v[ps->n].re = re;
    ps->v[ps->n].tag = tag;
    ps->v[ps->n].line = line;
    ps->v[ps->n].src = xstrdup(src);
    ps->n++;
}

static int
load_line(struct pattern_set *ps, char *line, int lineno,
          const char *const *tags, bool fold_source, uint32_t options,
          char *err, size_t errlen)
{
    char *s = str_trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    int tag = 0;
    if (tags) {
        char *sp = s + strcspn(s, " \t");
        if (*sp == '\0') {
            snprintf(err, errlen, "%s:%d: expected \"TAG PATTERN\"",
                     ps->path, lineno);
            return -1;
        }
        *sp++ = '\0';
        tag = -1;
        for (int i = 0; tags[i]; i++)
            if (strcmp(tags[i], s) == 0)
                tag = i;
        if (tag < 0) {
            snprintf(err, errlen, "%s:%d: unknown tag \"%s\"", ps->path,
                     lineno, s);
            return -1;
        }
        s = str_trim(sp);
    }
    struct sbuf fb = {0};
    if (fold_source)
        fold_accents(s, strlen(s), &fb);
    else
        sbuf_adds(&fb, s);
    char *folded = sbuf_steal(&fb);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)folded, PCRE2_ZERO_TERMINATED,
                                   options | PCRE2_UTF, &ec, &eo, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, errlen, "%s:%d: column %zu: %s", ps->path, lineno,
                 (size_t)eo + 1, (const char *)msg);
        free(folded);
        return -1;
    }
    /* JIT is an optimisation: without it (no JIT support) we still match. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    add(ps, re, tag, lineno, s);
    free(folded);
    return 0;
}

int
patterns_load(struct pattern_set *ps, const char *path,
              const char *const *tags, bool fold_source, uint32_t options,
              char *err, size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    ps->path = xstrdup(path);
    char *text = read_file(path, NULL);
    if (text == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    ps->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(ps->mctx, PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(ps->mctx, PATTERN_DEPTH_LIMIT);
    int lineno = 0, rc = 0;
    for (char *p = text; p && *p && rc == 0;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        rc = load_line(ps, p, ++lineno, tags, fold_source, options, err,
                       errlen);
        p = nl ? nl + 1 : NULL;
    }
    free(text);
    if (rc < 0) {
        char *keep = xstrdup(ps->path);
        patterns_free(ps);
        ps->path = keep;
    }
    return rc;
}

void
patterns_free(struct pattern_set *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        pcre2_code_free(ps->v[i].re);
        free(ps->v[i].src);
    }
    free(ps->v);
    pcre2_match_context_free(ps->mctx);
    free(ps->path);
    memset(ps, 0, sizeof *ps);
}

pcre2_match_data *
patterns_match_data(const struct pattern_set *ps)
{
    uint32_t max = 1;
    for (size_t i = 0; i < ps->n; i++) {
        uint32_t c = 0;
        pcre2_pattern_info(ps->v[i].re, PCRE2_INFO_CAPTURECOUNT, &c);
        if (c + 1 > max)
            max = c + 1;
    }
    pcre2_match_data *md = pcre2_match_data_create(max, NULL);
    if (md == NULL)
        msg_panic("out of memory creating PCRE2 match data");
    return md;
}

int
patterns_exec(const struct pattern_set *ps, const struct pattern *p,
              const char *s, size_t len, size_t start, bool checked,
              pcre2_match_data *md)
{
    return pcre2_match(p->re, (PCRE2_SPTR)s, len, start,
                       checked ? PCRE2_NO_UTF_CHECK : 0, md, ps->mctx);
}
