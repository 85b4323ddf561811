/*
 * test-scenario.c - the scenario parser (every error with its line), the
 * folder checks, the shipped scenarios, and the choice by client profile.
 */
#include "scenario.h"
#include "util.h"
#include "t.h"
#include "tlib.h"

#include <stdlib.h>

#define HEAD "scenario default\n"
#define STEP "step first\noffset J+3\nchannel email\ntone first\n"

static const struct {
    const char *name;
    const char *text;
    const char *want_err; /* substring; NULL = parses */
} parse_cases[] = {
    {"minimal", HEAD STEP, NULL},
    {"comments, blanks, indentation, BOM",
     "\xEF\xBB\xBF# hello\n\n" HEAD "  # note\n  step first\n  offset +3\n"
     "  channel email\n  tone first\n",
     NULL},
    {"every step keyword",
     HEAD "step a\noffset J-5\nchannel email\ntemplate t_1\ntone courtesy\n"
          "cc manager, finance contacts\nflags attach-pdf legal dossier\n"
          "approval yes\nstep call\noffset J\nchannel task\nassignee finance\n"
          "tone firm\nstep merci\non paid\nchannel email\ntone courtesy\n",
     NULL},
    {"step before scenario", STEP, "t.scn:1: step before any `scenario"},
    {"keyword before scenario", "# x\noffset J+3\n",
     "t.scn:2: \"offset\" before any `scenario"},
    {"bad scenario name", "scenario Grands Comptes\n", "t.scn:1: scenario name"},
    {"unknown step keyword", HEAD STEP "colour red\n",
     "t.scn:6: unknown step keyword \"colour\""},
    {"step keyword in scenario header", HEAD "offset J+3\n",
     "t.scn:2: unknown scenario keyword \"offset\" (step keywords go after"},
    {"bad offset", HEAD "step a\noffset J3\n", "t.scn:3: offset \"J3\""},
    {"offset out of range", HEAD "step a\noffset J+9999\n", "t.scn:3: offset"},
    {"two offsets", HEAD "step a\noffset J+1\noffset J+2\n",
     "t.scn:4: offset given twice"},
    {"offset and on paid", HEAD "step a\noffset J+1\non paid\n",
     "t.scn:4: offset given twice, or with `on paid`"},
    {"on something else", HEAD "step a\non sunday\n",
     "t.scn:3: on \"sunday\": only `on paid`"},
    {"bad channel", HEAD "step a\noffset 1\nchannel fax\n",
     "t.scn:4: channel \"fax\""},
    {"bad tone", HEAD "step a\noffset 1\nchannel email\ntone angry\n",
     "t.scn:5: tone \"angry\""},
    {"bad template name", HEAD "step a\ntemplate ../etc/passwd\n",
     "t.scn:3: template \"../etc/passwd\""},
    {"bad cc", HEAD "step a\ncc boss\n", "t.scn:3: cc \"boss\""},
    {"bad flag", HEAD "step a\nflags loud\n", "t.scn:3: flag \"loud\""},
    {"bad approval", HEAD "step a\napproval maybe\n",
     "t.scn:3: approval \"maybe\" is not one of no, yes"},
    {"missing offset", HEAD "step a\nchannel email\ntone first\nstep b\n",
     "t.scn:2: step a: needs `offset"},
    {"missing channel at end of file", HEAD "\nstep a\noffset 1\ntone first\n",
     "t.scn:3: step a: needs `channel`"},
    {"missing tone", HEAD "step a\noffset 1\nchannel email\n",
     "t.scn:2: step a: needs `tone`"},
    {"task without assignee", HEAD "step a\noffset 1\nchannel task\ntone firm\n",
     "t.scn:2: step a: a task needs `assignee"},
    {"assignee on an email", HEAD STEP "assignee finance\n",
     "t.scn:2: step first: `assignee` is only for tasks"},
    {"thank-you by finance notice",
     HEAD "step a\non paid\nchannel finance\ntone courtesy\n",
     "t.scn:2: step a: `on paid` steps go by email"},
    {"offsets out of order",
     HEAD STEP "step second\noffset J+2\nchannel email\ntone firm\n",
     "t.scn:6: step second: offset J+2 must come after step first (J+3)"},
    {"same offset twice",
     HEAD STEP "step second\noffset J+3\nchannel email\ntone firm\n",
     "t.scn:6: step second: offset J+3 must come after"},
    {"duplicate step",
     HEAD STEP "step first\noffset J+5\nchannel email\ntone firm\n",
     "t.scn:6: step first already defined on line 2"},
    {"two thank-you steps",
     HEAD "step a\non paid\nchannel email\ntone courtesy\n"
          "step b\non paid\nchannel email\ntone courtesy\n",
     "t.scn:6: only one `on paid` step"},
    {"bad priority", "scenario x\npriority high\n", "t.scn:2: priority"},
    {"conditions", "scenario x\nmatch segment is key-account, grands-comptes\n"
                   "match amount >= 10 000,50 €\nmatch revenue > 1000000\n"
                   "exclude invoices-paid < 3\nmatch client-age <= 180\n"
                   "match avg-days-late >= 15\nmatch late-ratio >= 50%\n"
                   "match segment is not public\nmatch segment != public\n",
     NULL},
    {"unknown subject", "scenario x\nmatch colour is red\n",
     "t.scn:2: match: unknown subject \"colour\""},
    {"missing operator", "scenario x\nmatch amount\n",
     "t.scn:2: amount: operator missing"},
    {"segment with <", "scenario x\nmatch segment < b\n",
     "t.scn:2: segment: use `is NAME...`"},
    {"segment without name", "scenario x\nexclude segment is not\n",
     "t.scn:2: segment: name at least one"},
    {"payment method", "scenario x\nmatch payment-method is direct-debit sepa\n",
     NULL},
    {"payment method with <", "scenario x\nmatch payment-method < b\n",
     "t.scn:2: payment-method: use `is NAME...`"},
    {"number with is", "scenario x\nmatch amount is 10\n",
     "t.scn:2: amount: operator \"is\""},
    {"bad amount", "scenario x\nmatch amount >= lots\n",
     "t.scn:2: amount: \"lots\" is not an amount"},
    {"bad ratio", "scenario x\nmatch late-ratio > 150%\n",
     "t.scn:2: late-ratio: \"150\" is not a percentage"},
    {"negative count", "scenario x\nmatch invoices-paid < -1\n",
     "t.scn:2: invoices-paid: \"-1\" is not a whole number"},
};

static const struct {
    const char *name;
    const char *text;
    const char *want_err;
} check_cases[] = {
    {"default present", "scenario default\n" STEP, NULL},
    {"no default", "scenario x\n" STEP, "no scenario named \"default\""},
    {"duplicate scenario", "scenario default\n" STEP "scenario default\n",
     "t.scn:6: scenario default already defined at t.scn:1"},
    {"default with a condition",
     "scenario default\nmatch amount > 1\n" STEP,
     "t.scn:2: the default scenario takes no match"},
};

/* Profiles and the scenario each must get from the set below. */
static const char choose_text[] =
    "scenario default\n" STEP
    "scenario none\npriority 100\nmatch segment is intragroup\n"
    "scenario key\npriority 50\nmatch segment is key-account\n" STEP
    "scenario big\npriority 50\nmatch amount >= 10000\n"
    "exclude segment is public\n" STEP
    "scenario late\npriority 40\nmatch avg-days-late >= 15\n"
    "match late-ratio >= 50\n" STEP
    "scenario new\npriority 30\nmatch invoices-paid < 3\n" STEP;

static const struct {
    const char *name;
    struct scenario_profile p;
    const char *want;
} choose_cases[] = {
    {"nothing special", {"smb", 50000, -1, 10, 900, 2, 10, NULL}, "default"},
    {"intragroup sends nothing", {"Intragroup", 50000, -1, 10, 900, 2, 10, NULL},
     "none"},
    {"key account", {"key-account", 50000, -1, 10, 900, 2, 10, NULL}, "key"},
    {"key account beats big by load order",
     {"key-account", 2000000, -1, 10, 900, 2, 10, NULL}, "key"},
    {"big invoice", {"smb", 1000000, -1, 10, 900, 2, 10, NULL}, "big"},
    {"big invoice just below", {"smb", 999999, -1, 10, 900, 2, 10, NULL}, "default"},
    {"big but public is excluded", {"public", 1000000, -1, 10, 900, 2, 10, NULL},
     "default"},
    {"chronic late payer", {NULL, 50000, -1, 10, 900, 20, 60, NULL}, "late"},
    {"late on average but rarely", {NULL, 50000, -1, 10, 900, 20, 40, NULL},
     "default"},
    {"late payer who is also new", {NULL, 50000, -1, 2, 30, 20, 100, NULL}, "late"},
    {"new client", {NULL, 50000, -1, 0, 30, -1, -1, NULL}, "new"},
    {"unknown history matches nothing", {NULL, 50000, -1, -1, -1, -1, -1, NULL},
     "default"},
};

static void
check_default(const struct scenario_set *set)
{
    static const struct {
        const char *name;
        int offset, channel, tone;
        unsigned cc, flags;
    } want[] = {
        {"courtesy", -5, SCN_EMAIL, TONE_COURTESY, 0, SCN_F_ATTACH_PDF},
        {"first", 3, SCN_EMAIL, TONE_FIRST, 0, SCN_F_ATTACH_PDF},
        {"firm", 10, SCN_EMAIL, TONE_FIRM, SCN_CC_MANAGER, SCN_F_ATTACH_PDF},
        {"formal", 20, SCN_EMAIL, TONE_FORMAL, SCN_CC_MANAGER,
         SCN_F_ATTACH_PDF | SCN_F_LEGAL | SCN_F_DOSSIER},
        {"collections", 30, SCN_FINANCE, TONE_COLLECTIONS, 0, 0},
    };
    const struct scenario *d = scenario_find(set, "default");
    T_CHECK(d != NULL, "no default scenario shipped");
    if (d == NULL)
        return;
    T_INTEQ(d->nsteps, 5);
    for (size_t i = 0; i < d->nsteps && i < 5; i++) {
        const struct scenario_step *st = &d->steps[i];
        T_STREQ(st->name, want[i].name);
        T_STREQ(st->template, want[i].name);
        T_INTEQ(st->index, i + 1);
        T_INTEQ(st->trigger, SCN_AT_OFFSET);
        T_INTEQ(st->offset, want[i].offset);
        T_INTEQ(st->channel, want[i].channel);
        T_INTEQ(st->tone, want[i].tone);
        T_INTEQ(st->cc, want[i].cc);
        T_INTEQ(st->flags, want[i].flags);
        T_INTEQ(st->approval, 0);
    }
}

int
main(void)
{
    char err[512];
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        T_CASE(parse_cases[i].name);
        struct scenario_set set = {0};
        err[0] = '\0';
        int rc = scenario_parse(&set, "t.scn", parse_cases[i].text, err,
                                sizeof err);
        T_RESULT(rc, err, parse_cases[i].want_err);
        scenario_set_free(&set);
    }

    T_CASE("values of every step keyword");
    struct scenario_set set = {0};
    T_INTEQ(scenario_parse(&set, "t.scn", parse_cases[2].text, err, sizeof err),
            0);
    if (set.n == 1 && set.v[0].nsteps == 3) {
        const struct scenario_step *a = &set.v[0].steps[0];
        T_INTEQ(a->offset, -5);
        T_STREQ(a->template, "t_1");
        T_INTEQ(a->cc, SCN_CC_MANAGER | SCN_CC_FINANCE | SCN_CC_CONTACTS);
        T_INTEQ(a->flags, SCN_F_ATTACH_PDF | SCN_F_LEGAL | SCN_F_DOSSIER);
        T_INTEQ(a->approval, 1);
        T_INTEQ(a->line, 2);
        const struct scenario_step *call = scenario_step_find(&set.v[0], "call");
        T_CHECK(call && call->offset == 0 && call->channel == SCN_TASK &&
                    strcmp(call->assignee, "finance") == 0 &&
                    strcmp(call->template, "call") == 0 && call->index == 2,
                "task step parsed wrong");
        T_INTEQ(set.v[0].steps[2].trigger, SCN_ON_PAID);
    } else {
        T_CHECK(0, "expected 1 scenario with 3 steps");
    }
    scenario_set_free(&set);

    for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
        T_CASE(check_cases[i].name);
        struct scenario_set s = {0};
        err[0] = '\0';
        int rc = scenario_parse(&s, "t.scn", check_cases[i].text, err,
                                sizeof err);
        if (rc == 0)
            rc = scenario_check(&s, err, sizeof err);
        T_RESULT(rc, err, check_cases[i].want_err);
        scenario_set_free(&s);
    }

    T_CASE("choice set loads");
    struct scenario_set cs = {0};
    T_CHECK(scenario_parse(&cs, "c.scn", choose_text, err, sizeof err) == 0 &&
                scenario_check(&cs, err, sizeof err) == 0,
            "%s", err);
    T_STREQ(cs.v[0].name, "none"); /* sorted by priority */
    for (size_t i = 0; i < sizeof choose_cases / sizeof choose_cases[0]; i++) {
        T_CASE(choose_cases[i].name);
        const struct scenario *s = scenario_choose(&cs, &choose_cases[i].p);
        T_STREQ(s ? s->name : NULL, choose_cases[i].want);
    }
    scenario_set_free(&cs);

    T_CASE("shipped scenarios load");
    const char *src = getenv("RELANCE_SRC") ? getenv("RELANCE_SRC") : ".";
    char *dir = xasprintf("%s/rules/scenarios", src);
    struct scenario_set shipped = {0};
    T_CHECK(scenario_load_dir(&shipped, dir, err, sizeof err) == 0, "%s", err);
    check_default(&shipped);
    static const struct {
        const char *name;
        struct scenario_profile p;
        const char *want;
        int first_offset; /* offset of the step named "first" */
    } shipped_cases[] = {
        {"ordinary client", {"pme", 100000, -1, 5, 400, 5, 30, NULL}, "default", 3},
        {"key account", {"grands-comptes", 100000, -1, 40, 900, 20, 60, NULL},
         "key-account", 3},
        {"chronic late payer", {"pme", 100000, -1, 8, 900, 22, 75, NULL},
         "late-payer", 1},
        {"new client", {"pme", 100000, -1, 1, 40, -1, -1, NULL}, "new-client", 3},
        {"new client paying late is a late payer",
         {NULL, 100000, -1, 2, 60, 30, 100, NULL}, "late-payer", 1},
        {"loyal historic client", {"pme", 100000, -1, 48, 2000, 2, 10, NULL},
         "loyal", 7},
        {"many invoices but often late is not loyal",
         {"pme", 100000, -1, 48, 2000, 6, 40, NULL}, "default", 3},
    };
    for (size_t i = 0; i < sizeof shipped_cases / sizeof shipped_cases[0];
         i++) {
        T_CASE(shipped_cases[i].name);
        const struct scenario *sc = scenario_choose(&shipped, &shipped_cases[i].p);
        T_STREQ(sc ? sc->name : NULL, shipped_cases[i].want);
        const struct scenario_step *f = sc ? scenario_step_find(sc, "first") : NULL;
        T_INTEQ(f ? f->offset : -999, shipped_cases[i].first_offset);
    }
    T_CASE("key account: contacts in copy, a call task, approved notice");
    const struct scenario *ka = scenario_find(&shipped, "key-account");
    const struct scenario_step *call = ka ? scenario_step_find(ka, "call") : NULL;
    const struct scenario_step *kf = ka ? scenario_step_find(ka, "first") : NULL;
    const struct scenario_step *kn = ka ? scenario_step_find(ka, "formal") : NULL;
    T_CHECK(call && call->channel == SCN_TASK && strcmp(call->assignee, "finance") == 0,
            "no call task for finance");
    T_CHECK(kf && (kf->cc & SCN_CC_CONTACTS), "first reminder without contacts in cc");
    T_CHECK(kn && kn->approval, "formal notice without approval");
    scenario_set_free(&shipped);
    free(dir);

    T_CASE("missing folder");
    struct scenario_set none = {0};
    T_CHECK(scenario_load_dir(&none, "/nonexistent/scenarios", err,
                              sizeof err) < 0 &&
                strstr(err, "/nonexistent/scenarios: No such file"),
            "%s", err);
    T_INTEQ(none.n, 0);

    T_CASE("empty folder");
    char *empty = xasprintf("%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    T_CHECK(scenario_load_dir(&none, empty, err, sizeof err) < 0 &&
                strstr(err, "no scenario file"),
            "%s", err);
    free(empty);
    return t_done();
}
