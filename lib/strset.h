/*
 * strset.h - a set of strings, each remembered with a small number.
 *
 * The importers use it to find a key seen twice in one file (an invoice
 * number, a client_id) and to name the line where it was seen first,
 * without a database query per row. Keys are copied into one arena, so a
 * million short keys cost tens of megabytes, not a million allocations.
 * The keys of one set may total at most 4 GB (beyond, the program
 * aborts, as on memory exhaustion). Not thread-safe: one thread per set.
 */
#ifndef STRSET_H
#define STRSET_H

#include <stdbool.h>

struct strset;

/* strset_new returns an empty set; free it with strset_free. */
struct strset *strset_new(void);
void strset_free(struct strset *set);

/*
 * strset_put adds key (copied) with value (must not be 0) if absent and
 * returns 0; if an equal key is present it changes nothing and returns
 * the value stored with it.
 */
int strset_put(struct strset *set, const char *key, int value);

/* strset_has: key is in the set. */
bool strset_has(const struct strset *set, const char *key);

/* strset_count: how many keys the set holds. */
unsigned long strset_count(const struct strset *set);

#endif
