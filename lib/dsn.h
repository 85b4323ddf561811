/*
 * dsn.h - RFC 3464 delivery-status reports read field by field, for
 * bounce.c (step 2 of the classifier): the per-recipient blocks'
 * Action, Status, Final-Recipient and Original-Recipient. Also the one
 * way failed recipients are added to a verdict, shared with bounce.c's
 * reading of free-text bounces. Pure code, no I/O.
 */
#ifndef DSN_H
#define DSN_H

#include "classify.h"

#include <stddef.h>

/*
 * dsn_read reads report, the decoded message/delivery-status part (any
 * line ends, folded fields, white-space-only lines between blocks).
 * Each recipient block counts as failed (Action: failed, or no Action
 * and Status 5.x.x), delayed (Action: delayed, or no Action and Status
 * 4.x.x) or other (delivered, relayed, expanded). Its address is the
 * Original-Recipient (the address the sender wrote to), else the
 * Final-Recipient. Returns CLASSIFY_BOUNCE when a recipient failed (v
 * gets the failed ones), else CLASSIFY_DELAY when one was delayed (v gets
 * the delayed ones), else CLASSIFY_REPORT when a block was read, else
 * CLASSIFY_UNRELATED (no block named a recipient). Adds one evidence line
 * to v unless it returns CLASSIFY_UNRELATED. Does not set v->kind.
 */
enum classify_kind dsn_read(const char *report, struct classify_verdict *v);

/*
 * dsn_add_failed adds the address a[0..n) to v->failed_recipients,
 * lowercased and without trailing '.' or '>'. Ignored when it has no
 * '@', does not fit CLASSIFY_ADDR_MAX, is already listed or the list is
 * full (CLASSIFY_MAX_FAILED).
 */
void dsn_add_failed(struct classify_verdict *v, const char *a, size_t n);

#endif
