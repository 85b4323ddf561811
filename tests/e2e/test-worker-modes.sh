#!/bin/bash
# test-worker-modes.sh - relance-worker's modes and checks through a real
# Postfix: redirect (every client message goes to FinanceAddress, the real
# recipients named at the top), staff notices from table notices (with
# Auto-Submitted), a missing PDF (the reminder goes without it, finance is
# told), dry-run (no database write at all, .eml files for review), and
# -n refusing a template that names an unknown variable.
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
C2;Client Deux;c2@c2.test;fr;;
EOF
cat > "$WORK/invoices.csv" <<'EOF'
number;client_id;issue_date;due_date;amount;pdf
F-2026-0001;C1;2026-10-01;2026-11-02;12000,00;absent.pdf
F-2026-0002;C2;2026-10-01;2026-11-02;500,00;
EOF
$RELANCECTL import clients "$WORK/clients.csv" >/dev/null
$RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null
# A notice as the milter queues it (a dispute on C1's invoice).
sqlite3 "$DB" "INSERT INTO notices (created_at, kind, audience, invoice, client_id, subject, text)
  VALUES ('2026-11-09T08:00:00Z', 'dispute', 'manager', 'F-2026-0001', 'C1',
          'Contestation de F-2026-0001', 'Le client conteste le montant.')"

note "redirect mode"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" >"$WORK/worker.log" 2>&1 || fail "worker failed"
mail_settle 60
$MC list "$PF_MAILDIR/new"
n_client=$($MC list "$PF_MAILDIR/new" | grep -c '^finance@fournisseur.test		Relance' || true)
assert_eq "$n_client" 2 "client messages redirected to finance"
$MC ids "$PF_MAILDIR/new" | grep -E ' (compta|dg)@c1.test$| c2@c2.test$' && fail "a client received mail in redirect mode"
body=$($MC list "$PF_MAILDIR/new" | grep 'F-2026-0001 en attente' | cut -f4)
[ -n "$body" ] || fail "C1 reminder missing"
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
note "missing PDF: reminder without it, finance told"
grep -q "missing PDF" "$WORK/worker.log" || fail "missing PDF not logged"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM notices WHERE kind='missing_pdf' AND invoice='F-2026-0001' AND message IS NOT NULL")" 1 "missing-PDF notice queued and sent"
note "staff notice: to the account manager, Auto-Submitted"
dispute=$($MC list "$PF_MAILDIR/new" | grep '^alice@fournisseur.test	')
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
assert_eq "$(ls "$WORK/dry-run" | grep -c '\.eml$')" 3 "eml files (2 firm reminders + 1 notice)"
grep -q "dry-run msgid=<r1\..*client=C1 invoices=F-2026-0001 step=firm" "$WORK/dry.log" || fail "dry-run log line"
$MC list "$WORK/dry-run" | grep -q '^compta@c1.test,dg@c1.test	alice@fournisseur.test	' \
    || fail "dry-run file shows the real recipients and Cc"

note "-n: a good configuration, then a template naming an unknown variable"
"$W" -c "$RELANCE_CONF" -n >"$WORK/n.out" 2>&1 || { cat "$WORK/n.out"; fail "-n refused a good configuration"; }
sed -i '3s/^/Montant : {{invoice.montant_du}}\n/' "$WORK/rules/templates/fr/first.txt"
if "$W" -c "$RELANCE_CONF" -n >"$WORK/n.out" 2>&1; then fail "-n accepted an unknown variable"; fi
cat "$WORK/n.out"
grep -q "first.txt:3" "$WORK/n.out" || fail "-n does not name the file and line"
echo OK
