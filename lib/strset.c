/*
 * strset.c - open-addressing string set with an arena; see strset.h.
 *
 * A slot is 8 bytes (the key's hash and where its entry starts in the
 * arena); an entry is the value then the key and its NUL. Linear
 * probing, at most half full: a million-key set (the invoice numbers of
 * the import benchmark) is 16 MB of slots and the keys, and most lookups
 * touch one slot and, on a hash match, one entry.
 */
#include "strset.h"
#include "log.h"
#include "util.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    uint32_t hash;
    uint32_t off; /* entry offset in the arena + 1; 0 = empty slot */
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
    /* FNV-1a (short keys, no adversary worth a keyed hash here), then
     * the low bits, which pick the slot, mixed with the high ones:
     * numbers that differ only in their last digits spread out. */
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
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

/* The key of the entry at off (a slot's off, so + 1). */
static const char *
entry_key(const struct strset *set, uint32_t off)
{
    return set->arena.s + off - 1 + sizeof(int32_t);
}

/* The slot holding key, or the empty slot where it would go. A NULL key
 * finds the first empty slot (growing: keys are known unique). */
static struct slot *
find_slot(const struct strset *set, struct slot *slots, size_t cap,
          uint32_t h, const char *key)
{
    size_t i = h & (cap - 1);
    for (;;) {
        struct slot *sl = &slots[i];
        if (sl->off == 0)
            return sl;
        if (sl->hash == h && key && strcmp(entry_key(set, sl->off), key) == 0)
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
        if (sl->off != 0)
            *find_slot(set, ns, ncap, sl->hash, NULL) = *sl;
    }
    free(set->slots);
    set->slots = ns;
    set->cap = ncap;
}

bool
strset_has(const struct strset *set, const char *key)
{
    return find_slot(set, set->slots, set->cap, hash_key(key), key)->off != 0;
}

int
strset_put(struct strset *set, const char *key, int value)
{
    assert(value != 0);
    uint32_t h = hash_key(key);
    struct slot *sl = find_slot(set, set->slots, set->cap, h, key);
    int32_t v;
    if (sl->off != 0) {
        memcpy(&v, set->arena.s + sl->off - 1, sizeof v);
        return v;
    }
    size_t klen = strlen(key) + 1;
    if (set->arena.len + sizeof v + klen >= UINT32_MAX)
        msg_panic("strset: more than 4 GB of keys");
    sl->off = (uint32_t)set->arena.len + 1;
    sl->hash = h;
    v = value;
    sbuf_add(&set->arena, (const char *)&v, sizeof v);
    sbuf_add(&set->arena, key, klen);
    set->count++;
    if (set->count * 2 > set->cap)
        grow(set);
    return 0;
}
