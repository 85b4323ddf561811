/*
 * w_pass.c - one pass of the worker (relance-worker.c calls it once with
 * --once, every WorkerInterval seconds otherwise):
 *
 *   1. reconcile messages left 'submitting' by a previous run (outbox.h);
 *   2. read clients and invoices, plan (lib/sched), resume invoices
 *      whose pause has ended (status open + 'resume' event);
 *   3. compose each planned message and record it 'queued' with its
 *      reminders rows (the step advances here, before any sending);
 *   4. compose pending notices (table notices) for staff, record them;
 *   5. run SmsCommand for queued texts (w_sms.c), then submit what is
 *      queued (w_send.c): reminders and texts only on business days
 *      inside SendWindow, notices at any time.
 *
 * Mode dry-run does 2-4 without any database write and writes each
 * message as an .eml file into DryRunDir instead of recording it.
 */
#include "w.h"
#include "calendar.h"
#include "civil.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void
log_msg(const char *what, const struct w_msg *m, const char *extra)
{
    msg_info("worker: %s msgid=<%s> client=%s invoices=%s step=%s%s%s", what,
             m->message_id, m->client_id ? m->client_id : "-",
             m->invoices && m->invoices[0] ? m->invoices : "-",
             m->step ? m->step : "-", extra ? " " : "", extra ? extra : "");
}

/* Dry-run: the message as a file for review; nothing else changes. */
static void
write_eml(const struct worker *w, const struct w_msg *m, int seq)
{
    char day[11];
    civil_format_iso(clock_local_day(clock_now()), day);
    struct sbuf name = {0};
    sbuf_addf(&name, "%s/%s-%04d-%s-%s.eml", w->cfg.dry_run_dir, day, seq,
              m->client_id ? m->client_id : "staff", m->step ? m->step : "");
    /* Client ids come from a CSV: keep the file name tame. */
    for (char *p = name.s + strlen(w->cfg.dry_run_dir) + 1; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20)
            *p = '_';
    mkdir(w->cfg.dry_run_dir, 0750);
    FILE *f = fopen(name.s, "w");
    if (f == NULL || fwrite(m->body, 1, m->len, f) != m->len ||
        fclose(f) != 0) {
        msg_warn("worker: dry-run: cannot write %s: %s", name.s,
                 strerror(errno));
    } else {
        char *extra = xasprintf("file=%s", name.s);
        log_msg("dry-run", m, extra);
        free(extra);
    }
    sbuf_free(&name);
}

static int
apply_resumes(sqlite3 *db, const struct planload_data *d,
              const struct sched_plan *p)
{
    if (p->nresumes == 0)
        return 0;
    if (db_begin(db) < 0)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "UPDATE invoices SET status = 'open', paused_until = NULL,"
            " status_reason = NULL WHERE number = ?"
            " AND status IN ('paused', 'promised', 'hold')",
            -1, &st, NULL) != SQLITE_OK) {
        db_rollback(db);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < p->nresumes && rc == 0; i++) {
        const struct sched_invoice *inv = &d->si[p->resumes[i]];
        sqlite3_reset(st);
        db_bind_text(st, 1, inv->number);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = -1;
        else if (sqlite3_changes(db) == 1)
            rc = db_event(db, NULL, "resume", inv->number,
                          d->sc[inv->client].id, NULL, NULL, "worker",
                          "pause ended") ? -1 : 0;
    }
    sqlite3_finalize(st);
    if (rc == 0 && db_commit(db) == 0)
        return 0;
    db_rollback(db);
    return -1;
}

int64_t
w_record(const struct worker *w, struct outbox *ob, struct w_msg *m,
         const int64_t *notices, size_t nn)
{
    struct outbox_new n = {
        .message_id = m->message_id, .token = m->token,
        .client_id = m->client_id, .kind = m->kind, .channel = m->channel,
        .mail_from = w->from_addr, .recipients = m->recipients,
        .subject = m->subject, .body = m->body, .len = m->len};
    char err[512];
    time_t now = clock_now();
    int64_t id = outbox_record(ob, &n, m->rem, m->nrem, notices, nn, now,
                               err, sizeof err);
    if (id < 0) {
        msg_warn("worker: client %s: not recorded: %s",
                 m->client_id ? m->client_id : "-", err);
        return -1;
    }
    log_msg("queued", m, NULL);
    /* The reminder goes without a missing PDF; finance is told, one
     * notice per invoice (kind missing_pdf, text = the expected file). */
    for (char *line = m->missing_pdf, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        char *tab = strchr(line, '\t');
        if (nl == NULL || tab == NULL || tab > nl)
            break;
        *nl = *tab = '\0';
        char *subject = xasprintf("PDF manquant / missing PDF: %s", line);
        msg_warn("worker: msgid=<%s> client=%s invoice=%s missing PDF %s",
                 m->message_id, m->client_id, line, tab + 1);
        outbox_notice(ob, now, "missing_pdf", "finance", line, m->client_id,
                      subject, tab + 1);
        free(subject);
    }
    return id;
}

static void
plan_and_record(const struct worker *w, sqlite3 *db, struct outbox *ob,
                bool dry, int *seq)
{
    struct planload_data d;
    if (planload_read(db, &w->scn, clock_local_day(clock_now()), &d) < 0)
        return;
    time_t now = clock_now();
    struct sched_now sn = {
        .today = clock_local_day(now), .minute = clock_local_minute(now),
        .window_start = w->cfg.send_start_min,
        .window_end = w->cfg.send_end_min,
        .min_gap_days = w->cfg.min_gap_days, .cal = w->cal};
    struct sched_plan p;
    sched_plan(d.sc, d.nclients, d.si, d.ninvoices, &sn, &p);
    msg_debug("worker: plan: %zu invoices, %zu messages, %zu resumes, "
              "closed=%d", d.ninvoices, p.nmsgs, p.nresumes, p.closed);
    if (!dry && apply_resumes(db, &d, &p) < 0)
        msg_warn("worker: could not resume invoices: %s", sqlite3_errmsg(db));
    if (!dry)
        w_people_apply(db, ob, &d, &p);
    w_sms_plan(w, ob, &d, &p, sn.today, dry, seq);
    /* The daily digest, then thank-you messages, ahead of the plan's
     * messages (w_digest.c). */
    struct w_thanks th = {0};
    struct w_msg *first = NULL;
    size_t nfirst = p.closed ? 0 : w_before_send(w, db, &d, &p, &sn, &th,
                                                 &first);
    for (size_t i = 0; i < nfirst; i++) {
        if (dry)
            write_eml(w, &first[i], ++*seq);
        else
            w_record(w, ob, &first[i], NULL, 0);
        w_msg_free(&first[i]);
    }
    free(first);
    w_thanks_free(&th);
    for (size_t i = 0; i < p.nmsgs && !w_stopping(); i++) {
        struct w_msg m;
        if (w_compose_plan(w, &d, &p.msgs[i], sn.today, &m) == 0) {
            if (dry) {
                write_eml(w, &m, ++*seq);
            } else {
                w_record(w, ob, &m, NULL, 0);
                w_letter_write(w, db, &d, &p.msgs[i], sn.today, &m);
            }
        }
        w_msg_free(&m);
    }
    sched_plan_free(&p);
    planload_free(&d);
}

static void
notices(const struct worker *w, sqlite3 *db, struct outbox *ob, bool dry,
        int *seq)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT n.id, n.kind, n.audience, n.invoice, n.client_id,"
            " n.subject, n.text, c.account_manager_email, n.created_at,"
            " c.name"
            " FROM notices n LEFT JOIN clients c ON c.id = n.client_id"
            " WHERE n.message IS NULL ORDER BY n.id LIMIT 1000",
            -1, &st, NULL) != SQLITE_OK) {
        msg_warn("worker: notices: %s", sqlite3_errmsg(db));
        return;
    }
    int today = clock_local_day(clock_now());
    /* Read all first: recording writes to the same table. */
    struct row {
        struct w_notice n;
        char *s[9];
    } *rows = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        struct row *r = &rows[n++];
        for (int k = 0; k < 9; k++) {
            const char *t = (const char *)sqlite3_column_text(st, k + 1);
            r->s[k] = t ? xstrdup(t) : NULL;
        }
        time_t at;
        r->n = (struct w_notice){
            .id = sqlite3_column_int64(st, 0), .kind = r->s[0],
            .audience = r->s[1], .invoice = r->s[2], .client_id = r->s[3],
            .subject = r->s[4] ? r->s[4] : "", .text = r->s[5] ? r->s[5] : "",
            .manager_email = r->s[6], .client_name = r->s[8],
            .created_day = r->s[7] && clock_parse_utc(r->s[7], &at) == 0
                               ? clock_local_day(at) : today};
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        struct w_msg m;
        if (!w_stopping() && w_compose_notice(w, &rows[i].n, today, &m) == 0) {
            if (dry)
                write_eml(w, &m, ++*seq);
            else
                w_record(w, ob, &m, &rows[i].n.id, 1);
        }
        w_msg_free(&m);
        for (int k = 0; k < 9; k++)
            free(rows[i].s[k]);
    }
    free(rows);
}

/*
 * One writing worker per database at a time (a cron --once beside the
 * daemon, say): the outbox states would stay exactly-once anyway (a row
 * goes to 'submitting' once), but the second would only get in the way.
 * Returns the locked descriptor, or -1 when another worker holds it.
 */
static int
pass_lock(const struct worker *w)
{
    char *path = xasprintf("%s.worker-lock", w->cfg.database);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        msg_warn("worker: %s: %s", path, strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        msg_warn("worker: another relance-worker is working on %s; "
                 "skipping this pass", w->cfg.database);
        close(fd);
        fd = -1;
    }
    free(path);
    return fd;
}

int
w_pass(const struct worker *w)
{
    char err[1024];
    bool dry = w->cfg.mode == MODE_DRY_RUN;
    int lock = dry ? -2 : pass_lock(w);
    if (lock == -1)
        return -1;
    sqlite3 *db = db_open(w->cfg.database, dry ? DB_READONLY : 0, 30000, err,
                          sizeof err);
    if (db == NULL) {
        msg_warn("worker: %s", err);
        if (lock >= 0)
            close(lock);
        return -1;
    }
    struct outbox *ob = dry ? NULL : outbox_open(db);
    int seq = 0;
    if (!dry) {
        struct outbox_stats st;
        if (outbox_reconcile(ob, clock_now(), &st) == 0 &&
            (st.sent || st.uncertain))
            msg_info("worker: reconcile: %d sent (milter evidence), %d "
                     "uncertain, %d still queued", st.sent, st.uncertain,
                     st.queued);
    }
    plan_and_record(w, db, ob, dry, &seq);
    time_t now = clock_now();
    int today = clock_local_day(now), minute = clock_local_minute(now);
    bool open = calendar_is_business_day(w->cal, today) &&
                minute >= w->cfg.send_start_min &&
                minute < w->cfg.send_end_min;
    /* Texts before the notices: a failed one is told this pass. */
    if (!dry && open)
        w_sms_send(w, db, ob);
    notices(w, db, ob, dry, &seq);
    int rc = 0;
    if (!dry) {
        if (w_send(w, db, ob, open) < 0)
            rc = -1;
    }
    outbox_close(ob);
    db_close(db);
    if (lock >= 0)
        close(lock);
    return rc;
}
