#!/bin/bash
# test-worker-modes.sh - relance-worker's modes and checks through a real
# Postfix: redirect (every client message goes to FinanceAddress, the real
# recipients named at the top), staff notices from table notices (with
# Auto-Submitted), a missing PDF (the reminder goes without it, finance is
# told), an undeliverable address left out, a client on hold until a day,
# dry-run (no database write at all, .eml files for review), a recipient
# refused by the MTA in live mode (the others get it, finance is told),
# and -n refusing a template that names an unknown variable.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
MC="python3 $RELANCE_SRC/tests/e2e/mailcheck.py"
W="$RELANCE_BIN/relance-worker"
DB=$WORK/relance.db

pf_start
relance_conf "Mode redirect"
default_rules
$RELANCECTL init >/dev/null
cat > "$WORK/clients.csv" <<'EOF'
client_id;name;email;language;account_manager;account_manager_email
C1;Client Un SARL;compta@c1.test dg@c1.test;fr;Alice Martin;alice@fournisseur.test
C2;Client Deux;c2@c2.test old@c2.test;fr;;
C3;Client Trois;c3@c3.test;fr;;
EOF
cat > "$WORK/invoices.csv" <<'EOF'
number;client_id;issue_date;due_date;amount;pdf
F-2026-0001;C1;2026-10-01;2026-11-02;12000,00;absent.pdf
F-2026-0002;C2;2026-10-01;2026-11-02;500,00;
F-2026-0003;C3;2026-10-01;2026-11-02;300,00;
EOF
$RELANCECTL import clients "$WORK/clients.csv" >/dev/null
$RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null
# A notice as the milter queues it (a dispute on C1's invoice).
sqlite3 "$DB" "INSERT INTO notices (created_at, kind, audience, invoice, client_id, subject, text)
  VALUES ('2026-11-09T08:00:00Z', 'dispute', 'manager', 'F-2026-0001', 'C1',
          'Contestation de F-2026-0001', 'Le client conteste le montant.')"
# A permanent bounce seen by the milter for one of C2's addresses.
sqlite3 "$DB" "UPDATE client_emails SET undeliverable_at = '2026-11-01T00:00:00Z' WHERE address = 'old@c2.test'"
$RELANCECTL --now "2026-11-09 09:00" hold client C3 --reason "échéancier en discussion" --until 2026-11-20 >/dev/null

note "redirect mode"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" >"$WORK/worker.log" 2>&1 || fail "worker failed"
mail_settle 60
list=$($MC list "$PF_MAILDIR/new")
ids=$($MC ids "$PF_MAILDIR/new")
echo "$list"
n_client=$(awk -F'\t' '$1 == "finance@fournisseur.test" && $2 == "" && $3 ~ /^Relance/ { n++ } END { print n + 0 }' <<<"$list")
assert_eq "$n_client" 2 "client messages redirected to finance"
grep -E ' (compta|dg)@c1.test$| c2@c2.test$' <<<"$ids" && fail "a client received mail in redirect mode"
grep -q 'F-2026-0001 en attente' <<<"$list" || fail "C1 reminder missing"
python3 - "$PF_MAILDIR/new" <<'EOP' || fail "redirect banner"
import email, os, sys
from email import policy
d = sys.argv[1]
for n in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, n), 'rb'), policy=policy.default)
    if 'F-2026-0001 en attente' not in str(m['Subject']):
        continue
    text = next(p for p in m.walk() if p.get_content_type() == 'text/plain').get_content()
    head = text.split('\n')[:3]
    assert any('compta@c1.test, dg@c1.test' in l for l in head), head
    assert not m.get_all('Cc'), m['Cc']
    assert not any(p.get_filename() for p in m.walk())
    sys.exit(0)
sys.exit(1)
EOP
grep -q 'F-2026-0003' <<<"$list" && fail "client on hold got a reminder"
python3 - "$PF_MAILDIR/new" <<'EOP' || fail "undeliverable address left out"
import email, os, sys
from email import policy
d = sys.argv[1]
for n in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, n), 'rb'), policy=policy.default)
    if 'F-2026-0002 en attente' in str(m['Subject']):
        text = next(p for p in m.walk() if p.get_content_type() == 'text/plain').get_content()
        head = '\n'.join(text.split('\n')[:3])
        assert 'c2@c2.test' in head and 'old@c2.test' not in head, head
        sys.exit(0)
sys.exit(1)
EOP
note "missing PDF: reminder without it, finance told"
grep -q "missing PDF" "$WORK/worker.log" || fail "missing PDF not logged"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM notices WHERE kind='missing_pdf' AND invoice='F-2026-0001' AND message IS NOT NULL")" 1 "missing-PDF notice queued and sent"
note "staff notice: to the account manager, Auto-Submitted"
dispute=$(awk -F'\t' '$1 == "alice@fournisseur.test"' <<<"$list")
case $dispute in *Contestation*F-2026-0001*) ;; *) fail "dispute notice to the manager: $dispute";; esac
python3 - "$PF_MAILDIR/new" <<'EOP' || fail "Auto-Submitted on notices only"
import email, os, sys
from email import policy
d = sys.argv[1]
for n in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, n), 'rb'), policy=policy.default)
    notice = str(m['Subject']).startswith('[Relance]')
    assert (m['Auto-Submitted'] == 'auto-generated') == notice, (m['Subject'], m['Auto-Submitted'])
EOP
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM notices WHERE message IS NULL")" 0 "pending notices"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind='notify_sent'")" 2 "notify_sent events"

note "dry-run: nothing sent, nothing written, .eml files for review"
mail_clear
sed -i 's/^Mode .*/Mode dry-run/' "$RELANCE_CONF"
sqlite3 "$DB" "INSERT INTO notices (created_at, kind, audience, invoice, client_id, subject, text)
  VALUES ('2026-11-16T08:00:00Z', 'paid_claim', 'finance', 'F-2026-0002', 'C2', 'Paiement annoncé', 'Virement fait hier.')"
before=$(sqlite3 "$DB" .dump | md5sum)
"$W" -c "$RELANCE_CONF" --once --now "2026-11-16 10:00" >"$WORK/dry.log" 2>&1 || fail "dry-run failed"
after=$(sqlite3 "$DB" .dump | md5sum)
assert_eq "$after" "$before" "database after dry-run"
mail_settle 30
assert_eq "$(mail_count)" 0 "messages delivered in dry-run"
ls "$WORK/dry-run"
assert_eq "$(ls "$WORK/dry-run" | grep -c '\.eml$')" 3 "eml files (2 firm reminders + 1 notice; C3 still on hold)"
grep -q "dry-run msgid=<r1\..*client=C1 invoices=F-2026-0001 step=firm" "$WORK/dry.log" || fail "dry-run log line"
list=$($MC list "$WORK/dry-run")
grep -q '^compta@c1.test,dg@c1.test	alice@fournisseur.test	' <<<"$list" \
    || fail "dry-run file shows the real recipients and Cc"

note "dry-run on 20 November: the hold of C3 is over"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-20 10:00" >"$WORK/dry2.log" 2>&1 || fail "dry-run failed"
grep -q "dry-run msgid=.*client=C3 invoices=F-2026-0003 step=first" "$WORK/dry2.log" || fail "C3 after its hold"
assert_eq "$(sqlite3 "$DB" .dump | md5sum)" "$before" "database after the second dry-run"

note "live: the MTA refuses one of C1's addresses"
sed -i 's/^Mode .*/Mode live/' "$RELANCE_CONF"
postconf -c "$PF_DIR" -e "smtpd_recipient_restrictions = check_recipient_access inline:{ dg@c1.test=REJECT }, permit_mynetworks, reject"
postfix -c "$PF_DIR" reload >/dev/null 2>&1
refuses_dg() {
    python3 -c 'import smtplib,sys
s=smtplib.SMTP("127.0.0.1",int(sys.argv[1]),timeout=5); s.ehlo(); s.mail("a@b.test")
sys.exit(0 if s.rcpt("dg@c1.test")[0] >= 500 else 1)' "$PF_PORT"
}
wait_until 30 refuses_dg
mail_clear
"$W" -c "$RELANCE_CONF" --once --now "2026-11-16 10:00" >"$WORK/live.log" 2>&1 || fail "live run failed"
mail_settle 60
ids=$($MC ids "$PF_MAILDIR/new")
grep -q ' compta@c1.test$' <<<"$ids" || fail "compta@c1.test did not get the firm reminder"
grep -q ' dg@c1.test$' <<<"$ids" && fail "dg@c1.test got it despite the refusal"
assert_eq "$(sqlite3 "$DB" "SELECT state FROM messages WHERE client_id='C1' AND kind='reminder' ORDER BY id DESC LIMIT 1")" sent "C1 firm reminder"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM notices WHERE kind='send_partial' AND client_id='C1'")" 1 "finance told about the refused address"

note "-n: a good configuration, then a template naming an unknown variable"
"$W" -c "$RELANCE_CONF" -n >"$WORK/n.out" 2>&1 || { cat "$WORK/n.out"; fail "-n refused a good configuration"; }
sed -i '3s/^/Montant : {{invoice.montant_du}}\n/' "$WORK/rules/templates/fr/first.txt"
if "$W" -c "$RELANCE_CONF" -n >"$WORK/n.out" 2>&1; then fail "-n accepted an unknown variable"; fi
cat "$WORK/n.out"
grep -q "first.txt:3" "$WORK/n.out" || fail "-n does not name the file and line"
echo OK
