#!/bin/bash
# submit.sh - benchmark: relance-worker's SMTP submission to a local
# Postfix on one session, 5 KB messages, against smtp-source sending the
# same size on one session, side by side in the same run (same Postfix,
# relaying to smtp-sink). Target (issue 3): worker >= 0.7 x smtp-source.
#
#   bash bench/submit.sh [BUILD_DIR] [N]     (as root; default build, 2000)
#
# The worker's figure is a whole `relance-worker --once` pass over N
# messages already recorded 'queued' (start-up, reconcile and planning
# included): per message it writes 'submitting' durably (fsync) before
# the data and 'sent' after the answer, as in production. Each side's
# time ends when its last message is accepted; the queue is drained
# between the two. Figures are printed; nothing is asserted.
set -u
B=${1:-build}
N=${2:-2000}
export RELANCE_SRC=${RELANCE_SRC:-$(pwd)}
export RELANCE_BIN=$RELANCE_SRC/$B
export WORK=$(mktemp -d /tmp/relance-bench-submit.XXXXXX)
chmod 755 "$WORK"
export PF_RELAY=sink
. "$RELANCE_SRC/tests/e2e/lib.sh"
SIZE=5120

pf_start
trap 'pf_cleanup; rm -rf "$WORK"' EXIT
relance_conf "Mode live"
cp -r "$RELANCE_SRC/rules" "$WORK/rules"
sed -i "s|^RulesDir .*|RulesDir $WORK/rules|" "$RELANCE_CONF"
$RELANCECTL init >/dev/null

now() { date +%s.%N; }

# smtp-source: N messages of SIZE bytes of payload over one session.
t0=$(now)
/usr/sbin/smtp-source -d -s 1 -m "$N" -l "$SIZE" -f bench@fournisseur.test \
    -t sink@example.test 127.0.0.1:"$PF_PORT" || fail "smtp-source failed"
t1=$(now)
mail_settle 300

# The worker: N queued 5 KB messages (headers + SIZE bytes of text).
python3 - "$WORK/relance.db" "$N" "$SIZE" <<'EOP'
import sqlite3, sys
db, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
line = ('Relance de paiement, facture en attente de reglement. ' * 2)[:76] + '\r\n'
text = (line * (size // len(line) + 1))[:size]
rows = []
for i in range(n):
    mid = 'r1.%016x.bench@relance.test' % i
    body = ('From: compta@fournisseur.test\r\nTo: sink@example.test\r\n'
            'Subject: bench %d\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\n' % (i, mid)) + text
    rows.append((mid, 'r1.%016x' % i, 'notice', 'finance',
                 'compta@fournisseur.test', 'sink@example.test',
                 'bench %d' % i, body.encode(), 'queued',
                 '2026-11-16T08:00:00Z'))
c.executemany('INSERT INTO messages (message_id, token, kind, channel, '
              'mail_from, recipients, subject, body, state, created_at) '
              'VALUES (?,?,?,?,?,?,?,?,?,?)', rows)
c.commit()
EOP
t2=$(now)
"$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "2026-11-16 10:00" \
    2>"$WORK/worker.log" || fail "worker failed"
t3=$(now)
mail_settle 300
sent=$(sqlite3 "$WORK/relance.db" "SELECT count(*) FROM messages WHERE state='sent'")

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$sent" <<'EOP'
import sys
n = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:6]); sent = int(sys.argv[6])
src = n / (t1 - t0); wrk = sent / (t3 - t2)
print('submit: smtp-source   %d msgs in %.2f s = %6.1f msg/s' % (n, t1 - t0, src))
print('submit: relance-worker %d msgs in %.2f s = %6.1f msg/s (%d sent)' % (sent, t3 - t2, wrk, sent))
print('submit: ratio %.2f (target >= 0.70: %s)' % (wrk / src, 'met' if wrk / src >= 0.7 else 'MISSED'))
EOP
