#!/bin/bash
# test-worker-days.sh - relance-worker in live mode through a real Postfix
# on 127.0.0.1, over a sequence of simulated days (--now): one message per
# client gathering its due invoices, recipients and Cc, French subject,
# amounts and dates, the PDF attachment, the send window, MinGapDays, the
# skipped-run rule (an invoice long overdue gets one step at a time), no
# step twice, and the holiday rule (a step due on Friday 25 December 2026
# goes on Monday 28 December). Messages are decoded by mailcheck.py.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
DAYS=$WORK/days
NB=$(printf '\302\240')   # French amounts use no-break spaces

pf_start
relance_conf
default_rules
mkdir -p "$WORK/pdf"
printf '%%PDF-1.4 facture F-2026-0001\n' > "$WORK/pdf/f1.pdf"
$RELANCECTL init >/dev/null

cat > "$WORK/clients.csv" <<'EOF'
client_id;name;email;first_name;last_name;language;account_manager;account_manager_email
C1;Client Un SARL;compta@c1.test dg@c1.test;Jean;Dupont;fr;Alice Martin;alice@fournisseur.test
C2;Client Two Ltd;ap@c2.test;Mary;Smith;en;;
C3;Client Trois;c3@c3.test;;;fr;;
C4;Client Quatre;c4@c4.test;;;fr;;
EOF
cat > "$WORK/invoices.csv" <<'EOF'
number;client_id;issue_date;due_date;amount;pdf
F-2026-0001;C1;2026-10-01;2026-11-02;12000,00;f1.pdf
F-2026-0002;C1;2026-10-05;2026-11-05;350,50;
F-2026-0003;C2;2026-10-05;2026-11-05;99,90;
F-2026-0004;C3;2026-11-22;2026-12-22;1500,00;
F-2026-0005;C4;2026-09-01;2026-10-01;800,00;
EOF
$RELANCECTL import clients "$WORK/clients.csv" >/dev/null
$RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null

count() { $MC count "$@"; }

note "Monday 9 November, 07:30: before the send window"
run_day "2026-11-09 07:30"
assert_eq "$(count "$LAST")" 0 "messages before the window"

note "Monday 9 November, 10:00: first reminders"
run_day "2026-11-09 10:00"
$MC list "$LAST"
assert_eq "$(count "$LAST")" 3 "one message per client with something due (C1, C2, C4)"
assert_eq "$(find "$LAST" -type f | wc -l)" 4 "deliveries (C1 has two addresses)"
line=$($MC list "$LAST" | grep '^compta@c1.test,dg@c1.test	') || fail "no message to C1"
subject=$(echo "$line" | cut -f3)
case $subject in *F-2026-0001*F-2026-0002*) ;; *) fail "C1 subject names both invoices: $subject";; esac
case $subject in *règlement*) ;; *) fail "C1 subject is French: $subject";; esac
assert_eq "$(echo "$line" | cut -f2)" "" "no Cc on the first reminder"
body=$($MC body "$LAST" --to compta@c1.test)
for want in "F-2026-0001" "F-2026-0002" "2 novembre 2026" "5 novembre 2026" \
            "12${NB}000,00${NB}€" "350,50${NB}€" "Total restant dû : 12${NB}350,50${NB}€" \
            "Bonjour Jean Dupont" "(7${NB}jours de retard)" "(4${NB}jours de retard)"; do
    grep -qF "$want" <<<"$body" || fail "C1 body lacks '$want'"
done
assert_eq "$($MC attachments "$LAST" --to compta@c1.test)" "f1.pdf" "PDF attached"
assert_eq "$($MC header "$LAST" --to compta@c1.test Reply-To)" "compta@fournisseur.test" "Reply-To"
auto=$($MC header "$LAST" --to compta@c1.test Auto-Submitted)
assert_eq "$auto" "" "Auto-Submitted on a client reminder"
from=$($MC header "$LAST" --to compta@c1.test From)
assert_eq "$from" "Service comptabilité Fournisseur <compta@fournisseur.test>" "From (RFC 2047 decoded)"
msgid=$($MC header "$LAST" --to compta@c1.test Message-ID)
[[ $msgid =~ ^\<r1\.[0-9a-f]{16}\.[0-9a-f]{32}@relance\.test\>$ ]] || fail "Message-ID shape: $msgid"
grep -q "worker: sent msgid=$msgid client=C1 invoices=F-2026-0001,F-2026-0002 step=first" "$WORK/worker.log" \
    || fail "log line for C1"
body=$($MC body "$LAST" --to ap@c2.test)
grep -qF "99.90" <<<"$body" || fail "C2 is written to in English"
c4=$($MC list "$LAST" | awk -F'\t' '$1 == "c4@c4.test" { print $3 }')
case $c4 in *F-2026-0005*) ;; *) fail "C4 subject: $c4";; esac
# Skipped run: C4's invoice is 39 days late; only the first reminder went.
$RELANCECTL invoice show F-2026-0005 --json | python3 -c '
import json,sys; j=json.load(sys.stdin)
steps=[r["step"] for r in j["reminders"]]
assert steps in (["first"], [2]), steps' || fail "C4 got more than the next step"

note "same day, 15:00: nothing twice"
run_day "2026-11-09 15:00"
assert_eq "$(count "$LAST")" 0 "second pass the same day"

note "Thursday 12 November: firm steps are due but MinGapDays (5) holds them"
run_day "2026-11-12 10:00"
assert_eq "$(count "$LAST")" 0 "messages 3 days after the last one"

note "Monday 16 November: firm reminders, account manager in Cc"
run_day "2026-11-16 10:00"
$MC list "$LAST"
assert_eq "$(count "$LAST")" 3 "firm reminders to C1, C2, C4"
assert_eq "$($MC list "$LAST" | awk -F'\t' '$1 == "compta@c1.test,dg@c1.test" { print $2 }')" \
    "alice@fournisseur.test" "C1 firm reminder Cc"
assert_eq "$(find "$LAST" -type f | wc -l)" 5 "deliveries incl. the Cc"

note "December: C3's courtesy, then its first reminder across Christmas"
for d in 2026-12-17 2026-12-18 2026-12-21 2026-12-22 2026-12-23 2026-12-24 \
         2026-12-25 2026-12-26 2026-12-28; do
    run_day "$d 10:00"
    n=$($MC count "$LAST" --to c3@c3.test)
    echo "$d: $n message(s) to C3, $(count "$LAST") in all"
    eval "c3_${d//-/_}=$n"
    [ "$d" != 2026-12-25 ] || assert_eq "$(count "$LAST")" 0 "messages on Christmas day"
    [ "$d" != 2026-12-26 ] || assert_eq "$(count "$LAST")" 0 "messages on a Saturday"
done
assert_eq "$c3_2026_12_17" 1 "C3 courtesy on 17 December (J-5)"
assert_eq "$c3_2026_12_24" 0 "C3 first reminder not before its day"
assert_eq "$c3_2026_12_25" 0 "C3 first reminder not on the holiday"
assert_eq "$c3_2026_12_28" 1 "C3 first reminder (J+3 = 25 Dec) on Monday 28 December"
body=$($MC body "$DAYS/2026-12-28_1000" --to c3@c3.test)
grep -qF "22 décembre 2026" <<<"$body" || fail "C3 body names the due date"

note "no step twice, every delivery once"
dups=$($MC ids "$DAYS"/* | sort | uniq -d | wc -l)
assert_eq "$dups" 0 "Message-ID delivered twice to one recipient"
sent=$(sqlite3 "$WORK/relance.db" "SELECT count(*) FROM messages WHERE state='sent' AND kind='reminder'")
delivered=$($MC list "$DAYS"/* | awk -F'\t' '$3 !~ /^\[Relance\]/ { n++ } END { print n + 0 }')
assert_eq "$delivered" "$sent" "client messages delivered = messages recorded sent"
twice=$(sqlite3 "$WORK/relance.db" "SELECT count(*) FROM (SELECT invoice, step_name FROM reminders GROUP BY 1, 2 HAVING count(*) > 1)")
assert_eq "$twice" 0 "a step recorded twice for an invoice"
for inv in F-2026-0001 F-2026-0005; do
    $RELANCECTL invoice show $inv --json | python3 -c '
import json,sys; j=json.load(sys.stdin)
names=[r.get("step_name", r["step"]) for r in j["reminders"]]
print(j["number"], names)
assert len(names) == len(set(map(str, names))), names'
done
echo OK
