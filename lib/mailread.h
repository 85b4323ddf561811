/*
 * mailread.h - reading one mail message into decoded UTF-8 text.
 *
 * Called by the classifier's callers: the milter (headers one by one as
 * libmilter hands them over, then the body), `relancectl classify` and
 * the tests (a whole message file). MIME structure is parsed with
 * libetpan (mailmime_parse); quoted-printable and base64 are decoded;
 * charsets are converted to UTF-8 with iconv; RFC 2047 encoded words in
 * Subject and From are decoded; an HTML-only message is turned into text
 * (html2text.h); charsets by charset.h. Quote stripping is NOT done here (quote.h): `text` is
 * the whole reply as the sender's client wrote it.
 *
 * Two ways to fill a struct mail:
 *   whole message:  mail_init; mail_read(m, data, len, max); ... mail_free
 *   milter:         mail_init; mail_add_header() for each header;
 *                   mail_end_headers(); (decide from headers alone:
 *                   classify_headers_only) and, if the body is needed,
 *                   mail_read_body(m, body, len, max); ... mail_free
 * A struct mail may be reused after mail_reset (keeps its buffers).
 *
 * Every string field below is owned by the struct, NUL-terminated, valid
 * UTF-8 (invalid bytes are replaced by U+FFFD) and never NULL once
 * mail_end_headers / mail_read has run: "" means absent. Nothing here
 * fails on bad input: a malformed message gives what could be read.
 */
#ifndef MAILREAD_H
#define MAILREAD_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MAIL_MAX_RCPTS 32

/* One header field: name as written, value unfolded (CRLF+WSP removed),
 * not decoded. */
struct mail_field {
    char *name;
    char *value;
};

struct mail {
    /* --- headers (mail_add_header / mail_read) --- */
    struct mail_field *fields;
    size_t nfields, capfields;
    bool has_headers;        /* false: the input was a bare body (no header
                              * block), as in many reply fixtures */

    /* Decoded by mail_end_headers (or mail_read). */
    char *subject;           /* RFC 2047 decoded, UTF-8 */
    char *from_addr;         /* addr-spec of From, lowercased */
    char *from_name;         /* display name of From, decoded */
    char *message_id;        /* raw Message-ID value (with < >) */
    char *in_reply_to;       /* raw */
    char *references;        /* raw */
    char *content_type;      /* raw Content-Type of the top level */
    char *rcpts[MAIL_MAX_RCPTS]; /* To + Cc addr-specs, lowercased */
    int nrcpts;
    time_t date;             /* Date header as an instant; 0 if none/bad */
    int date_day;            /* civil day (civil.h) of Date in the sender's
                              * own offset; -1 if none/bad */

    /* --- body (mail_read_body / mail_read) --- */
    bool body_read;
    char *text;              /* the human-readable body: the first
                              * text/plain part outside attachments and
                              * returned messages, else the first text/html
                              * converted to text; UTF-8, \n line ends */
    bool text_from_html;
    char *report_type;       /* report-type of a multipart/report,
                              * lowercased ("delivery-status",
                              * "disposition-notification",
                              * "feedback-report") or "" */
    char *report;            /* decoded machine-readable report part
                              * (message/delivery-status, ...) or "" */
    char *returned_headers;  /* header block of the returned original
                              * message (message/rfc822 or
                              * text/rfc822-headers part), or "" */
    bool truncated;          /* the body was longer than max_bytes */

    struct sbuf scratch;     /* internal */
};

void mail_init(struct mail *m);
/* mail_reset empties m for the next message, keeping allocations. */
void mail_reset(struct mail *m);
void mail_free(struct mail *m);

/*
 * mail_add_header records one header field (name without colon, value as
 * libmilter gives it: may contain folding CRLF/LF which is unfolded).
 * Copies both strings.
 */
void mail_add_header(struct mail *m, const char *name, const char *value);

/* mail_end_headers decodes the fields above (subject, from, date...). */
void mail_end_headers(struct mail *m);

/*
 * mail_header returns the (unfolded, undecoded) value of the first field
 * named name (case-insensitive), or NULL. Borrowed until mail_reset.
 */
const char *mail_header(const struct mail *m, const char *name);

/*
 * mail_read_body reads the message body (the bytes after the blank line
 * that ends the header block), using the Content-Type and
 * Content-Transfer-Encoding headers already added. At most max_bytes of
 * body are read (0 = no limit); `truncated` tells if some was left out.
 * Fills text, report_type, report, returned_headers.
 */
void mail_read_body(struct mail *m, const char *body, size_t len,
                    size_t max_bytes);

/*
 * mail_read: a whole message (header block, blank line, body), as in a
 * .eml file, LF or CRLF line ends. Input that does not start with a
 * header block is taken as a bare body (has_headers false, text/plain,
 * UTF-8 or, if invalid UTF-8, Windows-1252). max_bytes as above.
 */
void mail_read(struct mail *m, const char *data, size_t len,
               size_t max_bytes);

/*
 * mail_decode_words appends to out the UTF-8 text of a header value with
 * RFC 2047 encoded words (=?cs?Q?...?= / =?cs?B?...?=) decoded; blanks
 * between two encoded words are dropped as the RFC says.
 */
void mail_decode_words(const char *value, struct sbuf *out);

#endif
