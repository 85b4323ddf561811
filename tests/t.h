/*
 * t.h - the unit-test harness: checks that count, a summary, an exit code.
 *
 * Tests are table-driven: an array of named cases and one loop. Include
 * this once per test program; main() ends with `return t_done();`.
 */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <string.h>

static int t_checks, t_failures;
static const char *t_case = "";

#define T_CASE(name) (t_case = (name))

#define T_CHECK(cond, ...)                                                     \
    do {                                                                       \
        t_checks++;                                                            \
        if (!(cond)) {                                                         \
            t_failures++;                                                      \
            fprintf(stderr, "%s:%d: [%s] FAIL: ", __FILE__, __LINE__, t_case); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#define T_STREQ(got, want)                                                     \
    do {                                                                       \
        const char *t_g = (got), *t_w = (want);                                \
        T_CHECK((t_g == NULL && t_w == NULL) ||                                \
                    (t_g && t_w && strcmp(t_g, t_w) == 0),                     \
                "%s: got \"%s\", want \"%s\"", #got, t_g ? t_g : "(null)",     \
                t_w ? t_w : "(null)");                                         \
    } while (0)

#define T_INTEQ(got, want)                                                     \
    do {                                                                       \
        long long t_g = (long long)(got), t_w = (long long)(want);             \
        T_CHECK(t_g == t_w, "%s: got %lld, want %lld", #got, t_g, t_w);        \
    } while (0)

/*
 * t_done: print the summary; 0 when every check passed, 1 when one failed
 * or when none ran at all (an empty table or a loop that never turns
 * proves nothing).
 */
static inline int
t_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", t_checks, t_failures);
    if (t_checks == 0) {
        fprintf(stderr, "FAIL: no check ran\n");
        return 1;
    }
    return t_failures ? 1 : 0;
}

#endif
