/*
 * test-strset.c - the string set of the importers: first value kept,
 * lookups, and sets grown far past their first size (keys that differ
 * only in their last digits, like invoice numbers).
 */
#include "strset.h"
#include "t.h"

#include <stdio.h>

/* One set per case, the steps applied in order. */
static const struct {
    const char *name;
    struct step {
        char op;         /* 'p' put, 'h' has */
        const char *key;
        int value;       /* put: the value to store */
        int want;        /* put: what it returns; has: 1 or 0 */
    } steps[6];
} cases[] = {
    {"new key, then the same key keeps its first value",
     {{'p', "F-001", 2, 0}, {'p', "F-001", 9, 2}, {'h', "F-001", 0, 1}}},
    {"absent key", {{'p', "F-001", 2, 0}, {'h', "F-002", 0, 0}}},
    {"empty key is a key", {{'h', "", 0, 0}, {'p', "", 5, 0}, {'h', "", 0, 1},
                            {'p', "", 6, 5}}},
    {"prefix is another key",
     {{'p', "C1", 3, 0}, {'h', "C", 0, 0}, {'h', "C10", 0, 0},
      {'p', "C10", 4, 0}, {'p', "C1", 7, 3}}},
    {"negative values", {{'p', "x", -4, 0}, {'p', "x", 1, -4}}},
};

/* Sets grown by n keys printed with fmt: every key found again with its
 * value, none of absent_fmt found. */
static const struct {
    const char *name;
    const char *fmt, *absent_fmt;
    int n;
} grown[] = {
    {"invoice numbers", "F-%07d", "F-%07dX", 300000},
    {"client ids", "C%06d", "D%06d", 100000},
    {"one more than the first size", "k%d", "K%d", 1025},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_CASE(cases[i].name);
        struct strset *set = strset_new();
        for (int k = 0; k < 6 && cases[i].steps[k].op; k++) {
            const struct step *s = &cases[i].steps[k];
            if (s->op == 'p')
                T_INTEQ(strset_put(set, s->key, s->value), s->want);
            else
                T_INTEQ(strset_has(set, s->key), s->want);
        }
        strset_free(set);
    }
    for (size_t i = 0; i < sizeof grown / sizeof grown[0]; i++) {
        T_CASE(grown[i].name);
        struct strset *set = strset_new();
        char key[32];
        int bad_put = 0, bad_again = 0, bad_has = 0, bad_absent = 0;
        for (int k = 0; k < grown[i].n; k++) {
            snprintf(key, sizeof key, grown[i].fmt, k);
            bad_put += strset_put(set, key, k + 1) != 0;
        }
        for (int k = 0; k < grown[i].n; k++) {
            snprintf(key, sizeof key, grown[i].fmt, k);
            bad_again += strset_put(set, key, -1) != k + 1;
            bad_has += !strset_has(set, key);
            snprintf(key, sizeof key, grown[i].absent_fmt, k);
            bad_absent += strset_has(set, key);
        }
        T_INTEQ(bad_put, 0);
        T_INTEQ(bad_again, 0);
        T_INTEQ(bad_has, 0);
        T_INTEQ(bad_absent, 0);
        T_INTEQ(strset_count(set), grown[i].n);
        strset_free(set);
    }
    return t_done();
}
