#!/bin/bash
# test-worker-exactly-once.sh - 500 reminders through a real Postfix while
# relance-worker is killed with SIGKILL at random moments and restarted
# until a pass completes. What must hold (outbox.h, the exactly-once rule):
#   - every invoice got its step recorded exactly once;
#   - no Message-ID is delivered twice, no invoice is in two delivered
#     messages;
#   - every message recorded 'sent' was delivered;
#   - the only ones not certainly delivered are 'uncertain' (killed
#     between the first byte and the 250), each reported to finance by a
#     notice that was itself sent; nothing is left queued or submitting.
# With relance-milter built, it is attached and its hand-off evidence
# turns interrupted-but-delivered messages into 'sent': then every
# delivered reminder is 'sent' and no delivered one is 'uncertain'.
# NO_MILTER=1 runs it without the milter even when it is built.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
N=${N:-500}
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
W="$RELANCE_BIN/relance-worker"
DB=$WORK/relance.db
WITH_MILTER=0
[ -x "$RELANCE_BIN/relance-milter" ] && [ -z "${NO_MILTER:-}" ] && WITH_MILTER=1
[ $WITH_MILTER = 1 ] && MILTER_PORT=$(free_port)

pf_start
relance_conf
default_rules
$RELANCECTL init >/dev/null
[ $WITH_MILTER = 1 ] && milter_start
note "milter attached: $WITH_MILTER"

python3 - "$WORK" "$N" <<'EOP'
import sys
work, n = sys.argv[1], int(sys.argv[2])
with open(work + '/clients.csv', 'w') as c, open(work + '/invoices.csv', 'w') as i:
    c.write('client_id;name;email\n')
    i.write('number;client_id;issue_date;due_date;amount\n')
    for k in range(n):
        c.write('C%04d;Client %d;c%d@client%d.test\n' % (k, k, k, k))
        i.write('F-2026-%04d;C%04d;2026-10-01;2026-11-02;%d,50\n' % (k, k, 100 + k))
EOP
$RELANCECTL import clients "$WORK/clients.csv" >/dev/null
$RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null

note "running with SIGKILL at random moments"
kills=0
for round in $(seq 1 60); do
    "$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" >>"$WORK/worker.log" 2>&1 &
    pid=$!
    if [ $round -le 25 ]; then
        # A random moment 0.1 to 0.9 s into the run (each run gets a
        # little further, so kills land in every phase of the pass).
        sleep "$(printf '0.%03d' $((RANDOM % 800 + 100)))"
        kill -9 "$pid" 2>/dev/null || note "round $round: the worker had finished"
    fi
    rc=0; wait "$pid" || rc=$?
    # 137: the kill hit a running worker (one that had already finished
    # exits with its own status).
    case $rc in
        0) ;;
        137) kills=$((kills + 1)) ;;
        *) fail "worker exited with status $rc in round $round" ;;
    esac
    left=$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE state IN ('queued','submitting')")
    planned=$(sqlite3 "$DB" "SELECT count(*) FROM reminders")
    pending=$(sqlite3 "$DB" "SELECT count(*) FROM notices WHERE message IS NULL")
    echo "round $round: rc=$rc recorded=$planned left=$left pending_notices=$pending"
    [ "$rc" = 0 ] && [ "$left" = 0 ] && [ "$planned" = "$N" ] && [ "$pending" = 0 ] && break
done
note "$kills kills"
[ "$kills" -gt 0 ] || fail "the worker was never killed (too fast?)"
mail_settle 120

assert_eq "$(q "SELECT count(*) FROM reminders")" "$N" "reminders recorded"
assert_eq "$(q "SELECT count(*) FROM (SELECT invoice FROM reminders GROUP BY invoice HAVING count(*) > 1)")" 0 "an invoice with its step twice"
assert_eq "$(q "SELECT count(*) FROM messages WHERE kind='reminder'")" "$N" "reminder messages"
assert_eq "$(q "SELECT count(*) FROM messages WHERE state IN ('queued','submitting','failed')")" 0 "messages left queued/submitting/failed"
$MC ids "$PF_MAILDIR/new" | sort > "$WORK/delivered"
assert_eq "$(uniq -d "$WORK/delivered" | wc -l)" 0 "Message-IDs delivered twice"
$MC list "$PF_MAILDIR/new" | grep -o 'F-2026-[0-9]*' | sort | uniq -d > "$WORK/inv-twice"
assert_eq "$(wc -l < "$WORK/inv-twice")" 0 "invoices in two delivered messages"
q "SELECT '<' || message_id || '>' FROM messages WHERE kind='reminder' AND state='sent'" | sort > "$WORK/sent"
q "SELECT '<' || message_id || '>' FROM messages WHERE kind='reminder' AND state='uncertain'" | sort > "$WORK/uncertain"
grep -v finance@ "$WORK/delivered" | cut -d' ' -f1 | sort -u > "$WORK/delivered-ids"
missing=$(comm -23 "$WORK/sent" "$WORK/delivered-ids" | wc -l)
assert_eq "$missing" 0 "messages recorded sent but never delivered"
stray=$(comm -23 "$WORK/delivered-ids" "$WORK/sent" | comm -23 - "$WORK/uncertain" | wc -l)
assert_eq "$stray" 0 "delivered messages that are neither sent nor uncertain"
nu=$(wc -l < "$WORK/uncertain")
delivered_uncertain=$(comm -12 "$WORK/delivered-ids" "$WORK/uncertain" | wc -l)
note "sent $(wc -l < "$WORK/sent"), uncertain $nu (of which delivered $delivered_uncertain), delivered $(wc -l < "$WORK/delivered-ids")"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_uncertain' AND message IS NOT NULL")" "$nu" "uncertain messages reported"
assert_eq "$(q "SELECT count(*) FROM messages WHERE kind='notice' AND state='sent'")" \
    "$(q "SELECT count(*) FROM messages WHERE kind='notice'")" "notices sent"
if [ $WITH_MILTER = 1 ]; then
    assert_eq "$delivered_uncertain" 0 "delivered but uncertain despite the milter"
    assert_eq "$(( $(wc -l < "$WORK/sent") + nu ))" "$N" "sent + uncertain"
fi
echo OK
