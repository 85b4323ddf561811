/* Temporary: replaced by the real commands (issue 2). */
#include "ctl.h"
#include "log.h"
static int nyi(const char *n) { msg_error("%s: not implemented yet", n); return EXIT_RUNTIME; }
int ctl_import(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
int ctl_invoice(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
int ctl_pay(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
int ctl_hold(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
int ctl_release(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
int ctl_resolve(struct ctl *c, int a, char **v) { (void)c; (void)a; return nyi(v[0]); }
