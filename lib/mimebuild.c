/*
 * mimebuild.c - outgoing messages built with libetpan; see mimebuild.h.
 *
 * libetpan writes the structure (header folding, quoted-printable and
 * base64, boundaries, CRLF); what it does not do is RFC 2047 encoding of
 * header text and refusing dangerous values, which are done here before
 * anything reaches it. Ownership: libetpan's *_new functions take the
 * malloc'd strings given to them; bodies are borrowed (mailmime_set_body_text
 * does not copy) and must live until mailmime_write_mem.
 */
#include "mimebuild.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
mimebuild_header_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool
mimebuild_address_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || strchr("\"<>(),;:\\[]", *p))
            return false;
        if (*p == '@' && (const char *)p != at)
            return false;
    }
    return true;
}

int
mimebuild_split_mailbox(const char *s, char **name, char **addr)
{
    if (!mimebuild_header_ok(s))
        return -1;
    const char *lt = strrchr(s, '<');
    if (lt == NULL) {
        char *a = str_trim(xstrdup(s));
        if (!mimebuild_address_ok(a)) {
            free(a);
            return -1;
        }
        *name = NULL;
        *addr = a;
        return 0;
    }
    const char *gt = strchr(lt, '>');
    if (gt == NULL)
        return -1;
    for (const char *p = gt + 1; *p; p++)
        if (*p != ' ' && *p != '\t')
            return -1;
    char *a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
    if (!mimebuild_address_ok(a)) {
        free(a);
        return -1;
    }
    char *n = str_trim(xstrndup(s, (size_t)(lt - s)));
    size_t nl = strlen(n);
    if (nl >= 2 && n[0] == '"' && n[nl - 1] == '"') {
        memmove(n, n + 1, nl - 2);
        n[nl - 2] = '\0';
    }
    if (n[0] == '\0' || strchr(n, '"') || strchr(n, '\\')) {
        if (n[0] != '\0') {
            free(n);
            free(a);
            return -1;
        }
        free(n);
        n = NULL;
    }
    *name = n;
    *addr = a;
    return 0;
}

/* Characters that may stand for themselves in a "Q" encoded word used
 * in a phrase (RFC 2047 section 5 (3)); the strictest rule, fine
 * everywhere. */
static bool
q_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
           c == '-' || c == '/';
}

/* Length of the UTF-8 sequence that starts with c (1 for bad bytes, so a
 * stray byte is encoded alone instead of looping). */
static size_t
utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8)
        return 4;
    if (c >= 0xe0)
        return 3;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* Appends s[0..n) as encoded words, splitting at 75 characters. */
static void
encode_run(struct sbuf *out, const char *s, size_t n)
{
    static const char prefix[] = "=?UTF-8?Q?";
    const size_t max_payload = 75 - (sizeof prefix - 1) - 2;
    size_t used = 0;
    sbuf_adds(out, prefix);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len((unsigned char)s[i]);
        if (i + len > n)
            len = n - i;
        char piece[16];
        size_t pl = 0;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)s[i + k];
            if (c == ' ')
                piece[pl++] = '_';
            else if (q_plain(c))
                piece[pl++] = (char)c;
            else
                pl += (size_t)snprintf(piece + pl, 4, "=%02X", c);
        }
        if (used + pl > max_payload) {
            sbuf_adds(out, "?= ");
            sbuf_adds(out, prefix);
            used = 0;
        }
        sbuf_add(out, piece, pl);
        used += pl;
        i += len;
    }
    sbuf_adds(out, "?=");
}

/* A word that may go unencoded: printable ASCII, not looking like an
 * encoded word itself. */
static bool
word_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '=' && s[i + 1] == '?')
            return false;
    return true;
}

char *
mimebuild_encode_words(const char *s)
{
    struct sbuf out = {0};
    /* Words are separated by single spaces in the output; runs of words
     * that need encoding become one run of encoded words, their inner
     * spaces encoded (white space between encoded words is dropped by
     * readers). */
    const char *p = s;
    while (*p == ' ')
        p++;
    while (*p) {
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        if (word_plain(w, (size_t)(p - w))) {
            if (out.len)
                sbuf_addc(&out, ' ');
            sbuf_add(&out, w, (size_t)(p - w));
        } else {
            /* Extend the run over following words that need encoding. */
            const char *end = p;
            for (;;) {
                const char *q = end;
                while (*q == ' ')
                    q++;
                const char *e = q;
                while (*e && *e != ' ')
                    e++;
                if (e == q || word_plain(q, (size_t)(e - q)))
                    break;
                end = e;
            }
            if (out.len)
                sbuf_addc(&out, ' ');
            encode_run(&out, w, (size_t)(end - w));
            p = end;
        }
        while (*p == ' ')
            p++;
    }
    return sbuf_steal(&out);
}

/* A display name: plain when it is only atext words, else encoded. */
static char *
encode_phrase(const char *name)
{
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!(q_plain(*p) || *p == ' ' || *p == '.' || *p == '\'' ||
              *p == '_' || *p == '&'))
            plain = false;
    if (plain)
        return xstrdup(name);
    struct sbuf out = {0};
    encode_run(&out, name, strlen(name));
    return sbuf_steal(&out);
}

/* A configured mailbox ("Name <addr>") as an encoded phrase and an
 * address, both new strings for libetpan to own. */
static int
mailbox_parts(const char *field, const char *text, char **phrase,
              char **addr, char *err, size_t errlen)
{
    char *name;
    if (mimebuild_split_mailbox(text, &name, addr) < 0) {
        snprintf(err, errlen, "%s: bad address \"%s\"", field, text);
        return -1;
    }
    *phrase = name ? encode_phrase(name) : NULL;
    free(name);
    return 0;
}

static struct mailimf_address_list *
address_list(const char *field, const char *const *v, size_t n, char *err,
             size_t errlen)
{
    struct mailimf_address_list *l = mailimf_address_list_new_empty();
    for (size_t i = 0; i < n; i++) {
        if (!mimebuild_address_ok(v[i])) {
            snprintf(err, errlen, "%s: bad address \"%s\"", field, v[i]);
            mailimf_address_list_free(l);
            return NULL;
        }
        mailimf_address_list_add_mb(l, NULL, xstrdup(v[i]));
    }
    return l;
}

static struct mailmime *
text_part(const char *body)
{
    struct mailmime_content *ct = mailmime_content_new_with_str("text/plain");
    clist_append(ct->ct_parameters,
                 mailmime_param_new_with_data("charset", "utf-8"));
    struct mailmime_fields *mf =
        mailmime_fields_new_encoding(MAILMIME_MECHANISM_QUOTED_PRINTABLE);
    struct mailmime *part = mailmime_new_empty(ct, mf);
    mailmime_set_body_text(part, (char *)body, strlen(body));
    return part;
}

static struct mailmime *
file_part(const struct mime_attachment *a)
{
    struct mailmime_content *ct =
        mailmime_content_new_with_str(a->content_type);
    struct mailmime_fields *mf = mailmime_fields_new_filename(
        MAILMIME_DISPOSITION_TYPE_ATTACHMENT,
        mimebuild_encode_words(a->filename), MAILMIME_MECHANISM_BASE64);
    struct mailmime *part = mailmime_new_empty(ct, mf);
    mailmime_set_body_text(part, (char *)a->data, a->len);
    return part;
}

/* Checks every value that goes in a header before libetpan sees it. */
static int
check_inputs(const struct mime_msg *m, char *err, size_t errlen)
{
    if (m->nto == 0) {
        snprintf(err, errlen, "To: no recipient");
        return -1;
    }
    if (!mimebuild_header_ok(m->subject)) {
        snprintf(err, errlen, "Subject: control character refused");
        return -1;
    }
    if (!mimebuild_address_ok(m->message_id)) {
        snprintf(err, errlen, "Message-ID: bad value");
        return -1;
    }
    for (size_t i = 0; i < m->natt; i++) {
        if (!mimebuild_header_ok(m->att[i].filename) ||
            !mimebuild_header_ok(m->att[i].content_type) ||
            strchr(m->att[i].content_type, ';') ||
            strchr(m->att[i].content_type, '/') == NULL) {
            snprintf(err, errlen, "attachment %zu: bad file name or type",
                     i + 1);
            return -1;
        }
    }
    return 0;
}

/* The body with LF line ends (libetpan's QP writer makes them CRLF). */
static char *
body_lf(const char *s)
{
    struct sbuf b = {0};
    for (; *s; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            sbuf_addc(&b, *s);
    if (b.len == 0 || b.s[b.len - 1] != '\n')
        sbuf_addc(&b, '\n');
    return sbuf_steal(&b);
}

int
mimebuild(const struct mime_msg *m, char **out, size_t *len, char *err,
          size_t errlen)
{
    if (check_inputs(m, err, errlen) < 0)
        return -1;
    struct mailimf_address_list *to = NULL, *cc = NULL, *rt = NULL;
    char *from_name = NULL, *from_addr = NULL, *name, *addr;
    int rc = -1;
    if (mailbox_parts("From", m->from, &from_name, &from_addr, err,
                      errlen) < 0)
        return -1;
    if (m->reply_to && m->reply_to[0]) {
        if (mailbox_parts("Reply-To", m->reply_to, &name, &addr, err,
                          errlen) < 0)
            goto out;
        rt = mailimf_address_list_new_empty();
        mailimf_address_list_add_mb(rt, name, addr);
    }
    if ((to = address_list("To", m->to, m->nto, err, errlen)) == NULL)
        goto out;
    if (m->ncc && (cc = address_list("Cc", m->cc, m->ncc, err, errlen)) == NULL)
        goto out;

    struct mailimf_mailbox_list *from = mailimf_mailbox_list_new_empty();
    mailimf_mailbox_list_add_mb(from, from_name, from_addr);
    from_name = from_addr = NULL;

    struct mailimf_fields *fields = mailimf_fields_new_with_data_all(
        mailimf_get_date(m->date), from, NULL, rt, to, cc, NULL,
        xstrdup(m->message_id), NULL, NULL,
        mimebuild_encode_words(m->subject));
    rt = to = cc = NULL; /* owned by fields now */
    if (m->auto_submitted)
        mailimf_fields_add(fields,
                           mailimf_field_new_custom(xstrdup("Auto-Submitted"),
                                                    xstrdup("auto-generated")));

    char *body = body_lf(m->body);
    struct mailmime *msg = mailmime_new_message_data(NULL);
    mailmime_set_imf_fields(msg, fields);
    if (m->natt == 0) {
        mailmime_smart_add_part(msg, text_part(body));
    } else {
        struct mailmime *mixed = mailmime_multiple_new("multipart/mixed");
        mailmime_smart_add_part(mixed, text_part(body));
        for (size_t i = 0; i < m->natt; i++)
            mailmime_smart_add_part(mixed, file_part(&m->att[i]));
        mailmime_smart_add_part(msg, mixed);
    }
    MMAPString *s = mmap_string_new("");
    int col = 0;
    if (mailmime_write_mem(s, &col, msg) != MAILIMF_NO_ERROR) {
        snprintf(err, errlen, "libetpan could not write the message");
    } else {
        *out = xstrndup(s->str, s->len);
        *len = s->len;
        rc = 0;
    }
    mmap_string_free(s);
    mailmime_free(msg);
    free(body);
out:
    free(from_name);
    free(from_addr);
    if (rt)
        mailimf_address_list_free(rt);
    if (to)
        mailimf_address_list_free(to);
    if (cc)
        mailimf_address_list_free(cc);
    return rc;
}
