#!/bin/bash
# test-milter-kill.sh - relance-milter killed (SIGKILL) in the middle of a
# stream of mail: Postfix keeps delivering thanks to default_action=accept,
# nothing is lost or held; restarted, the milter picks up again.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
mf_init
T42=$(mf_reminder F-2026-0042 C1)

# send_batch NAME COUNT: COUNT replies over one SMTP session, in the
# background of a kill if the caller wants.
send_batch() {
    for i in $(seq 1 "$2"); do
        mf_reply "$WORK/$1$i.eml" "ap@client1.test" "$T42" "Re: Relance facture F-2026-0042" \
            "Bonjour, nous regardons cela ($1 $i)."
    done
    python3 - "$PF_PORT" "$WORK" "$1" "$2" <<'EOP'
import smtplib, sys
port, work, name, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
with smtplib.SMTP('127.0.0.1', port, timeout=30) as s:
    for i in range(1, n + 1):
        s.sendmail('ap@client1.test', ['compta@fournisseur.test'],
                   open('%s/%s%d.eml' % (work, name, i), 'rb').read())
EOP
}

note "before: 5 replies applied"
send_batch before 5
mail_wait 5 30
assert_eq "$(q "SELECT count(*) FROM events WHERE actor='milter'")" 5 "events before"

note "kill -9 the milter while 20 more are being sent"
send_batch during 20 &
SENDER=$!
kill -KILL "$MILTER_PID"
wait "$MILTER_PID" 2>/dev/null || true
MILTER_PID=
wait "$SENDER" || fail "SMTP refused mail while the milter was down"
mail_wait 25 60
assert_eq "$(mail_count)" 25 "every mail delivered"
grep -q "default_action" "$WORK/postfix-etc/main.cf" || fail "config lost its default_action"

note "restart: mail is seen again"
milter_start
send_batch after 3
mail_wait 28 60
assert_eq "$(q "SELECT count(*) FROM events WHERE message_id LIKE 'after%'")" 3 "replies after restart"
echo OK
