/*
 * engine.c - generations, the shared database connection, the spool and
 * the -n check of relance-milter; see engine.h.
 */
#include "engine.h"
#include "calendar.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "scenario.h"
#include "spool.h"
#include "tmpl.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* How long decisions go straight to the spool after the database said
 * busy or could not be reached. */
#define RETRY_SECONDS 1

static pthread_mutex_t cur_mu = PTHREAD_MUTEX_INITIALIZER;
static struct engine_gen *cur;

/* Maintenance thread's own connection for spool replay, so a long replay
 * never holds the connection the mail path uses. */
static struct {
    struct engine_gen *gen; /* the generation it was opened for */
    sqlite3 *db;
    struct act *act;
} rep;

/* rep_close lets the replay connection and its generation go. */
static void
rep_close(void)
{
    if (rep.gen == NULL)
        return;
    act_free(rep.act);
    db_close(rep.db);
    engine_release(rep.gen);
    memset(&rep, 0, sizeof rep);
}

static void
close_db(struct engine_gen *g)
{
    act_free(g->act);
    g->act = NULL;
    db_close(g->db);
    g->db = NULL;
}

/* open_db (dbmu held or not yet shared): open the database and prepare
 * the statements; -1 with err if unavailable. */
static int
open_db(struct engine_gen *g, char *err, size_t errlen)
{
    g->db = db_open(g->cfg.database, 0, g->cfg.busy_timeout_ms, err, errlen);
    if (g->db == NULL)
        return -1;
    g->act = act_new(g->db, err, errlen);
    if (g->act)
        act_lookup(g->act, &g->lk);
    struct stat sb;
    if (g->act == NULL || stat(g->cfg.database, &sb) < 0) {
        close_db(g);
        return -1;
    }
    g->db_dev = sb.st_dev;
    g->db_ino = sb.st_ino;
    return 0;
}

static void
gen_free(struct engine_gen *g)
{
    if (g == NULL)
        return;
    close_db(g);
    pthread_mutex_destroy(&g->dbmu);
    pthread_mutex_destroy(&g->qmu);
    pthread_cond_destroy(&g->qcond);
    classifier_free(g->cls);
    calendar_free(g->cal);
    cfg_free(&g->cfg);
    free(g);
}

struct engine_gen *
engine_load(const char *path, char *err, size_t errlen)
{
    struct engine_gen *g = xcalloc(1, sizeof *g);
    char why[1024];
    pthread_mutex_init(&g->dbmu, NULL);
    pthread_mutex_init(&g->qmu, NULL);
    pthread_cond_init(&g->qcond, NULL);
    g->qtail = &g->qhead;
    g->refs = 1;
    if (cfg_load(&g->cfg, path, err, errlen) < 0)
        goto fail;
    if (cfg_require(&g->cfg, err, errlen, "Database", "Socket", "RulesDir",
                    "Domain", "SecretFile", "SpoolFile", NULL) < 0)
        goto fail;
    if (clock_set_timezone(g->cfg.timezone) < 0) {
        snprintf(err, errlen, "%s: Timezone %s is unknown", path,
                 g->cfg.timezone);
        goto fail;
    }
    if (token_load_key(&g->key, g->cfg.secret_file, err, errlen) < 0)
        goto fail;
    g->cal = calendar_new(g->cfg.holidays == HOLIDAYS_ALSACE_MOSELLE,
                          g->cfg.closure_dates, why, sizeof why);
    if (g->cal == NULL) {
        snprintf(err, errlen, "%s: ClosureDates: %s", path, why);
        goto fail;
    }
    /* InternalDomains empty means the domain of From (cfg.h). */
    char from_domain[256] = "";
    const char *at = strrchr(g->cfg.from, '@');
    if (at)
        snprintf(from_domain, sizeof from_domain, "%.*s",
                 (int)strcspn(at + 1, "> \t\""), at + 1);
    struct classify_conf cc = {
        .rules_dir = g->cfg.rules_dir,
        .key = &g->key,
        .domain = g->cfg.domain,
        .reply_to = g->cfg.reply_to,
        .finance_address = g->cfg.finance_address,
        .from = g->cfg.from,
        .internal_domains =
            *g->cfg.internal_domains ? g->cfg.internal_domains : from_domain,
    };
    g->cls = classifier_load(&cc, err, errlen);
    if (g->cls == NULL)
        goto fail;
    g->params = (struct act_params){
        .cal = g->cal,
        .reply_pause_days = g->cfg.reply_pause_days,
        .promise_grace_days = g->cfg.promise_grace_days,
        .promise_default_days = g->cfg.promise_default_days,
        .manual_contact_hold_days = g->cfg.manual_contact_hold_days,
    };
    if (open_db(g, why, sizeof why) < 0) {
        msg_warn("database unavailable, decisions will be spooled to %s "
                 "until it is: %s",
                 g->cfg.spool_file, why);
        g->retry_at = time(NULL) + RETRY_SECONDS;
    }
    struct stat sb;
    g->spool_pending = stat(g->cfg.spool_file, &sb) == 0 && sb.st_size > 0;
    return g;
fail:
    gen_free(g);
    return NULL;
}

void
engine_start(struct engine_gen *g)
{
    pthread_mutex_lock(&cur_mu);
    cur = g;
    pthread_mutex_unlock(&cur_mu);
}

struct engine_gen *
engine_acquire(void)
{
    pthread_mutex_lock(&cur_mu);
    struct engine_gen *g = cur;
    g->refs++;
    pthread_mutex_unlock(&cur_mu);
    return g;
}

void
engine_release(struct engine_gen *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&cur_mu);
    bool last = --g->refs == 0;
    pthread_mutex_unlock(&cur_mu);
    if (last)
        gen_free(g);
}

int
engine_reload(const char *path)
{
    char err[1024];
    struct engine_gen *g = engine_load(path, err, sizeof err);
    if (g == NULL) {
        msg_warn("reload failed, keeping the running configuration: %s", err);
        return -1;
    }
    pthread_mutex_lock(&cur_mu);
    struct engine_gen *old = cur;
    cur = g;
    pthread_mutex_unlock(&cur_mu);
    engine_release(old);
    msg_info("configuration and rules reloaded from %s", path);
    return 0;
}

void
engine_stop(void)
{
    pthread_mutex_lock(&cur_mu);
    struct engine_gen *old = cur;
    cur = NULL;
    pthread_mutex_unlock(&cur_mu);
    rep_close();
    engine_release(old);
}

/* Lookup callbacks for the classifier: the ones of lookup.h on the shared
 * connection (act_lookup), each call under the mutex. */
static bool
lk_invoice(void *ctx, const char *number, char *client_out)
{
    struct engine_gen *g = ctx;
    bool ok = false;
    *client_out = '\0';
    pthread_mutex_lock(&g->dbmu);
    if (g->act)
        ok = g->lk.invoice_exists(g->lk.ctx, number, client_out);
    pthread_mutex_unlock(&g->dbmu);
    return ok;
}

static bool
lk_client(void *ctx, const char *address, char *client_out)
{
    struct engine_gen *g = ctx;
    bool ok = false;
    *client_out = '\0';
    pthread_mutex_lock(&g->dbmu);
    if (g->act)
        ok = g->lk.client_of_address(g->lk.ctx, address, client_out);
    pthread_mutex_unlock(&g->dbmu);
    return ok;
}

static int
lk_token(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
         int max, char *client_out)
{
    struct engine_gen *g = ctx;
    int n = -1;
    *client_out = '\0';
    pthread_mutex_lock(&g->dbmu);
    if (g->act)
        n = g->lk.token_invoices(g->lk.ctx, token, numbers, max, client_out);
    pthread_mutex_unlock(&g->dbmu);
    return n;
}

void
engine_lookup(struct engine_gen *g, struct classify_lookup *lk)
{
    lk->ctx = g;
    lk->invoice_exists = lk_invoice;
    lk->client_of_address = lk_client;
    lk->token_invoices = lk_token;
}

/* One decision waiting for the group commit. */
struct pending {
    const struct act_decision *d;
    struct act_result *res;
    int rc;
    bool done;
    struct pending *next;
};

#define BATCH_MAX 64

/* write_batch (writer only, qmu not held): apply the list in batches on
 * the shared connection. */
static void
write_batch(struct engine_gen *g, struct pending *list)
{
    const struct act_decision *ds[BATCH_MAX];
    struct act_result res[BATCH_MAX];
    struct pending *ps[BATCH_MAX];
    int rcs[BATCH_MAX];
    char err[512] = "";
    pthread_mutex_lock(&g->dbmu);
    while (list) {
        int n = 0;
        for (; list && n < BATCH_MAX; list = list->next, n++) {
            ps[n] = list;
            ds[n] = list->d;
        }
        if (g->act == NULL) {
            for (int i = 0; i < n; i++)
                rcs[i] = ACT_RETRY;
        } else {
            act_apply_batch(g->act, &g->params, ds, NULL, n, res, rcs, err,
                            sizeof err);
        }
        for (int i = 0; i < n; i++) {
            ps[i]->rc = rcs[i];
            if (rcs[i] == ACT_OK && ps[i]->res)
                *ps[i]->res = res[i];
            if (rcs[i] == ACT_FAILED)
                msg_warn("%s: %s", ds[i]->queue_id, err);
        }
    }
    pthread_mutex_unlock(&g->dbmu);
}

/*
 * apply_grouped: queue p and wait until it is written. The first thread
 * to find no writer becomes the writer and commits everything queued
 * meanwhile in one transaction (group commit): under load, one commit
 * serves many messages instead of one each.
 */
static void
apply_grouped(struct engine_gen *g, struct pending *p)
{
    *g->qtail = p;
    g->qtail = &p->next;
    while (!p->done) {
        if (g->writing) {
            pthread_cond_wait(&g->qcond, &g->qmu);
            continue;
        }
        g->writing = true;
        struct pending *list = g->qhead;
        g->qhead = NULL;
        g->qtail = &g->qhead;
        pthread_mutex_unlock(&g->qmu);
        write_batch(g, list);
        pthread_mutex_lock(&g->qmu);
        for (struct pending *q = list; q; q = q->next) {
            q->done = true;
            if (q->rc == ACT_RETRY) {
                g->retry_at = time(NULL) + RETRY_SECONDS;
                g->spool_pending = true;
            }
        }
        g->writing = false;
        pthread_cond_broadcast(&g->qcond);
    }
}

int
engine_apply(struct engine_gen *g, const struct act_decision *d,
             struct act_result *res)
{
    struct pending p = {.d = d, .res = res, .rc = ACT_RETRY};
    const char *why = "database busy";
    pthread_mutex_lock(&g->qmu);
    /* While older decisions wait in the spool, newer ones queue behind
     * them so that they are applied in the order seen. */
    if (g->spool_pending || time(NULL) < g->retry_at) {
        why = "spool not empty or database unavailable";
        g->spool_pending = true;
    } else {
        apply_grouped(g, &p);
    }
    pthread_mutex_unlock(&g->qmu);
    if (p.rc == ACT_OK)
        return ENGINE_APPLIED;
    struct sbuf line = {0};
    spool_format(d, &line);
    if (p.rc == ACT_RETRY) {
        char serr[512];
        if (spool_append(g->cfg.spool_file, d, serr, sizeof serr) == 0) {
            /* Raise the flag again now that the line is in the file: a
             * replay may have found the file empty and cleared it between
             * our unlock above and the append, which would leave this
             * line waiting for the next busy spell. */
            pthread_mutex_lock(&g->qmu);
            g->spool_pending = true;
            pthread_mutex_unlock(&g->qmu);
            sbuf_free(&line);
            msg_debug("%s: spooled (%s)", d->queue_id, why);
            return ENGINE_SPOOLED;
        }
        msg_warn("%s: cannot spool (%s) nor apply (%s); decision: %s",
                 d->queue_id, serr, why, sbuf_cstr(&line));
    } else {
        msg_warn("%s: decision not applicable: %s", d->queue_id,
                 sbuf_cstr(&line));
    }
    sbuf_free(&line);
    return ENGINE_FAILED;
}

static void
log_replayed(void *arg, const struct act_decision *d,
             const struct act_result *res)
{
    msg_info("%s: applied from spool: %s invoices=%d", d->queue_id,
             act_kind_name(d->kind), res->ninvoices);
}

/* db_gone: the database file was removed or replaced under us. */
static bool
db_gone(struct engine_gen *g)
{
    struct stat sb;
    return stat(g->cfg.database, &sb) < 0 || sb.st_dev != g->db_dev ||
           sb.st_ino != g->db_ino;
}

static void
maintain_db(struct engine_gen *g)
{
    char err[512];
    bool gone = false;
    pthread_mutex_lock(&g->dbmu);
    if (g->db && db_gone(g)) {
        msg_warn("database %s removed or replaced; reopening", g->cfg.database);
        close_db(g);
        gone = true;
    }
    if (g->db == NULL && open_db(g, err, sizeof err) == 0)
        msg_info("database %s available again", g->cfg.database);
    pthread_mutex_unlock(&g->dbmu);
    if (gone)
        rep_close(); /* the replay connection points to the old file too */
}

static void
replay(struct engine_gen *g)
{
    char err[512];
    struct stat sb;
    if (stat(g->cfg.spool_file, &sb) < 0 || sb.st_size == 0) {
        pthread_mutex_lock(&g->qmu);
        /* Re-check under the lock: a writer may have just appended. */
        if (stat(g->cfg.spool_file, &sb) < 0 || sb.st_size == 0)
            g->spool_pending = false;
        pthread_mutex_unlock(&g->qmu);
        return;
    }
    if (rep.gen != g) {
        rep_close();
        rep.db = db_open(g->cfg.database, 0, g->cfg.busy_timeout_ms, err,
                         sizeof err);
        rep.act = rep.db ? act_new(rep.db, err, sizeof err) : NULL;
        if (rep.act == NULL) {
            db_close(rep.db);
            rep.db = NULL;
            return;
        }
        rep.gen = g;
        pthread_mutex_lock(&cur_mu);
        g->refs++; /* the replay connection keeps its generation alive */
        pthread_mutex_unlock(&cur_mu);
    }
    struct spool_stats st;
    int rc = spool_replay(g->cfg.spool_file, rep.act, &g->params, log_replayed,
                          NULL, &st, err, sizeof err);
    if (rc < 0)
        msg_warn("spool replay: %s", err);
    if (st.applied || st.rejected)
        msg_info("spool: %d applied, %d already applied, %d rejected, %d "
                 "left",
                 st.applied, st.duplicate, st.rejected, st.left);
    if (rc == 0) {
        /* Empty now: new decisions may go to the database again, unless
         * a writer appended meanwhile (then the next pass takes it). */
        pthread_mutex_lock(&g->qmu);
        if (stat(g->cfg.spool_file, &sb) == 0 && sb.st_size == 0)
            g->spool_pending = false;
        pthread_mutex_unlock(&g->qmu);
    }
}

void
engine_maintain(void)
{
    struct engine_gen *g = engine_acquire();
    if (rep.gen != g)
        rep_close(); /* reloaded: let the old generation go */
    maintain_db(g);
    pthread_mutex_lock(&g->qmu);
    bool due = g->spool_pending && time(NULL) >= g->retry_at;
    pthread_mutex_unlock(&g->qmu);
    if (due && g->db)
        replay(g);
    engine_release(g);
}

static int
check_dir_writable(const char *what, const char *path)
{
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    int rc = access(dir, W_OK | X_OK);
    if (rc < 0)
        fprintf(stderr, "relance-milter: %s: folder %s is not writable: %s\n",
                what, dir, strerror(errno));
    free(copy);
    return rc;
}

int
engine_check(const char *path)
{
    char err[1024];
    int bad = 0;
    struct engine_gen *g = engine_load(path, err, sizeof err);
    if (g == NULL) {
        fprintf(stderr, "relance-milter: %s\n", err);
        return EX_CONFIG;
    }
    if (g->db == NULL) {
        sqlite3 *db = db_open(g->cfg.database, 0, 1000, err, sizeof err);
        if (db == NULL) {
            fprintf(stderr, "relance-milter: %s\n", err);
            bad++;
        }
        db_close(db);
    }
    bad += check_dir_writable("Database", g->cfg.database) < 0;
    bad += check_dir_writable("SpoolFile", g->cfg.spool_file) < 0;
    char *dir = xasprintf("%s/scenarios", g->cfg.rules_dir);
    struct scenario_set scn;
    memset(&scn, 0, sizeof scn);
    if (scenario_load_dir(&scn, dir, err, sizeof err) < 0) {
        fprintf(stderr, "relance-milter: %s\n", err);
        bad++;
    }
    free(dir);
    dir = xasprintf("%s/templates", g->cfg.rules_dir);
    struct tmpl_set *t = tmpl_load_dir(dir, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "relance-milter: %s\n", err);
        bad++;
    } else if (tmpl_check_scenarios(t, &scn, err, sizeof err) < 0) {
        fprintf(stderr, "relance-milter: %s\n", err);
        bad++;
    }
    tmpl_set_free(t);
    scenario_set_free(&scn);
    free(dir);
    gen_free(g);
    if (bad)
        return EX_CONFIG;
    printf("relance-milter: %s: configuration, rules and templates OK\n", path);
    return 0;
}
