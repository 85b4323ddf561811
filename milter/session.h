/*
 * session.h - one milter connection, as plain function calls.
 *
 * milter/relance-milter.c translates each libmilter callback into one of
 * these calls and turns the returned enum into an SMFIS_* code; tests and
 * benchmarks can drive a session without an MTA. A session belongs to one
 * connection (smfi_setpriv), never to a thread.
 *
 * Per message:
 *   session_mail (MAIL FROM + the macros that tell a submission from
 *   incoming mail) -> session_rcpt* -> session_header* -> session_eoh
 *   -> session_body* -> session_eom, or session_abort at any point.
 * session_eoh may answer SESSION_ACCEPT: the mail cannot concern an
 * invoice (or is our own reminder leaving, hand-off recorded) and its body
 * is not read. Every other path ends in session_eom, which classifies,
 * acts (or spools), logs one line with the queue ID, and tells the caller
 * which X-Relance headers to remove and add.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>

enum session_verdict {
    SESSION_CONTINUE,
    SESSION_ACCEPT, /* nothing more is needed of this message */
    SESSION_SKIP,   /* body: enough read (MaxBodyBytes) */
};

#define SESSION_NHDRS 3

/* The X-Relance header names, in the order of session_edits. */
extern const char *const session_header_names[SESSION_NHDRS];

/*
 * What session_eom asks the caller to do to the message: for header i,
 * delete occurrences ndel[i] down to 1 (they came from outside), then add
 * add[i] if not "".
 */
struct session_edits {
    int ndel[SESSION_NHDRS];
    char add[SESSION_NHDRS][512];
};

struct session;

/* session_new: a connection's state (never NULL); free at close. */
struct session *session_new(void);
void session_free(struct session *s);

/*
 * session_mail starts a message. from is the MAIL FROM address (with or
 * without <>; "" or "<>" for the null sender); daemon_name and
 * auth_authen are the {daemon_name} and {auth_authen} macros (NULL if
 * unset). Strings are copied.
 */
enum session_verdict session_mail(struct session *s, const char *from,
                                  const char *daemon_name,
                                  const char *auth_authen);
enum session_verdict session_rcpt(struct session *s, const char *rcpt);
enum session_verdict session_header(struct session *s, const char *name,
                                    const char *value);
/* queue_id: the {i} macro, or NULL. */
enum session_verdict session_eoh(struct session *s, const char *queue_id);
enum session_verdict session_body(struct session *s, const void *chunk,
                                  size_t len);
/*
 * session_eom finishes the message: ed is filled (all zero when nothing
 * is to be changed). Always SESSION_ACCEPT... the caller then applies ed
 * and answers accept; a failure to apply ed is logged, mail goes on.
 */
enum session_verdict session_eom(struct session *s, const char *queue_id,
                                 struct session_edits *ed);
/* session_abort: the message ended without eom; state released. */
void session_abort(struct session *s);

#endif
