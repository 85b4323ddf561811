/*
 * spool.c - the milter's spool of decisions not yet applied; see spool.h.
 *
 * Writers (the milter's group-commit writer) append locked, fsync'd lines,
 * and take a failed write back so that no torn line is left. The replayer
 * reads the file under the lock, releases it while it talks to the
 * database, then takes it again to cut away what it handled, so the mail
 * path never waits for a replay. The cut writes what is left to a new file
 * and renames it over the spool: a crash at any point leaves either the
 * old file or the new one, never a file missing lines. Because the file
 * can be replaced that way, a writer that got the lock checks that its
 * descriptor is still the file at the path, and opens it again if not.
 */
#include "spool.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFIELDS 12

static void
esc(struct sbuf *b, const char *s, bool list)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            sbuf_adds(b, "\\\\");
            break;
        case '\t':
            sbuf_adds(b, "\\t");
            break;
        case '\n':
            sbuf_adds(b, "\\n");
            break;
        case '\r':
            sbuf_adds(b, "\\r");
            break;
        case ' ':
            if (list) {
                sbuf_adds(b, "\\s");
                break;
            }
            /* fall through */
        default:
            sbuf_addc(b, *s);
            break;
        }
    }
}

void
spool_format(const struct act_decision *d, struct sbuf *out)
{
    sbuf_adds(out, "R1\t");
    esc(out, d->at, false);
    /* An impossible kind is written as "?": the replay then keeps the
     * line in SpoolFile.rejected instead of guessing. */
    sbuf_addf(out, "\t%s\t%s\t",
              act_kind_name(d->kind) ? act_kind_name(d->kind) : "?",
              act_intent_name(d->intent) ? act_intent_name(d->intent) : "none");
    const char *plain[] = {d->queue_id, d->message_id, d->token, d->sender,
                           d->until};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        esc(out, plain[i], false);
        sbuf_addc(out, '\t');
    }
    for (int i = 0; i < d->ninvoices; i++) {
        if (i)
            sbuf_addc(out, ' ');
        if (d->invoices[i].by_token)
            sbuf_addc(out, '*');
        esc(out, d->invoices[i].number, true);
    }
    sbuf_addc(out, '\t');
    for (int i = 0; i < d->naddrs; i++) {
        if (i)
            sbuf_addc(out, ' ');
        esc(out, d->addrs[i], true);
    }
    sbuf_addc(out, '\t');
    esc(out, d->evidence, false);
}

/* unesc copies the escaped text s[0..n) into dst (size cap); -1 if bad
 * or too long. */
static int
unesc(const char *s, size_t n, char *dst, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (++i >= n)
                return -1;
            switch (s[i]) {
            case '\\':
                c = '\\';
                break;
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 's':
                c = ' ';
                break;
            default:
                return -1;
            }
        }
        if (o + 1 >= cap)
            return -1;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return 0;
}

/* parse_list splits a space-separated list, calling put for each item. */
static int
parse_list(const char *s, size_t n, struct act_decision *d, bool invoices)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        if (invoices) {
            if (d->ninvoices >= ACT_MAX_INVOICES)
                return -1;
            struct act_invoice *iv = &d->invoices[d->ninvoices++];
            size_t k = i;
            iv->by_token = s[k] == '*';
            if (iv->by_token)
                k++;
            if (unesc(s + k, j - k, iv->number, sizeof iv->number) < 0)
                return -1;
        } else {
            if (d->naddrs >= ACT_MAX_ADDRS)
                return -1;
            if (unesc(s + i, j - i, d->addrs[d->naddrs++], ACT_ADDR_LEN) < 0)
                return -1;
        }
        i = j + 1;
    }
    return 0;
}

int
spool_parse(const char *line, struct act_decision *d, char *err, size_t errlen)
{
    const char *f[NFIELDS];
    size_t len[NFIELDS];
    size_t total = strcspn(line, "\n");
    int nf = 0;
    const char *p = line, *end = line + total;
    memset(d, 0, sizeof *d);
    while (nf < NFIELDS) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        f[nf] = p;
        len[nf] = (size_t)((t ? t : end) - p);
        nf++;
        if (t == NULL)
            break;
        p = t + 1;
    }
    if (nf != NFIELDS || p + len[NFIELDS - 1] != end) {
        snprintf(err, errlen, "expected %d tab-separated fields", NFIELDS);
        return -1;
    }
    if (len[0] != 2 || memcmp(f[0], "R1", 2) != 0) {
        snprintf(err, errlen, "unknown record version");
        return -1;
    }
    char name[16];
    if (unesc(f[2], len[2], name, sizeof name) < 0 ||
        (d->kind = act_kind_from_name(name)) < 0) {
        snprintf(err, errlen, "field 3: unknown kind");
        return -1;
    }
    if (unesc(f[3], len[3], name, sizeof name) < 0 ||
        (d->intent = act_intent_from_name(name)) < 0) {
        snprintf(err, errlen, "field 4: unknown intent");
        return -1;
    }
    struct {
        int field;
        char *dst;
        size_t cap;
    } plain[] = {
        {1, d->at, sizeof d->at},
        {4, d->queue_id, sizeof d->queue_id},
        {5, d->message_id, sizeof d->message_id},
        {6, d->token, sizeof d->token},
        {7, d->sender, sizeof d->sender},
        {8, d->until, sizeof d->until},
        {11, d->evidence, sizeof d->evidence},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        int k = plain[i].field;
        if (unesc(f[k], len[k], plain[i].dst, plain[i].cap) < 0) {
            snprintf(err, errlen, "field %d: bad escape or too long", k + 1);
            return -1;
        }
    }
    if (parse_list(f[9], len[9], d, true) < 0 ||
        parse_list(f[10], len[10], d, false) < 0) {
        snprintf(err, errlen, "fields 10-11: bad list");
        return -1;
    }
    return 0;
}

void
spool_digest(const char *line, size_t len, char hex[SPOOL_DIGEST_HEX])
{
    unsigned char md[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, line, len, md);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* write_all writes n bytes or fails. */
static int
write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* open_locked opens path for appending (created 0600; readable too, for
 * the check of its last byte), locked, and makes sure the descriptor is
 * the file now at path: a replay may have renamed a new file over it
 * while we waited for the lock. size gets its length. Returns the
 * descriptor, or -1 with errno set. */
static int
open_locked(const char *path, off_t *size)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        struct stat fsb, psb;
        if (flock(fd, LOCK_EX) < 0 || fstat(fd, &fsb) < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (stat(path, &psb) == 0 && psb.st_dev == fsb.st_dev &&
            psb.st_ino == fsb.st_ino) {
            *size = fsb.st_size;
            return fd;
        }
        close(fd); /* replaced (or removed) meanwhile: open it again */
    }
    errno = EAGAIN;
    return -1;
}

/* append_locked appends text to path under flock, fsync'd, all or
 * nothing: a short or failed write (disk full) or a failed fsync is cut
 * back to the previous length so that no torn line stays in the file.
 * Whole lines only: the text must end with a newline. */
static int
append_locked(const char *path, const char *text, size_t n, char *err,
              size_t errlen)
{
    off_t size = 0;
    int fd = open_locked(path, &size);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* A process killed in the middle of a write leaves a line without
     * its newline: end it, so that the replay rejects it alone instead
     * of gluing it to our first line. */
    char last = '\n';
    if (size > 0 && pread(fd, &last, 1, size - 1) != 1)
        last = '\n';
    int rc = 0;
    if ((last != '\n' && write_all(fd, "\n", 1) < 0) ||
        write_all(fd, text, n) < 0 || fsync(fd) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (ftruncate(fd, size) < 0 || fsync(fd) < 0)
            msg_warn("spool %s: cannot take back a failed write: %s", path,
                     strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

int
spool_append_batch(const char *path, const struct act_decision *const *d, int n,
                   char *err, size_t errlen)
{
    struct sbuf b = {0};
    for (int i = 0; i < n; i++) {
        spool_format(d[i], &b);
        sbuf_addc(&b, '\n');
    }
    int rc = n > 0 ? append_locked(path, b.s, b.len, err, errlen) : 0;
    sbuf_free(&b);
    return rc;
}

int
spool_append(const char *path, const struct act_decision *d, char *err,
             size_t errlen)
{
    return spool_append_batch(path, &d, 1, err, errlen);
}

/* keep_rejected appends line (n bytes, no newline) to PATH.rejected. */
static int
keep_rejected(const char *path, const char *line, size_t n, char *err,
              size_t errlen)
{
    char *rpath = xasprintf("%s.rejected", path);
    struct sbuf b = {0};
    sbuf_add(&b, line, n);
    sbuf_addc(&b, '\n');
    int rc = append_locked(rpath, b.s, b.len, err, errlen);
    sbuf_free(&b);
    free(rpath);
    return rc;
}

static void
reject(const char *path, const char *line, size_t n, const char *why)
{
    char err[512];
    msg_warn("spool %s: line moved to %s.rejected: %s", path, path, why);
    if (keep_rejected(path, line, n, err, sizeof err) < 0)
        msg_warn("spool: cannot keep rejected line (%s): %.*s", err, (int)n,
                 line);
}

int
spool_reject(const char *path, const struct act_decision *d, char *err,
             size_t errlen)
{
    struct sbuf b = {0};
    spool_format(d, &b);
    int rc = keep_rejected(path, b.s, b.len, err, errlen);
    sbuf_free(&b);
    return rc;
}

/* read_locked reads the whole file into out while fd is locked. */
static int
read_all(int fd, struct sbuf *out)
{
    char buf[65536];
    if (lseek(fd, 0, SEEK_SET) < 0)
        return -1;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 0;
        sbuf_add(out, buf, (size_t)r);
    }
}

/* sync_dir makes a rename in path's folder durable. */
static void
sync_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        msg_warn("spool %s: cannot sync its folder: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(copy);
}

/* replace_file puts text (n bytes) at path through PATH.tmp: written,
 * synced, renamed over path. On failure path is untouched. */
static int
replace_file(const char *path, const char *text, size_t n)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && (write_all(fd, text, n) < 0 || fsync(fd) < 0))
        rc = -1;
    if (fd >= 0 && close(fd) < 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -1;
    if (rc < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
    } else {
        sync_dir(path);
    }
    free(tmp);
    return rc;
}

/*
 * cut removes the first `done` bytes of the spool (fd open and locked),
 * keeping what was appended after them; *left gets the bytes kept. When
 * nothing is kept the file is truncated in place: a crash before that
 * reaches the disk only brings back lines that spool_applied then skips.
 * When lines are kept they go to a new file renamed over the spool
 * (replace_file), never through a truncated file that a crash would
 * leave without them. On failure the file is as it was.
 */
static int
cut(const char *path, int fd, size_t done, size_t *left)
{
    struct sbuf all = {0};
    int rc = read_all(fd, &all);
    *left = all.len;
    if (rc == 0 && all.len <= done) {
        rc = ftruncate(fd, 0) == 0 && fsync(fd) == 0 ? 0 : -1;
        if (rc == 0)
            *left = 0;
    } else if (rc == 0) {
        rc = replace_file(path, all.s + done, all.len - done);
        if (rc == 0)
            *left = all.len - done;
    }
    sbuf_free(&all);
    return rc;
}

int
spool_replay(const char *path, struct act *a, const struct act_params *p,
             spool_applied_fn fn, void *arg, struct spool_stats *st, char *err,
             size_t errlen)
{
    struct spool_stats dummy;
    if (st == NULL)
        st = &dummy;
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct sbuf data = {0};
    int rc = flock(fd, LOCK_EX) < 0 ? -1 : read_all(fd, &data);
    flock(fd, LOCK_UN);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        sbuf_free(&data);
        return -1;
    }
    size_t done = 0;
    bool stopped = false;
    while (done < data.len && !stopped) {
        const char *line = data.s + done;
        const char *nl = memchr(line, '\n', data.len - done);
        /* Writers hold the lock for a whole line: an unterminated tail
         * is a write cut short by a crash. */
        size_t n = nl ? (size_t)(nl - line) : data.len - done;
        struct act_decision d;
        struct act_result res;
        char why[256], digest[SPOOL_DIGEST_HEX];
        if (nl == NULL) {
            reject(path, line, n, "unterminated line");
            st->rejected++;
        } else if (n == 0) {
            /* an empty line: nothing to apply */
        } else if (spool_parse(line, &d, why, sizeof why) < 0) {
            reject(path, line, n, why);
            st->rejected++;
        } else {
            spool_digest(line, n, digest);
            switch (act_apply(a, p, &d, digest, &res, why, sizeof why)) {
            case ACT_OK:
                st->applied++;
                if (fn)
                    fn(arg, &d, &res);
                break;
            case ACT_DUPLICATE:
                st->duplicate++;
                break;
            case ACT_RETRY:
                stopped = true;
                continue;
            default:
                reject(path, line, n, why);
                st->rejected++;
                break;
            }
        }
        done += n + (nl ? 1 : 0);
    }
    for (const char *q = data.s + done; q < data.s + data.len; q++)
        st->left += *q == '\n';
    size_t left = data.len;
    sbuf_free(&data);
    rc = 0;
    if (done > 0) {
        if (flock(fd, LOCK_EX) < 0 || cut(path, fd, done, &left) < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = -1;
        }
        flock(fd, LOCK_UN);
    } else {
        /* Nothing cut: fd is still the file at path. */
        struct stat sb;
        if (fstat(fd, &sb) == 0)
            left = (size_t)sb.st_size;
    }
    if (rc == 0)
        rc = left > 0 ? 1 : 0;
    close(fd);
    return rc;
}
