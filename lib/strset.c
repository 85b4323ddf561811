/*
 * strset.c - open-addressing string set with an arena; see strset.h.
 */
#include "strset.h"
#include "util.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t off; /* key offset in the arena + 1; 0 = empty slot */
    uint32_t hash;
    int32_t value;
};

struct strset {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t count;
    struct sbuf arena;
};

static uint32_t
hash_key(const char *s)
{
    /* FNV-1a: short keys, no adversary worth a keyed hash here. */
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct strset *
strset_new(void)
{
    struct strset *set = xcalloc(1, sizeof *set);
    set->cap = 1024;
    set->slots = xcalloc(set->cap, sizeof *set->slots);
    return set;
}

void
strset_free(struct strset *set)
{
    if (set == NULL)
        return;
    free(set->slots);
    sbuf_free(&set->arena);
    free(set);
}

unsigned long
strset_count(const struct strset *set)
{
    return set->count;
}

static struct slot *
find_slot(struct slot *slots, size_t cap, const char *arena, uint32_t h,
          const char *key)
{
    size_t i = h & (cap - 1);
    for (;;) {
        struct slot *sl = &slots[i];
        if (sl->off == 0)
            return sl;
        if (sl->hash == h && key && strcmp(arena + sl->off - 1, key) == 0)
            return sl;
        i = (i + 1) & (cap - 1);
    }
}

static void
grow(struct strset *set)
{
    size_t ncap = set->cap * 2;
    struct slot *ns = xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < set->cap; i++) {
        struct slot *sl = &set->slots[i];
        if (sl->off == 0)
            continue;
        /* Keys are unique: a NULL key finds the first empty slot. */
        *find_slot(ns, ncap, NULL, sl->hash, NULL) = *sl;
    }
    free(set->slots);
    set->slots = ns;
    set->cap = ncap;
}

bool
strset_has(const struct strset *set, const char *key)
{
    return find_slot(set->slots, set->cap, set->arena.s, hash_key(key), key)
               ->off != 0;
}

int
strset_put(struct strset *set, const char *key, int value)
{
    assert(value != 0);
    uint32_t h = hash_key(key);
    struct slot *sl =
        find_slot(set->slots, set->cap, set->arena.s, h, key);
    if (sl->off != 0)
        return sl->value;
    sl->off = set->arena.len + 1;
    sl->hash = h;
    sl->value = value;
    sbuf_add(&set->arena, key, strlen(key) + 1);
    set->count++;
    if (set->count * 10 > set->cap * 7)
        grow(set);
    return 0;
}
