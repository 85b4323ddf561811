/*
 * mimewalk.c - walking a parsed MIME tree (libetpan) for the parts the
 * classifier reads; see mimewalk.h.
 */
#include "mimewalk.h"
#include "charset.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIME_MAX_DEPTH 16

static void
ctype_name(const struct mailmime_content *ct, char *buf, size_t n)
{
    const char *type = "application";
    if (ct == NULL || ct->ct_type == NULL) {
        snprintf(buf, n, "text/plain");
        return;
    }
    if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
        const struct mailmime_discrete_type *d =
            ct->ct_type->tp_data.tp_discrete_type;
        static const char *const names[] = {
            [MAILMIME_DISCRETE_TYPE_TEXT] = "text",
            [MAILMIME_DISCRETE_TYPE_IMAGE] = "image",
            [MAILMIME_DISCRETE_TYPE_AUDIO] = "audio",
            [MAILMIME_DISCRETE_TYPE_VIDEO] = "video",
            [MAILMIME_DISCRETE_TYPE_APPLICATION] = "application",
        };
        if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION && d->dt_extension)
            type = d->dt_extension;
        else if (d->dt_type > 0 && d->dt_type <= MAILMIME_DISCRETE_TYPE_APPLICATION)
            type = names[d->dt_type];
    } else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
        const struct mailmime_composite_type *c =
            ct->ct_type->tp_data.tp_composite_type;
        if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
            type = "message";
        else if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
            type = "multipart";
        else if (c->ct_token)
            type = c->ct_token;
    }
    snprintf(buf, n, "%s/%s", type, ct->ct_subtype ? ct->ct_subtype : "");
    str_lower(buf);
}

static bool
is_attachment(struct mailmime *mm)
{
    struct mailmime_single_fields sf;
    mailmime_single_fields_init(&sf, mm->mm_mime_fields, mm->mm_content_type);
    return sf.fld_disposition && sf.fld_disposition->dsp_type &&
           sf.fld_disposition->dsp_type->dsp_type ==
               MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
}

/*
 * The text of a part in transfer encoding enc (MAILMIME_MECHANISM_*) and
 * charset cs, decoded and converted into out. The identity encodings are
 * converted in place, without libetpan's copy.
 */
/* See mimewalk.h: the NUL padding of the copy libetpan decodes. */
#define DECODE_PAD 4

int
mimewalk_decode(const char *data, size_t len, int enc, char **dec, size_t *dlen)
{
    char *copy = xmalloc(len + DECODE_PAD);
    memcpy(copy, data, len);
    memset(copy + len, 0, DECODE_PAD);
    size_t idx = 0;
    int rc = mailmime_part_parse(copy, len, &idx, enc, dec, dlen);
    free(copy);
    return rc;
}

static void
decode_text(int enc, const char *cs, const char *data, size_t len,
            struct sbuf *out)
{
    size_t dlen = 0;
    char *dec = NULL;
    if (enc != MAILMIME_MECHANISM_7BIT && enc != MAILMIME_MECHANISM_8BIT &&
        enc != MAILMIME_MECHANISM_BINARY &&
        mimewalk_decode(data, len, enc, &dec, &dlen) == MAILIMF_NO_ERROR) {
        charset_to_utf8(cs, dec, dlen, out);
        mailmime_decoded_part_free(dec);
    } else {
        charset_to_utf8(cs, data, len, out);
    }
}

/* Decode a single part's transfer encoding and charset into out. */
static void
decode_part(struct mailmime *mm, struct sbuf *out)
{
    struct mailmime_data *d = mm->mm_data.mm_single;
    if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
        return;
    const char *cs = mm->mm_content_type
                         ? mailmime_content_param_get(mm->mm_content_type,
                                                      "charset")
                         : NULL;
    decode_text(d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_8BIT, cs,
                d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
                out);
}

/* The header block of a returned message: up to the first blank line. */
static void
set_returned(struct mimewalk *w, const char *s, size_t n)
{
    if (w->have_returned || s == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' && (i + 1 == n || s[i + 1] == '\n' ||
                             (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n'))) {
            n = i + 1;
            break;
        }
    sbuf_reset(&w->returned);
    charset_utf8_clean(s, n, &w->returned);
    w->have_returned = true;
}

static void
walk(struct mimewalk *w, struct mailmime *mm, int depth)
{
    char ct[128];
    if (mm == NULL || depth > MIME_MAX_DEPTH)
        return;
    ctype_name(mm->mm_content_type, ct, sizeof ct);
    switch (mm->mm_type) {
    case MAILMIME_MULTIPLE:
        if (strcmp(ct, "multipart/report") == 0 && !w->report_type[0]) {
            const char *rt =
                mailmime_content_param_get(mm->mm_content_type, "report-type");
            if (rt) {
                snprintf(w->report_type, sizeof w->report_type, "%.47s", rt);
                str_lower(w->report_type);
            }
        }
        for (clistiter *it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
             it; it = clist_next(it))
            walk(w, clist_content(it), depth + 1);
        break;
    case MAILMIME_MESSAGE:
        if (depth == 0) { /* mailmime_parse wraps the whole input */
            walk(w, mm->mm_data.mm_message.mm_msg_mime, depth + 1);
            break;
        }
        if (mm->mm_body)
            set_returned(w, mm->mm_body->dt_data.dt_text.dt_data,
                         mm->mm_body->dt_data.dt_text.dt_length);
        if (!w->have_report && !w->reports_only) {
            /* A bounce forwarded inside a message: its report counts,
             * its text does not. */
            w->reports_only = true;
            w->have_returned = false;
            walk(w, mm->mm_data.mm_message.mm_msg_mime, depth + 1);
            w->reports_only = false;
            w->have_returned = true;
        }
        break;
    case MAILMIME_SINGLE:
        if (w->reports_only && strncmp(ct, "message/", 8) != 0 &&
            strcmp(ct, "text/rfc822-headers") != 0)
            break;
        if (strcmp(ct, "text/plain") == 0 && !w->have_plain &&
            !is_attachment(mm)) {
            decode_part(mm, &w->plain);
            w->have_plain = true;
        } else if (strcmp(ct, "text/html") == 0 && !w->have_html &&
                   !is_attachment(mm)) {
            decode_part(mm, &w->html);
            w->have_html = true;
        } else if ((strcmp(ct, "message/delivery-status") == 0 ||
                    strcmp(ct, "message/disposition-notification") == 0 ||
                    strcmp(ct, "message/feedback-report") == 0) &&
                   !w->have_report) {
            decode_part(mm, &w->report);
            w->have_report = true;
            if (!w->report_type[0]) /* no multipart/report around it */
                snprintf(w->report_type, sizeof w->report_type, "%.47s", ct + 8);
        } else if (strcmp(ct, "text/rfc822-headers") == 0 ||
                   strcmp(ct, "message/rfc822") == 0) {
            struct sbuf h = {0};
            decode_part(mm, &h);
            set_returned(w, sbuf_cstr(&h), h.len);
            sbuf_free(&h);
        }
        break;
    }
}

bool
mimewalk_parse(struct mimewalk *w, const char *mime, size_t len)
{
    size_t idx = 0;
    struct mailmime *mm = NULL;
    if (mailmime_parse(mime, len, &idx, &mm) != MAILIMF_NO_ERROR)
        return false;
    walk(w, mm, 0);
    mailmime_free(mm);
    return true;
}

bool
mimewalk_single(struct mimewalk *w, const char *ct, const char *cte,
                const char *body, size_t len)
{
    size_t idx = 0;
    struct mailmime_content *c = NULL;
    if (ct == NULL ||
        mailmime_content_parse(ct, strlen(ct), &idx, &c) != MAILIMF_NO_ERROR)
        return false;
    int enc = MAILMIME_MECHANISM_8BIT;
    struct mailmime_mechanism *mech = NULL;
    idx = 0;
    if (cte && mailmime_encoding_parse(cte, strlen(cte), &idx, &mech) !=
                   MAILIMF_NO_ERROR) {
        mailmime_content_free(c);
        return false;
    }
    if (mech) {
        enc = mech->enc_type;
        mailmime_mechanism_free(mech);
    }
    char name[128];
    ctype_name(c, name, sizeof name);
    struct sbuf *out = strcmp(name, "text/plain") == 0  ? &w->plain
                       : strcmp(name, "text/html") == 0 ? &w->html
                                                        : NULL;
    if (out) {
        decode_text(enc, mailmime_content_param_get(c, "charset"), body, len,
                    out);
        if (out == &w->plain)
            w->have_plain = true;
        else
            w->have_html = true;
    }
    mailmime_content_free(c);
    return out != NULL;
}

void
mimewalk_free(struct mimewalk *w)
{
    sbuf_free(&w->plain);
    sbuf_free(&w->html);
    sbuf_free(&w->report);
    sbuf_free(&w->returned);
    sbuf_free(&w->tmp);
}
