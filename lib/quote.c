/*
 * quote.c - the new text of a reply; see quote.h.
 *
 * Each line is given a kind, looking at its folded form (fold.h: no
 * accents, lowercase, no-break spaces made spaces), then the text lines
 * are kept. Work is linear in the text; the only allocations are the
 * folded copy and the line table.
 */
#include "quote.h"
#include "fold.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum line_kind {
    L_TEXT,
    L_QUOTED,   /* > ... */
    L_ATTRIB,   /* On ... wrote: (followed by > lines) */
    L_BLOCK,    /* original message / Outlook header: cut to the end */
    L_SIG,      /* signature start */
};

struct line {
    const char *s, *f; /* original and folded text */
    size_t n, fn;
    enum line_kind kind;
};

static const char *
skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '*' || *p == '\r'))
        p++;
    return p;
}

static const char *
trim_end(const char *b, const char *e)
{
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
                     e[-1] == '*'))
        e--;
    return e;
}

static bool
blank(const struct line *l)
{
    return skip_ws(l->f, l->f + l->fn) == l->f + l->fn;
}

static bool
starts(const struct line *l, const char *prefix)
{
    const char *p = skip_ws(l->f, l->f + l->fn);
    size_t k = strlen(prefix);
    return (size_t)(l->f + l->fn - p) >= k && memcmp(p, prefix, k) == 0;
}

/* "... wrote:" and its translations, at the end of the line. */
static bool
ends_attribution(const struct line *l)
{
    static const char *const verbs[] = {
        "wrote", "a ecrit", "schrieb", "ha scritto", "escribio", "escreveu",
        "skrev", "geschreven", "napisal", "kirjoitti", "yazdi",
    };
    const char *b = l->f, *e = trim_end(b, l->f + l->fn);
    if (e == b || e[-1] != ':' || l->fn > 400)
        return false;
    e = trim_end(b, e - 1);
    size_t len = (size_t)(e - b);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        size_t k = strlen(verbs[i]);
        if (len >= k && memcmp(e - k, verbs[i], k) == 0 &&
            (len == k || !isalpha((unsigned char)e[-(long)k - 1])))
            return true;
    }
    /* Gmail's localised form: "2014-04-29 16:17 GMT+02:00 Bob <b@x>:" */
    return isdigit((unsigned char)*skip_ws(b, e)) && e > b && e[-1] == '>' &&
           memchr(b, '@', (size_t)(e - b)) != NULL;
}

/* "From:", "De :", "*Envoyé :*"... : the word list of mail headers as
 * clients write them in replies, in the languages seen. */
static bool
header_line(const struct line *l, bool from_only)
{
    static const char *const from[] = {"from", "de", "von", "da", "van",
                                       "fra", "od"};
    static const char *const rest[] = {
        "sent", "date", "to", "subject", "cc", "reply-to", "envoye",
        "envoye le", "a", "objet", "gesendet", "an", "betreff", "datum",
        "inviato", "oggetto", "enviado", "para", "assunto", "asunto",
        "fecha", "onderwerp", "verzonden", "aan", "emne", "sendt", "til",
    };
    const char *p = skip_ws(l->f, l->f + l->fn), *e = l->f + l->fn;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (colon == NULL || colon - p > 14)
        return false;
    const char *we = trim_end(p, colon);
    size_t n = (size_t)(we - p);
    const char *const *list = from_only ? from : rest;
    size_t nlist = from_only ? sizeof from / sizeof from[0]
                             : sizeof rest / sizeof rest[0];
    for (size_t i = 0; i < nlist; i++)
        if (strlen(list[i]) == n && memcmp(p, list[i], n) == 0)
            return true;
    return false;
}

/* A header line starting a run of three or more within six lines, one of
 * them From/De. */
static bool
outlook_block(const struct line *L, size_t i, size_t n)
{
    bool from = header_line(&L[i], true);
    if (!from && !header_line(&L[i], false))
        return false;
    int count = 1;
    for (size_t j = i + 1; j < n && j < i + 6; j++) {
        if (header_line(&L[j], true))
            from = true, count++;
        else if (header_line(&L[j], false))
            count++;
    }
    return from && count >= 3;
}

static bool
contains(const struct line *l, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= l->fn; i++)
        if (memcmp(l->f + i, needle, k) == 0)
            return true;
    return false;
}

static bool
separator(const struct line *L, size_t i, size_t n)
{
    static const char *const phrases[] = {
        "original message", "message d'origine", "forwarded message",
        "message transfere", "ursprungliche nachricht", "messaggio originale",
        "mensaje original", "mensagem original", "reply message",
    };
    const struct line *l = &L[i];
    if (!starts(l, "--") && !starts(l, "__"))
        return false;
    for (size_t k = 0; k < sizeof phrases / sizeof phrases[0]; k++)
        if (contains(l, phrases[k]))
            return true;
    /* Outlook's underscore rule, then a header block. */
    if (starts(l, "__________")) {
        size_t j = i + 1;
        while (j < n && blank(&L[j]))
            j++;
        return j < n && outlook_block(L, j, n);
    }
    return false;
}

static bool
signature(const struct line *l)
{
    static const char *const footers[] = {
        "envoye de mon ", "envoye depuis mon ", "envoye a partir de ",
        "sent from my ", "sent from mail for windows", "sent from yahoo mail",
        "sent from outlook", "get outlook for ", "telecharger outlook",
        "obtenir outlook pour", "sent via ", "sent with ", "von meinem ",
        "inviato da ",
    };
    const char *e = l->s + l->n;
    while (e > l->s && (e[-1] == '\r' || e[-1] == ' '))
        e--;
    if (e - l->s == 2 && memcmp(l->s, "--", 2) == 0)
        return true;
    if (l->n >= 3 && memcmp(l->s, "-- ", 3) == 0 && e - l->s == 2)
        return true;
    if (l->fn > 80)
        return false;
    for (size_t k = 0; k < sizeof footers / sizeof footers[0]; k++)
        if (starts(l, footers[k]))
            return true;
    return false;
}

/* The first non-blank line after i is quoted. */
static bool
quote_follows(const struct line *L, size_t i, size_t n)
{
    for (size_t j = i + 1; j < n; j++)
        if (!blank(&L[j]))
            return L[j].kind == L_QUOTED;
    return false;
}

static bool
attribution_start(const struct line *l)
{
    static const char *const starts_with[] = {"on ", "le ", "am ", "il ",
                                              "el ", "em ", "den ", "op "};
    for (size_t k = 0; k < sizeof starts_with / sizeof starts_with[0]; k++)
        if (starts(l, starts_with[k]))
            return true;
    return false;
}

static const char *
classify_lines(struct line *L, size_t n)
{
    const char *reason = NULL;
    for (size_t i = 0; i < n; i++)
        if (*skip_ws(L[i].f, L[i].f + L[i].fn) == '>' &&
            L[i].f + L[i].fn > skip_ws(L[i].f, L[i].f + L[i].fn))
            L[i].kind = L_QUOTED;
    for (size_t i = 0; i < n; i++) {
        if (L[i].kind == L_QUOTED)
            continue;
        if (separator(L, i, n)) {
            L[i].kind = L_BLOCK;
            return reason ? reason : "original-message separator";
        }
        if (outlook_block(L, i, n)) {
            L[i].kind = L_BLOCK;
            return reason ? reason : "quoted header block (From:/De :)";
        }
        if (ends_attribution(&L[i])) {
            /* Wrapped over two or three lines: "On <date>, <name>" /
             * "<address>" / "wrote:". */
            for (size_t back = 1; back <= 2 && back <= i; back++) {
                const struct line *p = &L[i - back];
                if (p->kind != L_TEXT || blank(p))
                    break;
                if (attribution_start(p)) {
                    for (size_t k = i - back; k < i; k++)
                        L[k].kind = L_ATTRIB;
                    break;
                }
            }
            L[i].kind = L_ATTRIB;
            if (!quote_follows(L, i, n)) {
                size_t first = i;
                while (first > 0 && L[first - 1].kind == L_ATTRIB)
                    first--;
                L[first].kind = L_BLOCK;
                return reason ? reason : "quote header (wrote:/a écrit :)";
            }
            if (reason == NULL)
                reason = "quote header (wrote:/a écrit :)";
            continue;
        }
        if (signature(&L[i])) {
            L[i].kind = L_SIG;
            if (reason == NULL)
                reason = "signature";
        }
    }
    /* Any other language: one or two short lines ending with ':' and
     * naming an address or a time, just before quoted lines. */
    for (size_t i = 1; i < n; i++) {
        if (L[i].kind != L_QUOTED || L[i - 1].kind == L_QUOTED)
            continue;
        size_t j = i - 1;
        while (j > 0 && blank(&L[j]))
            j--;
        const struct line *l = &L[j];
        const char *e = trim_end(l->f, l->f + l->fn);
        if (l->kind != L_TEXT || e == l->f || e[-1] != ':' || l->fn > 200 ||
            !(memchr(l->f, '@', l->fn) || memchr(l->f, ':', l->fn) != e - 1))
            continue;
        L[j].kind = L_ATTRIB;
        if (j >= 1 && L[j - 1].kind == L_TEXT && L[j - 1].fn < 200 &&
            (attribution_start(&L[j - 1]) ||
             (L[j - 1].fn && L[j - 1].f[L[j - 1].fn - 1] == '<')))
            L[j - 1].kind = L_ATTRIB;
        if (reason == NULL)
            reason = "quote header before quoted lines";
    }
    for (size_t i = 0; i < n && reason == NULL; i++)
        if (L[i].kind == L_QUOTED)
            reason = "quoted lines (>)";
    return reason;
}

static void
trim_tail(struct sbuf *out, size_t start)
{
    while (out->len > start && isspace((unsigned char)out->s[out->len - 1]))
        out->s[--out->len] = '\0';
}

const char *
quote_strip(const char *text, size_t len, struct sbuf *out)
{
    struct sbuf folded = {0};
    fold_text(text, len, &folded);
    size_t n = 1, cap;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    cap = n;
    struct line *L = xcalloc(cap, sizeof *L);
    const char *s = text, *f = sbuf_cstr(&folded);
    const char *se = text + len, *fe = f + folded.len;
    for (size_t i = 0; i < n; i++) {
        const char *snl = memchr(s, '\n', (size_t)(se - s));
        const char *fnl = memchr(f, '\n', (size_t)(fe - f));
        L[i].s = s;
        L[i].n = (size_t)((snl ? snl : se) - s);
        L[i].f = f;
        L[i].fn = (size_t)((fnl ? fnl : fe) - f);
        s = snl ? snl + 1 : se;
        f = fnl ? fnl + 1 : fe;
    }
    const char *reason = classify_lines(L, n);
    size_t start = out->len;
    bool in_sig = false;
    for (size_t i = 0; i < n; i++) {
        if (L[i].kind == L_BLOCK)
            break;
        if (L[i].kind == L_SIG)
            in_sig = true;
        else if (L[i].kind == L_QUOTED || L[i].kind == L_ATTRIB)
            in_sig = false;
        if (L[i].kind != L_TEXT || in_sig)
            continue;
        if (blank(&L[i]) && out->len == start)
            continue;
        sbuf_add(out, L[i].s, L[i].n);
        sbuf_addc(out, '\n');
    }
    trim_tail(out, start);
    /* An attribution left last (its quote was an HTML blockquote). */
    const char *last = out->len > start ? out->s + out->len : NULL;
    while (last && last > out->s + start && last[-1] != '\n')
        last--;
    if (last && out->s[out->len - 1] == ':' &&
        memchr(last, '@', (size_t)(out->s + out->len - last)) &&
        out->s + out->len - last < 200 && last > out->s + start) {
        out->len = (size_t)(last - out->s);
        out->s[out->len] = '\0';
        trim_tail(out, start);
        if (reason == NULL)
            reason = "quote header (wrote:/a écrit :)";
    }
    free(L);
    sbuf_free(&folded);
    return reason;
}
