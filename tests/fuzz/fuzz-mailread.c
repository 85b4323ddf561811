/*
 * fuzz-mailread.c - libFuzzer target for the mail reader: any bytes as a
 * whole message (header block, MIME, charsets, RFC 2047), then the quote
 * stripper and the HTML converter on what came out, and the milter path
 * (headers one by one, then a capped body). Built by tests/run-fuzz.sh.
 */
#include "html2text.h"
#include "mailread.h"
#include "quote.h"
#include "util.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail m;
    struct sbuf out = {0};
    mail_init(&m);
    mail_read(&m, (const char *)data, size, size / 2 + 1);
    quote_strip(m.text, strlen(m.text), &out);
    sbuf_reset(&out);
    html_to_text((const char *)data, size, &out);
    quote_strip((const char *)data, size, &out);

    /* The milter path: the same headers added one by one. */
    struct mail h;
    mail_init(&h);
    for (size_t i = 0; i < m.nfields; i++)
        mail_add_header(&h, m.fields[i].name, m.fields[i].value);
    mail_end_headers(&h);
    mail_read_body(&h, (const char *)data, size, 4096);
    sbuf_free(&out);
    mail_free(&h);
    mail_free(&m);
    return 0;
}
