#!/bin/bash
# bench/milter.sh [BUILD_DIR] - the milter benchmark (not a test; run as
# root, Postfix installed). Prints the measures beside their targets.
#
# 1. With Postfix: one private instance (tests/e2e/lib.sh) relaying to
#    smtp-sink, three smtpd listeners in one master.cf, each with its own
#    -o smtpd_milters: none, bench/null-milter, relance-milter. For 2 KB
#    and 50 KB messages and two kinds of mail - unrelated (stranger to a
#    colleague: relance-milter lets it go at end-of-header) and client
#    mail (a client writing to the reply address: body read, classified,
#    an event written, headers added) - smtp-source -s 20 sends N messages
#    and the time runs until Postfix's queue is empty again; median of
#    three runs, the listeners interleaved.
#    (smtp-source cannot put our token in In-Reply-To; the token path is
#    measured by part 2.)
# 2. Without Postfix: bench/milter-driver plays the MTA over the milter
#    protocol, 20 connections, replies carrying a real token (classified,
#    one invoice paused, event written, three headers added); then one
#    connection for the unloaded latency of relance-milter over null.
#
# Targets: relance >= 0.95 x null (unrelated), >= 0.85 x null (client
# mail), >= 2000 classified replies/s without Postfix, unloaded p99
# latency <= null's + 2 ms.
# To look at one case while working (not for the README figures):
#   BENCH_SIZES="51200" BENCH_KINDS="client" BENCH_PARTS=1 bench/milter.sh
set -eu
B=${1:-build}
N=${BENCH_MESSAGES:-600}
SIZES=${BENCH_SIZES:-2048 51200}
KINDS=${BENCH_KINDS:-unrelated client}
PARTS=${BENCH_PARTS:-1 2}
case " $PARTS " in *" 1 "*) ;; *) SIZES= ;; esac
export RELANCE_SRC=$(pwd)
export RELANCE_BIN=$(pwd)/$B
WORK=$(mktemp -d /tmp/relance-bench-milter.XXXXXX)
chmod 755 "$WORK"
export WORK
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/milter-fixtures.sh"
set +e

echo "machine: $(nproc) CPU, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postfix $(postconf -d -h mail_version), $N messages per run, smtp-source -s 20"

PF_RELAY=sink
unset MILTER_PORT
pf_start                        # no global milter: each listener has its own
mf_book "AddHeaders yes"
MILTER_PORT=$(free_port)
sed -i "s/^Socket .*/Socket inet:$MILTER_PORT@127.0.0.1/" "$RELANCE_CONF"
milter_start
NULL_PORT=$(free_port)
"$RELANCE_BIN/bench/null-milter" "inet:$NULL_PORT@127.0.0.1" &
NULL_PID=$!
# A second relance-milter on the same database with AddHeaders no: what
# the three header changes cost (Postfix rewrites the queue file for them).
NOHDR_PORT=$(free_port)
sed -e "s/^Socket .*/Socket inet:$NOHDR_PORT@127.0.0.1/" -e '/^AddHeaders/d' \
    "$RELANCE_CONF" > "$WORK/nohdr.conf"
echo "AddHeaders no" >> "$WORK/nohdr.conf"
"$RELANCE_BIN/relance-milter" -f -c "$WORK/nohdr.conf" >> "$WORK/milter-nohdr.log" 2>&1 &
NOHDR_PID=$!
trap 'kill $NULL_PID $NOHDR_PID 2>/dev/null; pf_cleanup; rm -rf "$WORK"' EXIT
wait_until 10 port_open "$NULL_PORT"
wait_until 10 port_open "$NOHDR_PORT"

P_NONE=$(free_port); P_NULL=$(free_port); P_REL=$(free_port); P_NOHDR=$(free_port)
cat >> "$PF_DIR/master.cf" <<EOF
127.0.0.1:$P_NONE inet n - n - - smtpd -o smtpd_milters=
127.0.0.1:$P_NULL inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$NULL_PORT
127.0.0.1:$P_REL inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_PORT
127.0.0.1:$P_NOHDR inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$NOHDR_PORT
EOF
postfix -c "$PF_DIR" reload >/dev/null 2>&1
for p in $P_NONE $P_NULL $P_REL $P_NOHDR; do wait_until 20 port_open "$p"; done

now() { date +%s.%N; }

# run PORT SIZE FROM TO: messages/s from the first connection to an
# empty queue.
run() {
    local t0 t1
    t0=$(now)
    smtp-source -s 20 -m "$N" -l "$2" -f "$3" -t "$4" "127.0.0.1:$1" ||
        { echo "smtp-source failed" >&2; exit 1; }
    wait_until 300 pf_queue_empty
    t1=$(now)
    awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "ok" : "MISSED") }'; }

# median3 A B C
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# run3 PORT...: the median of three runs per port, the ports interleaved
# so that a burst of load on the shared machine hits them alike. Sets
# R_<n> for the n-th port.
run3() {
    local size=$1 from=$2 to=$3; shift 3
    local i p k
    declare -gA RUNS=()
    for i in 1 2 3; do
        k=0
        for p in "$@"; do
            RUNS[$k,$i]=$(run "$p" "$size" "$from" "$to")
            k=$((k + 1))
        done
    done
    for k in $(seq 0 $(($# - 1))); do
        printf -v "R_$k" '%s' "$(median3 "${RUNS[$k,1]}" "${RUNS[$k,2]}" "${RUNS[$k,3]}")"
    done
}

printf '\n%-28s %6s %6s %8s %7s %6s  %-7s %s\n' "Postfix -> smtp-sink, median of 3" none null relance "rel/nul" target verdict "AddHeaders=no (rel/nul)"
for size in $SIZES; do
    for kind in $KINDS; do
        if [ $kind = unrelated ]; then from=x@other.test; to=bob@fournisseur.test; target=0.95
        else from=ap@client1.test; to=compta@fournisseur.test; target=0.85; fi
        run3 "$size" $from $to "$P_NONE" "$P_NULL" "$P_REL" "$P_NOHDR"
        r_none=$R_0 r_null=$R_1 r_rel=$R_2 r_nohdr=$R_3
        ratio=$(awk -v a="$r_rel" -v b="$r_null" 'BEGIN { printf "%.2f", a / b }')
        ratio2=$(awk -v a="$r_nohdr" -v b="$r_null" 'BEGIN { printf "%.2f", a / b }')
        printf '%-28s %6s %6s %8s %7s %6s  %-7s %s (%s)\n' "$((size / 1024)) KB, $kind (msg/s)" \
            "$r_none" "$r_null" "$r_rel" "$ratio" "$target" "$(verdict "$ratio" $target)" \
            "$r_nohdr" "$ratio2"
    done
done
awk '/: reply / { n++ } END { print n + 0 }' "$WORK/milter.log" | sed 's/^/relance-milter decisions logged during the Postfix runs: /'
case " $PARTS " in *" 2 "*) ;; *) exit 0 ;; esac

# Part 2: the milter protocol alone.
TOK=$(mf_reminder F-2026-0042 C1)
mf_reply "$WORK/reply.eml" "Client Un <ap@client1.test>" "$TOK" "Re: Relance facture F-2026-0042" \
    "Bonjour, nous réglerons cette facture à la fin du mois. Cordialement"
printf 'From: x@other.test\nTo: bob@fournisseur.test\nSubject: lunch\nMessage-ID: <u1@other.test>\n\nnoon?\n' > "$WORK/unrelated.eml"
D="$RELANCE_BIN/bench/milter-driver"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo
echo "milter protocol, no MTA (bench/milter-driver):"
out=$("$D" -s "inet:$MILTER_PORT@127.0.0.1" -c 20 -n 5000 -f ap@client1.test -r compta@fournisseur.test "$WORK/reply.eml")
echo "  relance, 20 conns, token replies:  $out"
rate=$(echo "$out" | field rate)
out_null=$("$D" -s "inet:$NULL_PORT@127.0.0.1" -c 20 -n 5000 -f ap@client1.test -r compta@fournisseur.test "$WORK/reply.eml")
echo "  null,    20 conns, same replies:   $out_null"
printf '  %-44s %8s %8s  %s\n' "classified replies/s (relance)" "$rate" ">= 2000" "$(verdict "$rate" 2000)"
out=$("$D" -s "inet:$NOHDR_PORT@127.0.0.1" -c 20 -n 5000 -f ap@client1.test -r compta@fournisseur.test "$WORK/reply.eml")
echo "  relance AddHeaders=no, same replies: $out"
applied=$(q "SELECT count(*) FROM events WHERE actor='milter' AND invoice='F-2026-0042'")
echo "  events written for those replies: $applied"

for mail in unrelated reply; do
    if [ $mail = reply ]; then f="-f ap@client1.test -r compta@fournisseur.test"; else f="-f x@other.test -r bob@fournisseur.test"; fi
    l_rel=$("$D" -s "inet:$MILTER_PORT@127.0.0.1" -c 1 -n 1000 $f "$WORK/$mail.eml" | field p99_ms)
    l_null=$("$D" -s "inet:$NULL_PORT@127.0.0.1" -c 1 -n 1000 $f "$WORK/$mail.eml" | field p99_ms)
    added=$(awk -v a="$l_rel" -v b="$l_null" 'BEGIN { printf "%.3f", a - b }')
    printf '  unloaded p99 latency, %-9s relance %s ms, null %s ms: added %s ms (<= 2)  %s\n' \
        "$mail:" "$l_rel" "$l_null" "$added" "$(awk -v a="$added" 'BEGIN { print (a <= 2 ? "ok" : "MISSED") }')"
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
