#!/bin/bash
# test-worker-daemon.sh - relance-worker as a daemon (-f, no --once): a
# pass at start, SIGHUP reloads the configuration and rules and runs a
# pass with them (but keeps the database it started with), a broken
# configuration on SIGHUP is refused and the old
# one kept, SIGTERM stops it cleanly.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
LOG=$WORK/daemon.log

pf_start
relance_conf "WorkerInterval 3600"
default_rules
import_csv $'client_id;name;email\nC1;Client Un;c1@c1.test\nC2;Client Deux;c2@c2.test' \
    $'number;client_id;issue_date;due_date;amount\nF-1;C1;2026-10-01;2026-11-02;100'

"$RELANCE_BIN/relance-worker" -f -c "$RELANCE_CONF" --now "2026-11-09 10:00" >"$LOG" 2>&1 &
WPID=$!
trap 'kill $WPID 2>/dev/null || true; pf_cleanup' EXIT
note "first pass at start"
mail_wait 1 60
assert_eq "$($MC list "$PF_MAILDIR/new" | cut -f1)" "c1@c1.test" "first pass"

note "SIGHUP: new configuration (dry-run), a new invoice, a Database not applied"
# other.db: a copy without F-2. The reload names it; the worker must keep
# its database (as the milter does), where F-2 is, and say so.
sqlite3 "$WORK/relance.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$WORK/relance.db" "$WORK/other.db"
sed -i 's/^Mode .*/Mode dry-run/' "$RELANCE_CONF"
printf 'number;client_id;issue_date;due_date;amount\nF-2;C2;2026-10-01;2026-11-02;200\n' > "$WORK/i2.csv"
$RELANCECTL import invoices "$WORK/i2.csv" >/dev/null
sed -i "s|^Database .*|Database $WORK/other.db|" "$RELANCE_CONF"
kill -HUP $WPID
wait_until 30 grep -q "configuration and rules reloaded" "$LOG"
grep -q "Database $WORK/other.db is not applied by a reload; the worker keeps $WORK/relance.db" "$LOG" ||
    fail "no warning about the Database change"
wait_until 30 grep -q "dry-run msgid=.*client=C2" "$LOG"
assert_eq "$(sqlite3 "$WORK/other.db" "SELECT count(*) FROM invoices WHERE number = 'F-2'")" 0 "other.db untouched"
sed -i "s|^Database .*|Database $WORK/relance.db|" "$RELANCE_CONF"
assert_eq "$(ls "$WORK/dry-run" | grep -c 'C2-first.eml')" 1 "dry-run file after reload"
mail_settle 30
assert_eq "$(mail_count)" 1 "nothing sent in dry-run after the reload"

note "SIGHUP with a broken configuration: refused, old one kept"
echo "NoSuchKey 1" >> "$RELANCE_CONF"
kill -HUP $WPID
wait_until 30 grep -q "reload refused" "$LOG"
kill -0 $WPID || fail "worker died on a bad reload"

note "SIGTERM: clean stop"
kill -TERM $WPID
rc=0; wait $WPID || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
grep -q "worker: stopping" "$LOG" || fail "no stop line"

note "SIGTERM during a batch of submissions"
sed -i '/^NoSuchKey/d; s/^Mode .*/Mode live/' "$RELANCE_CONF"
python3 - "$WORK" <<'EOP'
import sys
w = sys.argv[1]
with open(w + '/c3.csv', 'w') as c, open(w + '/i3.csv', 'w') as i:
    c.write('client_id;name;email\n')
    i.write('number;client_id;issue_date;due_date;amount\n')
    for k in range(300):
        c.write('B%03d;Client %d;b%d@b.test\n' % (k, k, k))
        i.write('B-%03d;B%03d;2026-10-01;2026-11-02;10\n' % (k, k))
EOP
$RELANCECTL import clients "$WORK/c3.csv" >/dev/null
$RELANCECTL import invoices "$WORK/i3.csv" >/dev/null
: > "$LOG"
"$RELANCE_BIN/relance-worker" -f -c "$RELANCE_CONF" --now "2026-11-09 10:00" >"$LOG" 2>&1 &
WPID=$!
wait_until 60 grep -q "worker: sent msgid=.*client=B" "$LOG"
kill -TERM $WPID
rc=0; wait $WPID || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM during submissions"
assert_eq "$(q "SELECT count(*) FROM messages WHERE state IN ('submitting','uncertain')")" 0 "rows cut in the middle"
sent=$(q "SELECT count(*) FROM messages WHERE client_id LIKE 'B%' AND state='sent'")
queued=$(q "SELECT count(*) FROM messages WHERE client_id LIKE 'B%' AND state='queued'")
note "stopped after $sent of 300 sent, $queued queued"
[ "$queued" -gt 0 ] || fail "SIGTERM did not stop the batch"
assert_eq "$((sent + queued))" 300 "sent + queued"
echo OK
