/*
 * util.h - memory wrappers and a growable string buffer.
 *
 * Allocation failure is handled here, once: the x* functions never return
 * NULL; on exhaustion they log and abort (a process that cannot allocate a
 * few bytes cannot do anything safe; the milter's default_action=accept
 * makes Postfix carry on without us).
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xstrndup copies at most n bytes and always NUL-terminates. */
char *xstrndup(const char *s, size_t n);
/* xasprintf returns a new string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * struct sbuf: a NUL-terminated growable buffer. Zero-initialise it
 * (struct sbuf b = {0};) before use; s is NULL until something is added.
 * sbuf_free releases it and leaves it empty and reusable.
 */
struct sbuf {
    char *s;
    size_t len;
    size_t cap;
};

void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc_slow(struct sbuf *b, char c);
/* sbuf_reserve makes room for extra more bytes (and the NUL), so that a
 * caller may write b->s[b->len .. b->len + extra) itself, then set len
 * and the NUL. */
void sbuf_reserve(struct sbuf *b, size_t extra);

/* sbuf_addc appends one byte; inline because the mail reader and the
 * quote stripper call it per character on the milter's hot path. */
static inline void
sbuf_addc(struct sbuf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->s[b->len++] = c;
        b->s[b->len] = '\0';
    } else {
        sbuf_addc_slow(b, c);
    }
}
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap);
void sbuf_reset(struct sbuf *b);
/* sbuf_cstr never returns NULL: an empty buffer gives "". */
const char *sbuf_cstr(const struct sbuf *b);
/* sbuf_steal hands the string to the caller (free() it) and empties b. */
char *sbuf_steal(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* Small string helpers. */
bool str_has_prefix(const char *s, const char *prefix);
bool str_iequal(const char *a, const char *b);
/* str_trim trims ASCII white space in place and returns s. */
char *str_trim(char *s);
/* str_lower lowercases ASCII letters in place and returns s. */
char *str_lower(char *s);

/*
 * read_file reads a whole file into a new NUL-terminated buffer.
 * Returns NULL with errno set on failure; *len gets the length if non-NULL.
 */
char *read_file(const char *path, size_t *len);

#endif
