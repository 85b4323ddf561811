#!/bin/bash
# test-harness.sh - the private Postfix of lib.sh works: mail submitted
# over SMTP and through sendmail(1) is delivered to the maildir, each
# recipient once, and the queue empties.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e
pf_start
note "postfix on 127.0.0.1:$PF_PORT"
printf 'From: a@client.test\nTo: b@fournisseur.test\nSubject: test 1\nMessage-ID: <t1@client.test>\n\nbody\n' > "$WORK/m1.eml"
smtp_send a@client.test b@fournisseur.test,c@other.test "$WORK/m1.eml"
printf 'From: x@fournisseur.test\nTo: y@client.test\nSubject: test 2\n\nbody 2\n' | pf_sendmail -f x@fournisseur.test y@client.test
mail_wait 3 30
assert_eq "$(mail_count)" 3 "deliveries"
grep -l '^Delivered-To: c@other.test' "$PF_MAILDIR"/new/* >/dev/null || fail "no copy for c@other.test"
grep -l '^Subject: test 2' "$PF_MAILDIR"/new/* >/dev/null || fail "sendmail message missing"
echo OK
