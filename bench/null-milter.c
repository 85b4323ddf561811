/*
 * null-milter.c - the baseline of bench/milter.sh: a libmilter milter
 * that looks at every protocol step relance-milter looks at and does
 * nothing. It has an xxfi_negotiate (MTA-NOTES.md: without one libmilter
 * asks Postfix to skip DATA and every message waits 40 ms on Nagle) and
 * skips exactly what relance-milter skips (HELO, unknown commands), so
 * the difference measured is the cost of Relance's own work.
 *
 *     null-milter SOCKET          e.g. inet:8896@127.0.0.1
 */
#define SM_CONF_STDBOOL_H 1
#include <libmilter/mfapi.h>

#include <stdio.h>
#include <stdlib.h>

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
             unsigned long *pf2, unsigned long *pf3)
{
    *pf0 = 0;
    *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN);
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    return SMFIS_CONTINUE;
}

static sfsistat
cb_args(SMFICTX *ctx, char **argv)
{
    return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
    return SMFIS_CONTINUE;
}

static sfsistat
cb_ctx(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "null",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = 0,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_args,
    .xxfi_envrcpt = cb_args,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_ctx,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_ctx,
    .xxfi_abort = cb_ctx,
    .xxfi_close = cb_ctx,
    .xxfi_negotiate = cb_negotiate,
};

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: null-milter SOCKET\n");
        return 64;
    }
    if (smfi_setconn(argv[1]) != MI_SUCCESS ||
        smfi_register(desc) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "null-milter: cannot listen on %s\n", argv[1]);
        return 71;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 70;
}
