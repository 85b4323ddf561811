/*
 * mimebuild.h - building the RFC 5322/MIME text of an outgoing message
 * with libetpan (mailimf_fields, mailmime, mailmime_write_mem).
 *
 * Used by the worker for reminders and staff notices (and by tests). The
 * result is the exact bytes stored in messages.body and submitted over
 * SMTP, with CRLF line ends:
 *   From, To, Cc, Reply-To, Date, Message-ID, Subject (RFC 2047 encoded
 *   when not plain ASCII), MIME-Version, then Auto-Submitted for notices,
 *   text/plain; charset=utf-8 in quoted-printable, and each attachment
 *   (base64) in a multipart/mixed when there is one.
 *
 * Header safety (defence in depth: import refuses these too): a value
 * that would go in a header - subject, display names, addresses,
 * attachment file names - is refused when it holds CR, LF or another
 * control character, and an address must be a plain local@domain
 * without spaces, quotes, angle brackets, commas or semicolons. Nothing
 * from a CSV can therefore add or break a header. No I/O.
 */
#ifndef MIMEBUILD_H
#define MIMEBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mime_attachment {
    const char *filename;     /* shown to the reader (UTF-8 allowed) */
    const char *content_type; /* e.g. "application/pdf" */
    const char *data;         /* borrowed until mimebuild returns */
    size_t len;
};

struct mime_msg {
    const char *from;        /* "Name <addr>", "\"Name\" <addr>" or addr */
    const char *reply_to;    /* same forms; NULL or "" = none */
    const char *const *to;   /* bare addresses */
    size_t nto;              /* at least one */
    const char *const *cc;
    size_t ncc;
    const char *subject;     /* UTF-8, one line */
    const char *message_id;  /* without < > */
    time_t date;
    bool auto_submitted;     /* staff notices: Auto-Submitted:
                                auto-generated (RFC 3834) */
    const char *body;        /* UTF-8 text, LF or CRLF line ends */
    const struct mime_attachment *att;
    size_t natt;
};

/*
 * mimebuild builds the message. On success returns 0 and *out is a new
 * NUL-terminated string (free()) of *len bytes. On refusal or failure
 * returns -1 with a message in err naming the field ("To: bad address
 * \"a@b\\r\\nBcc: x\"") and allocates nothing.
 */
int mimebuild(const struct mime_msg *m, char **out, size_t *len, char *err,
              size_t errlen);

/*
 * mimebuild_address_ok: true when s is a plain address we may put in a
 * header and an SMTP envelope (local@domain, printable ASCII or UTF-8,
 * no space, quote, angle bracket, comma, semicolon or control).
 */
bool mimebuild_address_ok(const char *s);

/*
 * mimebuild_header_ok: true when s has no control character (C0, DEL),
 * so it cannot end a header line or start another.
 */
bool mimebuild_header_ok(const char *s);

/*
 * mimebuild_encode_words writes s as RFC 2047 "Q" encoded words of at most
 * 75 characters separated by a space (never splitting a UTF-8 sequence),
 * or as is when s is plain printable ASCII. Appends to a new string the
 * caller frees.
 */
char *mimebuild_encode_words(const char *s);

/*
 * mimebuild_split_mailbox splits "Name <addr>" / "\"Name\" <addr>" / addr
 * into new strings *name (NULL when none) and *addr. Returns -1 when the
 * address is not mimebuild_address_ok or the text is malformed (nothing
 * allocated then).
 */
int mimebuild_split_mailbox(const char *s, char **name, char **addr);

#endif
