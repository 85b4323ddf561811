/*
 * ctl_report.c - `relancectl report aging|dso|steps [--json|--csv]`: the
 * finance reports. Option parsing, help and output here; the queries and
 * the arithmetic in lib/report.c, the table renderings in lib/rtable.c.
 */
#include "civil.h"
#include "ctl.h"
#include "log.h"
#include "report.h"
#include "rtable.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                  \
    "report aging|dso|steps [--json|--csv] [--from D] [--to D] "               \
    "[--within N]"

enum { FMT_TEXT, FMT_JSON, FMT_CSV };

static void
help(void)
{
    printf("usage: relancectl [-c FILE] " USAGE "\n\n"
           "Rapports pour la comptabilité / Finance reports. Dates D are "
           "YYYY-MM-DD;\n\"today\" is the local day of the clock (--now).\n\n"
           "  aging   Balance âgée / aged balance: the amounts still due "
           "(status\n"
           "          other than paid) per client and currency, in buckets of "
           "days past\n"
           "          the due date as of today: non échu (due today or later),"
           "\n"
           "          1-30, 31-60, 61-90, > 90 days; totals per currency.\n"
           "  dso     Days Sales Outstanding over the period --from..--to "
           "(default:\n"
           "          the 90 days ending today), per client and overall:\n"
           "            DSO = receivables at the end / credit sales in the "
           "period\n"
           "                  x days in the period\n"
           "          credit sales = invoices issued in the period (amount "
           "incl. tax);\n"
           "          receivables at the end = what was still due at the end "
           "of --to\n"
           "          (today's amount due plus the payments dated after --to);"
           "\n"
           "          no DSO when there were no sales. Also the paid invoices "
           "whose\n"
           "          paid date falls in the period and their average delay\n"
           "            delay = paid_date - due_date (negative: paid early).\n"
           "  steps   Efficacité des relances / effectiveness of each step: "
           "reminders\n"
           "          sent in the period (default 90 days ending today) and "
           "what\n"
           "          followed each within --within N days (default 14), cut "
           "short\n"
           "          by the invoice's next reminder; one outcome per reminder,"
           " the\n"
           "          first of: paid (paid date in the window), dispute, "
           "promise,\n"
           "          reply (paid claims included), bounce; else pending "
           "(window\n"
           "          still open) or no answer (auto-replies do not count).\n\n"
           "Output / Sortie:\n"
           "  (default) an aligned table, French amounts (12 000,00 €).\n"
           "  --json    an object: report, its dates, rows (\"clients\" or "
           "\"steps\")\n"
           "            and \"totals\"; amounts as integer cents (*_cents), "
           "days and\n"
           "            percentages as numbers with one decimal, null when "
           "none.\n"
           "  --csv     for Excel-FR: UTF-8 with a BOM, ';' separator, CRLF, "
           "decimal\n"
           "            comma, amounts without thousands separator or symbol "
           "(the\n"
           "            currency has its own column), totals rows last "
           "(client TOTAL).\n");
}

struct opts {
    int fmt;
    int from, to; /* -1 = not given */
    int within;
};

/* parse_opts reads argv[2..]; returns 0 or EX_USAGE (message printed). */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
    o->fmt = FMT_TEXT;
    o->from = o->to = -1;
    o->within = -1; /* not given: 14 for steps */
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
            if (o->fmt != FMT_TEXT)
                return ctl_usage(USAGE " (one of --json, --csv)");
            o->fmt = a[2] == 'j' ? FMT_JSON : FMT_CSV;
            continue;
        }
        if (strcmp(a, "--from") != 0 && strcmp(a, "--to") != 0 &&
            strcmp(a, "--within") != 0) {
            msg_error("report: unknown option \"%s\"", a);
            return ctl_usage(USAGE);
        }
        if (i + 1 >= argc) {
            msg_error("report: %s needs a value", a);
            return ctl_usage(USAGE);
        }
        const char *v = argv[++i];
        if (strcmp(a, "--within") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 1 || n > 3650) {
                msg_error("report: --within \"%s\": expected days, 1 to "
                          "3650",
                          v);
                return ctl_usage(USAGE);
            }
            o->within = (int)n;
            continue;
        }
        int *day = a[2] == 'f' ? &o->from : &o->to;
        if (civil_parse_iso(v, day) < 0) {
            msg_error("report: %s \"%s\": expected YYYY-MM-DD", a, v);
            return ctl_usage(USAGE);
        }
    }
    return 0;
}

/* period fills the defaults: the 90 days ending on --to or today. */
static int
period(struct opts *o, int today)
{
    if (o->to < 0)
        o->to = o->from > today ? o->from + 89 : today;
    if (o->from < 0)
        o->from = o->to - 89;
    if (o->from > o->to) {
        msg_error("report: --from is after --to");
        return ctl_usage(USAGE);
    }
    return 0;
}

static void
json_day(struct sbuf *b, const char *key, int day)
{
    char iso[11];
    civil_format_iso(day, iso);
    sbuf_addf(b, "\"%s\": \"%s\", ", key, iso);
}

/* render writes t in the chosen format with its heading (text) or its
 * parameters (JSON, already in head). */
static void
render(const struct rtable *t, int fmt, const char *title, const char *head,
       const char *rows_key, struct sbuf *out)
{
    switch (fmt) {
    case FMT_CSV:
        sbuf_adds(out, "\xEF\xBB\xBF");
        rtable_write_csv(t, out);
        break;
    case FMT_JSON:
        sbuf_addf(out, "{%s\"%s\": ", head, rows_key);
        rtable_write_json(t, false, out);
        sbuf_adds(out, ",\n\"totals\": ");
        rtable_write_json(t, true, out);
        sbuf_adds(out, "}\n");
        break;
    default:
        sbuf_addf(out, "%s\n\n", title);
        if (t->nrows == 0)
            sbuf_adds(out, "Aucune donnée pour cette période. / "
                           "Nothing to report.\n");
        else
            rtable_write_text(t, out);
    }
}

int
ctl_report(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        help();
        return 0;
    }
    if (argc < 2)
        return ctl_usage(USAGE);
    const char *what = argv[1];
    bool aging = strcmp(what, "aging") == 0;
    bool dso = strcmp(what, "dso") == 0;
    bool steps = strcmp(what, "steps") == 0;
    if (!aging && !dso && !steps) {
        msg_error("report: unknown report \"%s\"", what);
        return ctl_usage(USAGE);
    }
    struct opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    if (aging && (o.from >= 0 || o.to >= 0 || o.within >= 0)) {
        msg_error("report aging: only --json or --csv; the date is the "
                  "clock's (--now)");
        return ctl_usage("report aging [--json|--csv]");
    }
    if (!steps && o.within >= 0)
        return ctl_usage(USAGE " (--within: steps only)");
    if (o.within < 0)
        o.within = 14;
    int today = clock_local_day(clock_now());
    if (!aging && (rc = period(&o, today)) != 0)
        return rc;
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL)
        return EXIT_RUNTIME;

    struct rtable t;
    struct sbuf head = {0}, title = {0}, out = {0};
    char from[11], to[11];
    civil_format_iso(o.from >= 0 ? o.from : today, from);
    civil_format_iso(o.to >= 0 ? o.to : today, to);
    sbuf_addf(&head, "\"report\": \"%s\", ", what);
    if (aging) {
        rc = report_aging_load(db, today, &t);
        json_day(&head, "as_of", today);
        sbuf_addf(&title, "Balance âgée au %s / Aged balance as of %s", to, to);
    } else if (dso) {
        rc = report_dso_load(db, o.from, o.to, &t);
        json_day(&head, "from", o.from);
        json_day(&head, "to", o.to);
        sbuf_addf(&head, "\"days\": %d, ", o.to - o.from + 1);
        sbuf_addf(&title,
                  "DSO et délais de paiement du %s au %s (%d j)\n"
                  "DSO and payment delays, %s to %s (%d days)",
                  from, to, o.to - o.from + 1, from, to, o.to - o.from + 1);
    } else {
        rc = report_steps_load(db, o.from, o.to, o.within, clock_now(), &t);
        json_day(&head, "from", o.from);
        json_day(&head, "to", o.to);
        sbuf_addf(&head, "\"within_days\": %d, ", o.within);
        sbuf_addf(&title,
                  "Efficacité des relances du %s au %s (suite sous "
                  "%d j)\nReminder effectiveness, %s to %s (outcome "
                  "within %d days)",
                  from, to, o.within, from, to, o.within);
    }
    if (rc == 0) {
        render(&t, o.fmt, sbuf_cstr(&title), sbuf_cstr(&head),
               steps ? "steps" : "clients", &out);
        fwrite(sbuf_cstr(&out), 1, out.len, stdout);
        if (fflush(stdout) != 0) {
            msg_error("report: cannot write the output");
            rc = -1;
        }
    }
    rtable_free(&t);
    sbuf_free(&head);
    sbuf_free(&title);
    sbuf_free(&out);
    return rc == 0 ? 0 : EXIT_RUNTIME;
}
