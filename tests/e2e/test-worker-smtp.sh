#!/bin/bash
# test-worker-smtp.sh - how relance-worker records SMTP trouble, against
# smtp-sink told to misbehave (no Postfix needed):
#   5xx at the end of DATA        -> failed, send_failed event, finance told
#   4xx at the end of DATA / RCPT -> queued again with back-off; after
#                                    SmtpRetryHours -> failed, finance told
#   server unreachable            -> queued again with back-off
#   connection cut after the data -> left 'submitting'; the next pass
#                                    makes it 'uncertain' (never re-sent)
#                                    and tells finance, or 'sent' when the
#                                    milter saw it leave (handed_off_at).
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
W="$RELANCE_BIN/relance-worker"
DB=$WORK/relance.db
SINK_PORT=$(free_port)
SINK_PID=

sink() {   # sink SMTP-SINK-OPTIONS...: (re)start smtp-sink on SINK_PORT
    sink_stop
    /usr/sbin/smtp-sink -u postfix "$@" 127.0.0.1:"$SINK_PORT" 100 &
    SINK_PID=$!
    wait_until 10 port_open "$SINK_PORT"
}
sink_stop() {
    [ -n "$SINK_PID" ] || return 0
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=
}
trap sink_stop EXIT

fresh() {   # a new database with one client and one invoice due
    rm -f "$DB" "$DB"-wal "$DB"-shm
    PF_PORT=$SINK_PORT relance_conf "SmtpRetryHours 1"
    default_rules
    import_csv $'client_id;name;email\nC1;Client Un;c1@c1.test' \
        $'number;client_id;issue_date;due_date;amount\nF-1;C1;2026-10-01;2026-11-02;100'
}
# pass_at TIME: one worker pass; SMTP trouble is recorded, not an error.
pass_at() { "$W" -c "$RELANCE_CONF" --once --now "$1" >>"$WORK/worker.log" 2>&1 || fail "worker pass at $1"; }
state() { q "SELECT state || ' ' || attempts FROM messages WHERE kind='reminder'"; }

note "5xx at the end of DATA: failed, finance told"
fresh
sink -f .
pass_at "2026-11-09 10:00"
assert_eq "$(state)" "failed 1" "reminder after a 5xx"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='send_failed' AND invoice='F-1'")" 1 "send_failed event"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_failed'")" 1 "notice to finance"
assert_eq "$(q "SELECT step_name FROM invoices")" "first" "the step stays committed (never a second, different reminder)"

note "4xx at the end of DATA: retried with back-off, then failed after SmtpRetryHours"
fresh
sink -r .
pass_at "2026-11-09 10:00"
assert_eq "$(state)" "queued 1" "after the first 4xx"
assert_eq "$(q "SELECT next_attempt_at FROM messages")" "2026-11-09T09:05:00Z" "next attempt 5 minutes later"
pass_at "2026-11-09 10:02"
assert_eq "$(state)" "queued 1" "not retried before its time"
pass_at "2026-11-09 10:06"
assert_eq "$(state)" "queued 2" "second attempt"
assert_eq "$(q "SELECT next_attempt_at FROM messages")" "2026-11-09T09:16:00Z" "back-off doubles"
pass_at "2026-11-09 11:30"
assert_eq "$(state)" "failed 3" "given up after SmtpRetryHours 1"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_failed'")" 1 "finance told once"
sink
pass_at "2026-11-09 11:31"
assert_eq "$(q "SELECT state FROM messages WHERE kind='notice'")" "sent" "the failure notice itself goes out"

note "4xx to RCPT and an unreachable server: queued again"
fresh
sink -r rcpt
pass_at "2026-11-09 10:00"
assert_eq "$(state)" "queued 1" "after a 4xx to RCPT"
sink_stop
pass_at "2026-11-09 10:10"
assert_eq "$(state)" "queued 2" "server down"
case $(q "SELECT last_error FROM messages") in
    *connect*) ;; *) fail "last_error names the connection: $(q "SELECT last_error FROM messages")";; esac
sink
pass_at "2026-11-09 10:30"
assert_eq "$(state)" "sent 2" "sent once the server is back"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='reminder_sent' AND invoice='F-1'")" 1 "reminder_sent event"

note "connection cut after the data: uncertain, never re-sent"
fresh
sink -q .
pass_at "2026-11-09 10:00"
assert_eq "$(state)" "submitting 0" "left for reconcile"
sink
pass_at "2026-11-09 10:05"
assert_eq "$(state)" "uncertain 0" "reconciled without milter evidence"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='send_uncertain' AND invoice='F-1'")" 1 "send_uncertain event"
assert_eq "$(q "SELECT count(*) FROM notices WHERE kind='send_uncertain'")" 1 "finance told"
pass_at "2026-11-09 10:10"
assert_eq "$(state)" "uncertain 0" "still uncertain on the next pass"
assert_eq "$(q "SELECT count(*) FROM messages WHERE kind='reminder'")" 1 "no second message for the same step"

note "the milter saw it leave: sent"
fresh
sink -q .
pass_at "2026-11-09 10:00"
q "UPDATE messages SET handed_off_at='2026-11-09T09:00:01Z', handed_off_queue_id='4Xz1Q' WHERE state='submitting'"
sink
pass_at "2026-11-09 10:05"
assert_eq "$(state)" "sent 0" "reconciled with milter evidence"
assert_eq "$(q "SELECT sent_at FROM messages WHERE kind='reminder'")" "2026-11-09T09:00:01Z" "sent_at = hand-off time"
assert_eq "$(q "SELECT count(*) FROM events WHERE kind='reminder_sent'")" 1 "reminder_sent event"
grep -q "reconciled msgid=<r1\..*> sent" "$WORK/worker.log" || fail "reconcile log line"
echo OK
