/*
 * import_pipe.c - an invoices file read in one thread and written in
 * another; called by import_file (import.c) for `import invoices`.
 *
 * The reader thread runs csvin over the file with import_invoice_row
 * (import_inv.c), which checks each row and fills a batch; the calling
 * thread, which owns the database connection, writes each batch as it
 * comes (import_apply.c). So parsing a row and writing the previous ones
 * take place at the same time, on two cores.
 *
 * NBATCH batches circulate: the reader takes a free one, fills it and
 * hands it over; the writer takes it, writes it and gives it back. When
 * all are full the reader waits; when none is, the writer waits. Memory
 * stays at NBATCH batches whatever the file's size.
 *
 * All or nothing is kept: everything happens in the caller's transaction,
 * rolled back by import_file if any error is reported. Errors come from
 * both threads (the writer names an invoice that belongs to another
 * client); csvin_close lists them in line order. When the writer meets a
 * database error it stops writing and marks the pipe failed: the reader
 * stops at its next batch (ipipe_row returns NULL).
 */
#include "import_int.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBATCH 4
#define BATCH_ROWS 4096

struct ipipe {
    pthread_mutex_t mu;
    pthread_cond_t cond;       /* a batch was handed over or freed */
    struct ibatch batch[NBATCH];
    struct ibatch *full[NBATCH]; /* a ring, in the order of the file */
    int head, nfull;
    struct ibatch *free[NBATCH];
    int nfree;
    bool done;   /* the reader handed over its last batch */
    bool failed; /* the writer stopped */
    struct ibatch *cur; /* the reader's batch being filled */
    struct imp *im;
    struct csvin *in;
    int read_rc;
};

/* Reader: hands cur over to the writer. */
static void
hand_over(struct ipipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->full[(p->head + p->nfull) % NBATCH] = p->cur;
    p->nfull++;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    p->cur = NULL;
}

/* Reader: a free batch to fill, or NULL once the writer failed. */
static struct ibatch *
take_free(struct ipipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0 && !p->failed)
        pthread_cond_wait(&p->cond, &p->mu);
    struct ibatch *b = p->failed ? NULL : p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    if (b) {
        b->n = 0;
        sbuf_reset(&b->text);
    }
    return b;
}

struct irow *
ipipe_row(struct ipipe *p)
{
    if (p->cur && p->cur->n == BATCH_ROWS)
        hand_over(p);
    if (p->cur == NULL && (p->cur = take_free(p)) == NULL)
        return NULL;
    struct irow *r = &p->cur->rows[p->cur->n++];
    memset(r, 0, sizeof *r);
    return r;
}

uint32_t
ipipe_text(struct ipipe *p, const char *s)
{
    size_t off = p->cur->text.len;
    if (off >= IROW_NULL - 4096) /* a batch's text stays far below 4 GB */
        msg_panic("import: batch text too large");
    sbuf_add(&p->cur->text, s, strlen(s) + 1);
    return (uint32_t)off;
}

static void *
reader_main(void *arg)
{
    struct ipipe *p = arg;
    p->read_rc = csvin_run(p->in, import_invoice_row, p->im);
    pthread_mutex_lock(&p->mu);
    if (p->cur && p->cur->n > 0) {
        p->full[(p->head + p->nfull) % NBATCH] = p->cur;
        p->nfull++;
    }
    p->cur = NULL;
    p->done = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Writer: the next full batch, or NULL when the reader is done. */
static struct ibatch *
take_full(struct ipipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfull == 0 && !p->done)
        pthread_cond_wait(&p->cond, &p->mu);
    struct ibatch *b = NULL;
    if (p->nfull > 0) {
        b = p->full[p->head];
        p->head = (p->head + 1) % NBATCH;
        p->nfull--;
    }
    pthread_mutex_unlock(&p->mu);
    return b;
}

/* Writer: b is written (or skipped); fail: stop the reader. */
static void
give_back(struct ipipe *p, struct ibatch *b, bool fail)
{
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = b;
    p->failed |= fail;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

int
import_invoices(struct imp *im, const char *path,
                struct csvin_report *report)
{
    struct csvin *in = csvin_open(path, import_invoice_cols,
                                  import_invoice_ncols, report);
    if (in == NULL)
        return -1;
    struct ipipe *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (int i = 0; i < NBATCH; i++) {
        p->batch[i].rows = xmalloc(BATCH_ROWS * sizeof *p->batch[i].rows);
        p->free[p->nfree++] = &p->batch[i];
    }
    p->im = im;
    p->in = in;
    im->pipe = p;
    apply_init(im);

    pthread_t reader;
    bool failed = false;
    int err = pthread_create(&reader, NULL, reader_main, p);
    if (err != 0) {
        csvin_error(in, NULL, -1, "cannot start the reader thread: %s",
                    strerror(err));
        failed = true;
    } else {
        struct ibatch *b;
        while ((b = take_full(p)) != NULL) {
            bool fail = !failed && apply_batch(im, in, b) < 0;
            failed |= fail;
            give_back(p, b, fail);
        }
        pthread_join(reader, NULL);
    }
    bool ok = !failed && p->read_rc == 0 && csvin_nerrors(in) == 0;
    if (apply_done(im, in, ok) < 0)
        failed = true;
    int rc = csvin_close(in);
    if (p->read_rc < 0 || failed)
        rc = -1;

    im->pipe = NULL;
    for (int i = 0; i < NBATCH; i++) {
        free(p->batch[i].rows);
        sbuf_free(&p->batch[i].text);
    }
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}
