#!/bin/bash
# test-worker-sms.sh - sms steps (issue 5) through a real Postfix: a
# scenario whose step texts the client. SmsCommand (a script that logs its
# arguments and standard input): the text and the E.164 number, exactly
# once over two passes (an sms_sent event); a client without a usable
# phone is an sms_failed event and a notice to finance. A failing command
# (exit 3): sms_failed
# event in `relancectl invoice show --json` and the notice delivered to
# finance with the command's output. SmsGateway: the text arrives as an
# e-mail at +33612345678@sms.test. The worker killed while the command
# runs: uncertain (sms_uncertain), finance told, not run again. Neither set: failed, finance told.
# Redirect mode: finance gets the text by e-mail. Dry-run: the text in
# DryRunDir, nothing run.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
FIN=finance@fournisseur.test

pf_start

cat > "$WORK/sms-ok" <<EOF2
#!/bin/sh
{ echo "ARGS \$*"; cat; echo "END"; } >> "$WORK/sms.log"
EOF2
cat > "$WORK/sms-fail" <<'EOF2'
#!/bin/sh
cat >/dev/null
echo "quota exceeded for account acme" >&2
exit 3
EOF2
chmod +x "$WORK/sms-ok" "$WORK/sms-fail"

# phase CONF-LINES...: a fresh database and config, the one-step sms
# scenario, three clients (a French mobile, a Belgian one, no phone) with
# one invoice each, due Monday 2 November 2026 (the text is due J+3).
phase() {
    rm -f "$WORK"/relance.db* "$WORK/sms.log"
    rm -rf "$WORK/dry-run"
    mail_clear
    relance_conf "$@"
    default_rules
    cat > "$WORK/rules/scenarios/default.scn" <<'EOF2'
scenario default
description Test : un SMS à J+3

step text
offset J+3
channel sms
template sms
tone first
EOF2
    import_csv "client_id;name;email;language;phone
C1;Client Un;c1@c1.test;fr;06 12 34 56 78
C2;Client Two;c2@c2.test;en;+32 470 12 34 56
C3;Client Trois;c3@c3.test;fr;" \
"number;client_id;issue_date;due_date;amount
F-1;C1;2026-10-01;2026-11-02;120,00
F-2;C2;2026-10-01;2026-11-02;99,90
F-3;C3;2026-10-01;2026-11-02;10,00"
}
run() {
    "$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "$1" \
        >>"$WORK/worker.log" 2>&1 || fail "worker failed on $1"
    mail_settle 60
}

note "SmsCommand: one text per invoice, number last, text on stdin"
phase "SmsCommand $WORK/sms-ok --to"
run "2026-11-04 10:00"
[ -e "$WORK/sms.log" ] && fail "a text before its day"
run "2026-11-05 10:00"
cat "$WORK/sms.log"
assert_eq "$(grep -c '^ARGS' "$WORK/sms.log")" 2 "two texts (C3 has no phone)"
grep -qx "ARGS --to +33612345678" "$WORK/sms.log" || fail "French number as +33612345678"
grep -qx "ARGS --to +32470123456" "$WORK/sms.log" || fail "Belgian number kept"
text=$(sed -n '/^ARGS --to +336/,/^END/p' "$WORK/sms.log")
for want in "Fournisseur SAS" "F-1" "120,00" "2 novembre 2026" "$FIN"; do
    grep -qF "$want" <<<"$text" || fail "French text lacks '$want'"
done
grep -qF "was due on" "$WORK/sms.log" || fail "English text for C2"
len=$(sed -n '/^ARGS --to +336/,/^END/p' "$WORK/sms.log" | sed '1d;$d' | tr -d '\n' | wc -m)
[ "$len" -le 160 ] || fail "French text is $len characters, more than 160"
assert_eq "$(q "SELECT state FROM messages WHERE channel='sms' AND recipients='+33612345678'")" sent "text row sent"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='sms_sent' AND invoice='F-1' AND detail LIKE '%channel=sms%'")" 1 "sms_sent event names the channel"
assert_eq "$(q "SELECT step_name FROM invoices WHERE number='F-1'")" text "step advanced"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='sms_failed' AND invoice='F-3'")" 1 "no phone: sms_failed"
detail=$(inv F-3 "[e['detail'] for e in d['events'] if e['kind']=='sms_failed'][0]")
grep -q "no usable phone" <<<"$detail" || fail "F-3 sms_failed names the reason: $detail"
mail_wait 1
body=$($MC body "$PF_MAILDIR/new" --to $FIN)
grep -qF "no usable phone" <<<"$body" || fail "finance told about C3's phone: $body"
run "2026-11-05 11:00"
run "2026-11-06 10:00"
assert_eq "$(grep -c '^ARGS' "$WORK/sms.log")" 2 "no text twice over later passes"

note "SmsCommand fails (exit 3): recorded, finance told"
phase "SmsCommand $WORK/sms-fail"
run "2026-11-05 10:00"
assert_eq "$(q "SELECT state FROM messages WHERE channel='sms' AND recipients='+33612345678'")" failed "text row failed"
detail=$(inv F-1 "[e['detail'] for e in d['events'] if e['kind']=='sms_failed'][0]")
grep -qF "exit status 3" <<<"$detail" || fail "sms_failed detail names the exit status: $detail"
grep -qF "SMS" <<<"$detail" || fail "sms_failed detail names the channel: $detail"
mail_wait 3
n=$(grep -l "quota exceeded for account acme" "$PF_MAILDIR"/new/* | wc -l)
assert_eq "$n" 2 "finance notices with the command's output (F-1, F-2)"
run "2026-11-06 10:00"
assert_eq "$(q "SELECT count(*) FROM messages WHERE channel='sms'")" 3 "a failed text is not retried"

note "The worker dies while the command runs: uncertain, told, never re-run"
cat > "$WORK/sms-crash" <<EOF2
#!/bin/sh
echo "ARGS \$*" >> "$WORK/sms.log"
kill -9 \$PPID
EOF2
chmod +x "$WORK/sms-crash"
phase "SmsCommand $WORK/sms-crash"
rc=0
"$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "2026-11-05 10:00" \
    >>"$WORK/worker.log" 2>&1 || rc=$?
assert_eq "$rc" 137 "worker status (killed by the command's SIGKILL)"
assert_eq "$(grep -c '^ARGS' "$WORK/sms.log")" 1 "one text started"
assert_eq "$(q "SELECT group_concat(client_id || ' ' || state, ', ') FROM (SELECT * FROM messages WHERE channel='sms' ORDER BY client_id)")" \
    "C1 submitting, C2 queued, C3 failed" "the started text left submitting, the next one queued"
sed -i "s|^SmsCommand .*|SmsCommand $WORK/sms-ok|" "$RELANCE_CONF"
run "2026-11-05 10:30"
assert_eq "$(q "SELECT count(*) FROM messages WHERE channel='sms' AND state='uncertain'")" 1 "reconcile: uncertain"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_uncertain'")" 1 "finance told"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='sms_uncertain' AND invoice='F-1'")" 1 "sms_uncertain event"
# The other text, still queued (never started), went on the second pass.
assert_eq "$(grep -c '^ARGS' "$WORK/sms.log")" 2 "the uncertain text was not run again"
assert_eq "$(q "SELECT count(*) FROM messages WHERE channel='sms' AND state='sent'")" 1 "the other text sent"

note "SmsGateway: the text as an e-mail to +33612345678@sms.test"
phase "SmsGateway %s@sms.test" "Digest yes"
run "2026-11-05 10:00"
mail_wait 4
texts=$(python3 -c "
import email, sys
for f in sys.argv[1:]:
    m = email.message_from_binary_file(open(f, 'rb'))
    for part in m.walk():
        if part.get_content_type() == 'text/plain':
            print(part.get_payload(decode=True).decode())" "$PF_MAILDIR"/new/*)
grep -qF "text message text" <<<"$texts" || fail "the digest lists the texts"
$MC list "$PF_MAILDIR/new"
body=$($MC body "$PF_MAILDIR/new" --to +33612345678@sms.test)
grep -qF "F-1" <<<"$body" || fail "gateway mail carries the text: $body"
body=$($MC body "$PF_MAILDIR/new" --to +32470123456@sms.test)
grep -qF "F-2" <<<"$body" || fail "gateway mail for C2: $body"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='sms_sent' AND invoice='F-1'")" 1 "sms_sent once"
run "2026-11-06 10:00"
assert_eq "$(q "SELECT count(*) FROM messages WHERE channel='sms-gateway'")" 2 "gateway texts recorded once"

note "Neither SmsCommand nor SmsGateway: failed and told, never skipped"
phase
run "2026-11-05 10:00"
detail=$(inv F-1 "[e['detail'] for e in d['events'] if e['kind']=='sms_failed'][0]")
grep -qF "no SmsCommand or SmsGateway configured" <<<"$detail" || fail "reason recorded: $detail"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_failed'")" 3 "finance told for each invoice"

note "Redirect mode: the text goes to finance as an e-mail, not to the phone"
phase "Mode redirect" "SmsCommand $WORK/sms-ok"
run "2026-11-05 10:00"
[ -e "$WORK/sms.log" ] && fail "redirect mode ran the command"
mail_wait 3
f=$(grep -l "SMS +33612345678" "$PF_MAILDIR"/new/*) || fail "no mail names +33612345678"
assert_eq "$(echo "$f" | grep -c .)" 1 "finance got C1's text, naming the number"
python3 -c "import email,sys; m=email.message_from_binary_file(open(sys.argv[1],'rb')); sys.exit('F-1' not in m.get_payload(decode=True).decode())" "$f" \
    || fail "the redirected text is C1's"
assert_eq "$(grep -l "^Delivered-To: $FIN" "$PF_MAILDIR"/new/* | wc -l)" 3 "all to finance (two texts, C3's failure)"

note "Dry-run: the text in DryRunDir, the command never run"
phase "Mode dry-run" "SmsCommand $WORK/sms-ok"
run "2026-11-05 10:00"
ls "$WORK/dry-run"
grep -qF "F-1" "$WORK/dry-run/"*-sms-+33612345678.txt || fail "dry-run text file"
[ -e "$WORK/sms.log" ] && fail "dry-run ran the command"
assert_eq "$(q "SELECT count(*) FROM messages")" 0 "dry-run wrote nothing"
echo OK
