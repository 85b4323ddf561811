/*
 * cfg.h - the configuration file: `Key value` lines, `#` comments.
 *
 * One table in cfg.c is the single source for parsing, checking, the
 * sample file (etc/relance.conf.sample is generated from it and a unit test
 * keeps the two equal) and the man page's key list. Unknown and repeated
 * keys are refused with their line number. Relative paths are taken from
 * the config file's folder.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stdio.h>

enum cfg_mode { MODE_LIVE, MODE_REDIRECT, MODE_DRY_RUN };
enum cfg_tls { TLS_NO, TLS_TRY, TLS_REQUIRE };
enum cfg_holidays { HOLIDAYS_FRANCE, HOLIDAYS_ALSACE_MOSELLE };

struct cfg {
    char *path;              /* the file loaded, absolute or as given */
    char *database;
    char *socket;
    char *rules_dir;
    char *domain;
    char *secret_file;
    char *smtp_server;
    int smtp_tls;            /* enum cfg_tls */
    char *smtp_user;
    char *smtp_password_file;
    int smtp_retry_hours;
    char *from;
    char *reply_to;
    char *finance_address;
    char *company_name;
    int mode;                /* enum cfg_mode */
    char *dry_run_dir;
    char *timezone;
    char *send_window;       /* as written; send_start/send_end parsed */
    int send_start_min;      /* minutes after local midnight, inclusive */
    int send_end_min;        /* exclusive */
    int min_gap_days;
    int reply_pause_days;
    int promise_grace_days;
    int promise_default_days;
    int manual_contact_hold_days;
    char *closure_dates;     /* YYYY-MM-DD list, spaces or commas */
    int holidays;            /* enum cfg_holidays */
    int worker_interval;     /* seconds */
    char *pdf_dir;
    char *dossier_dir;
    int max_body_bytes;
    bool add_headers;
    char *spool_file;
    int busy_timeout_ms;
    char *internal_domains;  /* our staff's domains; empty = Domain */
    bool digest;             /* daily digest to FinanceAddress */
    char *sms_command;       /* argv run per SMS; empty = none */
    char *sms_gateway;       /* email-to-SMS address pattern with %s */
};

/*
 * cfg_defaults fills c with the defaults of the table (paths relative to
 * the current directory). cfg_load does the same, then reads path.
 * On error cfg_load returns -1 and writes "FILE:LINE: message" into
 * err (errlen bytes); c is then still safe to cfg_free.
 */
void cfg_defaults(struct cfg *c);
int cfg_load(struct cfg *c, const char *path, char *err, size_t errlen);
void cfg_free(struct cfg *c);

/*
 * cfg_require checks that the named keys (NULL-terminated list) have a
 * non-empty value; returns -1 with "FILE: Key is required" in err.
 */
int cfg_require(const struct cfg *c, char *err, size_t errlen, ...);

/* cfg_write_sample prints the documented sample configuration. */
void cfg_write_sample(FILE *out);

const char *cfg_mode_name(int mode);

#endif
