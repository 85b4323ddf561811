/*
 * ctl_util.c - helpers for the finance commands; see ctl_util.h.
 */
#include "ctl_util.h"
#include "civil.h"
#include "csvin.h"
#include "log.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
ctl_actor(void)
{
    static char actor[96];
    if (actor[0])
        return actor;
    const char *user = getenv("SUDO_USER");
    if (user == NULL || *user == '\0') {
        struct passwd *pw = getpwuid(getuid());
        user = pw ? pw->pw_name : "unknown";
    }
    snprintf(actor, sizeof actor, "relancectl:%s", user);
    return actor;
}

int
ctl_today(void)
{
    return clock_local_day(clock_now());
}

int
ctl_parse_day(const char *opt, const char *s, int *day)
{
    if (civil_parse_date(s, day) == 0)
        return 0;
    msg_error("%s \"%s\": date invalide / not a valid date (YYYY-MM-DD or "
              "DD/MM/YYYY)", opt, s);
    return -1;
}

int
ctl_text_arg(const char *opt, const char *s)
{
    if (s && *s && csvin_text_ok(s))
        return 0;
    msg_error("%s: texte vide ou caractère de contrôle / empty text or "
              "control character", opt);
    return -1;
}

const char *
ctl_day_fr(const char *iso, char *buf)
{
    int d;
    if (iso == NULL || civil_parse_iso(iso, &d) < 0) {
        snprintf(buf, 11, "%s", iso ? iso : "");
        return buf;
    }
    snprintf(buf, 11, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    return buf;
}

const char *
ctl_status_fr(const char *status)
{
    static const char *const map[][2] = {
        {"open", "ouverte"},      {"paused", "en pause"},
        {"promised", "promesse"}, {"disputed", "contestée"},
        {"hold", "suspendue"},    {"paid", "payée"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], status) == 0)
            return map[i][1];
    return status;
}

int
ctl_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void
ctl_pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int n = ctl_width(s); n < width; n++)
        fputc(' ', out);
}

void
ctl_rpad(FILE *out, const char *s, int width)
{
    for (int n = ctl_width(s); n < width; n++)
        fputc(' ', out);
    fputs(s, out);
}
