/*
 * bounce.h - is this mail a delivery report: bounce, delay, read
 * receipt, abuse report? Step 2 of the classifier (classify.c).
 *
 * RFC 3464 delivery-status reports are read field by field (dsn.h:
 * Action, Status, Original-Recipient, Final-Recipient) and their fields
 * win over the text. Free-text bounces (Postfix, Exim, qmail, Exchange,
 * GroupWise, Yahoo, AOL, MDaemon...) are recognised by their sender (null
 * envelope sender, MAILER-DAEMON, postmaster) or subject together with
 * failure wording, and the failed recipients are taken from the
 * explanation text (before the returned message) by the layout around
 * each address: the head of a list item ("<a@b>:", an indented line under
 * "...the following address(es) failed:") counts, an address that a
 * wrapped sentence of help text happens to start a line with counts
 * little, and addresses of the help desk, the postmaster, the sender or
 * ours never. A bare mailbox name listed under such a lead-in ("jdoe
 * <reason>") takes the domain the returned message gives it, else the
 * reporting host's. MDN (disposition-notification)
 * and ARF (feedback-report) are reports, not bounces. Nothing here looks
 * at List-Id or Precedence: a bounce that came through a mailing list is
 * still a bounce.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include "classify.h"

#include <stdbool.h>

/*
 * bounce_detect looks at m (headers and body read) and env (may be
 * NULL). When m is a delivery report it sets v->kind to
 * CLASSIFY_BOUNCE, CLASSIFY_DELAY or CLASSIFY_REPORT, fills
 * v->failed_recipients (lowercased) and adds evidence, and returns true.
 * ours: NULL-terminated list of our own addresses, never reported as
 * failed recipients (may be NULL).
 */
bool bounce_detect(const struct mail *m, const struct classify_envelope *env,
                   const char *const *ours, struct classify_verdict *v);

/*
 * bounce_maybe: a cheap look at the headers only - could this be a
 * delivery report (null sender, MAILER-DAEMON/postmaster, multipart/report,
 * bounce-like subject)? Used to decide whether the body is needed.
 */
bool bounce_maybe(const struct mail *m, const struct classify_envelope *env);

#endif
