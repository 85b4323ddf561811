/*
 * html2text.h - an HTML mail body as plain text, for the classifier.
 *
 * Called by the mail reader (mailread.c) when a message has no text/plain
 * part. Not a renderer: tags are dropped, entities decoded, block
 * elements (<br>, <p>, <div>, <li>, <tr>, headings) become line breaks,
 * white space is collapsed outside <pre>, <head>/<style>/<script> are
 * dropped. Quoted material is removed here because its markers are lost
 * in text: <blockquote> contents are skipped, and everything from a
 * reply-header container on is cut (Gmail `gmail_quote`, Thunderbird
 * `moz-cite-prefix`, Yahoo `yahoo_quoted`, Outlook `divRplyFwdMsg`,
 * `OutlookMessageHeader`, or a div whose style has a `border-top`, which
 * is how Outlook 2007+ draws its From/Sent block).
 */
#ifndef HTML2TEXT_H
#define HTML2TEXT_H

#include "util.h"

#include <stddef.h>

/* html_to_text appends the text of len bytes of UTF-8 HTML to out. */
void html_to_text(const char *html, size_t len, struct sbuf *out);

#endif
