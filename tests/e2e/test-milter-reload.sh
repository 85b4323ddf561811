#!/bin/bash
# test-milter-reload.sh - SIGUSR1 while relance-milter runs behind a real
# Postfix. The new configuration is taken (AddHeaders no shows on the next
# reply), but Timezone and SpoolFile are not changed under the running
# mail threads (setenv(TZ) races with their localtime_r; lines in the old
# spool would be stranded): the milter says so in its log, keeps TZ, and a
# decision spooled after the reload (database locked) goes to the spool it
# started with and is applied from there. (That TZ itself stays is
# checked in tests/unit/test-spool-engine.c: /proc shows no setenv.)
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set -e
mf_init
T42=$(mf_reminder F-2026-0042 C1)

note "reload with another Timezone and SpoolFile, and AddHeaders no"
relance_conf "BusyTimeoutMs 100" "Timezone America/New_York" \
    "SpoolFile $WORK/other.spool" "AddHeaders no"
kill -USR1 "$MILTER_PID"
wait_until 10 grep -q "reloaded from" "$WORK/milter.log"
grep -q "Timezone America/New_York is not applied by a reload" "$WORK/milter.log" ||
    fail "no word about the Timezone kept"
grep -q "SpoolFile $WORK/other.spool is not applied by a reload" "$WORK/milter.log" ||
    fail "no word about the SpoolFile kept"
kill -0 "$MILTER_PID" || fail "the milter died on reload"

note "lock the database, send a reply"
mkfifo "$WORK/lockcmd"
sqlite3 "$WORK/relance.db" < "$WORK/lockcmd" &
LOCKER=$!
exec 7> "$WORK/lockcmd"
printf 'BEGIN EXCLUSIVE;\nINSERT INTO spool_applied (digest, applied_at) VALUES (%s, %s);\n.shell touch %s\n' \
    "'reload-lock'" "'x'" "$WORK/locked" >&7
wait_until 10 test -f "$WORK/locked"
mf_reply "$WORK/r1.eml" "ap@client1.test" "$T42" "Re: Relance facture F-2026-0042" \
    "Bonjour, nous regardons cela."
smtp_send ap@client1.test compta@fournisseur.test "$WORK/r1.eml"
mail_wait 1 30
kill -0 "$LOCKER" || fail "the lock holder is gone: the test proves nothing"
[ -s "$WORK/milter.spool" ] || fail "not spooled to the spool the milter started with"
[ ! -e "$WORK/other.spool" ] || fail "spooled to the SpoolFile of the reload"
copy=$(delivered r1)
[ -n "$copy" ] || fail "reply not delivered"
assert_eq "$(header_of "$copy" X-Relance-Invoice)" "" "X-Relance-Invoice after AddHeaders no"

note "release the lock: applied from the running spool"
printf 'ROLLBACK;\n.quit\n' >&7
exec 7>&-
wait "$LOCKER"
reply_applied() { [ "$(q "SELECT count(*) FROM events WHERE kind='reply' AND invoice='F-2026-0042'")" = 1 ]; }
wait_until 30 reply_applied
wait_until 10 test ! -s "$WORK/milter.spool"
assert_eq "$(inv F-2026-0042 "d['status']")" paused "reply applied"
grep -q "applied from spool" "$WORK/milter.log" || fail "replay not logged"
echo OK
