/*
 * engine.c - generations, the reload rule, the database connections and
 * their upkeep, the lookups, the spool replay and the -n check of
 * relance-milter; see engine.h. The group commit is in commit.c.
 */
#include "engine.h"
#include "calendar.h"
#include "civil.h"
#include "commit.h"
#include "db.h"
#include "log.h"
#include "scenario.h"
#include "spool.h"
#include "tmpl.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* Replay passes run back to back while they make progress, at most: */
#define REPLAY_ROUNDS 8

static pthread_mutex_t cur_mu = PTHREAD_MUTEX_INITIALIZER;
static struct engine_gen *cur;

/*
 * The keys read at start only (engine.h): a reload keeps the running
 * value. The reload rule and `-n` both read this table. why says what
 * would go wrong if the value changed under running threads.
 */
static const struct {
    const char *key;
    size_t off; /* of the char * value in struct cfg */
    const char *why;
} start_only[] = {
    {"Timezone", offsetof(struct cfg, timezone),
     "the time zone is process-wide"},
    {"SpoolFile", offsetof(struct cfg, spool_file),
     "lines waiting in the running spool would be stranded"},
    {"Database", offsetof(struct cfg, database),
     "decisions spooled or queued for the running database would go to "
     "the new one"},
};
#define NSTART (sizeof start_only / sizeof start_only[0])

/* What the first load set and reloads keep, in the order of start_only.
 * Written by the first engine_load and by engine_stop, read by later
 * loads: one thread at a time (start-up, then the maintenance thread). */
static char *running[NSTART];

/* start_value: where c holds the value of start_only[i]. */
static char **
start_value(struct cfg *c, size_t i)
{
    return (char **)((char *)c + start_only[i].off);
}

/* Maintenance thread's own connection for spool replay, so a long replay
 * never holds the connections the mail path uses. */
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
edb_free(struct engine_db *e)
{
    if (e == NULL)
        return;
    lookup_db_free(&e->rl);
    db_close(e->rdb);
    act_free(e->act);
    db_close(e->wdb);
    free(e);
}

/* edb_open opens the two connections of g's database, with no lock held
 * (it may wait BusyTimeoutMs); NULL with err if unavailable. */
static struct engine_db *
edb_open(const struct engine_gen *g, char *err, size_t errlen)
{
    const char *path = g->cfg.database;
    int busy = g->cfg.busy_timeout_ms;
    struct engine_db *e = xcalloc(1, sizeof *e);
    struct stat sb;
    e->wdb = db_open(path, 0, busy, err, errlen);
    e->act = e->wdb ? act_new(e->wdb, err, errlen) : NULL;
    e->rdb = e->act ? db_open(path, 0, busy, err, errlen) : NULL;
    if (e->rdb == NULL ||
        lookup_db_init(&e->rl, e->rdb, &e->lk, err, errlen) < 0) {
        edb_free(e);
        return NULL;
    }
    if (stat(path, &sb) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        edb_free(e);
        return NULL;
    }
    e->dev = sb.st_dev;
    e->ino = sb.st_ino;
    return e;
}

static void
gen_free(struct engine_gen *g)
{
    if (g == NULL)
        return;
    edb_free(g->db);
    pthread_mutex_destroy(&g->rdmu);
    classifier_free(g->cls);
    calendar_free(g->cal);
    cfg_free(&g->cfg);
    free(g);
}

/*
 * keep_running applies the reload rule of engine.h to a freshly read
 * config: the first load sets the time zone and records the start-only
 * values; later loads get the recorded values back, with a warning
 * naming each key the file changed. -1 with err if the zone is unknown.
 */
static int
keep_running(struct cfg *c, const char *path, char *err, size_t errlen)
{
    if (running[0] == NULL) {
        if (clock_set_timezone(c->timezone) < 0) {
            snprintf(err, errlen, "%s: Timezone %s is unknown", path,
                     c->timezone);
            return -1;
        }
        for (size_t i = 0; i < NSTART; i++)
            running[i] = xstrdup(*start_value(c, i));
        return 0;
    }
    for (size_t i = 0; i < NSTART; i++) {
        char **value = start_value(c, i);
        if (strcmp(*value, running[i]) == 0)
            continue;
        msg_warn("%s: %s %s is not applied by a reload (%s); the milter "
                 "keeps %s: restart it to apply the change",
                 path, start_only[i].key, *value, start_only[i].why,
                 running[i]);
        free(*value);
        *value = xstrdup(running[i]);
    }
    return 0;
}

struct engine_gen *
engine_load(const char *path, char *err, size_t errlen)
{
    struct engine_gen *g = xcalloc(1, sizeof *g);
    char why[1024];
    pthread_mutex_init(&g->rdmu, NULL);
    g->refs = 1;
    if (cfg_load(&g->cfg, path, err, errlen) < 0)
        goto fail;
    if (cfg_require(&g->cfg, err, errlen, "Database", "Socket", "RulesDir",
                    "Domain", "SecretFile", "SpoolFile", NULL) < 0)
        goto fail;
    if (keep_running(&g->cfg, path, err, errlen) < 0)
        goto fail;
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
    g->db = edb_open(g, why, sizeof why);
    if (g->db == NULL)
        msg_warn("database unavailable, decisions will be spooled to %s "
                 "until it is: %s",
                 g->cfg.spool_file, why);
    return g;
fail:
    gen_free(g);
    return NULL;
}

void
engine_start(struct engine_gen *g)
{
    struct stat sb;
    commit_start(stat(g->cfg.spool_file, &sb) == 0 && sb.st_size > 0);
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
    for (size_t i = 0; i < NSTART; i++) {
        free(running[i]);
        running[i] = NULL;
    }
}

/* Lookup callbacks for the classifier: the ones of lookup.h on the
 * generation's lookup connection, each call under rdmu. */
static bool
lk_invoice(void *ctx, const char *number, char *client_out)
{
    struct engine_gen *g = ctx;
    bool ok = false;
    *client_out = '\0';
    pthread_mutex_lock(&g->rdmu);
    if (g->db)
        ok = g->db->lk.invoice_exists(g->db->lk.ctx, number, client_out);
    pthread_mutex_unlock(&g->rdmu);
    return ok;
}

static bool
lk_client(void *ctx, const char *address, char *client_out)
{
    struct engine_gen *g = ctx;
    bool ok = false;
    *client_out = '\0';
    pthread_mutex_lock(&g->rdmu);
    if (g->db)
        ok = g->db->lk.client_of_address(g->db->lk.ctx, address, client_out);
    pthread_mutex_unlock(&g->rdmu);
    return ok;
}

static int
lk_token(void *ctx, const char *token, char (*numbers)[CLASSIFY_NUMBER_MAX],
         int max, char *client_out)
{
    struct engine_gen *g = ctx;
    int n = -1;
    *client_out = '\0';
    pthread_mutex_lock(&g->rdmu);
    if (g->db)
        n = g->db->lk.token_invoices(g->db->lk.ctx, token, numbers, max,
                                     client_out);
    pthread_mutex_unlock(&g->rdmu);
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

int
engine_apply(struct engine_gen *g, const struct act_decision *d,
             struct act_result *res)
{
    struct commit_outcome oc;
    commit_apply(g, d, res, &oc);
    if (oc.out != ENGINE_FAILED) {
        if (oc.out == ENGINE_SPOOLED)
            msg_debug("%s: spooled (%s)", d->queue_id, oc.why);
        return oc.out;
    }
    struct sbuf line = {0};
    spool_format(d, &line);
    if (oc.rc == ACT_RETRY)
        msg_warn("%s: cannot spool (%s) nor apply (%s); decision: %s",
                 d->queue_id, oc.err, oc.why, sbuf_cstr(&line));
    else if (oc.kept)
        msg_warn("%s: decision refused by the database (%s), kept in "
                 "%s.rejected",
                 d->queue_id, oc.err, g->cfg.spool_file);
    else
        msg_warn("%s: decision refused by the database (%s); decision: %s",
                 d->queue_id, oc.err, sbuf_cstr(&line));
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

/* db_gone: the database file was removed or replaced under e. */
static bool
db_gone(const struct engine_gen *g, const struct engine_db *e)
{
    struct stat sb;
    return stat(g->cfg.database, &sb) < 0 || sb.st_dev != e->dev ||
           sb.st_ino != e->ino;
}

/* maintain_db (maintenance thread, the only one that changes g->db, so
 * it reads g->db without a lock): drop connections to a file that was
 * removed or replaced, open them again when possible. */
static void
maintain_db(struct engine_gen *g)
{
    char err[512];
    if (g->db && db_gone(g, g->db)) {
        msg_warn("database %s removed or replaced; reopening", g->cfg.database);
        edb_free(commit_swap(g, NULL));
        rep_close(); /* the replay connection points to the old file too */
    }
    if (g->db == NULL) {
        struct engine_db *e = edb_open(g, err, sizeof err);
        if (e) {
            edb_free(commit_swap(g, e));
            msg_info("database %s available again", g->cfg.database);
        }
    }
}

static void
replay(struct engine_gen *g)
{
    char err[512];
    struct stat sb;
    if (stat(g->cfg.spool_file, &sb) < 0 || sb.st_size == 0) {
        commit_caught_up(g->cfg.spool_file);
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
    /* Under a steady flow of mail, lines arrive while a pass runs: go
     * again at once while passes make progress, so the spool empties
     * and decisions can go to the database again. */
    int rc = 1;
    for (int round = 0; rc == 1 && round < REPLAY_ROUNDS; round++) {
        struct spool_stats st;
        rc = spool_replay(g->cfg.spool_file, rep.act, &g->params, log_replayed,
                          NULL, &st, err, sizeof err);
        if (rc < 0)
            msg_warn("spool replay: %s", err);
        if (st.applied || st.rejected)
            msg_info("spool: %d applied, %d already applied, %d rejected, "
                     "%d left",
                     st.applied, st.duplicate, st.rejected, st.left);
        if (st.applied + st.duplicate + st.rejected == 0)
            break;
    }
    if (rc == 0)
        commit_caught_up(g->cfg.spool_file);
}

void
engine_maintain(void)
{
    struct engine_gen *g = engine_acquire();
    if (rep.gen != g)
        rep_close(); /* reloaded: let the old generation go */
    maintain_db(g);
    if (g->db && commit_replay_due())
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
    if (bad == 0) {
        printf("relance-milter: %s: configuration, rules and templates OK\n",
               path);
        /* A running milter keeps these through a reload (engine.h): say
         * which of the values checked here need a restart. */
        printf("relance-milter: read at start only, a reload keeps the "
               "running value (restart to change it):");
        for (size_t i = 0; i < NSTART; i++)
            printf("%s %s %s", i ? "," : "", start_only[i].key,
                   *start_value(&g->cfg, i));
        printf("\n");
    }
    gen_free(g);
    return bad ? EX_CONFIG : 0;
}
