/*
 * mimewalk.h - the parts of a MIME message the classifier reads.
 *
 * Called by the mail reader (mailread.c) with the top-level MIME headers
 * and the body. libetpan (mailmime_parse) parses the tree; the walk keeps:
 *   - the first text/plain and the first text/html part that are not
 *     attachments and not inside a returned/forwarded message, decoded
 *     (base64, quoted-printable) and converted to UTF-8;
 *   - the first machine report (message/delivery-status,
 *     message/disposition-notification, message/feedback-report), also
 *     when it sits inside a forwarded message, and the report-type of the
 *     multipart/report around it (else the report part's own subtype);
 *   - the header block of the first returned message (message/rfc822 or
 *     text/rfc822-headers part).
 * Nesting deeper than 16 levels is not followed.
 */
#ifndef MIMEWALK_H
#define MIMEWALK_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

struct mimewalk {
    struct sbuf plain, html;  /* UTF-8 */
    struct sbuf report;       /* the report part, decoded */
    struct sbuf returned;     /* header block of the returned message */
    bool have_plain, have_html, have_report, have_returned;
    char report_type[48];     /* lowercased, "" if none */
    bool reports_only;        /* internal: inside a message/rfc822 */
    struct sbuf tmp;          /* internal */
};

/*
 * mimewalk_parse fills w (zero it first) from mime[0..len): MIME headers,
 * a blank line, the body. Returns false, with w untouched, when libetpan
 * refuses the input. Free w with mimewalk_free either way.
 */
bool mimewalk_parse(struct mimewalk *w, const char *mime, size_t len);

/*
 * mimewalk_single reads a body that is one text part (text/plain or
 * text/html: most replies) straight from body[0..len), given the values
 * of its Content-Type (ct) and Content-Transfer-Encoding (cte, or NULL)
 * headers: the same result as mimewalk_parse on those headers and that
 * body, without libetpan's tree and its copy of the body. Returns false,
 * with w untouched, for any other type or a header libetpan refuses;
 * then call mimewalk_parse.
 */
bool mimewalk_single(struct mimewalk *w, const char *ct, const char *cte,
                     const char *body, size_t len);
void mimewalk_free(struct mimewalk *w);

/*
 * mimewalk_decode is libetpan's mailmime_part_parse (transfer encoding
 * enc, a MAILMIME_MECHANISM_*) on a NUL-padded copy of data[0..len):
 * libetpan's decoders read up to two bytes past the end of what they are
 * given (a quoted-printable "=C" cut at the end), and the callers' buffers
 * are exact (the milter's body cut at MaxBodyBytes, a fuzzer's input).
 * Returns libetpan's code; on success free *dec with
 * mailmime_decoded_part_free.
 */
int mimewalk_decode(const char *data, size_t len, int enc, char **dec,
                    size_t *dlen);

#endif
