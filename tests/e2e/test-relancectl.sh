#!/bin/bash
# test-relancectl.sh - relancectl's finance commands on real SQLite files:
# imports (French Excel export, every bad-file case with the database dump
# compared before/after, idempotent re-import, changed rows), payments
# (partial, full, over), hold/release/resolve, JSON output, exit codes,
# --help, two concurrent imports beside a reader loop, and a big import
# whose commit meets a full disk.
#
# Needs $RELANCE_BIN (relancectl), $RELANCE_SRC, $WORK (tests/run-e2e.sh).
# No MTA needed; runs as any user.
set -u -o pipefail
CTL="$RELANCE_BIN/relancectl"
FX="$RELANCE_SRC/tests/fixtures/csv"
EX="$RELANCE_SRC/examples"
DB="$WORK/relance.db"
NOW="2026-03-20 10:00"
NBSP=$(printf '\302\240')
cd "$WORK" || exit 1
cat > relance.conf <<EOF
Database relance.db
SecretFile secret
Domain example.fr
Timezone Europe/Paris
EOF

fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
ctl() { "$CTL" -c "$WORK/relance.conf" --now "$NOW" "$@"; }
# run WANT_RC CMD...: runs CMD with stdout in out, stderr in err.
run() {
    local want=$1; shift
    "$@" > "$WORK/out" 2> "$WORK/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "  exit $rc, wanted $want: $*"; sed 's/^/  | /' "$WORK/err"
        return 1
    fi
}
q() { sqlite3 "$DB" "$1"; }
dump() { sqlite3 "$DB" .dump; }
nevents() { q "SELECT count(*) FROM events"; }
has() { grep -qF -- "$1" "$WORK/$2" || { echo "  no \"$1\" in $2:"; sed 's/^/  | /' "$WORK/$2"; return 1; }; }
json_get() { python3 -c "import json,sys; d=json.load(open('$WORK/out')); print($1)"; }

check "init" run 0 ctl init

# --- the French Excel export (BOM, CRLF, ';', decimal comma, NBSP) ---
check "import clients (French Excel)" run 0 ctl import clients "$EX/clients.csv"
check "unknown column warned" has '"adresse" is not used, ignored' err
check "import invoices (French Excel)" run 0 ctl import invoices "$EX/invoices.csv"
check "LME warning for 73-day terms" has 'invoices.csv:6: column 4 (due_date): délai de paiement de 73 jours' err
check "import payments (French Excel)" run 0 ctl import payments "$EX/payments.csv"
check "quoted ';' kept in a name" \
    [ "$(q "SELECT name FROM clients WHERE id='C002'")" = "Société Générale d'Équipement; SGE" ]
check "accents kept" [ "$(q "SELECT first_name FROM clients WHERE id='C003'")" = "Jürgen" ]
check "addresses split and lowercased" \
    [ "$(q "SELECT group_concat(address, ' ') FROM (SELECT address FROM client_emails WHERE client_id='C002' ORDER BY position)")" = "factures@sge.example direction@sge.example" ]
check "language FR -> fr, default fr" [ "$(q "SELECT group_concat(language) FROM clients ORDER BY id")" = "fr,fr,en,fr" ]
check "revenue '1 250 000,00'" [ "$(q "SELECT annual_revenue_cents FROM clients WHERE id='C001'")" = 125000000 ]
check "NBSP amount, NNBSP amount_paid" \
    [ "$(q "SELECT amount_cents||' '||amount_due_cents FROM invoices WHERE number='F-2026-0002'")" = "1200000 1000000" ]
check "DD/MM/YYYY stored ISO" [ "$(q "SELECT due_date FROM invoices WHERE number='F-2026-0001'")" = 2026-02-14 ]
check "partial payment from file" \
    [ "$(q "SELECT amount_due_cents||' '||status FROM invoices WHERE number='F-2026-0001'")" = "100000 open" ]
check "full payment from file" \
    [ "$(q "SELECT amount_due_cents||' '||status||' '||paid_date FROM invoices WHERE number='F-2026-0003'")" = "0 paid 2026-03-12" ]
check "one 'imported' event per row" [ "$(q "SELECT count(*) FROM events WHERE kind='imported'")" = 9 ]

# --- importing the same files again changes nothing ---
before=$(dump); n=$(nevents)
for k in clients invoices payments; do
    check "re-import $k" run 0 ctl import $k "$EX/$k.csv"
    check "re-import $k: all unchanged" has "0 new, 0 updated" out
done
check "re-import: no new event" [ "$(nevents)" = "$n" ]
check "re-import: dump identical" [ "$before" = "$(dump)" ]

# --- bad files: refused whole, named line and column, nothing written ---
bad_cases=(
    "invoices|bad-date.csv|bad-date.csv:3: column 4 (due_date): \"31/02/2026\" is not a valid date"
    "invoices|bad-amount.csv|bad-amount.csv:3: column 5 (amount): \"12,3,4\" is not an amount"
    "invoices|missing-column.csv|missing-column.csv:1: missing required column \"due_date\""
    "invoices|unknown-client.csv|unknown-client.csv:3: column 2 (client_id): unknown client_id \"C999\""
    "invoices|dup-other-client.csv|dup-other-client.csv:3: column 2 (client_id): invoice F-2026-0001 belongs to client C001, not C002"
    "invoices|dup-in-file.csv|dup-in-file.csv:3: column 1 (number): invoice \"X-1\" already on line 2"
    "invoices|broken-quote.csv|broken-quote.csv:3: quoted field is never closed"
    "invoices|quote-in-field.csv|quote-in-field.csv:3: column 2: malformed quoting"
    "clients|crlf-in-name.csv|crlf-in-name.csv:3: column 2 (name): control character"
    "clients|ctrl-in-email.csv|ctrl-in-email.csv:3: column 3 (email): control character"
    "clients|bad-email.csv|bad-email.csv:3: column 3 (email): invalid e-mail address"
    "clients|bad-language.csv|bad-language.csv:3: column 4 (language): \"de\" is not fr or en"
    "payments|payments-bad.csv|payments-bad.csv:3: column 1 (invoice): unknown invoice \"F-9999\""
)
for c in "${bad_cases[@]}"; do
    IFS='|' read -r kind file want <<< "$c"
    before=$(dump)
    check "$file refused (exit 1)" run 1 ctl import "$kind" "$FX/$file"
    check "$file message" has "$want" err
    check "$file: nothing imported" has "nothing was imported" err
    check "$file: dump identical" [ "$before" = "$(dump)" ]
done
check "missing file: exit 1" run 1 ctl import invoices "$WORK/nope.csv"

# --- comma-separated, LF, ISO dates, decimal point ---
check "comma file" run 0 ctl import invoices "$FX/invoices-comma.csv"
check "comma file amount" [ "$(q "SELECT amount_cents FROM invoices WHERE number='G-1'")" = 123450 ]

# --- a changed row is updated, with the changed fields ---
check "changed row" run 0 ctl import invoices "$FX/invoices-changed.csv"
check "changed row counted" has "0 new, 1 updated, 4 unchanged" out
check "'updated' event lists fields" \
    [ "$(q "SELECT json_extract(detail, '\$.changed') FROM events WHERE kind='updated' AND invoice='F-2026-0001'")" = '["amount_paid","payment_link"]' ]
check "amount_paid change settles it" \
    [ "$(q "SELECT amount_due_cents||' '||status FROM invoices WHERE number='F-2026-0001'")" = "0 paid" ]
n=$(nevents)
check "changed file again: no-op" run 0 ctl import invoices "$FX/invoices-changed.csv"
check "changed file again: no event" [ "$(nevents)" = "$n" ]

# --- pay: partial, full, over, unknown, duplicate, bad usage ---
check "partial payment" run 0 ctl pay F-2026-0004 "1 000,00" --date 15/03/2026 --reference VIR-1
check "partial: amount due lowered, still open" \
    [ "$(q "SELECT amount_due_cents||' '||status FROM invoices WHERE number='F-2026-0004'")" = "350000 open" ]
check "same payment twice refused" run 1 ctl pay F-2026-0004 "1 000,00" --date 15/03/2026 --reference VIR-1
check "full payment" run 0 ctl pay F-2026-0004 3500.00
check "full: paid today" \
    [ "$(q "SELECT amount_due_cents||' '||status||' '||paid_date FROM invoices WHERE number='F-2026-0004'")" = "0 paid 2026-03-20" ]
check "overpayment" run 0 ctl pay F-2026-0005 "100,00"
check "overpayment message" has "trop-perçu de 10,10${NBSP}€" out
check "overpayment recorded" \
    [ "$(q "SELECT overpaid_cents||' '||status FROM invoices WHERE number='F-2026-0005'")" = "1010 paid" ]
check "overpayment event" [ "$(q "SELECT count(*) FROM events WHERE kind='overpayment' AND invoice='F-2026-0005'")" = 1 ]
check "payment on unknown invoice" run 1 ctl pay F-9999 10
check "bad amount: usage" run 64 ctl pay F-2026-0002 "12,3,4"
check "bad date: usage" run 64 ctl pay F-2026-0002 10 --date 31/02/2026
check "future date: usage" run 64 ctl pay F-2026-0002 10 --date 2026-12-01
check "missing amount: usage" run 64 ctl pay F-2026-0002

# --- hold / release / resolve ---
check "hold needs --reason" run 64 ctl hold invoice F-2026-0002
check "hold invoice" run 0 ctl hold invoice F-2026-0002 --reason "litige commercial" --until 15/04/2026
check "hold status" \
    [ "$(q "SELECT status||' '||paused_until||' '||status_reason FROM invoices WHERE number='F-2026-0002'")" = "hold 2026-04-15 litige commercial" ]
check "hold a paid invoice refused" run 1 ctl hold invoice F-2026-0003 --reason x
check "hold with past --until: usage" run 64 ctl hold invoice F-2026-0002 --reason x --until 2026-01-01
check "release invoice" run 0 ctl release invoice F-2026-0002 --reason "accord trouvé"
check "released to open" [ "$(q "SELECT status||'|'||coalesce(paused_until,'') FROM invoices WHERE number='F-2026-0002'")" = "open|" ]
check "release not held" run 1 ctl release invoice F-2026-0002 --reason again
check "hold client" run 0 ctl hold client C003 --reason "redressement judiciaire"
check "client hold stored" [ "$(q "SELECT hold_reason||'|'||coalesce(hold_until,'') FROM clients WHERE id='C003'")" = "redressement judiciaire|" ]
check "release client" run 0 ctl release client C003 --reason "plan validé"
check "client released" [ "$(q "SELECT count(*) FROM clients WHERE hold_reason IS NOT NULL")" = 0 ]
check "hold unknown client" run 1 ctl hold client C999 --reason x
check "hold bad target: usage" run 64 ctl hold facture F-2026-0002 --reason x
# A dispute (as the milter records it), held and released, stays a dispute.
q "UPDATE invoices SET status='disputed', status_reason='montant contesté' WHERE number='F-2026-0002'"
check "hold a disputed invoice" run 0 ctl hold invoice F-2026-0002 --reason "vérification"
check "release restores the dispute" run 0 ctl release invoice F-2026-0002 --reason "fin vérif"
check "disputed again" [ "$(q "SELECT status||'|'||status_reason FROM invoices WHERE number='F-2026-0002'")" = "disputed|montant contesté" ]
check "resolve" run 0 ctl resolve F-2026-0002 --reason "avoir émis"
check "resolved to open" [ "$(q "SELECT status FROM invoices WHERE number='F-2026-0002'")" = open ]
check "resolve a non-disputed invoice" run 1 ctl resolve F-2026-0002
check "resolve unknown" run 1 ctl resolve F-9999
for k in hold release resolve; do
    check "event $k written" [ "$(q "SELECT count(*) FROM events WHERE kind='$k'")" -ge 1 ]
done

# --- show / list, text and JSON ---
check "show --json" run 0 ctl invoice show F-2026-0002 --json
check "show --json keys" [ "$(json_get "','.join(k for k in ['number','client_id','amount_cents','amount_due_cents','currency','due_date','status','paused_until','step','reminders','events'] if k not in d)")" = "" ]
check "show --json events have at, kind" [ "$(json_get "all('at' in e and 'kind' in e for e in d['events']) and len(d['events']) >= 6")" = True ]
check "show --json due_date" [ "$(json_get "d['due_date']")" = 2026-03-04 ]
check "show text" run 0 ctl invoice show F-2026-0002
check "show text French amounts" has "12${NBSP}000,00${NBSP}€" out
check "show unknown" run 1 ctl invoice show F-9999
check "list --json" run 0 ctl invoice list --json
check "list --json: array without events" [ "$(json_get "len(d) == 7 and all('events' not in o and 'reminders' in o for o in d)")" = True ]
check "list --status paid --json" run 0 ctl invoice list --status paid --json
check "list --status paid" [ "$(json_get "sorted(o['number'] for o in d)")" = "['F-2026-0001', 'F-2026-0003', 'F-2026-0004', 'F-2026-0005']" ]
check "list --client C001 --json" run 0 ctl invoice list --client C001 --json
check "list --client" [ "$(json_get "len(d)")" = 2 ]
check "list text" run 0 ctl invoice list
check "list text footer" has "7 factures / invoices" out
check "list bad status: usage" run 64 ctl invoice list --status lost
check "invoice without sub-command: usage" run 64 ctl invoice
check "import bad kind: usage" run 64 ctl import bills x.csv
check "import without file: usage" run 64 ctl import clients

# --- every command has --help ---
for c in import invoice pay hold release resolve init; do
    check "$c --help" run 0 "$CTL" "$c" --help
    check "$c --help text" has "usage: relancectl" out
done

# --- two imports at once, and a reader, never 'database is locked' ---
awk 'BEGIN { print "client_id;name;email";
     for (i = 0; i < 2000; i++) printf "K%05d;Client %d;k%d@example.com\n", i, i, i }' > conc-clients.csv
for part in a b; do
    awk -v p=$part 'BEGIN { print "number;client_id;issue_date;due_date;amount";
         for (i = 0; i < 20000; i++)
             printf "%s-%06d;K%05d;01/03/2026;31/03/2026;%d,%02d\n", p, i, i % 2000, i % 9000 + 1, i % 100 }' > conc-$part.csv
done
check "concurrent: clients" run 0 ctl import clients conc-clients.csv
ctl import invoices conc-a.csv > ca.out 2> ca.err & pa=$!
ctl import invoices conc-b.csv > cb.out 2> cb.err & pb=$!
reads=0; : > reader.err
while kill -0 $pa 2> /dev/null || kill -0 $pb 2> /dev/null; do
    ctl invoice list --status paid --json > /dev/null 2>> reader.err || echo "reader exit $?" >> reader.err
    sqlite3 -cmd ".timeout 60000" "$DB" "SELECT count(*) FROM invoices" > /dev/null 2>> reader.err
    reads=$((reads + 1))
done
wait $pa; ra=$?; wait $pb; rb=$?
check "concurrent import a" [ $ra -eq 0 ]
check "concurrent import b" [ $rb -eq 0 ]
check "reader ran ($reads rounds)" [ $reads -ge 1 ]
check "no 'locked' anywhere" bash -c "! grep -qi locked ca.err cb.err reader.err"
check "reader had no error" [ ! -s reader.err ]
check "concurrent: all rows" [ "$(q "SELECT count(*) FROM invoices WHERE number GLOB '[ab]-*'")" = 40000 ]
check "integrity" [ "$(q "PRAGMA integrity_check")" = ok ]

# --- a big import: the disk fills at the commit, then it goes through ---
# 60,000 new invoices, more than there are: invoices_client is dropped on
# the way and built again before the commit (lib/import_apply.c). With a
# file size limit the WAL cannot take the commit: the import fails whole.
awk 'BEGIN { print "number;client_id;issue_date;due_date;amount";
     for (i = 0; i < 60000; i++)
         printf "BIG-%06d;K%05d;01/03/2026;31/03/2026;%d,00\n", i, i % 2000, i % 900 + 1 }' > big.csv
sum_before=$(sqlite3 "$DB" .dump | sha256sum)
limit=$(( $(stat -c %s "$DB") / 1024 + 4096 ))  # 4 MB of WAL at most
(trap '' XFSZ; ulimit -f "$limit"; ctl import invoices big.csv) > big.out 2> big.err
rc=$?
check "disk full at commit: refused (exit $rc)" [ $rc -ne 0 ]
check "disk full: the database named" grep -qiE 'database|disk' big.err
check "disk full: dump identical" [ "$sum_before" = "$(sqlite3 "$DB" .dump | sha256sum)" ]
check "disk full: integrity" [ "$(q "PRAGMA integrity_check")" = ok ]
check "big import" run 0 ctl import invoices big.csv
check "big import: all rows, each with its event" \
    [ "$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM events WHERE kind = 'imported' AND invoice GLOB 'BIG-*') FROM invoices WHERE number GLOB 'BIG-*'")" = "60000 60000" ]
check "big import: invoices_client built again, and used" \
    [ "$(q "SELECT count(*) FROM invoices INDEXED BY invoices_client WHERE client_id = 'K00007'")" = 50 ]
check "big import: integrity" [ "$(q "PRAGMA integrity_check")" = ok ]

echo "$fails failed"
[ "$fails" -eq 0 ]
