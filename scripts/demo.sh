#!/bin/sh
# demo.sh - the README's demo: build Relance, create a database in a
# temporary folder, import the French Excel export in examples/ and look
# at the invoices. Run from anywhere; as root on Debian 12 it installs
# the packages first (scripts/install-deps.sh).
#
#   sh scripts/demo.sh          # leaves the folder for you to explore
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
    step "Packages (scripts/install-deps.sh)"
    sh scripts/install-deps.sh
fi

step "Build (make)"
make -j2 > /dev/null
echo "built build/relancectl"

DEMO=$(mktemp -d /tmp/relance-demo.XXXXXX)
cat > "$DEMO/relance.conf" <<CONF
# Demo configuration: everything lives in $DEMO.
Database    relance.db
SecretFile  secret
Domain      demo.example.fr
From        Service comptable <compta@demo.example.fr>
ReplyTo     compta@demo.example.fr
FinanceAddress compta@demo.example.fr
Mode        dry-run
Timezone    Europe/Paris
CONF

# The demo acts as if it were 20 March 2026, 10:00 (Paris), so the
# invoices of examples/ are at a known point of their lives.
relancectl() { "$SRC/build/relancectl" -c "$DEMO/relance.conf" --now "2026-03-20 10:00" "$@"; }

step "relancectl init"
relancectl init

step "Import the accounting export (examples/: ';', decimal comma, BOM, CRLF)"
relancectl import clients  "$SRC/examples/clients.csv"
relancectl import invoices "$SRC/examples/invoices.csv"
relancectl import payments "$SRC/examples/payments.csv"

step "Importing the same files again changes nothing"
relancectl import invoices "$SRC/examples/invoices.csv"

step "relancectl invoice list"
relancectl invoice list

step "A payment by hand: relancectl pay F-2026-0004 \"1 500,00\""
relancectl pay F-2026-0004 "1 500,00" --reference "VIR 2026-03-19"

step "relancectl invoice show F-2026-0004"
relancectl invoice show F-2026-0004

step "Done"
echo "Demo folder: $DEMO"
echo "Try: $SRC/build/relancectl -c $DEMO/relance.conf invoice list --json"
