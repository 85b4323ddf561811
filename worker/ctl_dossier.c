/*
 * ctl_dossier.c - `relancectl dossier NUMBER [--out DIR]`: everything
 * sent and received about an invoice, for a lawyer. The dossier itself is
 * built by lib/dossier.c; this file prints it or writes it into a new
 * folder with each sent message as a .eml file.
 */
#include "ctl.h"
#include "dossier.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE "dossier NUMBER [--out DIR]"

static void
help(void)
{
    printf("usage: relancectl [-c FILE] " USAGE "\n\n"
           "Dossier de recouvrement d'une facture / the collection dossier "
           "of an\ninvoice, for a lawyer: the client and the invoice, the "
           "payments, the\nstatus history, every event in order (time, "
           "kind, actor, detail,\nMessage-ID, MTA queue ID) and every "
           "message that carried the invoice\nor told staff about it, "
           "with its full stored text. Times are local\nwith their UTC "
           "offset.\n\n"
           "  (default)  print the dossier on standard output\n"
           "  --out DIR  create DIR (it may exist if empty; a non-empty "
           "DIR is\n"
           "             refused) and write dossier.txt plus each message "
           "sent\n"
           "             as NNN-<message-id>.eml, exactly as stored\n\n"
           "Exit status: 0 done, 1 unknown invoice or run-time error, "
           "64 bad usage.\n");
}

/* write_new writes a new file (never replaces one) and syncs it. */
static int
write_new(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    int rc = -1;
    if (fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t n = write(fd, data + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        if (off == len && fsync(fd) == 0)
            rc = 0;
        if (close(fd) < 0)
            rc = -1;
    }
    if (rc < 0)
        msg_error("dossier: %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* make_dir creates dir, or accepts it if it exists and is empty. */
static int
make_dir(const char *dir)
{
    if (mkdir(dir, 0750) == 0)
        return 0;
    if (errno != EEXIST) {
        msg_error("dossier: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        msg_error("dossier: %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    if (n > 0) {
        msg_error("dossier: %s is not empty; refusing to overwrite. / "
                  "dossier : %s n'est pas vide.",
                  dir, dir);
        return -1;
    }
    return 0;
}

int
ctl_dossier(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        help();
        return 0;
    }
    const char *number = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc || out)
                return ctl_usage(USAGE);
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            msg_error("dossier: unknown option \"%s\"", argv[i]);
            return ctl_usage(USAGE);
        } else if (number == NULL) {
            number = argv[i];
        } else {
            return ctl_usage(USAGE);
        }
    }
    if (number == NULL || *number == '\0' || (out && *out == '\0'))
        return ctl_usage(USAGE);
    sqlite3 *db = ctl_db(ctl);
    if (db == NULL)
        return EXIT_RUNTIME;

    struct dossier d = {0};
    int rc = dossier_build(db, number, &d);
    if (rc == DOSSIER_UNKNOWN)
        msg_error("dossier: unknown invoice \"%s\" / facture inconnue", number);
    if (rc != 0) {
        dossier_free(&d);
        return EXIT_RUNTIME;
    }
    if (out == NULL) {
        fwrite(sbuf_cstr(&d.text), 1, d.text.len, stdout);
        rc = fflush(stdout) == 0 ? 0 : -1;
        if (rc < 0)
            msg_error("dossier: cannot write the output");
    } else {
        rc = make_dir(out);
        if (rc == 0)
            rc = write_new(out, "dossier.txt", sbuf_cstr(&d.text), d.text.len);
        for (size_t i = 0; rc == 0 && i < d.nemls; i++)
            rc = write_new(out, d.emls[i].name, d.emls[i].body, d.emls[i].len);
        if (rc == 0)
            printf("%s: dossier.txt + %zu message(s)\n", out, d.nemls);
    }
    dossier_free(&d);
    return rc == 0 ? 0 : EXIT_RUNTIME;
}
