#!/bin/bash
# test-milter-reload.sh - SIGUSR1 while relance-milter runs behind a real
# Postfix. The new configuration is taken (AddHeaders no shows on the next
# reply), but Timezone and SpoolFile are not changed under the running
# mail threads (setenv(TZ) races with their localtime_r; lines in the old
# spool would be stranded): the milter says so in its log, keeps TZ, and a
# decision spooled after the reload (database locked) goes to the spool it
# started with and is applied from there. (That TZ itself stays is
# checked in tests/unit/test-spool-engine.c: /proc shows no setenv.)
# Nor is Database: after a reload naming a copy of the database, a reply
# spooled before it is replayed into the running database and a reply
# after it is recorded there; the copy is left alone. `-n` lists the
# three keys as needing a restart.
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

# lock_db / unlock_db: another process holds the database's write lock
# (a sqlite3 shell fed through a fifo) until unlock_db.
lock_db() {
    rm -f "$WORK/lockcmd" "$WORK/locked"
    mkfifo "$WORK/lockcmd"
    sqlite3 "$WORK/relance.db" < "$WORK/lockcmd" &
    LOCKER=$!
    exec 7> "$WORK/lockcmd"
    printf 'BEGIN EXCLUSIVE;\nINSERT INTO spool_applied (digest, applied_at) VALUES (%s, %s);\n.shell touch %s\n' \
        "'reload-lock'" "'x'" "$WORK/locked" >&7
    wait_until 10 test -f "$WORK/locked"
}
unlock_db() {
    printf 'ROLLBACK;\n.quit\n' >&7
    exec 7>&-
    wait "$LOCKER"
}
# send_reply NAME FROM TOKEN INVOICE N: a reply about INVOICE, the Nth
# mail delivered.
send_reply() {
    mf_reply "$WORK/$1.eml" "$2" "$3" "Re: Relance facture $4" "Bonjour, nous regardons cela."
    smtp_send "$2" compta@fournisseur.test "$WORK/$1.eml"
    mail_wait "$5" 30
}
# send_reply_locked NAME FROM TOKEN INVOICE N: the same with the database
# locked (left locked): the reply must be in the spool the milter started
# with.
send_reply_locked() {
    lock_db
    send_reply "$@"
    kill -0 "$LOCKER" || fail "the lock holder is gone: the test proves nothing"
    [ -s "$WORK/milter.spool" ] || fail "$1: not spooled to the spool the milter started with"
}
# replies DB INVOICE: how many reply events DB holds for INVOICE.
replies() {
    sqlite3 -cmd ".timeout 30000" "$1" "SELECT count(*) FROM events WHERE kind='reply' AND invoice='$2'"
}
# replied INVOICE: the running database holds one reply event for it.
replied() { [ "$(replies "$WORK/relance.db" "$1")" = 1 ]; }

note "lock the database, send a reply"
send_reply_locked r1 ap@client1.test "$T42" F-2026-0042 1
[ ! -e "$WORK/other.spool" ] || fail "spooled to the SpoolFile of the reload"
copy=$(delivered r1)
[ -n "$copy" ] || fail "reply not delivered"
assert_eq "$(header_of "$copy" X-Relance-Invoice)" "" "X-Relance-Invoice after AddHeaders no"

note "release the lock: applied from the running spool"
unlock_db
wait_until 30 replied F-2026-0042
wait_until 10 test ! -s "$WORK/milter.spool"
assert_eq "$(inv F-2026-0042 "d['status']")" paused "reply applied"
grep -q "applied from spool" "$WORK/milter.log" || fail "replay not logged"

note "a reply spooled while the database is locked, then a reload naming a copy of it"
T50=$(mf_reminder F-2026-0050 C2)
T60=$(mf_reminder F-2026-0060 C3)
# The copy holds the same book and tokens: were it used, both replies
# below would be recorded in it.
sqlite3 "$WORK/relance.db" ".backup '$WORK/moved.db'"
[ ! -e "$WORK/moved.db-wal" ] || fail "the copy has a WAL file already"
send_reply_locked r2 pay@client2.test "$T50" F-2026-0050 2
reloads=$(grep -c "reloaded from" "$WORK/milter.log")
relance_conf "BusyTimeoutMs 100" "Database $WORK/moved.db"
kill -USR1 "$MILTER_PID"
reloaded_again() { [ "$(grep -c "reloaded from" "$WORK/milter.log")" -gt "$reloads" ]; }
wait_until 10 reloaded_again
grep -qF "Database $WORK/moved.db is not applied by a reload" "$WORK/milter.log" ||
    fail "no word about the Database kept"
grep -qF "the milter keeps $WORK/relance.db: restart it" "$WORK/milter.log" ||
    fail "the warning names neither the running database nor a restart"

note "unlock: the spooled reply goes to the running database; a reply after the reload too"
unlock_db
wait_until 30 replied F-2026-0050
wait_until 10 test ! -s "$WORK/milter.spool"
send_reply r3 ap@client3.test "$T60" F-2026-0060 3
# Recorded before the mail went on, or spooled if the replay had not yet
# said it caught up: either way in the running database soon.
wait_until 30 replied F-2026-0060
wait_until 10 test ! -s "$WORK/milter.spool"
[ ! -e "$WORK/moved.db-wal" ] || fail "the milter opened the database of the reload"
assert_eq "$(replies "$WORK/moved.db" F-2026-0050),$(replies "$WORK/moved.db" F-2026-0060)" "0,0" \
    "replies recorded in the database of the reload"

note "-n says which keys need a restart"
"$RELANCE_BIN/relance-milter" -n -c "$RELANCE_CONF" > "$WORK/check.out" || fail "-n refuses the config"
restart=$(sed -n 's/.*read at start only.*restart to change it)://p' "$WORK/check.out")
for kv in "Timezone Europe/Paris" "SpoolFile $WORK/milter.spool" "Database $WORK/moved.db"; do
    grep -qF " $kv" <<<"$restart" || fail "-n does not list $kv as needing a restart: $(cat "$WORK/check.out")"
done
echo OK
