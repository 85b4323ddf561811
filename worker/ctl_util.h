/*
 * ctl_util.h - small helpers the finance commands of relancectl share
 * (ctl_import.c, ctl_invoice.c, ctl_pay.c, ctl_hold.c).
 */
#ifndef CTL_UTIL_H
#define CTL_UTIL_H

#include <stdint.h>
#include <stdio.h>

/* ctl_actor: who runs the command, for events: "relancectl:USER". */
const char *ctl_actor(void);

/* ctl_today: the local calendar day of clock_now() (honours --now). */
int ctl_today(void);

/*
 * ctl_parse_day reads a date option (YYYY-MM-DD or DD/MM/YYYY). On a bad
 * value it prints an error naming opt and returns -1.
 */
int ctl_parse_day(const char *opt, const char *s, int *day);

/*
 * ctl_text_arg: a free-text argument (a reason) is non-empty, UTF-8,
 * without control characters; else prints an error and returns -1.
 */
int ctl_text_arg(const char *opt, const char *s);

/* ctl_day_fr writes an ISO date as DD/MM/YYYY (buf >= 11); "" for NULL. */
const char *ctl_day_fr(const char *iso, char *buf);

/* ctl_status_fr: the French word for an invoice status. */
const char *ctl_status_fr(const char *status);

/* ctl_width: the display columns of UTF-8 text s (one a character). */
int ctl_width(const char *s);

/* ctl_pad prints s left-aligned in `width` columns (UTF-8 aware). */
void ctl_pad(FILE *out, const char *s, int width);

/* ctl_rpad prints s right-aligned in `width` columns (UTF-8 aware). */
void ctl_rpad(FILE *out, const char *s, int width);

#endif
