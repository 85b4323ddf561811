/*
 * w_setup.c - loading everything the worker needs before a pass: the
 * config file, scenarios, templates (every variable checked: a template
 * naming an unknown variable is refused here, never sent with a blank),
 * the business calendar, the HMAC key, the SMTP password. Called at
 * start-up, by -n, and on SIGHUP (relance-worker.c).
 */
#include "w.h"
#include "calendar.h"
#include "civil.h"
#include "log.h"
#include "sms.h"
#include "mimebuild.h"
#include "tmpl.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((format(printf, 2, 3)))
problem(int *bad, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    msg_warn("%s", buf);
    (*bad)++;
}

static char *
bare_address(const char *key, const char *text, int *bad)
{
    char *name = NULL, *addr = NULL;
    if (text == NULL || text[0] == '\0') {
        problem(bad, "%s: is required by the worker", key);
        return NULL;
    }
    if (mimebuild_split_mailbox(text, &name, &addr) < 0) {
        problem(bad, "%s: not a usable address: %s", key, text);
        return NULL;
    }
    free(name);
    return addr;
}

static void
load_rules(struct worker *w, int *bad)
{
    char err[1024];
    char *dir = xasprintf("%s/scenarios", w->cfg.rules_dir);
    if (scenario_load_dir(&w->scn, dir, err, sizeof err) < 0)
        problem(bad, "scenarios %s: %s", dir, err);
    free(dir);
    dir = xasprintf("%s/templates", w->cfg.rules_dir);
    w->tmpl = tmpl_load_dir(dir, err, sizeof err);
    if (w->tmpl == NULL)
        problem(bad, "templates %s: %s", dir, err);
    else if (w->scn.n &&
             tmpl_check_scenarios(w->tmpl, &w->scn, err, sizeof err) < 0)
        problem(bad, "templates %s: %s", dir, err);
    free(dir);
    /* Rate tables, needed as soon as a step shows the legal amounts. */
    bool legal = false;
    for (size_t i = 0; i < w->scn.n; i++)
        for (size_t k = 0; k < w->scn.v[i].nsteps; k++)
            legal |= (w->scn.v[i].steps[k].flags & SCN_F_LEGAL) != 0;
    if (legal &&
        legal_rates_load(&w->legal, w->cfg.rules_dir, err, sizeof err) < 0)
        problem(bad, "legal rate tables: %s", err);
}

int
w_setup(struct worker *w, const char *path)
{
    char err[1024];
    int bad = 0;
    memset(w, 0, sizeof *w);
    if (cfg_load(&w->cfg, path, err, sizeof err) < 0) {
        msg_error("%s", err);
        return -1;
    }
    if (cfg_require(&w->cfg, err, sizeof err, "Database", "Domain",
                    "RulesDir", "SecretFile", "SmtpServer", "From",
                    "FinanceAddress", NULL) < 0)
        problem(&bad, "%s", err);
    if (clock_set_timezone(w->cfg.timezone) < 0)
        problem(&bad, "Timezone: unknown time zone %s", w->cfg.timezone);
    w->from_addr = bare_address("From", w->cfg.from, &bad);
    w->finance_addr =
        bare_address("FinanceAddress", w->cfg.finance_address, &bad);
    if (w->cfg.reply_to && w->cfg.reply_to[0]) {
        char *rt = bare_address("ReplyTo", w->cfg.reply_to, &bad);
        free(rt);
    }
    if (strchr(w->cfg.domain, '@') || !mimebuild_header_ok(w->cfg.domain) ||
        strchr(w->cfg.domain, ' '))
        problem(&bad, "Domain: not a domain name: %s", w->cfg.domain);
    if (w->cfg.sms_gateway[0]) {
        char *gw = sms_gateway_address(w->cfg.sms_gateway, "+33612345678");
        if (gw == NULL || strchr(gw, '@') == NULL)
            problem(&bad, "SmsGateway: want an address with one %%s for the "
                    "phone number, e.g. %%s@sms.example.net: %s",
                    w->cfg.sms_gateway);
        free(gw);
    }
    w->cal = calendar_new(w->cfg.holidays == HOLIDAYS_ALSACE_MOSELLE,
                          w->cfg.closure_dates, err, sizeof err);
    if (w->cal == NULL)
        problem(&bad, "ClosureDates: %s", err);
    if (token_load_key(&w->key, w->cfg.secret_file, err, sizeof err) < 0)
        problem(&bad, "SecretFile: %s", err);
    if (w->cfg.smtp_user && w->cfg.smtp_user[0]) {
        char *pw = w->cfg.smtp_password_file[0]
                       ? read_file(w->cfg.smtp_password_file, NULL)
                       : NULL;
        if (pw == NULL)
            problem(&bad, "SmtpPasswordFile: cannot read %s (SmtpUser is set)",
                    w->cfg.smtp_password_file);
        else {
            pw[strcspn(pw, "\r\n")] = '\0'; /* the first line */
            w->smtp_password = xstrdup(pw);
        }
        free(pw);
    }
    load_rules(w, &bad);
    if (w->cfg.mode == MODE_DRY_RUN && w->cfg.dry_run_dir[0] == '\0')
        problem(&bad, "DryRunDir: required in dry-run mode");
    return bad ? -1 : 0;
}

void
w_teardown(struct worker *w)
{
    scenario_set_free(&w->scn);
    legal_rates_free(&w->legal);
    if (w->tmpl)
        tmpl_set_free(w->tmpl);
    if (w->cal)
        calendar_free(w->cal);
    free(w->smtp_password);
    free(w->from_addr);
    free(w->finance_addr);
    cfg_free(&w->cfg);
    memset(w, 0, sizeof *w);
}
