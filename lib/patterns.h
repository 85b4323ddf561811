/*
 * patterns.h - a rules file of PCRE2 patterns, compiled once.
 *
 * Used by the classifier for rules/references (invoice numbers) and
 * rules/intents (what a reply says). File format: one pattern per line;
 * blank lines and lines starting with `#` are ignored; leading and
 * trailing white space is dropped. In a tagged file each line is
 * "TAG PATTERN", TAG one of the names the caller allows.
 *
 * Each pattern is compiled with the caller's options plus PCRE2_UTF and
 * JIT-compiled when the platform allows. Matching goes through one
 * shared match context that caps the match and depth limits, so a
 * pathological rule cannot stall the milter. The set is read-only after
 * loading and may be shared by threads; match data is per thread.
 */
#ifndef PATTERNS_H
#define PATTERNS_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

struct pattern {
    pcre2_code *re;
    int tag;     /* index in the caller's tag list; 0 for untagged */
    int line;    /* line number in the file, for evidence */
    char *src;   /* the pattern as written */
};

struct pattern_set {
    struct pattern *v;
    size_t n;
    pcre2_match_context *mctx;
    char *path;
};

#define PATTERN_MATCH_LIMIT 100000
#define PATTERN_DEPTH_LIMIT 2000

/*
 * patterns_load reads path. tags: NULL for an untagged file, else a
 * NULL-terminated list of allowed tag names. fold_source: remove the
 * accents of each pattern (fold_accents, fold.h) before compiling, so
 * rules may be written with accents and still match folded text. Returns 0, or -1 with
 * "FILE:LINE: message" in err (ps is then empty and safe to free).
 */
int patterns_load(struct pattern_set *ps, const char *path,
                  const char *const *tags, bool fold_source,
                  uint32_t options, char *err, size_t errlen);
void patterns_free(struct pattern_set *ps);

/* patterns_match_data: match data big enough for every pattern of ps;
 * free with pcre2_match_data_free. */
pcre2_match_data *patterns_match_data(const struct pattern_set *ps);

/*
 * patterns_exec runs p on s[0..len) from offset start (a character
 * boundary). checked: the caller knows s is valid UTF-8 (skips PCRE2's
 * check of the whole subject at every call). Returns the
 * pcre2_match result: > 0 on a match (ovector in md), PCRE2_ERROR_NOMATCH,
 * or another negative error (limit hit: treated as no match by callers).
 */
int patterns_exec(const struct pattern_set *ps, const struct pattern *p,
                  const char *s, size_t len, size_t start, bool checked,
                  pcre2_match_data *md);

#endif
