/*
 * milter-driver.c - plays the MTA side of the milter protocol (version 6)
 * against a milter, with no MTA: the "without Postfix" half of
 * bench/milter.sh, and a protocol-level check (it prints every header
 * modification the milter asked for with -v).
 *
 *   milter-driver -s SOCKET [-c CONNS] [-n MESSAGES] [-f FROM] [-r RCPT]
 *                 [-a AUTH_AUTHEN] [-d DAEMON_NAME] [-v] FILE.eml
 *
 * SOCKET is libmilter syntax (inet:PORT@HOST or unix:/path). CONNS
 * connections (threads) send MESSAGES copies of FILE in total, several
 * messages per connection as an MTA does. Prints one line:
 *   messages=N seconds=S rate=R/s p50_ms=.. p99_ms=.. accept_eoh=.. eom=..
 *   addhdr=.. chghdr=..
 * Latency is measured from MAIL to the milter's last answer for the
 * message. Exit 0, or 1 if the milter misbehaved (closed, bad reply).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define SMFIP_NOHELO 0x2UL
#define SMFIP_NOUNKNOWN 0x100UL

struct hdr {
    char *name, *value;
};

static const char *sock_spec, *mail_from = "client@example.test",
                              *rcpt = "compta@example.test", *auth,
                              *daemon_name = "smtpd";
static int nconns = 20, nmsgs = 1000, verbose;
static struct hdr *hdrs;
static int nhdrs;
static const char *body;
static size_t body_len;
static atomic_int next_msg, failures, accept_eoh, eoms, addhdr, chghdr;
static double *lat_ms;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(void)
{
    int fd;
    if (strncmp(sock_spec, "unix:", 5) == 0 ||
        strncmp(sock_spec, "local:", 6) == 0) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        snprintf(sun.sun_path, sizeof sun.sun_path, "%s",
                 strchr(sock_spec, ':') + 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0)
            return -1;
        return fd;
    }
    /* inet:PORT@HOST */
    const char *p = strchr(sock_spec, ':'), *at = strchr(sock_spec, '@');
    if (p == NULL)
        return -1;
    char port[16];
    snprintf(port, sizeof port, "%.*s",
             (int)((at ? at : p + strlen(p)) - p - 1), p + 1);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM},
                    *ai;
    if (getaddrinfo(at ? at + 1 : "127.0.0.1", port, &hints, &ai) != 0)
        return -1;
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    /* A macro packet and its command go out back to back, as Postfix
     * sends them from one buffer: no Nagle wait between the two. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return rc < 0 ? -1 : fd;
}

static int
full_write(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
full_read(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* send_cmd: one packet, length + command + data, in one write. */
static int
send_cmd(int fd, char cmd, const void *data, size_t n)
{
    char stackbuf[4096];
    char *buf = n + 5 <= sizeof stackbuf ? stackbuf : xmalloc(n + 5);
    uint32_t len = htonl((uint32_t)(n + 1));
    memcpy(buf, &len, 4);
    buf[4] = cmd;
    if (n)
        memcpy(buf + 5, data, n);
    int rc = full_write(fd, buf, n + 5);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

/* read_reply: one packet; its command into *cmd. */
static int
read_reply(int fd, char *cmd, struct sbuf *data)
{
    uint32_t len;
    if (full_read(fd, &len, 4) < 0)
        return -1;
    len = ntohl(len);
    if (len == 0 || len > (1u << 24))
        return -1;
    char *buf = xmalloc(len);
    if (full_read(fd, buf, len) < 0) {
        free(buf);
        return -1;
    }
    *cmd = buf[0];
    sbuf_reset(data);
    sbuf_add(data, buf + 1, len - 1);
    free(buf);
    return 0;
}

/* Build name\0value\0... into b. */
static void
pairs(struct sbuf *b, const char *const *kv, int n)
{
    sbuf_reset(b);
    for (int i = 0; i < n; i++)
        sbuf_add(b, kv[i], strlen(kv[i]) + 1);
}

/* ask: send a command and wait for a non-progress reply. */
static int
ask(int fd, char cmd, const void *data, size_t n, char *reply, struct sbuf *rd)
{
    if (send_cmd(fd, cmd, data, n) < 0)
        return -1;
    do {
        if (read_reply(fd, reply, rd) < 0)
            return -1;
    } while (*reply == 'p');
    return 0;
}

static int
one_message(int fd, unsigned long prot, int seq, struct sbuf *b,
            struct sbuf *rd)
{
    char reply, qid[32];
    snprintf(qid, sizeof qid, "B%07X", seq);
    const char *mm[] = {
        "i", qid, "{auth_authen}", auth ? auth : "", "{mail_addr}", mail_from};
    sbuf_reset(b);
    sbuf_addc(b, 'M');
    for (int i = 0; i < (auth ? 4 : 2); i++)
        sbuf_add(b, mm[i], strlen(mm[i]) + 1);
    if (send_cmd(fd, 'D', b->s, b->len) < 0)
        return -1;
    char from[300];
    int n = snprintf(from, sizeof from, "<%s>", mail_from);
    if (ask(fd, 'M', from, (size_t)n + 1, &reply, rd) < 0)
        return -1;
    if (reply == 'a')
        return 0;
    n = snprintf(from, sizeof from, "<%s>", rcpt);
    if (ask(fd, 'R', from, (size_t)n + 1, &reply, rd) < 0)
        return -1;
    if (reply == 'a')
        return 0;
    for (int i = 0; i < nhdrs; i++) {
        const char *kv[] = {hdrs[i].name, hdrs[i].value};
        pairs(b, kv, 2);
        if (ask(fd, 'L', b->s, b->len, &reply, rd) < 0)
            return -1;
        if (reply == 'a')
            goto accepted;
    }
    sbuf_reset(b);
    sbuf_addc(b, 'N');
    sbuf_add(b, "i", 2);
    sbuf_add(b, qid, strlen(qid) + 1);
    send_cmd(fd, 'D', b->s, b->len);
    if (ask(fd, 'N', NULL, 0, &reply, rd) < 0)
        return -1;
    if (reply == 'a') {
        atomic_fetch_add(&accept_eoh, 1);
        goto accepted;
    }
    for (size_t off = 0; off < body_len;) {
        size_t chunk = body_len - off < 65535 ? body_len - off : 65535;
        if (ask(fd, 'B', body + off, chunk, &reply, rd) < 0)
            return -1;
        off += chunk;
        if (reply == 's')
            break;
        if (reply == 'a')
            goto accepted;
    }
    sbuf_reset(b);
    sbuf_addc(b, 'E');
    sbuf_add(b, "i", 2);
    sbuf_add(b, qid, strlen(qid) + 1);
    send_cmd(fd, 'D', b->s, b->len);
    if (send_cmd(fd, 'E', NULL, 0) < 0)
        return -1;
    for (;;) {
        if (read_reply(fd, &reply, rd) < 0)
            return -1;
        if (reply == 'h' || reply == 'i') {
            atomic_fetch_add(&addhdr, 1);
            if (verbose)
                fprintf(stderr, "%s: add %s: %s\n", qid, rd->s,
                        rd->s + strlen(rd->s) + 1);
        } else if (reply == 'm') {
            atomic_fetch_add(&chghdr, 1);
            if (verbose)
                fprintf(stderr, "%s: change #%u %s\n", qid,
                        ntohl(*(uint32_t *)rd->s), rd->s + 4);
        } else if (strchr("catdr", reply)) {
            break;
        }
    }
    atomic_fetch_add(&eoms, 1);
    return 0;
accepted:
    /* The message is over for the milter; reset it as an MTA would. */
    return send_cmd(fd, 'A', NULL, 0);
}

static void *
worker(void *arg)
{
    struct sbuf b = {0}, rd = {0};
    int fd = dial();
    char reply;
    if (fd < 0) {
        perror("milter-driver: connect");
        atomic_fetch_add(&failures, 1);
        return NULL;
    }
    uint32_t opt[3] = {htonl(6), htonl(0x1ff), htonl(0x1fffff)};
    if (ask(fd, 'O', opt, sizeof opt, &reply, &rd) < 0 || reply != 'O' ||
        rd.len < 12) {
        fprintf(stderr, "milter-driver: option negotiation failed\n");
        atomic_fetch_add(&failures, 1);
        close(fd);
        return NULL;
    }
    uint32_t p;
    memcpy(&p, rd.s + 8, 4);
    unsigned long prot = ntohl(p);
    const char *cm[] = {"j", "mx.example.test", "{daemon_name}", daemon_name};
    sbuf_reset(&b);
    sbuf_addc(&b, 'C');
    for (int i = 0; i < 4; i++)
        sbuf_add(&b, cm[i], strlen(cm[i]) + 1);
    send_cmd(fd, 'D', b.s, b.len);
    sbuf_reset(&b);
    sbuf_add(&b, "client.example.test", 20);
    sbuf_addc(&b, '4');
    uint16_t port = htons(40000);
    sbuf_add(&b, (char *)&port, 2);
    sbuf_add(&b, "127.0.0.1", 10);
    if (ask(fd, 'C', b.s, b.len, &reply, &rd) < 0)
        goto fail;
    if (!(prot & SMFIP_NOHELO) &&
        ask(fd, 'H', "client.example.test", 20, &reply, &rd) < 0)
        goto fail;
    for (;;) {
        int seq = atomic_fetch_add(&next_msg, 1);
        if (seq >= nmsgs)
            break;
        double t0 = now_s();
        if (one_message(fd, prot, seq, &b, &rd) < 0)
            goto fail;
        lat_ms[seq] = (now_s() - t0) * 1000.0;
    }
    send_cmd(fd, 'Q', NULL, 0);
    close(fd);
    sbuf_free(&b);
    sbuf_free(&rd);
    return NULL;
fail:
    fprintf(stderr, "milter-driver: the milter closed or answered badly\n");
    atomic_fetch_add(&failures, 1);
    close(fd);
    sbuf_free(&b);
    sbuf_free(&rd);
    return NULL;
}

/* load_message splits FILE into unfolded headers and the body (CRLF). */
static void
load_message(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    if (text == NULL) {
        perror(path);
        exit(66);
    }
    char *p = text;
    while (*p && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
        char *eol = strchr(p, '\n');
        char *next = eol ? eol + 1 : p + strlen(p);
        while (*next == ' ' || *next == '\t') { /* folded */
            char *e2 = strchr(next, '\n');
            next = e2 ? e2 + 1 : next + strlen(next);
        }
        char *colon = memchr(p, ':', (size_t)(next - p));
        if (colon) {
            hdrs = xrealloc(hdrs, sizeof *hdrs * (size_t)(nhdrs + 1));
            hdrs[nhdrs].name = xstrndup(p, (size_t)(colon - p));
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(next - v);
            while (vl && (v[vl - 1] == '\n' || v[vl - 1] == '\r'))
                vl--;
            hdrs[nhdrs++].value = xstrndup(v, vl);
        }
        p = next;
    }
    p += *p == '\r' ? 2 : (*p == '\n');
    /* Body with CRLF line ends, as an MTA sends it. */
    struct sbuf b = {0};
    for (; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            sbuf_addc(&b, '\r');
        sbuf_addc(&b, *p);
    }
    body_len = b.len;
    body = sbuf_steal(&b);
    free(text);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    int ch;
    while ((ch = getopt(argc, argv, "s:c:n:f:r:a:d:v")) != -1) {
        switch (ch) {
        case 's':
            sock_spec = optarg;
            break;
        case 'c':
            nconns = atoi(optarg);
            break;
        case 'n':
            nmsgs = atoi(optarg);
            break;
        case 'f':
            mail_from = optarg;
            break;
        case 'r':
            rcpt = optarg;
            break;
        case 'a':
            auth = optarg;
            break;
        case 'd':
            daemon_name = optarg;
            break;
        case 'v':
            verbose = 1;
            break;
        default:
            goto usage;
        }
    }
    if (sock_spec == NULL || optind + 1 != argc || nconns < 1 || nmsgs < 1)
        goto usage;
    load_message(argv[optind]);
    lat_ms = xcalloc((size_t)nmsgs, sizeof *lat_ms);
    pthread_t *th = xcalloc((size_t)nconns, sizeof *th);
    double t0 = now_s();
    for (int i = 0; i < nconns; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < nconns; i++)
        pthread_join(th[i], NULL);
    double secs = now_s() - t0;
    qsort(lat_ms, (size_t)nmsgs, sizeof *lat_ms, cmp_double);
    printf("messages=%d seconds=%.3f rate=%.0f/s p50_ms=%.3f p99_ms=%.3f "
           "accept_eoh=%d eom=%d addhdr=%d chghdr=%d\n",
           nmsgs, secs, nmsgs / secs, lat_ms[nmsgs / 2],
           lat_ms[(int)(nmsgs * 0.99)], atomic_load(&accept_eoh),
           atomic_load(&eoms), atomic_load(&addhdr), atomic_load(&chghdr));
    for (int i = 0; i < nhdrs; i++) {
        free(hdrs[i].name);
        free(hdrs[i].value);
    }
    free(hdrs);
    free((char *)body);
    free(lat_ms);
    free(th);
    return atomic_load(&failures) ? 1 : 0;
usage:
    fprintf(stderr,
            "usage: milter-driver -s SOCKET [-c CONNS] [-n MESSAGES] "
            "[-f FROM] [-r RCPT] [-a AUTH] [-d DAEMON_NAME] [-v] FILE.eml\n");
    return 64;
}
