#!/bin/bash
# demo.sh - the README's demo: the whole story on one machine.
#
#   A private Postfix on 127.0.0.1 (Debian's package, run from a temporary
#   folder; every recipient is delivered to one local maildir, so nothing
#   leaves the machine), relance-milter attached to it, the worker sending
#   reminders on simulated days, a client answering with a promise to pay,
#   and the sequence pausing by itself for that invoice.
#
#   sudo ./scripts/demo.sh          # as root: installs packages, builds, runs
#   KEEP=1 ./scripts/demo.sh        # leave Postfix and the milter running
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: run as root (it installs packages and starts a private Postfix)" >&2
    exit 1
fi
step "Packages (scripts/install-deps.sh) and build (make)"
./scripts/install-deps.sh
make -j"$(nproc)" >/dev/null
echo "built build/relancectl, build/relance-worker, build/relance-milter"

export WORK=$(mktemp -d /tmp/relance-demo.XXXXXX)
chmod 755 "$WORK"
export RELANCE_BIN=$SRC/build RELANCE_SRC=$SRC
. "$SRC/tests/e2e/lib.sh"
set -e

step "A private Postfix on 127.0.0.1 with relance-milter attached"
MILTER_PORT=$(free_port)
pf_start
relance_conf "Domain demo.fournisseur.test"
echo "Postfix listens on 127.0.0.1:$PF_PORT; smtpd_milters = { inet:127.0.0.1:$MILTER_PORT, default_action=accept }"
echo "Configuration: $RELANCE_CONF"
$RELANCECTL init
milter_start
echo "relance-milter listens on inet:$MILTER_PORT@127.0.0.1 (pid $MILTER_PID)"
if [ -n "${KEEP:-}" ]; then trap - EXIT; fi

ctl() { $RELANCECTL --now "$DAY" "$@"; }
worker() { "$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "$DAY" 2>&1 | sed 's/^/    /'; }
show_mail() {
    python3 "$SRC/tests/e2e/mailcheck.py" list "$PF_MAILDIR/new" |
        awk -F'\t' '{ printf "  To: %s\n  Cc: %s\n  Subject: %s\n\n", $1, $2, $3 }'
}

# The milter reads the wall clock (it has no --now: it stamps real mail),
# so the story is told around today: the first pass is the next Tuesday
# that is not a fixed public holiday, the second nine days later, and the
# invoices' dates are computed from it.
python3 - "$WORK" <<'EOP'
import datetime, sys
work = sys.argv[1]
fixed = {(1, 1), (1, 5), (8, 5), (14, 7), (15, 8), (1, 11), (11, 11), (25, 12)}
d = datetime.date.today() + datetime.timedelta(days=1)
while d.weekday() != 1 or (d.day, d.month) in fixed:
    d += datetime.timedelta(days=1)
day2 = d + datetime.timedelta(days=9)
while day2.weekday() > 4 or (day2.day, day2.month) in fixed:
    day2 += datetime.timedelta(days=1)
f = lambda x: x.strftime('%d/%m/%Y')
rel = lambda n: d + datetime.timedelta(days=n)
rows = [  # number, client, issue, due, amount, amount_paid, link
    ('F-DEMO-0001', 'C001', rel(-60), rel(-31), '"1 234,56"', '"234,56"', 'https://pay.example.com/F-DEMO-0001'),
    ('F-DEMO-0002', 'C001', rel(-45), rel(-13), '"12 000,00 €"', '', ''),
    ('F-DEMO-0003', 'C002', rel(-40), rel(-6), '"980,40"', '', ''),
    ('F-DEMO-0004', 'C003', rel(-25), rel(5), '4500.00', '', ''),
    ('F-DEMO-0005', 'C004', rel(-10), rel(30), '"89,90"', '', ''),
]
with open(work + '/invoices.csv', 'w', encoding='utf-8-sig', newline='') as out:
    out.write('number;client_id;issue_date;due_date;amount;currency;amount_paid;payment_link\r\n')
    for n, c, i, due, a, paid, link in rows:
        out.write(f'{n};{c};{f(i)};{f(due)};{a};EUR;{paid};{link}\r\n')
with open(work + '/days', 'w') as out:
    out.write(f'{d.isoformat()} 10:00\n{day2.isoformat()} 10:00\n'
              f'{(d + datetime.timedelta(days=12)).strftime("%d/%m")}\n'
              f'{d.strftime("%a, %d %b %Y")} 14:12:00 +0100\n')
EOP
DAY1=$(sed -n 1p "$WORK/days"); DAY2=$(sed -n 2p "$WORK/days")
PROMISED=$(sed -n 3p "$WORK/days"); REPLYDATE=$(sed -n 4p "$WORK/days")

step "Import the clients (examples/clients.csv: a French Excel export, ';', BOM, CRLF, accents) and open invoices"
DAY=$DAY1
ctl import clients  "$SRC/examples/clients.csv"
ctl import invoices "$WORK/invoices.csv"
ctl invoice list

step "$DAY1: the worker's pass"
worker
mail_settle 60
echo "Messages delivered (one per client, gathering its due invoices):"
show_mail
echo "The reminder to Boulangerie Hélène & Fils, decoded:"
python3 "$SRC/tests/e2e/mailcheck.py" body "$PF_MAILDIR/new" --to compta@boulangerie-helene.fr | sed 's/^/  | /'
MSGID=$(python3 "$SRC/tests/e2e/mailcheck.py" header "$PF_MAILDIR/new" --to compta@boulangerie-helene.fr Message-ID)
mail_clear

step "The client answers the reminder: a promise to pay on $PROMISED"
cat > "$WORK/reply.eml" <<MAIL
From: =?utf-8?q?H=C3=A9l=C3=A8ne_Dupr=C3=A9?= <compta@boulangerie-helene.fr>
To: compta@fournisseur.test
Subject: RE: Relance - factures F-DEMO-0001 F-DEMO-0002
Date: $REPLYDATE
Message-ID: <reply-1@boulangerie-helene.fr>
In-Reply-To: $MSGID
References: $MSGID
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,

Désolé pour le retard : nous réglerons les deux factures le $PROMISED par virement.

Cordialement,
Hélène Dupré

Le ${DAY1%% *} à 10:00, Service comptabilité a écrit :
> Sauf erreur de notre part, la facture suivante reste impayée...
MAIL
smtp_send compta@boulangerie-helene.fr compta@fournisseur.test "$WORK/reply.eml"
mail_settle 60
echo "What relancectl classify says about that mail (the same decision the milter made):"
ctl classify "$WORK/reply.eml" | sed 's/^/  /'
echo
echo "The invoice, as the milter left it:"
ctl invoice show F-DEMO-0001 | sed 's/^/  /'
echo
echo "The reply as the finance mailbox received it (headers added by the milter):"
grep -h '^X-Relance' "$PF_MAILDIR"/new/* | sed 's/^/  /'
mail_clear

step "$DAY2: the next pass"
DAY=$DAY2
worker
mail_settle 60
echo "Messages delivered (Müller GmbH gets its first reminder; nothing to the bakery: its invoices are promised):"
show_mail
ctl invoice list

step "Done"
echo "Everything is in $WORK (database, maildir $PF_MAILDIR, Postfix log $WORK/maillog, milter log $WORK/milter.log)."
echo "Try: $SRC/build/relancectl -c $RELANCE_CONF invoice show F-DEMO-0001 --json"
echo "     $SRC/build/relancectl -c $RELANCE_CONF dossier F-DEMO-0001"
if [ -n "${KEEP:-}" ]; then
    echo "Postfix (postfix -c $PF_DIR stop) and the milter (kill $MILTER_PID) are still running."
fi
