/*
 * noticetext.h - the wording of the notices the milter leaves for staff
 * (table `notices`, sent by the worker): French first, English second.
 *
 * Called by act.c when it records a dispute, a paid claim or a permanent
 * bounce. Pure code: facts in, two new strings out.
 */
#ifndef NOTICETEXT_H
#define NOTICETEXT_H

/* What a notice is about; any string may be "" but not NULL. */
struct notice_facts {
    const char *invoice; /* invoice number */
    const char *client_id;
    const char *client_name;
    const char *sender;   /* who wrote (replies) */
    const char *until;    /* paused until (paid claim), YYYY-MM-DD */
    const char *address;  /* the failed address (bounce) */
    const char *evidence; /* one line of evidence */
};

enum notice_kind {
    NOTICE_DISPUTE,    /* audience: account manager and finance */
    NOTICE_PAID_CLAIM, /* audience: finance */
    NOTICE_BOUNCE,     /* audience: finance */
};

/*
 * notice_text writes the subject (one line) and the text of a notice of
 * kind k into new strings *subject and *text; the caller frees both.
 */
void notice_text(enum notice_kind k, const struct notice_facts *f,
                 char **subject, char **text);

#endif
