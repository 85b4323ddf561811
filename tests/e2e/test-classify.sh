#!/bin/bash
# test-classify.sh - `relancectl classify` on the team's fixtures with a
# real configuration, secret and SQLite database (token verified, invoices
# and clients looked up), and without any of them (still classifies);
# JSON output read back with Python's json module; exit codes.
#
# Needs $RELANCE_BIN (relancectl), $RELANCE_SRC, $WORK (tests/run-e2e.sh).
# No MTA needed; runs as any user.
set -u -o pipefail
CTL="$RELANCE_BIN/relancectl"
FX="$RELANCE_SRC/tests/fixtures/mail"
# A folder of our own: run-e2e.sh writes this script's output to $WORK/out.
WORK=$WORK/classify
mkdir -p "$WORK"
DB="$WORK/relance.db"
cd "$WORK" || exit 1
cat > relance.conf <<CONF
Database relance.db
SecretFile secret
RulesDir $RELANCE_SRC/rules
Domain ourco.fr
From relances@ourco.fr
ReplyTo relances@ourco.fr
FinanceAddress compta@ourco.fr
Timezone Europe/Paris
CONF
# The key the fixtures' tokens were made with (tests/unit/test-classify.c).
printf '72656c616e63652d746573742d6b65792d30313233343536373839616263646566\n' > secret
chmod 600 secret

fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
run() {
    local want=$1; shift
    "$@" > "$WORK/out" 2> "$WORK/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "  exit $rc, wanted $want: $*"; sed 's/^/  | /' "$WORK/err"
        return 1
    fi
}
# field FILE.eml EXPR: EXPR of the JSON verdict of FILE (one line each).
field() {
    python3 -c "
import json, sys
for line in open('$WORK/out'):
    d = json.loads(line)
    if d['file'].endswith('/$1'):
        print($2)
"
}
is() { local got; got=$(field "$1" "$2"); [ "$got" = "$3" ] || { echo "  $1: $2 = '$got', wanted '$3'"; return 1; }; }

check "init keeps the given secret" run 0 "$CTL" -c relance.conf init
check "secret unchanged" grep -q '^72656c61' secret
sqlite3 "$DB" "
INSERT INTO clients(id, name, created_at) VALUES
 ('C001', 'Client One', '2026-01-01T00:00:00Z'),
 ('C002', 'Client Two', '2026-01-01T00:00:00Z');
INSERT INTO client_emails(client_id, address, position) VALUES
 ('C001', 'compta@client-one.fr', 0), ('C002', 'ap@client-two.com', 0);
INSERT INTO invoices(number, client_id, issue_date, due_date, amount_cents,
 amount_due_cents, created_at) VALUES
 ('F-2026-0042', 'C001', '2026-10-01', '2026-10-31', 120000, 120000, '2026-10-01T00:00:00Z'),
 ('FA2026-042', 'C001', '2026-10-01', '2026-10-31', 120000, 120000, '2026-10-01T00:00:00Z'),
 ('INV-1234', 'C002', '2026-10-01', '2026-10-31', 145000, 145000, '2026-10-01T00:00:00Z');
INSERT INTO messages(id, message_id, token, client_id, kind, channel, mail_from,
 recipients, subject, body, state, created_at) VALUES
 (1, 'r1.00c0ffee00000042.5d24d2b797cad681002f1488428c3ee0@ourco.fr',
  'r1.00c0ffee00000042.5d24d2b797cad681002f1488428c3ee0', 'C001', 'reminder',
  'email', 'relances@ourco.fr', 'compta@client-one.fr', 's', 'b', 'sent',
  '2026-11-20T08:00:00Z');
INSERT INTO reminders(invoice, step, step_name, message) VALUES
 ('F-2026-0042', 1, 'first', 1);
" || fail "fill the database"

files="fr-dispute-outlook.eml fr-promise-date.eml fr-negation-promise.eml
       en-promise-base64.eml forged-token.eml third-party-number.eml
       bounce-postfix-dsn.eml fr-ooo-exchange.eml outgoing-reminder.eml"
args=()
for f in $files; do args+=("$FX/$f"); done
check "classify --json with the database" run 0 "$CTL" -c relance.conf classify --json "${args[@]}"
check "one JSON object per file" [ "$(wc -l < out)" -eq 9 ]
check "dispute through our token" is fr-dispute-outlook.eml "d['kind'], d['intent'], d['invoices'], d['client_id']" "reply dispute ['F-2026-0042'] C001"
check "token reported" is fr-dispute-outlook.eml "d['token']" "r1.00c0ffee00000042.5d24d2b797cad681002f1488428c3ee0"
check "promise with its date" is fr-promise-date.eml "d['intent'], d['until']" "promise 2026-12-15"
check "negations: promise, not dispute or paid" is fr-negation-promise.eml "d['intent'], d['until']" "promise 2027-01-05"
check "unknown token send: sender's client" is en-promise-base64.eml "d['kind'], d['client_id'], d['until']" "reply C002 2026-12-04"
check "forged token ignored, number for review" is forged-token.eml "d['kind'], d['review']" "unrelated ['F-2026-0042']"
check "forged token in the evidence" is forged-token.eml "any('did not verify' in e for e in d['evidence'])" "True"
check "number of another client: review only" is third-party-number.eml "d['invoices'], d['review'], d['client_id']" "[] ['F-2026-0042'] C002"
check "bounce with failed recipient" is bounce-postfix-dsn.eml "d['kind'], d['failed_recipients']" "bounce ['ancien.contact@client-one.fr']"
check "autoreply with return date" is fr-ooo-exchange.eml "d['kind'], d['until'], d['intent']" "autoreply 2026-12-02 None"
check "our reminder leaving" is outgoing-reminder.eml "d['kind']" "outgoing"
check "new_text has no quote" is fr-dispute-outlook.eml "'Objet' in d['new_text'] or 'Sauf erreur' in d['new_text']" "False"

check "human output, French first" run 0 "$CTL" -c relance.conf classify "$FX/fr-promise-date.eml"
check "human output labels" grep -q "intention / intent: *promise" out
check "human output evidence" grep -q "promised date 2026-12-15" out

check "no configuration: still classifies" run 0 env RELANCE_CONF="$WORK/none.conf" "$CTL" classify --json --rules "$RELANCE_SRC/rules" "$FX/fr-promise-date.eml"
check "no configuration: warned" grep -q "without configuration" err
check "no configuration: nothing looked up" is fr-promise-date.eml "d['kind'], d['invoices']" "unrelated []"
check "no file: usage" run 64 "$CTL" -c relance.conf classify
check "bad option: usage" run 64 "$CTL" -c relance.conf classify --nope x
check "missing file: run-time error" run 1 "$CTL" -c relance.conf classify "$WORK/missing.eml"
check "missing file named" grep -q "missing.eml" err
check "help" run 0 "$CTL" classify --help

[ "$fails" -eq 0 ]
