/*
 * rulesio.h - what the loaders of RulesDir share (scenario.c, tmpl.c,
 * legal.c): the files of a folder with a given suffix, sorted by name so
 * that the load order never depends on the file system, and errors
 * written "FILE:LINE: message" the same way everywhere.
 */
#ifndef RULESIO_H
#define RULESIO_H

#include <stddef.h>

struct rulesio_list {
    char **names; /* file names (no folder), suffix kept, sorted */
    size_t n;
};

/*
 * rulesio_list lists the names in dir that end with suffix and do not
 * start with a dot. Returns 0, or -1 with "DIR: reason" in err (l is
 * then empty). Free with rulesio_list_free.
 */
int rulesio_list(struct rulesio_list *l, const char *dir, const char *suffix,
                 char *err, size_t errlen);
void rulesio_list_free(struct rulesio_list *l);

/* rulesio_error writes "FILE:LINE: message" into err; returns -1 so
 * parsers can `return rulesio_error(...)`. */
int rulesio_error(char *err, size_t errlen, const char *file, int line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
