#!/bin/bash
# test-worker-tls.sh - SmtpStartTLS towards the private Postfix:
#   require, server without STARTTLS -> nothing sent, retried later, the
#                                       reason in messages.last_error;
#   try, server without STARTTLS     -> sent in clear;
#   require, server with STARTTLS    -> sent over TLS (Postfix logs the
#                                       STARTTLS in the session line).
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
W="$RELANCE_BIN/relance-worker"
DB=$WORK/relance.db

pf_start
relance_conf "SmtpStartTLS require"
default_rules
import_csv $'client_id;name;email\nC1;Client Un;c1@c1.test\nC2;Client Deux;c2@c2.test' \
    $'number;client_id;issue_date;due_date;amount\nF-1;C1;2026-10-01;2026-11-02;100'

note "require, no STARTTLS offered: not sent"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" >>"$WORK/worker.log" 2>&1 ||
    fail "a refused session is recorded, not a worker error"
assert_eq "$(q "SELECT state || ' ' || attempts FROM messages")" "queued 1" "message after a refused session"
case $(q "SELECT last_error FROM messages") in
    *STARTTLS*) ;; *) fail "last_error: $(q "SELECT last_error FROM messages")";; esac

note "try, no STARTTLS offered: sent in clear"
sed -i 's/^SmtpStartTLS .*/SmtpStartTLS try/' "$RELANCE_CONF"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:10" >>"$WORK/worker.log" 2>&1
mail_wait 1 60
assert_eq "$(q "SELECT state FROM messages")" "sent" "message with try"

note "require, STARTTLS offered: sent over TLS"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=mx.relance.test >/dev/null 2>&1
chgrp postfix "$WORK/key.pem"; chmod 640 "$WORK/key.pem"
postconf -c "$PF_DIR" -e "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $WORK/cert.pem" "smtpd_tls_key_file = $WORK/key.pem"
postfix -c "$PF_DIR" reload >/dev/null 2>&1
offers_tls() {
    python3 -c 'import smtplib,sys
s=smtplib.SMTP("127.0.0.1",int(sys.argv[1]),timeout=5); s.ehlo()
sys.exit(0 if s.has_extn("starttls") else 1)' "$PF_PORT"
}
wait_until 30 offers_tls
sed -i 's/^SmtpStartTLS .*/SmtpStartTLS require/' "$RELANCE_CONF"
printf 'number;client_id;issue_date;due_date;amount\nF-2;C2;2026-10-01;2026-11-02;200\n' > "$WORK/i2.csv"
$RELANCECTL import invoices "$WORK/i2.csv" >/dev/null
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:20" >>"$WORK/worker.log" 2>&1
mail_wait 2 60
assert_eq "$(q "SELECT count(*) FROM messages WHERE state='sent'")" 2 "messages sent"
wait_until 10 grep -q "ehlo=2 starttls=1 mail=1" "$WORK/maillog"
echo OK
