#!/bin/bash
# test-milter-replies.sh - relance-milter behind a real Postfix: replies to
# reminders (real signed tokens) sent over SMTP change the invoices as
# `relancectl invoice show --json` shows; staff mail injected with
# sendmail(1) (non_smtpd_milters) holds the sequence; a permanent bounce
# marks the address; our own reminder leaving is recorded as handed off;
# X-Relance headers reach the finance mailbox and forged ones are removed;
# unrelated mail passes untouched.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
mf_init
note "postfix 127.0.0.1:$PF_PORT, milter 127.0.0.1:$MILTER_PORT"
"$RELANCE_BIN/relance-milter" -n -c "$RELANCE_CONF" >/dev/null || fail "-n refuses a good config"
{ cat "$RELANCE_CONF"; echo "ReplyPauseDay 3"; } > "$WORK/bad.conf"
set +e
"$RELANCE_BIN/relance-milter" -n -c "$WORK/bad.conf" 2> "$WORK/check.err"
rc=$?
set -e
assert_eq "$rc" 78 "-n exit status on a bad key"
grep -q 'bad.conf:[0-9]*: unknown key "ReplyPauseDay"' "$WORK/check.err" || fail "-n message: $(cat "$WORK/check.err")"

T42=$(mf_reminder F-2026-0042 C1)
T43=$(mf_reminder F-2026-0043 C1)
T50=$(mf_reminder F-2026-0050 C2)
T60=$(mf_reminder F-2026-0060 C3)
PROMISE_DAY=$(days_after 40)

note "replies over SMTP"
mf_reply "$WORK/promise.eml" "Client Un <ap@client1.test>" "$T42" \
    "Re: Relance facture F-2026-0042" \
    "Bonjour, nous réglerons cette facture le $PROMISE_DAY. Cordialement"
smtp_send ap@client1.test compta@fournisseur.test "$WORK/promise.eml"
mf_reply "$WORK/dispute.eml" "Client Deux <pay@client2.test>" "$T50" \
    "Re: Relance facture F-2026-0050" \
    "Nous contestons cette facture : la prestation n'a jamais été livrée." \
    "X-Relance-Intent: other" "X-Relance-Invoice: F-2026-0060"
smtp_send pay@client2.test compta@fournisseur.test "$WORK/dispute.eml"
mf_reply "$WORK/ooo.eml" "ap@client3.test" "$T60" \
    "Réponse automatique : Relance facture F-2026-0060" \
    "Je suis absent, de retour le $(days_after 20). Je lirai votre message à mon retour." \
    "Auto-Submitted: auto-replied"
smtp_send ap@client3.test compta@fournisseur.test "$WORK/ooo.eml"

note "unrelated mail, and forged headers from a stranger to finance"
printf 'From: x@other.test\nTo: bob@fournisseur.test\nSubject: lunch\nMessage-ID: <unrelated.%s@other.test>\n\nnoon?\n' $$ > "$WORK/unrelated.eml"
smtp_send x@other.test bob@fournisseur.test "$WORK/unrelated.eml"
printf 'From: x@other.test\nTo: finance@fournisseur.test\nSubject: hello\nMessage-ID: <forged.%s@other.test>\nX-Relance-Intent: paid\nX-Relance-Client: C1\nX-Relance-Intent: dispute\n\nhi\n' $$ > "$WORK/forged.eml"
smtp_send x@other.test finance@fournisseur.test "$WORK/forged.eml"

note "our own reminder leaving through the MTA"
printf 'From: compta@fournisseur.test\nTo: ap@client1.test\nSubject: Relance facture F-2026-0043\nMessage-ID: <%s@relance.test>\n\nRappel.\n' "$T43" > "$WORK/ours.eml"
smtp_send compta@fournisseur.test ap@client1.test "$WORK/ours.eml"

mail_wait 6 60

# promise: status promised until the date + PromiseGraceDays (3)
assert_eq "$(inv F-2026-0042 "d['status']")" promised "promise status"
assert_eq "$(inv F-2026-0042 "d['paused_until']")" "$(days_after 43)" "promise paused_until"
assert_eq "$(inv_kinds F-2026-0042)" imported,promise "promise events"
assert_eq "$(inv F-2026-0042 "d['events'][-1]['queue_id'] is not None")" True "queue id recorded"

# dispute: disputed, notice to manager and finance, headers at the mailbox
assert_eq "$(inv F-2026-0050 "d['status']")" disputed "dispute status"
assert_eq "$(q "SELECT audience FROM notices WHERE invoice='F-2026-0050' AND kind='dispute'")" both "dispute notice"
f=$(delivered "dispute.$$")
[ -n "$f" ] || fail "dispute reply not delivered"
assert_eq "$(header_of "$f" X-Relance-Invoice)" F-2026-0050 "X-Relance-Invoice"
assert_eq "$(header_of "$f" X-Relance-Client)" C2 "X-Relance-Client"
assert_eq "$(header_of "$f" X-Relance-Intent)" dispute "X-Relance-Intent (forged 'other' removed)"

# out-of-office: no status change, sequence waits for the return date
assert_eq "$(inv F-2026-0060 "d['status']")" open "autoreply keeps status"
assert_eq "$(inv F-2026-0060 "d['wait_until']")" "$(days_after 20)" "autoreply wait_until"
assert_eq "$(inv_kinds F-2026-0060)" imported,autoreply "autoreply events"

# forged headers from outside are gone, unrelated mail is untouched
f=$(delivered "forged.$$")
[ -n "$f" ] || fail "forged mail not delivered"
intent=$(header_of "$f" X-Relance-Intent)
client=$(header_of "$f" X-Relance-Client)
assert_eq "$intent" "" "forged X-Relance-Intent kept"
assert_eq "$client" "" "forged X-Relance-Client kept"
f=$(delivered "unrelated.$$")
[ -n "$f" ] || fail "unrelated mail not delivered"
intent=$(header_of "$f" X-Relance-Intent)
assert_eq "$intent" "" "X-Relance-Intent added to unrelated mail"
assert_eq "$(q "SELECT count(*) FROM events WHERE message_id LIKE 'unrelated.%'")" 0 "unrelated events"

# our reminder: handed off with the queue id; no X-Relance header to a client
assert_eq "$(q "SELECT handed_off_at IS NOT NULL AND handed_off_queue_id <> '' FROM messages WHERE token='$T43'")" 1 "handed off"
f=$(delivered "$T43")
intent=$(header_of "$f" X-Relance-Intent)
assert_eq "$intent" "" "X-Relance-Intent on mail to a client"
assert_eq "$(inv F-2026-0043 "d['status']")" open "own reminder changes no status"

note "paid claim, then a permanent bounce"
mail_clear
mf_reply "$WORK/paid.eml" "ap@client1.test" "$T43" "Re: Relance facture F-2026-0043" \
    "Bonjour, le virement a été effectué hier. Cordialement"
smtp_send ap@client1.test compta@fournisseur.test "$WORK/paid.eml"
cat > "$WORK/bounce.eml" <<EOF
From: MAILER-DAEMON@mx.client1.test (Mail Delivery System)
To: compta@fournisseur.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce.$$@mx.client1.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
<boss@client1.test>: host mx.client1.test said: 550 5.1.1 User unknown

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client1.test

Final-Recipient: rfc822; boss@client1.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B1
Content-Type: text/rfc822-headers

From: compta@fournisseur.test
To: boss@client1.test
Subject: Relance facture F-2026-0042
Message-ID: <$T42@relance.test>

--B1--
EOF
smtp_send "" compta@fournisseur.test "$WORK/bounce.eml"
mail_wait 2 60
assert_eq "$(inv F-2026-0043 "d['status']")" paused "paid claim pauses"
assert_eq "$(inv F-2026-0043 "d['paused_until']")" "$(business_days_after 7)" "paid claim pause"
assert_eq "$(q "SELECT audience FROM notices WHERE invoice='F-2026-0043' AND kind='paid_claim'")" finance "paid claim notice"
assert_eq "$(q "SELECT undeliverable_at IS NOT NULL FROM client_emails WHERE address='boss@client1.test'")" 1 "bounce marks the address"
assert_eq "$(q "SELECT undeliverable_at IS NULL FROM client_emails WHERE address='ap@client1.test'")" 1 "other address untouched"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='bounce'")" 1 "bounce notice"
assert_eq "$(inv F-2026-0042 "d['status']")" promised "bounce does not change the promise"

note "staff mail to a client, injected with sendmail(1)"
mail_clear
printf 'From: Alice <alice@fournisseur.test>\nTo: pay@client2.test\nSubject: Votre facture F-2026-0050\nMessage-ID: <staff.%s@fournisseur.test>\n\nBonjour, je vous appelle demain au sujet de la facture F-2026-0050.\n' $$ |
    pf_sendmail -f alice@fournisseur.test pay@client2.test
mail_wait 1 60
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='manual_contact' AND invoice='F-2026-0050'")" 1 "manual contact event"
assert_eq "$(inv F-2026-0050 "d['wait_until']")" "$(days_after 7)" "manual contact hold"
assert_eq "$(inv F-2026-0050 "d['status']")" disputed "manual contact keeps the dispute"

note "a paid invoice never moves"
$RELANCECTL pay F-2026-0060 900 >/dev/null || fail "pay"
mf_reply "$WORK/late.eml" "ap@client3.test" "$T60" "Re: Relance facture F-2026-0060" \
    "Nous contestons cette facture."
smtp_send ap@client3.test compta@fournisseur.test "$WORK/late.eml"
mail_wait 1 60
assert_eq "$(inv F-2026-0060 "d['status']")" paid "paid stays paid"
grep -q "reply invoice=F-2026-0060" "$WORK/milter.log" || fail "no log line with the queue id"
grep -Eq '^relance-milter: [0-9A-Za-z]+: reply invoice=F-2026-0042 client=C1 intent=promise until=' "$WORK/milter.log" ||
    fail "log line format"
echo OK
