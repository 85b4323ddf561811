/*
 * dossier.h - the litigation dossier of one invoice: everything sent and
 * received about it, with times, in a text a lawyer can read, plus the
 * messages exactly as they were submitted.
 *
 * Built from the database only (invoices, clients, client_emails,
 * payments, events, reminders, notices, messages); events are the audit
 * trail and are shown in the order they were appended. Called by
 * `relancectl dossier` (worker/ctl_dossier.c).
 */
#ifndef DOSSIER_H
#define DOSSIER_H

#include "util.h"

#include <sqlite3.h>
#include <stddef.h>

/* One stored message, ready to be written as a .eml file. */
struct dossier_eml {
    char *name; /* "001-<message-id>.eml", safe as a file name */
    char *body; /* the whole RFC 5322 message as stored */
    size_t len;
};

struct dossier {
    struct sbuf text;         /* the readable dossier, UTF-8, French first */
    struct dossier_eml *emls; /* the messages in state sent, in order */
    size_t nemls;
};

/*
 * dossier_build fills d (zero it first) for invoice `number`.
 * Returns 0; DOSSIER_UNKNOWN when there is no such invoice; -1 on a
 * database error (logged). The caller always calls dossier_free.
 */
#define DOSSIER_UNKNOWN 1
int dossier_build(sqlite3 *db, const char *number, struct dossier *d);
void dossier_free(struct dossier *d);

/*
 * dossier_eml_name: "NNN-<message-id>.eml" where NNN is index (1-based,
 * three digits at least) and every character of message_id outside
 * [A-Za-z0-9._@+=-] becomes '_', so no name can leave the folder or
 * hide (a leading '.' cannot happen: the name starts with digits).
 * The caller frees the result.
 */
char *dossier_eml_name(int index, const char *message_id);

/*
 * dossier_event_kind: the kind an event stands for. kind and detail are
 * the stored event's; channel is the channel of the message it is about
 * (messages.channel through events.message_id), NULL when none. Events
 * written before schema 004 reused kinds, and keep them: an approval was
 * 'review' with a detail "envoi approuvé / approved: ...", a done task
 * 'manual_contact' with "tâche / task #N: ...", a text message
 * 'reminder_sent', 'send_failed' or 'send_uncertain' about a message of
 * channel "sms" or "sms-gateway". For those the new kind is returned
 * (approval, task_done, sms_sent, sms_failed, sms_uncertain; a static
 * string); for any other event, kind itself (the same pointer). Pure.
 */
const char *dossier_event_kind(const char *kind, const char *detail,
                               const char *channel);

/*
 * dossier_time writes a stored UTC instant (YYYY-MM-DDTHH:MM:SSZ) as
 * local time with its offset, "2026-11-23 10:15:00 +0100", into buf
 * (at least 32 bytes); text that is not an instant is copied as is.
 * Returns buf.
 */
char *dossier_time(const char *utc, char *buf, size_t len);

#endif
