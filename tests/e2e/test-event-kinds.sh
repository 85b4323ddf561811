#!/bin/bash
# test-event-kinds.sh - schema 004 on a database an older Relance wrote:
# relancectl refuses it until `relancectl init` upgrades it; the events
# keep their ids and kinds; `task done` and `approve` then write task_done
# and approval events (exit 1 when there is nothing to do); the dossier
# names the old rows (a text's reminder_sent, a done task's manual_contact,
# an approval's review) by what they were, says the stored kind, and
# leaves a real review (a number quoted by a stranger) alone. No Postfix.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e
DB=$WORK/relance.db
cat > "$RELANCE_CONF" <<EOC
Database $DB
SecretFile $WORK/secret
RulesDir $RELANCE_SRC/rules
Domain relance.test
Timezone Europe/Paris
EOC
q() { sqlite3 "$DB" "$1"; }
# kinds NUMBER: the kinds of the dossier's chronology, one line.
kinds() {
    $RELANCECTL dossier "$1" > "$WORK/dossier-$1.txt"
    sed -n '/^5\. CHRONOLOGIE/,/^6\. /p' "$WORK/dossier-$1.txt" \
        | awk '/^  \[[0-9]+\]/ { printf "%s%s", sep, $5; sep = " " }'
}

note "a version-3 database holding the kinds older versions wrote"
{
    cat "$RELANCE_SRC"/schema/001_*.sql "$RELANCE_SRC"/schema/002_*.sql \
        "$RELANCE_SRC"/schema/003_*.sql
    cat <<'EOS'
PRAGMA user_version = 3;
INSERT INTO clients (id, name, phone, created_at) VALUES
 ('C1', 'Client Un', '06 12 34 56 78', '2026-01-01T00:00:00Z'),
 ('C9', 'Autre', NULL, '2026-01-01T00:00:00Z');
INSERT INTO invoices (number, client_id, issue_date, due_date, amount_cents,
    amount_due_cents, step, step_name, created_at) VALUES
 ('F-1', 'C1', '2026-10-01', '2026-11-02', 12000, 12000, 1, 'text', '2026-10-01T08:00:00Z'),
 ('F-2', 'C1', '2026-10-01', '2026-11-02', 9990, 9990, 0, NULL, '2026-10-01T08:00:00Z');
INSERT INTO messages (id, message_id, token, client_id, kind, channel,
    mail_from, recipients, subject, body, state, created_at, sent_at) VALUES
 (1, 's1@relance.test', 's1', 'C1', 'reminder', 'sms', 'compta@f.test',
  '+33612345678', 'SMS', CAST('Facture F-1 échue.' AS BLOB), 'sent',
  '2026-11-05T09:00:00Z', '2026-11-05T09:00:01Z');
INSERT INTO reminders VALUES ('F-1', 1, 'text', 1);
INSERT INTO tasks (id, created_at, invoice, client_id, step, step_name,
    assignee, text, done_at, done_by, note) VALUES
 (1, '2026-11-06T08:00:00Z', 'F-1', 'C1', 2, 'call', 'finance', 'Appeler',
  '2026-11-06T10:00:00Z', 'anne', 'rappel le 3'),
 (2, '2026-11-06T08:00:00Z', 'F-2', 'C1', 2, 'call', 'finance', 'Appeler',
  NULL, NULL, NULL);
INSERT INTO approvals VALUES
 ('F-1', 3, 'formal', '2026-11-07T08:00:00Z', '2026-11-07T10:00:00Z', 'anne'),
 ('F-2', 3, 'formal', '2026-11-07T08:00:00Z', NULL, NULL);
INSERT INTO events (id, at, kind, invoice, client_id, message_id, queue_id,
    actor, detail) VALUES
 (1, '2026-10-01T08:00:00Z', 'imported', 'F-1', 'C1', NULL, NULL, 'import', NULL),
 (2, '2026-10-01T08:00:00Z', 'imported', 'F-2', 'C1', NULL, NULL, 'import', NULL),
 (5, '2026-11-05T09:00:01Z', 'reminder_sent', 'F-1', 'C1', 's1@relance.test', NULL, 'worker', 'step=text channel=sms'),
 (8, '2026-11-06T10:00:00Z', 'manual_contact', 'F-1', 'C1', NULL, NULL, 'anne', 'tâche / task #1: rappel le 3'),
 (9, '2026-11-07T10:00:00Z', 'review', 'F-1', 'C1', NULL, NULL, 'anne', 'envoi approuvé / approved: formal'),
 (12, '2026-11-08T10:00:00Z', 'review', 'F-1', 'C9', 'x@autre.test', '4Xz1Q', 'milter', 'kind=reply sender=x@autre.test');
EOS
} | sqlite3 "$DB"
before=$(q "SELECT group_concat(id || ':' || kind, ' ') FROM events")

note "refused until relancectl init"
set +e
$RELANCECTL invoice show F-1 >/dev/null 2>"$WORK/err"; rc=$?
set -e
assert_eq "$rc" 1 "an old database is refused"
grep -qF 'run `relancectl init`' "$WORK/err" || fail "no hint to run init: $(cat "$WORK/err")"
$RELANCECTL init >/dev/null
assert_eq "$(q "PRAGMA user_version")" "$(ls "$RELANCE_SRC"/schema/*.sql | wc -l)" "upgraded to the last migration"
assert_eq "$(q "SELECT group_concat(id || ':' || kind, ' ') FROM events")" "$before" "ids and kinds kept"

note "task done and approve write their own kinds"
$RELANCECTL task done 2 --note "Client joint, paiement vendredi" >/dev/null
$RELANCECTL approve F-2 >/dev/null
assert_eq "$(q "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events WHERE invoice = 'F-2' ORDER BY id)")" \
    "imported task_done approval" "F-2's events"
assert_eq "$(q "SELECT detail FROM events WHERE kind = 'task_done'")" \
    "tâche / task #2: Client joint, paiement vendredi" "the note is the detail"
$RELANCECTL invoice show F-2 --json > "$WORK/f2.json"
python3 - "$WORK/f2.json" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["kind"] for e in d["events"]] == ["imported", "task_done", "approval"], d["events"]
EOP
set +e
$RELANCECTL task done 2 --note again >/dev/null 2>&1; rc1=$?
$RELANCECTL approve F-2 >/dev/null 2>&1; rc2=$?
set -e
assert_eq "$rc1 $rc2" "1 1" "nothing left to do: exit 1"
assert_eq "$(q "SELECT count(*) FROM events WHERE invoice = 'F-2'")" 3 "no event for a refusal"

note "the dossier names old and new rows alike"
assert_eq "$(kinds F-1)" "imported sms_sent task_done approval review" "F-1's chronology (old kinds)"
assert_eq "$(kinds F-2)" "imported task_done approval" "F-2's chronology (new kinds)"
for want in "sms_sent — SMS envoyé / text message sent" \
    "recorded as : reminder_sent" "recorded as : manual_contact" \
    "recorded as : review" "review — à vérifier / review"; do
    grep -qF -- "$want" "$WORK/dossier-F-1.txt" || { cat "$WORK/dossier-F-1.txt"; fail "F-1's dossier lacks: $want"; }
done
assert_eq "$(grep -c 'recorded as' "$WORK/dossier-F-1.txt")" 3 "only the three old rows say their stored kind"
grep -q 'recorded as' "$WORK/dossier-F-2.txt" && fail "new rows need no stored kind"
echo OK
