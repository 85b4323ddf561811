/*
 * ctl_init.c - `relancectl init` and `relancectl config check|sample`.
 *
 * init creates the database (or applies pending migrations) and the HMAC
 * secret file. The secret is 32 random bytes, hex-encoded, created with
 * O_EXCL and mode 0600; an existing secret is never replaced, because
 * every token already sent was signed with it.
 */
#include "cfg.h"
#include "ctl.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int
make_secret(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if ((st.st_mode & 077) != 0)
            msg_warn("%s: secret file is readable by others (mode %03o); "
                     "chmod 600 it",
                     path, (unsigned)(st.st_mode & 0777));
        return 0;
    }
    unsigned char key[32];
    if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
        msg_error("getrandom: %s", strerror(errno));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        msg_error("%s: %s", path, strerror(errno));
        return -1;
    }
    char hex[sizeof key * 2 + 2];
    for (size_t i = 0; i < sizeof key; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    strcat(hex, "\n");
    ssize_t n = write(fd, hex, strlen(hex));
    if (n != (ssize_t)strlen(hex) || fsync(fd) < 0 || close(fd) < 0) {
        msg_error("%s: cannot write the secret: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    printf("created secret %s (mode 0600)\n", path);
    return 0;
}

int
ctl_init(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv)) {
        printf("usage: relancectl [-c FILE] init\n\n"
               "Creates the database named by Database (or upgrades its "
               "schema)\nand the HMAC secret named by SecretFile (mode "
               "0600). Safe to run again.\n");
        return 0;
    }
    if (argc != 1)
        return ctl_usage("init");
    char err[1024];
    sqlite3 *db = db_open(ctl->cfg.database, DB_CREATE | DB_MIGRATE, 60000,
                          err, sizeof err);
    if (db == NULL) {
        msg_error("%s", err);
        return EXIT_RUNTIME;
    }
    db_close(db);
    printf("database %s at schema version %d\n", ctl->cfg.database,
           db_schema_version());
    return make_secret(ctl->cfg.secret_file) < 0 ? EXIT_RUNTIME : 0;
}

int
ctl_config(struct ctl *ctl, int argc, char **argv)
{
    if (ctl_wants_help(argc, argv) || argc != 2) {
        FILE *out = argc == 2 ? stdout : stderr;
        fprintf(out, "usage: relancectl [-c FILE] config check|sample\n\n"
                     "  check   load the configuration and report the "
                     "first error with its line\n"
                     "  sample  print a sample file documenting every key "
                     "and its default\n");
        return argc == 2 ? 0 : EX_USAGE;
    }
    if (strcmp(argv[1], "sample") == 0) {
        cfg_write_sample(stdout);
        return 0;
    }
    if (strcmp(argv[1], "check") == 0) {
        struct cfg c;
        char err[1024];
        int rc = cfg_load(&c, ctl->cfg_path, err, sizeof err);
        if (rc < 0)
            msg_error("%s", err);
        else
            printf("%s: OK\n", ctl->cfg_path);
        cfg_free(&c);
        return rc < 0 ? EX_CONFIG : 0;
    }
    return ctl_usage("config check|sample");
}
