#!/bin/bash
# test-milter-worker.sh - the whole loop with the real programs: the
# worker sends reminders through Postfix, the milter sees each one leave
# (messages.handed_off_at and the queue ID: the worker's exactly-once
# evidence), the client answers the delivered reminder, and the answer
# threads back through the token of its Message-ID to the invoices of
# that reminder.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
mf_init
default_rules
milter_stop
milter_start    # with the rules the worker uses

note "the worker sends reminders through Postfix"
"$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" \
    >> "$WORK/worker.log" 2>&1 || fail "worker pass: $(tail -3 "$WORK/worker.log")"
sent=$(q "SELECT count(*) FROM messages WHERE kind='reminder' AND state='sent'")
[ "$sent" -ge 1 ] || fail "no reminder sent: $(tail -3 "$WORK/worker.log")"
mail_wait "$sent" 60
assert_eq "$(q "SELECT count(*) FROM messages WHERE kind='reminder' AND handed_off_at IS NOT NULL AND handed_off_queue_id <> ''")" \
    "$sent" "every reminder seen leaving"
for qid in $(q "SELECT group_concat(handed_off_queue_id, ' ') FROM messages WHERE kind='reminder'"); do
    grep -q "$qid: handoff" "$WORK/milter.log" || fail "no log line for $qid"
done

note "the client answers the reminder it received"
f=$(grep -l '^Delivered-To: ap@client1.test' "$PF_MAILDIR"/new/*) ||
    fail "no reminder delivered to ap@client1.test"
f=${f%%$'\n'*}
mid=$(header_of "$f" Message-ID)
invoices=$(q "SELECT group_concat(r.invoice, ' ') FROM reminders r JOIN messages m ON m.id = r.message WHERE '<' || m.message_id || '>' = '$mid'")
[ -n "$invoices" ] || fail "the delivered Message-ID $mid names no reminder"
{
    printf 'From: ap@client1.test\nTo: compta@fournisseur.test\nSubject: Re: %s\n' "$(header_of "$f" Subject)"
    printf 'Message-ID: <answer.%s@client1.test>\nIn-Reply-To: %s\nReferences: %s\n' $$ "$mid" "$mid"
    printf 'Date: %s\nContent-Type: text/plain; charset=utf-8\n\n' "$(date -R)"
    printf 'Bonjour,\n\nNous contestons ces montants, la commande était incomplète.\n\n> %s\n' "ancienne relance"
} > "$WORK/answer.eml"
mail_clear
smtp_send ap@client1.test compta@fournisseur.test "$WORK/answer.eml"
mail_wait 1 60
for inv in $invoices; do
    assert_eq "$(inv "$inv" "d['status']")" disputed "$inv after the answer"
done
f=$(delivered "answer.$$")
assert_eq "$(header_of "$f" X-Relance-Intent)" dispute "X-Relance-Intent on the answer"
echo OK
