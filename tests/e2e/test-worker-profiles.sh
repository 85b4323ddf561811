#!/bin/bash
# test-worker-profiles.sh - relance-worker with the shipped scenarios,
# through a real Postfix over simulated days (--now): a key account, a
# new client and a chronic late payer (paid-late invoices in its history)
# get different sequences (first reminder on different days, different
# templates, Cc); the daily digest to finance comes first, once a day,
# and lists what goes out and what is held back and why (disputed,
# paused, waiting for approval, MinGapDays); a thank-you message goes
# once after payment; the approved formal notice writes its letter into
# DossierDir. Messages are decoded by mailcheck.py.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
DAYS=$WORK/days
DB=$WORK/relance.db

pf_start
relance_conf "Digest yes" "MinGapDays 3"
# The shipped rules, with a thank-you step added to the new-client
# scenario (only loyal.scn ships one).
rm -rf "$WORK/rules"
cp -r "$RELANCE_SRC/rules" "$WORK/rules"
printf '\nstep thanks\non paid\nchannel email\ntemplate thanks\ntone courtesy\n' \
    >> "$WORK/rules/scenarios/new-client.scn"
sed -i "s|^RulesDir .*|RulesDir $WORK/rules|" "$RELANCE_CONF"
CTL="$RELANCECTL --now"
$CTL "2026-10-20 09:00" init >/dev/null
"$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" -n || fail "config check"
cat > "$WORK/clients.csv" <<'EOF'
client_id;name;email;language;segment;account_manager;account_manager_email;public_sector
KA;Grand Compte SA;ap@ka.test compta@ka.test;fr;key-account;Alice Martin;alice@fournisseur.test;oui
NEW;Nouveau SARL;new@new.test;fr;;Bob Leroy;bob@fournisseur.test;non
LATE;Retard et Fils;late@late.test;fr;;Alice Martin;alice@fournisseur.test;
P;Pause SAS;p@p.test;fr;;;;
EOF
# LATE's history: three invoices of the spring, settled by this import
# (paid date = the import day, months after their due dates).
cat > "$WORK/invoices.csv" <<'EOF'
number;client_id;issue_date;due_date;amount;amount_paid
KA-OLD;KA;2026-08-15;2026-09-15;5000,00;
KA-1;KA;2026-10-02;2026-11-02;2000,00;
NEW-1;NEW;2026-10-01;2026-11-02;300,00;
NEW-2;NEW;2026-10-01;2026-10-30;120,00;
LATE-H1;LATE;2026-03-01;2026-04-01;100,00;100,00
LATE-H2;LATE;2026-04-01;2026-05-01;100,00;100,00
LATE-H3;LATE;2026-05-01;2026-06-01;100,00;100,00
LATE-1;LATE;2026-10-02;2026-11-02;900,00;
P-1;P;2026-09-20;2026-10-20;400,00;
P-2;P;2026-09-20;2026-10-21;450,00;
EOF
$CTL "2026-10-20 09:00" import clients "$WORK/clients.csv" >/dev/null
$CTL "2026-10-20 09:00" import invoices "$WORK/invoices.csv" >/dev/null
# States the milter would set from client replies (test-milter-worker.sh
# drives that path): P-1 paused by a reply, P-2 disputed; KA-OLD reached
# its firm step before (the next one, the formal notice, needs approval).
sqlite3 "$DB" "UPDATE invoices SET status = 'paused', paused_until = '2026-11-30' WHERE number = 'P-1';
UPDATE invoices SET status = 'disputed' WHERE number = 'P-2';
UPDATE invoices SET step = 4, step_name = 'firm' WHERE number = 'KA-OLD';"
for want in KA-1:key-account NEW-1:new-client LATE-1:late-payer; do
    got=$($CTL "2026-10-26 09:00" scenario ${want%%:*} | sed -n 's/^Scénario \/ scenario: \([^ ]*\) .*/\1/p')
    assert_eq "${want%%:*} $got" "${want%%:*} ${want#*:}" "scenario chosen"
done

# to REGEX: the lines of `mailcheck.py list` for $LAST whose To matches.
to() {
    local list
    list=$($MC list "$LAST") || fail "mailcheck list $LAST"
    awk -F'\t' -v a="$1" '$1 ~ a' <<<"$list"
}
# digest_body: the text of the digest delivered in $LAST (exactly one).
digest_body() {
    python3 - "$LAST" <<'EOP' || fail "digest of $LAST"
import email, os, sys
from email import policy
found = []
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name), 'rb') as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    if m['Subject'].startswith('[Relance] Résumé'):
        found.append(m.get_body(('plain',)).get_content())
if len(found) != 1:
    sys.exit('%d digests delivered' % len(found))
print(found[0])
EOP
}
has() { grep -qF -- "$2" <<<"$1" || fail "$3: lacks '$2'"; }

note "Monday 26 October: NEW's courtesy; the digest comes first"
run_day "2026-10-26 10:00"
$MC list "$LAST"
[ -n "$(to new@new.test)" ] || fail "NEW courtesy"
[ -z "$(to '@ka.test')$(to late@late.test)" ] || fail "only NEW on 26 October"
assert_eq "$(sqlite3 "$DB" "SELECT kind FROM messages ORDER BY id LIMIT 1")" digest \
    "the digest is the first message recorded"
first_sent=$(sqlite3 "$DB" "SELECT kind FROM messages WHERE state = 'sent' ORDER BY sent_at, id LIMIT 1")
assert_eq "$first_sent" digest "the digest is the first message sent"
body=$(digest_body)
echo "$body"
has "$body" "NEW-1" "digest"
has "$body" "part : étape « courtesy »" "digest (going out)"
has "$body" "P-1  retenue : en pause" "digest (paused)"
has "$body" "P-2  retenue : en litige" "digest (disputed)"
has "$body" "KA-OLD  retenue : l'étape « formal » attend l'approbation" "digest (approval)"
has "$body" "factures en litige : 1" "digest (dispute count)"
run_day "2026-10-26 15:00"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE kind = 'digest'")" 1 \
    "one digest a day"

note "NEW pays NEW-2; KA-OLD's formal notice is approved"
$CTL "2026-10-27 08:00" pay NEW-2 120,00 --date 2026-10-27 >/dev/null
$CTL "2026-10-27 08:00" approve KA-OLD >/dev/null

note "Tuesday 27 October: the thanks to NEW, KA's formal notice and its letter"
run_day "2026-10-27 10:00"
$MC list "$LAST"
thanks=$(to new@new.test | cut -f3)
case $thanks in *Merci*NEW-2*) ;; *) fail "thanks to NEW: $thanks";; esac
has "$(digest_body)" "remerciement après paiement" "digest (thanks)"
ka=$(to '^ap@ka.test')
[ -n "$ka" ] || fail "KA formal notice"
assert_eq "$(echo "$ka" | cut -f2)" "alice@fournisseur.test" "KA formal notice Cc"
$MC body "$LAST" --to ap@ka.test > "$WORK/ka-formal.txt"
grep -qF "L441-10" "$WORK/ka-formal.txt" || fail "formal notice cites L441-10"
# KA is a public buyer (public_sector column): ECB 2,15 % + 8 points.
grep -q "10,15" "$WORK/ka-formal.txt" || fail "public buyer's rate (10,15 %)"
grep -q "12,15" "$WORK/ka-formal.txt" && fail "the private rate on a public buyer"
letter=$WORK/dossiers/KA-OLD/mise-en-demeure-2026-10-27.txt
[ -f "$letter" ] || fail "no formal-notice letter in DossierDir/KA-OLD"
cat "$letter"
for want in "MISE EN DEMEURE" "KA-OLD" "L441-10" "D441-5" "10,15" "40,00" \
            "4 novembre 2026" "injonction de payer" "Grand Compte SA"; do
    grep -qF "$want" "$letter" || fail "letter lacks '$want'"
done
[ "$(ls "$WORK/dossiers" | wc -l)" = 1 ] || fail "letters for other invoices: $(ls "$WORK/dossiers")"

note "Wednesday 28 October: no second thanks; KA's courtesy held by MinGapDays"
run_day "2026-10-28 10:00"
[ -z "$(to new@new.test)" ] || fail "a second thanks"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE kind = 'thanks'")" 1 "thanks once"
has "$(digest_body)" "KA-1  retenue : délai minimum" "digest (MinGapDays)"

note "Friday 30 October: LATE's courtesy (J-3)"
run_day "2026-10-30 10:00"
[ -n "$(to late@late.test)" ] || fail "LATE courtesy on J-3"

note "Tuesday 3 November: LATE's first reminder (J+1), direct tone"
run_day "2026-11-03 10:00"
$MC list "$LAST"
late=$(to late@late.test | cut -f3)
case $late in *échue*LATE-1*) ;; *) fail "LATE first reminder (late-first): $late";; esac
[ -z "$(to '@ka.test')$(to new@new.test)" ] || fail "KA and NEW wait for J+3"

note "Thursday 5 November: KA (J+3, contacts and manager) and NEW (J+3, manager)"
run_day "2026-11-05 10:00"
$MC list "$LAST"
ka=$(to '^ap@ka.test')
assert_eq "$(echo "$ka" | cut -f1)" "ap@ka.test,compta@ka.test" "KA: every contact"
assert_eq "$(echo "$ka" | cut -f2)" "alice@fournisseur.test" "KA first reminder Cc"
new=$(to new@new.test)
assert_eq "$(echo "$new" | cut -f2)" "bob@fournisseur.test" "NEW first reminder Cc"
$MC body "$LAST" --to new@new.test > "$WORK/new-first.txt"
$MC body "$LAST" --to ap@ka.test > "$WORK/ka-first.txt"
cmp -s "$WORK/new-first.txt" "$WORK/ka-first.txt" && fail "NEW and KA get the same text"
# Each profile's sequence, step by step with the day it went (sent_at is
# UTC, 09:00Z = 10:00 in Paris): KA's courtesy (J-5 = 28 October) held by
# MinGapDays until the 30th; NEW's courtesy at J-7; LATE's first at J+1.
for want in "KA-1 courtesy:2026-10-30 first:2026-11-05" \
            "NEW-1 courtesy:2026-10-26 first:2026-11-05" \
            "LATE-1 courtesy:2026-10-30 first:2026-11-03"; do
    inv=${want%% *}
    got=$($RELANCECTL invoice show "$inv" --json | python3 -c '
import json,sys; j=json.load(sys.stdin)
print(j["number"], " ".join("%s:%s" % (r["step_name"], r["sent_at"][:10]) for r in j["reminders"]))')
    assert_eq "$got" "$want" "$inv: steps and the days they went"
done
echo OK
