#!/bin/bash
# test-worker-daemon.sh - relance-worker as a daemon (-f, no --once): a
# pass at start, SIGHUP reloads the configuration and rules and runs a
# pass with them, a broken configuration on SIGHUP is refused and the old
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

note "SIGHUP: new configuration (dry-run) and a new invoice"
sed -i 's/^Mode .*/Mode dry-run/' "$RELANCE_CONF"
printf 'number;client_id;issue_date;due_date;amount\nF-2;C2;2026-10-01;2026-11-02;200\n' > "$WORK/i2.csv"
$RELANCECTL import invoices "$WORK/i2.csv" >/dev/null
kill -HUP $WPID
wait_until 30 grep -q "configuration and rules reloaded" "$LOG"
wait_until 30 grep -q "dry-run msgid=.*client=C2" "$LOG"
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
echo OK
