/*
 * commit.c - the group commit and the order rule of the milter's
 * decisions; see commit.h and engine.h.
 *
 * One lock (ord.mu) guards the queue and the flags. The writer takes the
 * whole queue under it, decides there whether the batch goes to the
 * database or to the spool, and does the I/O without it; a batch the
 * database refuses for now is spooled before the writer role is given
 * back, so the next batch, which sees spool_pending, queues behind it.
 */
#include "commit.h"
#include "spool.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* How long decisions go straight to the spool after the database said
 * busy or could not be reached. */
#define RETRY_SECONDS 1

/* One decision waiting for the group commit. */
struct pending {
    struct engine_gen *g;
    const struct act_decision *d;
    struct act_result *res;
    struct commit_outcome *oc;
    bool done;
    struct pending *next;
};

/* The group-commit queue and the order rule, shared by all generations
 * (engine.h). Everything here is guarded by mu. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct pending *head, **tail;
    bool writing;       /* a thread holds the writer role */
    int swap_waiting;   /* the maintenance thread wants the role next */
    bool spooling;      /* the writer is appending to the spool */
    bool spool_pending; /* the spool may hold lines */
    time_t retry_at;    /* spool without trying until then */
} ord = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .tail = &ord.head,
};

#define BATCH_MAX 64

/*
 * write_db (writer role, ord.mu not held): apply the list in batches of
 * one generation each, on that generation's write connection. From the
 * first decision refused for now (ACT_RETRY) on, the rest are not tried:
 * they are ACT_RETRY too and go to the spool behind it. Returns whether
 * any was refused for now.
 */
static bool
write_db(struct pending *list)
{
    const struct act_decision *ds[BATCH_MAX];
    struct act_result res[BATCH_MAX];
    struct pending *ps[BATCH_MAX];
    int rcs[BATCH_MAX];
    bool busy = false;
    while (list) {
        struct engine_gen *g = list->g;
        char err[256] = "";
        int n = 0;
        for (; list && list->g == g && n < BATCH_MAX; list = list->next) {
            ps[n] = list;
            ds[n++] = list->d;
        }
        if (busy || g->db == NULL) {
            for (int i = 0; i < n; i++)
                rcs[i] = ACT_RETRY;
        } else {
            act_apply_batch(g->db->act, &g->params, ds, NULL, n, res, rcs, err,
                            sizeof err);
        }
        for (int i = 0; i < n; i++) {
            ps[i]->oc->rc = rcs[i];
            if (rcs[i] == ACT_OK && ps[i]->res)
                *ps[i]->res = res[i];
            if (rcs[i] == ACT_FAILED)
                snprintf(ps[i]->oc->err, sizeof ps[i]->oc->err, "%s", err);
            busy |= rcs[i] == ACT_RETRY;
        }
    }
    return busy;
}

/* keep_failed (writer role): decisions refused for good go to
 * SpoolFile.rejected, as the replay does with its own. */
static void
keep_failed(struct pending *list)
{
    for (struct pending *p = list; p; p = p->next) {
        if (p->oc->rc != ACT_FAILED)
            continue;
        char err[256];
        p->oc->kept =
            spool_reject(p->g->cfg.spool_file, p->d, err, sizeof err) == 0;
        if (!p->oc->kept)
            snprintf(p->oc->err + strlen(p->oc->err),
                     sizeof p->oc->err - strlen(p->oc->err),
                     "; cannot keep it: %s", err);
    }
}

/* spool_list (writer role): append every decision of the list not
 * applied for now (ACT_RETRY), in queue order, in one write. */
static void
spool_list(struct pending *list, const char *why)
{
    const struct act_decision *ds[BATCH_MAX];
    char err[256] = "";
    while (list) {
        struct pending *first = list;
        int n = 0;
        for (; list && n < BATCH_MAX; list = list->next)
            if (list->oc->rc == ACT_RETRY)
                ds[n++] = list->d;
        int rc = spool_append_batch(first->g->cfg.spool_file, ds, n, err,
                                    sizeof err);
        for (struct pending *p = first; p != list; p = p->next) {
            if (p->oc->rc != ACT_RETRY)
                continue;
            p->oc->why = why;
            p->oc->out = rc == 0 ? ENGINE_SPOOLED : ENGINE_FAILED;
            if (rc < 0)
                snprintf(p->oc->err, sizeof p->oc->err, "%s", err);
        }
    }
}

/*
 * write_role (ord.mu held on entry and exit): take everything queued and
 * write it, to the database or to the spool by the order rule of
 * engine.h, then hand every waiter its result.
 */
static void
write_role(void)
{
    ord.writing = true;
    struct pending *list = ord.head;
    ord.head = NULL;
    ord.tail = &ord.head;
    const char *why = NULL;
    if (ord.spool_pending || time(NULL) < ord.retry_at) {
        why = "older decisions wait in the spool";
        ord.spooling = true;
    }
    pthread_mutex_unlock(&ord.mu);
    if (why == NULL && write_db(list)) {
        why = "database busy or unavailable";
        pthread_mutex_lock(&ord.mu);
        ord.spooling = true;
        ord.retry_at = time(NULL) + RETRY_SECONDS;
        pthread_mutex_unlock(&ord.mu);
    }
    keep_failed(list);
    if (why)
        spool_list(list, why);
    pthread_mutex_lock(&ord.mu);
    if (why) {
        ord.spool_pending = true;
        ord.spooling = false;
    }
    for (struct pending *p = list; p; p = p->next) {
        if (p->oc->rc == ACT_OK)
            p->oc->out = ENGINE_APPLIED;
        else if (p->oc->rc == ACT_FAILED || p->oc->rc == ACT_DUPLICATE)
            p->oc->out = ENGINE_FAILED;
        p->done = true;
    }
    ord.writing = false;
    pthread_cond_broadcast(&ord.cond);
}

void
commit_start(bool spool_pending)
{
    pthread_mutex_lock(&ord.mu);
    ord.spool_pending = spool_pending;
    ord.retry_at = 0;
    pthread_mutex_unlock(&ord.mu);
}

void
commit_apply(struct engine_gen *g, const struct act_decision *d,
             struct act_result *res, struct commit_outcome *oc)
{
    struct pending p = {.g = g, .d = d, .res = res, .oc = oc};
    memset(oc, 0, sizeof *oc);
    oc->rc = ACT_RETRY;
    oc->out = ENGINE_FAILED;
    pthread_mutex_lock(&ord.mu);
    *ord.tail = &p;
    ord.tail = &p.next;
    /* The first thread to find no writer becomes the writer and commits
     * everything queued meanwhile in one transaction (group commit):
     * under load, one commit serves many messages instead of one each. */
    while (!p.done) {
        if (ord.writing || ord.swap_waiting)
            pthread_cond_wait(&ord.cond, &ord.mu);
        else
            write_role();
    }
    pthread_mutex_unlock(&ord.mu);
}

bool
commit_replay_due(void)
{
    pthread_mutex_lock(&ord.mu);
    bool due = ord.spool_pending && time(NULL) >= ord.retry_at;
    pthread_mutex_unlock(&ord.mu);
    return due;
}

struct engine_db *
commit_swap(struct engine_gen *g, struct engine_db *e)
{
    pthread_mutex_lock(&ord.mu);
    ord.swap_waiting++;
    while (ord.writing)
        pthread_cond_wait(&ord.cond, &ord.mu);
    ord.swap_waiting--;
    pthread_mutex_lock(&g->rdmu);
    struct engine_db *old = g->db;
    g->db = e;
    pthread_mutex_unlock(&g->rdmu);
    pthread_cond_broadcast(&ord.cond);
    pthread_mutex_unlock(&ord.mu);
    return old;
}

void
commit_caught_up(const char *path)
{
    struct stat sb;
    pthread_mutex_lock(&ord.mu);
    if (!ord.spooling && (stat(path, &sb) < 0 || sb.st_size == 0))
        ord.spool_pending = false;
    pthread_mutex_unlock(&ord.mu);
}
