#!/bin/bash
# test-report.sh - `relancectl report aging|dso|steps` and `relancectl
# dossier` on a real SQLite file filled with known rows (sqlite3 shell),
# read back as text, JSON (parsed by python3) and CSV; dossier --out
# contents; bad usage exits 64, an unknown invoice exits 1. No Postfix.
#
# The clock is fixed at 2026-06-30 10:00 Europe/Paris. Expected values
# are worked out by hand in the comments beside the rows.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e

cat > "$RELANCE_CONF" <<EOC
Database $WORK/relance.db
SecretFile $WORK/secret
RulesDir $RELANCE_SRC/rules
Domain relance.test
Timezone Europe/Paris
EOC
ctl() {
    "$RELANCE_BIN/relancectl" -c "$RELANCE_CONF" --now "2026-06-30 10:00" "$@"
}
$RELANCECTL init >/dev/null

# Invoices, today = 2026-06-30; days past due in the comments.
# Issue dates are due - 30 days.
sqlite3 "$WORK/relance.db" <<'EOS'
PRAGMA foreign_keys = ON;
INSERT INTO clients (id, name, first_name, last_name, account_manager,
    account_manager_email, created_at) VALUES
 ('C1', 'Alpha SARL', 'Anne', 'Martin', 'Paul', 'paul@fournisseur.test',
  '2026-01-01T00:00:00Z'),
 ('C2', 'Bêta & Fils; SA', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00Z'),
 ('C3', 'Gamma Ltd', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00Z');
INSERT INTO client_emails VALUES
 ('C1', 'compta@alpha.test', 1, NULL, NULL),
 ('C2', 'ap@beta.test', 1, '2026-06-05T09:00:00Z', '550 5.1.1 unknown user');
INSERT INTO invoices (number, client_id, issue_date, due_date, amount_cents,
    amount_due_cents, currency, status, paid_date, step, step_name,
    created_at) VALUES
 ('A-0',    'C1', '2026-05-31', '2026-06-30', 100000, 100000, 'EUR', 'open', NULL, 0, NULL, '2026-05-31T08:00:00Z'), -- 0: not due
 ('A-1',    'C1', '2026-05-30', '2026-06-29',  20000,  20000, 'EUR', 'open', NULL, 1, 'J+3', '2026-05-30T08:00:00Z'), -- 1
 ('A-30',   'C1', '2026-05-01', '2026-05-31',  30000,  30000, 'EUR', 'open', NULL, 2, 'J+10', '2026-05-01T08:00:00Z'), -- 30
 ('A-31',   'C1', '2026-04-30', '2026-05-30',  31000,  31000, 'EUR', 'hold', NULL, 1, 'J+3', '2026-04-30T08:00:00Z'), -- 31
 ('A-PART', 'C1', '2026-05-21', '2026-06-20',  50000,  20000, 'EUR', 'open', NULL, 0, NULL, '2026-05-21T08:00:00Z'), -- 10, 30000 paid on 06-30
 ('C-PAID', 'C1', '2026-04-15', '2026-05-15',  10000,      0, 'EUR', 'paid', '2026-05-12', 0, NULL, '2026-04-15T08:00:00Z'), -- paid 3 days early
 ('B-60',   'C2', '2026-04-01', '2026-05-01',  60000,  60000, 'EUR', 'disputed', NULL, 1, 'J+3', '2026-04-01T08:00:00Z'), -- 60
 ('B-61',   'C2', '2026-03-31', '2026-04-30',  61000,  61000, 'EUR', 'paused', NULL, 2, 'J+10', '2026-03-31T08:00:00Z'), -- 61
 ('B-90',   'C2', '2026-03-02', '2026-04-01',  90000,  90000, 'EUR', 'open', NULL, 3, 'J+20', '2026-03-02T08:00:00Z'), -- 90
 ('B-91',   'C2', '2026-03-01', '2026-03-31',  91000,  91000, 'EUR', 'open', NULL, 3, 'J+20', '2026-03-01T08:00:00Z'), -- 91
 ('B-PAID', 'C2', '2026-04-10', '2026-05-10',  40000,      0, 'EUR', 'paid', '2026-05-20', 1, 'J+3', '2026-04-10T08:00:00Z'), -- paid 10 days late
 ('G-1',    'C3', '2026-06-15', '2026-07-15', 123456, 123456, 'USD', 'open', NULL, 0, NULL, '2026-06-15T08:00:00Z'), -- not due, USD
 ('FUTURE', 'C3', '2026-07-10', '2026-08-10',   5000,   5000, 'EUR', 'open', NULL, 0, NULL, '2026-06-29T08:00:00Z'); -- issued after today
INSERT INTO payments (invoice, date, amount_cents, reference, created_at) VALUES
 ('A-PART', '2026-06-30', 30000, 'VIR 42', '2026-06-30T07:00:00Z'),
 ('B-PAID', '2026-05-20', 40000, 'VIR 7', '2026-05-20T07:00:00Z');

-- Messages: id, message-id, when sent (UTC), state. Bodies are CRLF.
INSERT INTO messages (id, message_id, token, client_id, kind, channel,
    mail_from, recipients, subject, body, state, created_at, sent_at,
    handed_off_at, handed_off_queue_id) VALUES
 (1, 'm1@relance.test', 't1', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance B-PAID', CAST('x' AS BLOB), 'sent', '2026-05-13T08:00:00Z', '2026-05-13T08:00:00Z', NULL, NULL),
 (2, 'm2@relance.test', 't2', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance B-60', CAST('x' AS BLOB), 'sent', '2026-05-04T08:00:00Z', '2026-05-04T08:00:00Z', NULL, NULL),
 (3, 'm3@relance.test', 't3', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance facture B-61',
  CAST(replace('From: compta@f.test' || char(10) || 'To: ap@beta.test' || char(10) || 'Subject: Relance facture B-61' || char(10) || 'Message-ID: <m3@relance.test>' || char(10) || char(10) || 'Bonjour, la facture B-61 est échue.' || char(10), char(10), char(13, 10)) AS BLOB),
  'sent', '2026-05-03T07:59:00Z', '2026-05-03T08:00:00Z', '2026-05-03T08:00:01Z', '4Xz1Q'),
 (4, 'm4@relance.test', 't4', 'C1', 'reminder', 'email', 'compta@f.test', 'compta@alpha.test', 'Relance A-31', CAST('x' AS BLOB), 'sent', '2026-06-02T08:00:00Z', '2026-06-02T08:00:00Z', NULL, NULL),
 (5, 'x/../m5@relance.test', 't5', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance ferme B-61',
  CAST(replace('Subject: Relance ferme B-61' || char(10) || char(10) || 'Second rappel pour B-61.' || char(10), char(10), char(13, 10)) AS BLOB),
  'sent', '2026-05-10T08:00:00Z', '2026-05-10T08:00:00Z', NULL, NULL),
 (6, 'm6@relance.test', 't6', 'C1', 'reminder', 'email', 'compta@f.test', 'compta@alpha.test', 'Relance A-1', CAST('x' AS BLOB), 'sent', '2026-06-29T08:00:00Z', '2026-06-29T08:00:00Z', NULL, NULL),
 (7, 'm7@relance.test', 't7', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance B-90', CAST('x' AS BLOB), 'failed', '2026-06-01T08:00:00Z', NULL, NULL, NULL),
 (8, 'm8@relance.test', 't8', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Relance B-91', CAST('x' AS BLOB), 'sent', '2026-05-05T08:00:00Z', '2026-05-05T08:00:00Z', NULL, NULL),
 (9, 'm9@relance.test', 't9', 'C1', 'reminder', 'email', 'compta@f.test', 'compta@alpha.test', 'Relance A-30', CAST('x' AS BLOB), 'sent', '2026-06-05T08:00:00Z', '2026-06-05T08:00:00Z', NULL, NULL),
 (10, 'm10@relance.test', 't10', 'C2', 'reminder', 'email', 'compta@f.test', 'ap@beta.test', 'Mise en demeure B-90 B-91', CAST('x' AS BLOB), 'sent', '2026-06-10T08:00:00Z', '2026-06-10T08:00:00Z', NULL, NULL),
 (11, 'm11@relance.test', 't11', NULL, 'notice', 'manager', 'compta@f.test', 'paul@fournisseur.test', 'Réponse sur B-61', CAST('notice' AS BLOB), 'queued', '2026-05-12T10:00:00Z', NULL, NULL, NULL);
INSERT INTO reminders VALUES
 ('B-PAID', 1, 'J+3', 1),   -- paid 7 days later: paid
 ('B-60', 1, 'J+3', 2),     -- dispute 2 days later
 ('B-61', 1, 'J+3', 3),     -- promise 2 days later (window cut by step 2 on 05-10)
 ('A-31', 1, 'J+3', 4),     -- auto-reply only: no answer
 ('B-61', 2, 'J+10', 5),    -- reply 2 days later
 ('A-1', 1, 'J+3', 6),      -- sent yesterday: pending
 ('B-90', 2, 'J+10', 7),    -- failed: not counted
 ('B-91', 1, 'J+3', 8),     -- reply after 20 days: no answer
 ('A-30', 2, 'J+10', 9),    -- bounce (event on the message only)
 ('B-90', 3, 'J+20', 10),   -- nothing: no answer
 ('B-91', 3, 'J+20', 10);   -- nothing: no answer
INSERT INTO notices (created_at, kind, audience, invoice, client_id, subject, text, message) VALUES
 ('2026-05-12T10:00:00Z', 'reply', 'manager', 'B-61', 'C2', 'Réponse sur B-61', 'Le client a répondu.', 11);
INSERT INTO events (at, kind, invoice, client_id, message_id, queue_id, actor, detail) VALUES
 ('2026-03-31T08:00:00Z', 'imported', 'B-61', 'C2', NULL, NULL, 'import', 'invoices.csv line 9'),
 ('2026-05-03T08:00:00Z', 'reminder_sent', 'B-61', 'C2', 'm3@relance.test', NULL, 'worker', 'step 1 J+3'),
 ('2026-05-03T09:00:00Z', 'autoreply', 'B-61', 'C2', 'auto1@beta.test', '5Ab2C', 'milter', 'out of office'),
 ('2026-05-05T09:30:00Z', 'promise', 'B-61', 'C2', 'reply1@beta.test', '6Cd3D', 'milter', 'until=2026-05-15'),
 ('2026-05-04T10:00:00Z', 'dispute', 'B-60', 'C2', 'reply2@beta.test', '7De4E', 'milter', 'montant contesté'),
 ('2026-05-10T08:00:00Z', 'reminder_sent', 'B-61', 'C2', 'x/../m5@relance.test', NULL, 'worker', 'step 2 J+10'),
 ('2026-05-12T09:00:00Z', 'reply', 'B-61', 'C2', 'reply3@beta.test', '8Ef5F', 'milter', 'Nous regardons.'),
 ('2026-06-02T09:00:00Z', 'autoreply', 'A-31', 'C1', 'auto2@alpha.test', NULL, 'milter', NULL),
 ('2026-05-25T09:00:00Z', 'reply', 'B-91', 'C2', 'reply4@beta.test', NULL, 'milter', NULL),
 ('2026-06-05T09:00:00Z', 'bounce', NULL, 'C1', 'm9@relance.test', '9Fg6G', 'milter', '550 5.1.1'),
 ('2026-06-05T09:00:00Z', 'bounce', NULL, 'C2', NULL, NULL, 'milter', 'ap@beta.test undeliverable'),
 ('2026-05-20T07:00:00Z', 'payment', 'B-PAID', 'C2', NULL, NULL, 'import', '400,00 EUR');
EOS

note "report aging (JSON)"
ctl report aging --json > "$WORK/aging.json"
python3 - "$WORK/aging.json" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["report"] == "aging" and r["as_of"] == "2026-06-30", r
rows = {(c["client_id"], c["currency"]): c for c in r["clients"]}
assert set(rows) == {("C1", "EUR"), ("C2", "EUR"), ("C3", "USD")}, rows.keys()
def b(c): return [c[k] for k in ("not_due_cents", "days_1_30_cents",
                                  "days_31_60_cents", "days_61_90_cents",
                                  "over_90_cents", "total_cents")]
# C1: A-0 due today; A-1 (1 d), A-30 (30 d), A-PART (10 d, 200,00 left);
# A-31 (31 d, on hold: still owed).
assert b(rows["C1", "EUR"]) == [100000, 70000, 31000, 0, 0, 201000], b(rows["C1", "EUR"])
assert rows["C1", "EUR"]["invoices"] == 5
# C2: B-60 (60 d), B-61 (61), B-90 (90), B-91 (91); B-PAID excluded.
assert b(rows["C2", "EUR"]) == [0, 0, 60000, 151000, 91000, 302000], b(rows["C2", "EUR"])
assert rows["C2", "EUR"]["name"] == "Bêta & Fils; SA"
# C3: only G-1 (USD); FUTURE is not issued yet.
assert b(rows["C3", "USD"]) == [123456, 0, 0, 0, 0, 123456]
tot = {t["currency"]: t for t in r["totals"]}
assert b(tot["EUR"]) == [100000, 70000, 91000, 151000, 91000, 503000], b(tot["EUR"])
assert b(tot["USD"]) == [123456, 0, 0, 0, 0, 123456]
assert tot["EUR"]["invoices"] == 9 and tot["EUR"]["client_id"] == "TOTAL"
EOP

note "report aging (text, French amounts)"
ctl report aging > "$WORK/aging.raw"
# Amounts use no-break spaces (U+00A0); compare with plain spaces.
grep -q $'1\u00a0000,00\u00a0€' "$WORK/aging.raw" || fail "no no-break spaces in amounts"
sed 's/\xc2\xa0/ /g' "$WORK/aging.raw" > "$WORK/aging.txt"
grep -q '^Balance âgée au 2026-06-30' "$WORK/aging.txt" || fail "aging title"
grep -q "^C1 .*Alpha SARL .*EUR .*1 000,00 €.*2 010,00 €\$" "$WORK/aging.txt" \
    || { cat "$WORK/aging.txt"; fail "aging C1 line"; }
grep -q "1 234,56 USD" "$WORK/aging.txt" || fail "aging USD amount"
grep -q "^TOTAL .*5 030,00 €\$" "$WORK/aging.txt" || fail "aging total"

note "report aging (CSV for Excel-FR)"
ctl report aging --csv > "$WORK/aging.csv"
python3 - "$WORK/aging.csv" <<'EOP'
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
assert b"\r\n" in raw
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""), delimiter=";"))
assert rows[0][:4] == ["Client", "Nom", "Devise", "Factures"], rows[0]
by = {(r[0], r[2]): r for r in rows[1:]}
assert by["C2", "EUR"][1] == "Bêta & Fils; SA", by["C2", "EUR"]
assert by["C1", "EUR"][4:] == ["1000,00", "700,00", "310,00", "0,00", "0,00", "2010,00"], by["C1", "EUR"]
assert rows[-2][0] == "TOTAL" and rows[-1][0] == "TOTAL", rows[-2:]
assert by["C3", "USD"][-1] == "1234,56"
EOP

note "report dso"
ctl report dso --from 2026-04-01 --to 2026-06-29 --json > "$WORK/dso.json"
python3 - "$WORK/dso.json" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["from"], r["to"], r["days"]) == ("2026-04-01", "2026-06-29", 90), r
rows = {(c["client_id"], c["currency"]): c for c in r["clients"]}
c1 = rows["C1", "EUR"]
# Sales: A-0 1000 + A-1 200 + A-30 300 + A-31 310 + A-PART 500 + C-PAID 100.
assert c1["sales_cents"] == 241000, c1
# Receivables on 06-29: the open amounts, A-PART's 06-30 payment added back.
assert c1["receivables_cents"] == 231000, c1
assert c1["dso_days"] == 86.3, c1              # 231000 / 241000 * 90 = 86.27
assert c1["paid_invoices"] == 1 and c1["avg_delay_days"] == -3.0, c1
c2 = rows["C2", "EUR"]
assert (c2["sales_cents"], c2["receivables_cents"]) == (100000, 302000), c2
assert c2["dso_days"] == 271.8 and c2["avg_delay_days"] == 10.0, c2
c3 = rows["C3", "USD"]
assert c3["dso_days"] == 90.0 and c3["avg_delay_days"] is None, c3
tot = {t["currency"]: t for t in r["totals"]}
assert tot["EUR"]["dso_days"] == 140.7, tot   # 533000 / 341000 * 90 = 140.67
assert tot["EUR"]["avg_delay_days"] == 3.5, tot
EOP
ctl report dso --to 2026-06-29 --csv > "$WORK/dso.csv"
grep -q '^C2;"Bêta & Fils; SA";EUR;1000,00;3020,00;271,8;1;10,0'$'\r' "$WORK/dso.csv" || fail "dso csv row"
ctl report dso > "$WORK/dso.txt"
grep -q '^DSO et délais de paiement du 2026-04-02 au 2026-06-30' "$WORK/dso.txt" || fail "dso default period"

note "report steps"
ctl report steps --json > "$WORK/steps.json"
python3 - "$WORK/steps.json" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["within_days"] == 14 and r["from"] == "2026-04-02", r
s = {x["step"]: x for x in r["steps"]}
assert sorted(s) == [1, 2, 3], s.keys()
def o(x): return [x[k] for k in ("sent", "paid", "dispute", "promise",
                                 "reply", "bounce", "pending", "no_answer")]
assert o(s[1]) == [6, 1, 1, 1, 0, 0, 1, 2], o(s[1])
assert s[1]["step_name"] == "J+3"
assert s[1]["paid_percent"] == 16.7 and s[1]["avg_days_to_pay"] == 7.0, s[1]
assert o(s[2]) == [2, 0, 0, 0, 1, 1, 0, 0], o(s[2])
assert s[2]["avg_days_to_pay"] is None and s[2]["paid_percent"] == 0.0
assert o(s[3]) == [2, 0, 0, 0, 0, 0, 0, 2], o(s[3])
t = r["totals"][0]
assert o(t) == [10, 1, 1, 1, 1, 1, 1, 4], o(t)
assert t["paid_percent"] == 10.0
EOP
# A shorter window turns step 1's payment (7 days later) into no answer.
ctl report steps --within 5 --json | python3 -c '
import json, sys
s = {x["step"]: x for x in json.load(sys.stdin)["steps"]}
assert (s[1]["paid"], s[1]["no_answer"]) == (0, 3), s[1]'
# A period that ends before the sends: nothing.
ctl report steps --from 2026-01-01 --to 2026-01-31 > "$WORK/steps-empty.txt"
grep -q 'Nothing to report' "$WORK/steps-empty.txt" || fail "empty steps period"

note "dossier to stdout"
ctl dossier B-61 > "$WORK/dossier.raw"
sed 's/\xc2\xa0/ /g' "$WORK/dossier.raw" > "$WORK/dossier.out"
for want in 'DOSSIER DE LA FACTURE B-61' 'Raison sociale / Name : Bêta & Fils; SA' \
    'Échéance / Due date : 30 avril 2026 (2026-04-30)' 'Reste dû / Amount due : 610,00 €' \
    'Statut / Status : en pause / paused' 'queue ID : 6Cd3D' \
    'Message-ID : <reply1@beta.test>' 'détail / detail : until=2026-05-15' \
    'Bonjour, la facture B-61 est échue.' 'undeliverable since 2026-06-05 11:00:00 +0200' \
    'État / State : queued' 'CHRONOLOGIE (7 événements)'; do
    grep -qF -- "$want" "$WORK/dossier.out" || { cat "$WORK/dossier.out"; fail "dossier lacks: $want"; }
done
# Events in the order they were appended; B-60's dispute is not there.
python3 - "$WORK/dossier.out" <<'EOP'
import sys
t = open(sys.argv[1], encoding="utf-8").read()
chrono = t.split("5. CHRONOLOGIE")[1].split("6. MESSAGES")[0]
kinds = [l.split()[4] for l in chrono.splitlines() if l.startswith("  [")]
assert kinds == ["imported", "reminder_sent", "autoreply", "promise",
                 "reminder_sent", "reply", "bounce"], kinds
assert "reply2@beta.test" not in t
assert "\r" not in t
EOP

note "dossier --out"
ctl dossier B-61 --out "$WORK/dos" > /dev/null
ls "$WORK/dos" > "$WORK/dos.list"
assert_eq "$(cat "$WORK/dos.list" | tr '\n' ' ')" \
    "001-m3@relance.test.eml 002-x_.._m5@relance.test.eml dossier.txt " "dossier files"
cmp -s "$WORK/dos/dossier.txt" "$WORK/dossier.raw" || fail "dossier.txt differs from stdout"
python3 - "$WORK/dos/001-m3@relance.test.eml" <<'EOP'
import sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"From: compta@f.test\r\nTo: ap@beta.test\r\n"), raw[:60]
assert "échue".encode() in raw
EOP

note "dossier refuses a non-empty folder, accepts an empty one"
set +e
ctl dossier B-61 --out "$WORK/dos" 2>"$WORK/err"; rc=$?
set -e
assert_eq "$rc" 1 "non-empty --out"
grep -q 'not empty' "$WORK/err" || fail "no reason for refusing --out"
mkdir "$WORK/empty"
ctl dossier A-0 --out "$WORK/empty" > /dev/null
assert_eq "$(ls "$WORK/empty")" "dossier.txt" "dossier without messages"

note "exit statuses"
expect_rc() {
    local want=$1; shift
    set +e; "$@" >/dev/null 2>&1; local rc=$?; set -e
    assert_eq "$rc" "$want" "exit status of: $*"
}
expect_rc 1 ctl dossier NOPE-1
expect_rc 64 ctl dossier
expect_rc 64 ctl dossier A-0 A-1
expect_rc 64 ctl dossier A-0 --bogus
expect_rc 64 ctl dossier A-0 --out
expect_rc 64 ctl report
expect_rc 64 ctl report ageing
expect_rc 64 ctl report aging --from 2026-01-01
expect_rc 64 ctl report aging --json --csv
expect_rc 64 ctl report dso --from 2026-02-30
expect_rc 64 ctl report dso --from 2026-06-01 --to 2026-05-01
expect_rc 64 ctl report dso --within 3
expect_rc 64 ctl report steps --within 0
expect_rc 0 ctl report --help
expect_rc 0 ctl dossier --help
ctl report --help > "$WORK/help.txt"
grep -q 'DSO = receivables at the end / credit sales' "$WORK/help.txt" || fail "DSO formula not in --help"
echo OK
