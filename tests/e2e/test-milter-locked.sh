#!/bin/bash
# test-milter-locked.sh - the database is locked (another process holds
# an exclusive transaction) during a burst of replies: no mail waits for
# it (all are delivered while the lock is still held), what the milter
# learned goes to the spool, and every event is applied once the lock is
# released - each exactly once.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
mf_init
T42=$(mf_reminder F-2026-0042 C1)
T50=$(mf_reminder F-2026-0050 C2)
N=20

note "lock the database"
python3 - "$WORK/relance.db" "$WORK/locked" "$WORK/release" <<'EOP' &
import os, sqlite3, sys, time
db, locked, release = sys.argv[1:4]
c = sqlite3.connect(db, isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
c.execute("INSERT INTO spool_applied (digest, applied_at) VALUES ('lock-holder', 'x')")
open(locked, "w").close()
while not os.path.exists(release):
    time.sleep(0.02)
c.execute("ROLLBACK")
EOP
LOCKER=$!
wait_until 10 test -f "$WORK/locked"

note "a burst of $N replies while it is locked"
for i in $(seq 1 $N); do
    mf_reply "$WORK/r$i.eml" "ap@client1.test" "$T42" "Re: Relance facture F-2026-0042" \
        "Bonjour, nous regardons cela (message $i)."
done
mf_reply "$WORK/d.eml" "pay@client2.test" "$T50" "Re: Relance facture F-2026-0050" \
    "Nous contestons cette facture, la livraison était incomplète."
start=$(date +%s)
python3 - "$PF_PORT" "$WORK" "$N" <<'EOP'
import smtplib, sys, threading
port, work, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def send(paths, sender):
    with smtplib.SMTP('127.0.0.1', port, timeout=30) as s:
        for p in paths:
            s.sendmail(sender, ['compta@fournisseur.test'], open(p, 'rb').read())
files = ['%s/r%d.eml' % (work, i) for i in range(1, n + 1)]
ts = [threading.Thread(target=send, args=(files[k::4], 'ap@client1.test')) for k in range(4)]
ts.append(threading.Thread(target=send, args=(['%s/d.eml' % work], 'pay@client2.test')))
for t in ts: t.start()
for t in ts: t.join()
EOP
mail_wait $((N + 1)) 30
elapsed=$(( $(date +%s) - start ))
kill -0 "$LOCKER" 2>/dev/null || fail "the lock holder is gone: the test proves nothing"
[ "$elapsed" -le 15 ] || fail "mail took ${elapsed}s to pass the milter"
note "all $((N + 1)) delivered in ${elapsed}s with the database locked"
[ -s "$WORK/milter.spool" ] || fail "nothing spooled while locked"
assert_eq "$(wc -l < "$WORK/milter.spool")" $((N + 1)) "spooled lines"
assert_eq "$(q "SELECT count(*) FROM events WHERE actor='milter'")" 0 "events while locked"

note "release the lock: the spool is applied"
touch "$WORK/release"
wait "$LOCKER"
milter_events() { [ "$(q "SELECT count(*) FROM events WHERE actor='milter'")" = $((N + 1)) ]; }
wait_until 30 milter_events
wait_until 10 test ! -s "$WORK/milter.spool"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='reply' AND invoice='F-2026-0042'")" $N "reply events"
assert_eq "$(inv F-2026-0042 "d['status']")" paused "replies applied"
assert_eq "$(inv F-2026-0042 "d['paused_until']")" "$(business_days_after 7)" "pause from the day seen"
assert_eq "$(inv F-2026-0050 "d['status']")" disputed "dispute applied"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='dispute'")" 1 "one dispute notice"
assert_eq "$(q "SELECT count(*) FROM spool_applied")" $((N + 1)) "digests recorded"
grep -q "applied from spool" "$WORK/milter.log" || fail "replay not logged"

note "later mail goes straight to the database again"
mf_reply "$WORK/after.eml" "ap@client1.test" "$T42" "Re: Relance facture F-2026-0042" "Merci."
smtp_send ap@client1.test compta@fournisseur.test "$WORK/after.eml"
mail_wait $((N + 2)) 30
assert_eq "$(q "SELECT count(*) FROM events WHERE actor='milter'")" $((N + 2)) "direct event"
[ ! -s "$WORK/milter.spool" ] || fail "spooled although the database is free"
echo OK
