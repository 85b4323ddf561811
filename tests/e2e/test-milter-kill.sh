#!/bin/bash
# test-milter-kill.sh - relance-milter killed (SIGKILL) while Postfix has
# sessions open with it: one SMTP session in the middle of a stream of
# replies and three holding DATA open (headers sent, the end of data not
# yet). Default_action=accept must carry every one of them through: each
# message is delivered exactly once, none waits for a milter timeout, and
# the mail the dead milter never finished carries no X-Relance header.
# What the milter decided before it died stays recorded once; restarted,
# it decides again, nothing is applied twice and the spool is empty.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
mf_init
T42=$(mf_reminder F-2026-0042 C1)
HELD=3
STREAM1=5
STREAM2=5

# replies NAME COUNT: COUNT replies $WORK/NAME1.eml ... to F-2026-0042.
replies() {
    local i
    for i in $(seq 1 "$2"); do
        mf_reply "$WORK/$1$i.eml" "ap@client1.test" "$T42" "Re: Relance facture F-2026-0042" \
            "Bonjour, nous regardons cela ($1 $i)."
    done
}
# milter_events: replies the milter recorded.
milter_events() { q "SELECT count(*) FROM events WHERE actor='milter'"; }
events_are() { [ "$(milter_events)" = "$1" ]; }
# milter_sessions: TCP connections Postfix holds open with the milter.
milter_sessions() { ss -Htn state established "( sport = :$MILTER_PORT )" | wc -l; }
sessions_at_least() { [ "$(milter_sessions)" -ge "$1" ]; }
no_sessions() { [ "$(milter_sessions)" = 0 ]; }
# X-Relance-Invoice of the delivered copy of message NAME.
tagged() { header_of "$(delivered "$1.$$")" X-Relance-Invoice; }

note "before: 5 replies, each seen by the milter"
replies before 5
for i in 1 2 3 4 5; do
    smtp_send ap@client1.test compta@fournisseur.test "$WORK/before$i.eml"
done
mail_wait 5 30
assert_eq "$(milter_events)" 5 "events before"

note "open sessions: a stream of replies, $HELD more holding DATA open"
replies stream $((STREAM1 + STREAM2))
replies held $HELD
# The senders: session 'stream' sends STREAM1 replies, then waits for
# $WORK/go and sends STREAM2 more; each 'held' session sends its headers
# and the first body line, then waits for $WORK/go to finish the data.
# Every end of data must get its 250 within 10 s (Postfix's milter
# timeouts are 30 s and more: a wait on the dead milter would show).
python3 - "$PF_PORT" "$WORK" "$HELD" "$STREAM1" "$STREAM2" > "$WORK/senders.out" 2>&1 <<'EOP' &
import os, smtplib, sys, threading, time
port, work = int(sys.argv[1]), sys.argv[2]
held, n1, n2 = map(int, sys.argv[3:6])
errors, slowest = [], [0.0]

def wait_go():
    while not os.path.exists(work + '/go'):
        time.sleep(0.02)

def crlf(path):
    return open(path, 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')

def timed(what, f):
    t = time.monotonic()
    f()
    dt = time.monotonic() - t
    slowest[0] = max(slowest[0], dt)
    if dt > 10:
        errors.append('%s took %.1fs' % (what, dt))

def stream():
    with smtplib.SMTP('127.0.0.1', port, timeout=60) as s:
        for i in range(1, n1 + n2 + 1):
            if i == n1 + 1:
                open(work + '/ready-stream', 'w').close()
                wait_go()
            data = crlf('%s/stream%d.eml' % (work, i))
            timed('stream %d' % i, lambda: s.sendmail(
                'ap@client1.test', ['compta@fournisseur.test'], data))

def hold(k):
    data = crlf('%s/held%d.eml' % (work, k))
    cut = data.index(b'\r\n\r\n') + 4
    with smtplib.SMTP('127.0.0.1', port, timeout=60) as s:
        s.ehlo()
        if s.mail('ap@client1.test')[0] != 250 or s.rcpt('compta@fournisseur.test')[0] != 250:
            raise Exception('held %d: envelope refused' % k)
        s.putcmd('data')
        if s.getreply()[0] != 354:
            raise Exception('held %d: DATA refused' % k)
        s.send(data[:cut + 10])
        open('%s/ready-held%d' % (work, k), 'w').close()
        wait_go()
        def end():
            s.send(data[cut + 10:] + b'.\r\n')
            code, text = s.getreply()
            if code != 250:
                raise Exception('held %d: end of data answered %d %s' % (k, code, text))
        timed('held %d' % k, end)

def run(f, *a):
    try:
        f(*a)
    except Exception as e:
        errors.append(repr(e))

ts = [threading.Thread(target=run, args=(stream,))]
ts += [threading.Thread(target=run, args=(hold, k)) for k in range(1, held + 1)]
for t in ts: t.start()
for t in ts: t.join()
print('slowest end of data: %.2fs' % slowest[0])
for e in errors:
    print('error:', e)
sys.exit(1 if errors else 0)
EOP
SENDERS=$!
ready() {
    local k
    [ -f "$WORK/ready-stream" ] || return 1
    for k in $(seq 1 $HELD); do [ -f "$WORK/ready-held$k" ] || return 1; done
}
wait_until 30 ready
# Everything the stream sent so far was decided by the milter...
wait_until 30 events_are $((5 + STREAM1))
# ...and Postfix really is in session with it, once per SMTP session.
wait_until 30 sessions_at_least $((1 + HELD))
note "$(milter_sessions) sessions open with the milter: kill -9"
kill -KILL "$MILTER_PID"
rc=0; wait "$MILTER_PID" || rc=$?
MILTER_PID=
assert_eq "$rc" 137 "milter status (killed by SIGKILL)"
wait_until 10 no_sessions

note "the sessions go on without it"
touch "$WORK/go"
rc=0; wait "$SENDERS" || rc=$?
cat "$WORK/senders.out"
assert_eq "$rc" 0 "every open session delivered its mail"
note "a new session while the milter is down"
replies gap 3
for i in 1 2 3; do
    smtp_send ap@client1.test compta@fournisseur.test "$WORK/gap$i.eml"
done
TOTAL=$((5 + STREAM1 + STREAM2 + HELD + 3))
mail_wait $TOTAL 60
assert_eq "$(mail_count)" $TOTAL "every mail delivered"
dups=$(grep -h '^Message-ID:' "$PF_MAILDIR"/new/* | sort | uniq -d)
assert_eq "$dups" "" "mail delivered twice"
grep -q "default_action" "$PF_DIR/main.cf" || fail "config lost its default_action"
# Postfix lost the milter inside each open session (smtpd in the stream,
# cleanup in the held data: a read or write error on the milter socket),
# not merely at a new connection ("connect to Milter service").
lost() { [ "$(grep -c "warning: milter inet:127.0.0.1:$MILTER_PORT: " "$WORK/maillog")" -ge $((1 + HELD)) ]; }
wait_until 10 lost
# Decided before the kill: tagged; finished after it: untouched.
assert_eq "$(tagged stream$STREAM1)" F-2026-0042 "a reply the milter saw"
for m in stream$((STREAM1 + 1)) held1 held$HELD gap1; do
    assert_eq "$(tagged $m)" "" "$m passed without the milter"
done
assert_eq "$(milter_events)" $((5 + STREAM1)) "events while the milter was down"

note "restart: mail is seen again, nothing is applied twice"
milter_start
replies after 3
for i in 1 2 3; do
    smtp_send ap@client1.test compta@fournisseur.test "$WORK/after$i.eml"
done
mail_wait $((TOTAL + 3)) 60
assert_eq "$(q "SELECT count(*) FROM events WHERE message_id LIKE 'after%'")" 3 "replies after restart"
assert_eq "$(tagged after3)" F-2026-0042 "headers after restart"
assert_eq "$(milter_events)" $((5 + STREAM1 + 3)) "events in all"
assert_eq "$(q "SELECT count(*) - count(DISTINCT message_id) FROM events WHERE actor='milter'")" 0 \
    "a reply recorded twice"
assert_eq "$(q "SELECT count(*) FROM events WHERE actor='milter' AND (message_id LIKE 'held%' OR message_id LIKE 'gap%')")" 0 \
    "events for mail the milter never finished"
[ ! -s "$WORK/milter.spool" ] || fail "spool left with: $(cat "$WORK/milter.spool")"
assert_eq "$(inv F-2026-0042 "d['status']")" paused "F-2026-0042 after the replies"
echo OK
