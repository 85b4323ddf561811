/*
 * rulesio.c - sorted folder listing and FILE:LINE errors for the rules
 * loaders; see rulesio.h.
 */
#include "rulesio.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
rulesio_list(struct rulesio_list *l, const char *dir, const char *suffix,
             char *err, size_t errlen)
{
    l->names = NULL;
    l->n = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    size_t sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= sl ||
            strcmp(e->d_name + len - sl, suffix) != 0)
            continue;
        l->names = xrealloc(l->names, (l->n + 1) * sizeof *l->names);
        l->names[l->n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (l->n > 1)
        qsort(l->names, l->n, sizeof *l->names, cmp_str);
    return 0;
}

void
rulesio_list_free(struct rulesio_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

int
rulesio_error(char *err, size_t errlen, const char *file, int line,
              const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: %s", file, line, msg);
    return -1;
}
