/*
 * dirlist.h - the files of a folder with a given suffix, sorted by name:
 * how rules are loaded (scenarios/NAME.scn, templates/LANG/NAME.txt), so
 * that the load order never depends on the file system.
 */
#ifndef DIRLIST_H
#define DIRLIST_H

#include <stddef.h>

struct dirlist {
    char **names; /* file names (no folder), suffix kept, sorted */
    size_t n;
};

/*
 * dirlist_read lists the regular names in dir that end with suffix and
 * do not start with a dot. Returns 0, or -1 with "DIR: reason" in err
 * (l is then empty). Free with dirlist_free.
 */
int dirlist_read(struct dirlist *l, const char *dir, const char *suffix,
                 char *err, size_t errlen);
void dirlist_free(struct dirlist *l);

#endif
