/*
 * tlib.h - small helpers for table-driven unit tests, next to t.h:
 * dates written as text, and the "succeeds, or fails with this message"
 * check that every parser test repeats. Include after t.h.
 */
#ifndef TLIB_H
#define TLIB_H

#include "civil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* t_day: the day number of "YYYY-MM-DD"; a typo in a table aborts. */
static inline int
t_day(const char *iso)
{
    int d;
    if (civil_parse_iso(iso, &d) < 0) {
        fprintf(stderr, "bad date in a test table: %s\n", iso);
        abort();
    }
    return d;
}

/* t_tmpfile writes text to $TMPDIR/name and returns the path (free it). */
static inline char *
t_tmpfile(const char *name, const char *text)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    return path;
}

/*
 * T_RESULT: want == NULL means rc must be 0; otherwise rc must be
 * negative and err must contain want.
 */
#define T_RESULT(rc, err, want)                                                \
    do {                                                                       \
        const char *t_want = (want);                                           \
        if (t_want == NULL)                                                    \
            T_CHECK((rc) == 0, "unexpected error: %s", (err));                 \
        else                                                                   \
            T_CHECK((rc) < 0 && strstr((err), t_want) != NULL,                 \
                    "error \"%s\" lacks \"%s\"", (err), t_want);               \
    } while (0)

#endif
