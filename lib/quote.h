/*
 * quote.h - the new text of a reply: quotes and signature removed.
 *
 * Called by the classifier (classify.c) on the text the mail reader
 * produced (UTF-8, \n line ends), before invoice numbers and intents are
 * looked for: what the client quotes of our own reminder must not count
 * as something they said. Pure code.
 *
 * Removed:
 *   - lines starting with `>` (any depth), and the attribution line
 *     before them: `On … wrote:`, `Le … a écrit :` (also wrapped over two
 *     lines), German/Italian/Spanish/Portuguese/Danish equivalents;
 *   - everything from a forwarded/original-message header on: Outlook
 *     blocks `De : / Envoyé : / À : / Objet :` (space, no-break space or
 *     nothing before the colon, optional `*` bold marks) and `From: /
 *     Sent: / To: / Subject:`, `-----Original Message-----`,
 *     `-------- Message d'origine --------`, an underscore rule followed
 *     by such a block;
 *   - a signature: from `-- ` (or `--`) alone on a line, or a mobile
 *     footer (`Envoyé de mon iPhone`, `Sent from my iPhone`, `Get Outlook
 *     for iOS`...), up to the next quote.
 * When the reply was written below the quote (nothing before it), the
 * text after the quoted lines is kept.
 */
#ifndef QUOTE_H
#define QUOTE_H

#include "util.h"

#include <stddef.h>

/*
 * quote_strip appends the new text of text[0..len) to out, trimmed of
 * blank lines at both ends. Returns a short static English description
 * of the first marker that removed something ("quote header \"Le … a
 * écrit :\"", ...) for the evidence, or NULL if nothing was removed.
 */
const char *quote_strip(const char *text, size_t len, struct sbuf *out);

#endif
