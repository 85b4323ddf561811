/*
 * bulkvfs.c - the VFS of bulkvfs.h: the default SQLite VFS, with the
 * writes to a database and its WAL gathered into BULKVFS_BUFFER-byte
 * writes. Every other call is passed to the default VFS as it is; see
 * bulkvfs.h for why the order of what others can see is kept.
 */
#include "bulkvfs.h"
#include "log.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sysexits.h>

/* A file of this VFS: ours, then the default VFS's own file structure. */
struct bfile {
    sqlite3_file base;
    sqlite3_file *real;
    struct bfile *next;     /* all buffered files, for the WAL index calls */
    char *buf;              /* pending bytes, to be written at off */
    int len;
    sqlite3_int64 off;
};

static sqlite3_vfs bulk_vfs;
static sqlite3_vfs *real_vfs;
static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bfile *files;

/*
 * The buffers are only touched under files_mu: a connection's file may be
 * written by the WAL index call of another connection's thread.
 */

/* Writes f's pending bytes (files_mu held); the result of the write. */
static int
flush_locked(struct bfile *f)
{
    if (f->len == 0)
        return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->buf, f->len, f->off);
    f->len = 0;
    return rc;
}

static int
flush(struct bfile *f)
{
    pthread_mutex_lock(&files_mu);
    int rc = flush_locked(f);
    pthread_mutex_unlock(&files_mu);
    return rc;
}

/* Writes the pending bytes of every file: before any WAL index call. */
static int
flush_all(void)
{
    int rc = SQLITE_OK;
    pthread_mutex_lock(&files_mu);
    for (struct bfile *f = files; f; f = f->next) {
        int frc = flush_locked(f);
        if (rc == SQLITE_OK)
            rc = frc;
    }
    pthread_mutex_unlock(&files_mu);
    return rc;
}

/* ---- the file methods ---- */

static int
b_close(sqlite3_file *file)
{
    struct bfile *f = (struct bfile *)file;
    pthread_mutex_lock(&files_mu);
    int rc = flush_locked(f);
    for (struct bfile **p = &files; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    pthread_mutex_unlock(&files_mu);
    int crc = f->real->pMethods->xClose(f->real);
    free(f->buf);
    return rc != SQLITE_OK ? rc : crc;
}

static int
b_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xRead(f->real, out, amt, off);
}

static int
b_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct bfile *f = (struct bfile *)file;
    int rc = SQLITE_OK;
    pthread_mutex_lock(&files_mu);
    if (f->len > 0 && off == f->off + f->len &&
        amt <= BULKVFS_BUFFER - f->len) { /* the next bytes: gathered */
        memcpy(f->buf + f->len, data, (size_t)amt);
        f->len += amt;
    } else {
        rc = flush_locked(f);
        if (rc == SQLITE_OK && amt >= BULKVFS_BUFFER) {
            rc = f->real->pMethods->xWrite(f->real, data, amt, off);
        } else if (rc == SQLITE_OK) { /* a new run of bytes */
            memcpy(f->buf, data, (size_t)amt);
            f->len = amt;
            f->off = off;
        }
    }
    pthread_mutex_unlock(&files_mu);
    return rc;
}

static int
b_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int
b_sync(sqlite3_file *file, int flags)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int
b_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int
b_lock(sqlite3_file *file, int level)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, level);
}

static int
b_unlock(sqlite3_file *file, int level)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, level);
}

static int
b_check_reserved(sqlite3_file *file, int *out)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK
               ? rc
               : f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
b_file_control(sqlite3_file *file, int op, void *arg)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
b_sector_size(sqlite3_file *file)
{
    struct bfile *f = (struct bfile *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int
b_device(sqlite3_file *file)
{
    struct bfile *f = (struct bfile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* The WAL index methods: everything pending is written first. */

static int
b_shm_map(sqlite3_file *file, int page, int size, int extend,
          void volatile **out)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush_all();
    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xShmMap(f->real, page, size,
                                                        extend, out);
}

static int
b_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush_all();
    return rc != SQLITE_OK
               ? rc
               : f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
b_shm_barrier(sqlite3_file *file)
{
    struct bfile *f = (struct bfile *)file;
    /* Nothing can be reported from here; the commit being published must
     * not be, as its frames are not all written. */
    if (flush_all() != SQLITE_OK)
        msg_fatal(EX_IOERR, "database: cannot write the pending pages of a "
                  "commit; stopping before it is published");
    f->real->pMethods->xShmBarrier(f->real);
}

static int
b_shm_unmap(sqlite3_file *file, int delete_flag)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush_all();
    int urc = f->real->pMethods->xShmUnmap(f->real, delete_flag);
    return rc != SQLITE_OK ? rc : urc;
}

static int
b_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    struct bfile *f = (struct bfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK
               ? rc
               : f->real->pMethods->xFetch(f->real, off, amt, out);
}

static int
b_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    struct bfile *f = (struct bfile *)file;
    return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods bulk_methods = {
    3,
    b_close, b_read, b_write, b_truncate, b_sync, b_file_size, b_lock,
    b_unlock, b_check_reserved, b_file_control, b_sector_size, b_device,
    b_shm_map, b_shm_lock, b_shm_barrier, b_shm_unmap, b_fetch, b_unfetch,
};

/* ---- the VFS ---- */

/*
 * The database and its WAL are buffered, when the default VFS gives them
 * every method (version 3, as unix does). Any other file (temporary
 * files, statement journals) is the default VFS's own, opened in place
 * (szOsFile leaves room for it).
 */
static int
b_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
       int *out_flags)
{
    (void)vfs;
    if (!(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)))
        return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
    struct bfile *f = (struct bfile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || f->real->pMethods == NULL) {
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (f->real->pMethods->iVersion < 3) { /* not a VFS like unix */
        f->real->pMethods->xClose(f->real);
        msg_warn("database: the default SQLite VFS lacks the WAL methods");
        return SQLITE_CANTOPEN;
    }
    f->buf = xmalloc(BULKVFS_BUFFER);
    pthread_mutex_lock(&files_mu);
    f->next = files;
    files = f;
    pthread_mutex_unlock(&files_mu);
    f->base.pMethods = &bulk_methods;
    return SQLITE_OK;
}

static int
b_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
b_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
b_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
b_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void
b_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*b_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
b_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, h);
}

static int
b_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int
b_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int
b_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int
b_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
b_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
register_vfs(void)
{
    sqlite3_vfs *r = sqlite3_vfs_find(NULL);
    if (r == NULL || r->iVersion < 2)
        return;
    real_vfs = r;
    bulk_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct bfile) + r->szOsFile,
        .mxPathname = r->mxPathname,
        .zName = "relance-bulk",
        .xOpen = b_open,
        .xDelete = b_delete,
        .xAccess = b_access,
        .xFullPathname = b_full_pathname,
        .xDlOpen = b_dlopen,
        .xDlError = b_dlerror,
        .xDlSym = b_dlsym,
        .xDlClose = b_dlclose,
        .xRandomness = b_randomness,
        .xSleep = b_sleep,
        .xCurrentTime = b_current_time,
        .xGetLastError = b_last_error,
        .xCurrentTimeInt64 = b_current_time64,
    };
    if (sqlite3_vfs_register(&bulk_vfs, 0) != SQLITE_OK)
        real_vfs = NULL;
}

const char *
bulkvfs_name(void)
{
    pthread_once(&once, register_vfs);
    return real_vfs ? bulk_vfs.zName : NULL;
}
