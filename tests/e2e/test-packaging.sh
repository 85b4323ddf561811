#!/bin/bash
# test-packaging.sh - what a packager ships beside the programs, checked
# the way a careful packager would, on a CI machine where systemd is not
# PID 1 and Sendmail cannot be installed beside Postfix:
#
# - contrib/*.service: `systemd-analyze verify` on each unit (pointed at
#   the built programs) says nothing, and its offline security review
#   stays under a threshold; the programs and options of ExecStart= and
#   ExecStartPre= are in the programs' usage and start a configuration
#   check; what an administrator expects (a system user, Restart=, the
#   hardening keeping the database, the milter's unix sockets and the
#   Postfix chroot writable, PCRE2's JIT allowed, the milter before the
#   unit that really starts Debian's Postfix, the worker after both); the
#   programs started as the units start them: the milter (Type=forking)
#   listens when its command returns, the worker (Type=simple) stays in
#   the foreground, each reloads on its ExecReload= signal and stops
#   cleanly on SIGTERM, and a configuration the worker refuses ends with
#   a status listed in RestartPreventExitStatus=;
# - contrib/sendmail-relance.mc: pasted into Debian's sendmail.mc and
#   processed with m4 and sendmail-cf's macros, the sendmail.cf has one
#   X line with the milter's default socket, no F= flag (an observing
#   milter: Sendmail must carry on without it), timeouts longer than the
#   milter's worst wait, and the macros the milter reads sent at or
#   before the step that reads them. No sendmail binary parses that file
#   (sendmail-bin conflicts with postfix);
# - contrib/postfix-main.cf: postconf reads it without a warning and its
#   milter lists name the default socket with default_action=accept.
#
# Tools (systemd-analyze, m4, sendmail-cf, postconf) come from
# scripts/install-deps.sh: one missing fails the test. No Postfix runs.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e
C=$RELANCE_SRC/contrib
SMCF=/usr/share/sendmail/cf
ETC_CONF=/etc/relance/relance.conf

command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (package systemd)"
command -v m4 >/dev/null || fail "m4 missing (package m4)"
[ -f "$SMCF/m4/cf.m4" ] && [ -f "$SMCF/debian/sendmail.mc" ] ||
    fail "Sendmail's cf macros missing (package sendmail-cf)"
command -v postconf >/dev/null || fail "postconf missing (package postfix)"

# uval UNIT KEY: the values of KEY in UNIT, space-separated; an empty
# assignment empties the list, as systemd does.
uval() {
    awk -v k="$2" 'index($0, k "=") == 1 {
        v = substr($0, length(k) + 2)
        out = v == "" ? "" : (out == "" ? v : out " " v) } END { print out }' "$1"
}
# has WORD LIST: WORD is one of the words of LIST.
has() {
    [[ " $2 " == *" $1 "* ]]
}
# under PATH ROOTS: PATH is one of ROOTS or inside one.
under() {
    local r
    for r in $2; do
        [ "$1" = "$r" ] || [[ "$1" == "$r"/* ]] && return 0
    done
    return 1
}
# writable_roots UNIT: what the unit's service may write under
# ProtectSystem=strict: its State/Runtime/Cache/LogsDirectory and
# ReadWritePaths (a leading - or + dropped).
writable_roots() {
    local d roots=""
    for d in $(uval "$1" StateDirectory); do roots="$roots /var/lib/$d"; done
    for d in $(uval "$1" RuntimeDirectory); do roots="$roots /run/$d"; done
    for d in $(uval "$1" CacheDirectory); do roots="$roots /var/cache/$d"; done
    for d in $(uval "$1" LogsDirectory); do roots="$roots /var/log/$d"; done
    for d in $(uval "$1" ReadWritePaths); do roots="$roots ${d#[-+]}"; done
    echo "$roots"
}
# exec_argv UNIT KEY: the command line of an Exec*= key, run on the built
# programs and this test's configuration (prefixes such as - dropped).
exec_argv() {
    local line
    line=$(uval "$1" "$2")
    line=${line#[-@+!:]}
    line=${line//\/usr\/sbin\//$RELANCE_BIN/}
    echo "${line//$ETC_CONF/$RELANCE_CONF}"
}
# usage_of PROGRAM: its -h text (exit 0; test-man.sh checks the streams).
usage_of() {
    local rc=0
    "$1" -h > "$WORK/usage.txt" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "$1 -h: status $rc"
    cat "$WORK/usage.txt"
}
# reload_signal UNIT: SIG of ExecReload=/bin/kill -SIG $MAINPID.
reload_signal() {
    local sig
    # shellcheck disable=SC2016 # $MAINPID is systemd's, written as is
    sig=$(uval "$1" ExecReload | sed -n 's/^\/bin\/kill -\([A-Z0-9]*\) \$MAINPID$/\1/p')
    [ -n "$sig" ] || fail "$(basename "$1"): ExecReload=$(uval "$1" ExecReload) is not /bin/kill -SIG \$MAINPID"
    echo "$sig"
}
# pid_alive PID: true while PID exists and is no zombie.
pid_alive() {
    [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
pid_gone() {
    ! pid_alive "$1"
}
port_closed() {
    ! port_open "$1"
}
# logged_or_gone FILE PATTERN PID: FILE has PATTERN, or PID has ended
# (then the caller's check says why, without waiting for the deadline).
logged_or_gone() {
    grep -q "$2" "$1" || pid_gone "$3"
}

# ours: the programs this test started, found by its own configuration
# path (a program that daemonised when it should not have included).
ours() {
    pgrep -f -- "relance-(milter|worker) .*-c $RELANCE_CONF( |\$)" || true
}
cleanup() {
    local p
    for p in $(ours); do kill "$p" 2>/dev/null; done
    return 0
}
trap cleanup EXIT

relance_conf
$RELANCECTL init >/dev/null
mkdir -p "$WORK/units"
for u in relance-milter relance-worker; do
    [ -f "$C/$u.service" ] || fail "contrib/$u.service is missing"
    sed -e "s#/usr/sbin/#$RELANCE_BIN/#g" "$C/$u.service" > "$WORK/units/$u.service"
done
MU=$C/relance-milter.service
WU=$C/relance-worker.service

note "systemd-analyze verify: nothing to say about either unit"
# verify exits 0 on a key it ignores (misspelt key or value): any output
# is a failure. First make sure it does speak on a broken copy.
mkdir -p "$WORK/broken"
cp "$WORK/units/relance-milter.service" "$WORK/broken/"
sed -e 's/^Restart=.*/Restart=sometimes/' "$WORK/units/relance-worker.service" \
    > "$WORK/broken/relance-worker.service"
rc=0
systemd-analyze verify --man=no --recursive-errors=no \
    "$WORK/broken/relance-worker.service" > "$WORK/verify-broken.txt" 2>&1 || rc=$?
grep -q "restart specifier" "$WORK/verify-broken.txt" ||
    fail "systemd-analyze verify does not report a bad Restart= (status $rc): $(cat "$WORK/verify-broken.txt")"
for u in relance-milter relance-worker; do
    rc=0
    systemd-analyze verify --man=no --recursive-errors=no \
        "$WORK/units/$u.service" > "$WORK/verify-$u.txt" 2>&1 || rc=$?
    [ "$rc" = 0 ] && [ ! -s "$WORK/verify-$u.txt" ] ||
        fail "systemd-analyze verify $u.service (status $rc): $(cat "$WORK/verify-$u.txt")"
done

note "offline security review: exposure at most 4.0 of 10"
for u in relance-milter relance-worker; do
    systemd-analyze security --offline=yes --threshold=40 "$WORK/units/$u.service" \
        > "$WORK/security-$u.txt" 2>&1 ||
        fail "$u.service: $(tail -n 1 "$WORK/security-$u.txt") (see the list above it)"
done

note "Documentation= names the pages in man/"
for unit in "$MU" "$WU"; do
    docs=$(uval "$unit" Documentation)
    [ -n "$docs" ] || fail "$(basename "$unit"): no Documentation="
    for d in $docs; do
        [[ "$d" =~ ^man:([a-z-]+)\(([0-9])\)$ ]] || fail "$(basename "$unit"): Documentation=$d is not man:PAGE(N)"
        [ -f "$RELANCE_SRC/man/${BASH_REMATCH[1]}.${BASH_REMATCH[2]}" ] ||
            fail "$(basename "$unit"): no man/${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
    done
done

note "ExecStart=, ExecStartPre=: programs, options, configuration file"
for unit in "$MU" "$WU"; do
    u=$(basename "$unit")
    for key in ExecStartPre ExecStart; do
        line=$(uval "$unit" "$key")
        [ -n "$line" ] || continue
        read -r -a argv <<<"${line#[-@+!:]}"
        prog=$(basename "${argv[0]}")
        [ "${argv[0]}" = "/usr/sbin/$prog" ] || fail "$u $key: ${argv[0]} is not /usr/sbin/$prog"
        [ -x "$RELANCE_BIN/$prog" ] || fail "$u $key: $prog is not a program of the build"
        usage=$(usage_of "$RELANCE_BIN/$prog")
        conf=""
        for ((i = 1; i < ${#argv[@]}; i++)); do
            a=${argv[i]}
            if [ "$a" = "-c" ]; then
                conf=${argv[i + 1]:-}; i=$((i + 1)); continue
            fi
            [[ "$a" == -* ]] || fail "$u $key: stray argument $a"
            grep -qE -- "(^|[[ ])$a([] ]|$)" <<<"$usage" || fail "$u $key: $prog has no option $a"
        done
        [ "$conf" = "$ETC_CONF" ] || fail "$u $key: -c '$conf', want $ETC_CONF"
        grep -qF "$ETC_CONF" "$RELANCE_SRC/man/$prog.8" || fail "man/$prog.8 does not name $ETC_CONF"
        # The same command line, checking the configuration only.
        read -r -a run <<<"$(exec_argv "$unit" "$key")"
        has -n "${run[*]}" || run+=(-n)
        timeout 60 "${run[@]}" > "$WORK/check.txt" 2>&1 || fail "$u $key with -n: $(cat "$WORK/check.txt")"
        grep -q "OK" "$WORK/check.txt" || fail "$u $key with -n said: $(cat "$WORK/check.txt")"
    done
done

note "what an administrator expects of both units"
# Default paths under /var are written (database and its WAL files, spool,
# dry-run and dossier folders); the others (rules, secret) only read.
$RELANCECTL config sample | sed -n 's/^#\([A-Z][A-Za-z]*\) \(\/.*\)$/\1 \2/p' > "$WORK/paths"
[ "$(wc -l < "$WORK/paths")" -ge 5 ] || fail "no default paths in relancectl config sample"
for unit in "$MU" "$WU"; do
    u=$(basename "$unit")
    user=$(uval "$unit" User)
    [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "$u: User=$user, want a system user"
    [ -n "$(uval "$unit" Group)" ] || fail "$u: no Group="
    case $(uval "$unit" Restart) in
    on-failure | on-abnormal | always) ;;
    *) fail "$u: Restart=$(uval "$unit" Restart)" ;;
    esac
    assert_eq "$(uval "$unit" NoNewPrivileges)" yes "$u NoNewPrivileges"
    assert_eq "$(uval "$unit" ProtectSystem)" strict "$u ProtectSystem"
    assert_eq "$(uval "$unit" ProtectHome)" yes "$u ProtectHome"
    assert_eq "$(uval "$unit" PrivateTmp)" yes "$u PrivateTmp"
    # PCRE2's JIT maps writable then executable memory.
    prog=$(basename "$(uval "$unit" ExecStart | cut -d' ' -f1)")
    if ldd "$RELANCE_BIN/$prog" | grep -q libpcre2; then
        [ "$(uval "$unit" MemoryDenyWriteExecute)" != yes ] ||
            fail "$u: MemoryDenyWriteExecute=yes stops PCRE2's JIT"
    fi
    roots=$(writable_roots "$unit")
    while read -r key path; do
        case $path in
        /var/*) under "$(dirname "$path")" "$roots" ||
            fail "$u: $key $path is read-only (writable: $roots)" ;;
        *) ! under "$path" "/home /root /run/user $(uval "$unit" InaccessiblePaths)" ||
            fail "$u: $key $path is hidden" ;;
        esac
    done < "$WORK/paths"
    # The milter's unix socket is for postfix, through the group; the
    # database and spool are for nobody else.
    um=$(uval "$unit" UMask)
    [ -n "$um" ] && (( (8#$um & 8#070) == 0 && (8#$um & 8#007) == 8#007 )) ||
        fail "$u: UMask=$um, want group access and none for others (0007)"
done

note "the milter: unix sockets the documentation suggests are writable"
socks=$(grep -ohE 'unix:/[A-Za-z0-9/._-]+\.sock' "$RELANCE_SRC/README.md" \
    "$RELANCE_SRC/man/relance-milter.8" "$C/sendmail-relance.mc"
    sed -n 's/.*Socket \(unix:\/[^ ]*\.sock\).*/\1/p' "$C/postfix-main.cf")
socks=$(sort -u <<<"$socks")
grep -qx unix:/var/spool/postfix/relance/milter.sock <<<"$socks" ||
    fail "postfix-main.cf no longer names the socket inside Postfix's chroot: $socks"
roots=$(writable_roots "$MU")
for s in $socks; do
    under "$(dirname "${s#unix:}")" "$roots" || fail "relance-milter.service cannot create $s (writable: $roots)"
done

note "ordering: the milter before the unit that starts Postfix, the worker after"
before=$(uval "$MU" Before)
has postfix.service "$before" || fail "relance-milter: Before=$before lacks postfix.service"
has sendmail.service "$before" || fail "relance-milter: Before=$before lacks sendmail.service"
# Debian starts Postfix in postfix@-.service (postmulti), which is itself
# ordered before the postfix.service wrapper.
PFU=/lib/systemd/system/postfix@.service
[ -f "$PFU" ] || fail "no $PFU: Debian's postfix package is expected"
grep -q '^ExecStart=.*postmulti.* start' "$PFU" || fail "$PFU does not start Postfix any more"
if has postfix.service "$(uval "$PFU" Before)"; then
    has postfix@-.service "$before" ||
        fail "relance-milter: Before=$before: Postfix starts in postfix@-.service, before postfix.service"
fi
after=$(uval "$WU" After)
has postfix.service "$after" || fail "relance-worker: After=$after lacks postfix.service"
has relance-milter.service "$after" || fail "relance-worker: After=$after lacks relance-milter.service"

note "the milter started as its unit starts it (Type=$(uval "$MU" Type))"
assert_eq "$(uval "$MU" Type)" forking "relance-milter Type"
read -r -a run <<<"$(exec_argv "$MU" ExecStart)"
# Daemonised, it has no standard error: sanitizer reports go to files.
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$WORK/asan-daemon" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$WORK/ubsan-daemon" \
    "${run[@]}" > "$WORK/daemon.out" 2>&1 || fail "${run[*]}: status $?: $(cat "$WORK/daemon.out")"
# Type=forking: "started" is the return of that command; the socket must
# listen by then (no waiting here).
port_open "$MILTER_PORT" || fail "the milter's command returned before its socket listened"
pids=$(ours)
assert_eq "$(wc -w <<<"$pids")" 1 "relance-milter processes left (systemd guesses the main one)"
kill -TERM "$pids"
wait_until 30 pid_gone "$pids"
wait_until 10 port_closed "$MILTER_PORT"

note "the milter: ExecReload= reloads, SIGTERM stops with status 0"
sig=$(reload_signal "$MU")
read -r -a run <<<"$(exec_argv "$MU" ExecStart)"
"${run[@]}" -f > "$WORK/milter.log" 2>&1 &
FG_PID=$!
wait_until 20 port_open "$MILTER_PORT"
kill -"$sig" "$FG_PID"
wait_until 20 logged_or_gone "$WORK/milter.log" "reloaded from" "$FG_PID"
pid_alive "$FG_PID" || fail "the milter ended on SIG$sig: $(tail -n 3 "$WORK/milter.log")"
grep -q "reloaded from" "$WORK/milter.log" || fail "no reload on SIG$sig"
port_open "$MILTER_PORT" || fail "the milter stopped listening on SIG$sig"
kill -TERM "$FG_PID"
rc=0; wait "$FG_PID" || rc=$?
FG_PID=
assert_eq "$rc" 0 "relance-milter status after SIGTERM"

note "the worker started as its unit starts it (Type=$(uval "$WU" Type))"
assert_eq "$(uval "$WU" Type)" simple "relance-worker Type"
sig=$(reload_signal "$WU")
read -r -a run <<<"$(exec_argv "$WU" ExecStart)"
"${run[@]}" > "$WORK/worker.log" 2>&1 &
FG_PID=$!
wait_until 30 logged_or_gone "$WORK/worker.log" "worker: starting" "$FG_PID"
pid_alive "$FG_PID" || fail "the worker left the foreground (Type=simple would take it as stopped)"
kill -"$sig" "$FG_PID"
wait_until 30 logged_or_gone "$WORK/worker.log" "configuration and rules reloaded" "$FG_PID"
pid_alive "$FG_PID" || fail "the worker ended on SIG$sig: $(tail -n 3 "$WORK/worker.log")"
kill -TERM "$FG_PID"
rc=0; wait "$FG_PID" || rc=$?
FG_PID=
assert_eq "$rc" 0 "relance-worker status after SIGTERM"

note "the worker: a refused configuration is not restarted in a loop"
echo "NoSuchKey 1" >> "$RELANCE_CONF"
rc=0
timeout 60 "${run[@]}" > "$WORK/refused.log" 2>&1 || rc=$?
sed -i '/^NoSuchKey/d' "$RELANCE_CONF"
[ "$rc" != 0 ] || fail "the worker took an unknown key"
has "$rc" "$(uval "$WU" RestartPreventExitStatus)" ||
    fail "relance-worker exits $rc on a refused configuration; RestartPreventExitStatus=$(uval "$WU" RestartPreventExitStatus)"

note "Sendmail: the snippet in Debian's sendmail.mc, through m4 and sendmail-cf"
DEFAULT_SOCKET=$($RELANCECTL config sample | sed -n 's/^#Socket //p')
[ -n "$DEFAULT_SOCKET" ] || fail "no default Socket in relancectl config sample"
# Debian's sendmail.mc includes two site hooks from sendmail-base (a
# Sendmail server package, not installed): drop those two lines.
sed -e '/^include(`\/etc\/mail\/m4\//d' "$SMCF/debian/sendmail.mc" > "$WORK/base.mc"
grep -q '^MAILER_DEFINITIONS' "$WORK/base.mc" || fail "no MAILER_DEFINITIONS in Debian's sendmail.mc"
awk -v snip="$C/sendmail-relance.mc" '/^MAILER_DEFINITIONS/ {
    while ((getline l < snip) > 0) print l } { print }' "$WORK/base.mc" > "$WORK/relance.mc"
for mc in base relance; do
    m4 "$WORK/$mc.mc" > "$WORK/$mc.cf" 2> "$WORK/$mc.m4err" ||
        fail "m4 $mc.mc: $(cat "$WORK/$mc.m4err")"
    [ ! -s "$WORK/$mc.m4err" ] || fail "m4 $mc.mc: $(cat "$WORK/$mc.m4err")"
done
assert_eq "$(grep -c '^X' "$WORK/base.cf" || true)" 0 "X lines without the snippet"
assert_eq "$(grep -c '^X' "$WORK/relance.cf")" 1 "X lines with the snippet"
grep -qx 'O InputMailFilters=relance' "$WORK/relance.cf" || fail "no 'O InputMailFilters=relance'"
xline=$(grep '^X' "$WORK/relance.cf")
note "$xline"
[[ "$xline" == Xrelance,* ]] || fail "filter name: $xline"
declare -A eq=()
IFS=',' read -r -a parts <<<"${xline#Xrelance,}"
for p in "${parts[@]}"; do
    p=${p# }
    [[ "$p" =~ ^([A-Z])=(.+)$ ]] || fail "X line equate '$p'"
    eq[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
done
assert_eq "${eq[S]:-}" "$DEFAULT_SOCKET" "X line socket (the milter's default Socket)"
[ -z "${eq[F]:-}" ] || fail "X line F=${eq[F]}: an observing milter takes no F= (MTA-NOTES.md)"
declare -A tmo=()
IFS=';' read -r -a parts <<<"${eq[T]:-}"
for p in "${parts[@]}"; do
    [[ "$p" =~ ^([CSRE]):([0-9]+)([smh])$ ]] || fail "X line timeout '$p' (T=${eq[T]:-})"
    n=${BASH_REMATCH[2]}
    case ${BASH_REMATCH[3]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
    [ "$n" -ge 1 ] || fail "X line timeout '$p'"
    tmo[${BASH_REMATCH[1]}]=$n
done
for k in C S R E; do
    [ -n "${tmo[$k]:-}" ] || fail "X line T=${eq[T]:-}: no $k: timeout"
done
# At end-of-message the milter may wait for the database twice (the batch
# being written, then its own), BusyTimeoutMs each: no busy timeout the
# milter accepts may reach half of E:.
relance_conf "BusyTimeoutMs $((tmo[E] * 1000 / 2))"
rc=0
"$RELANCE_BIN/relance-milter" -n -c "$RELANCE_CONF" > "$WORK/busy.txt" 2>&1 || rc=$?
grep -q "BusyTimeoutMs.*out of range" "$WORK/busy.txt" ||
    fail "E:${tmo[E]}s, yet the milter accepts BusyTimeoutMs $((tmo[E] * 1000 / 2)) (status $rc)"
relance_conf

note "Sendmail: the macros the milter reads are sent, once, at or before their step"
stages="connect helo envfrom envrcpt data eoh eom"
awk '/^cb_[a-z]+\(/ { fn = substr($0, 4); sub(/\(.*/, "", fn) }
     { s = $0
       while (match(s, /smfi_getsymval\(ctx, "[^"]+"\)/)) {
           m = substr(s, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/".*/, "", m)
           print fn, m; s = substr(s, RSTART + RLENGTH) } }' \
    "$RELANCE_SRC/milter/relance-milter.c" | sort -u > "$WORK/macros-read"
[ "$(wc -l < "$WORK/macros-read")" -ge 3 ] || fail "no smfi_getsymval calls found: $(cat "$WORK/macros-read")"
declare -A sent=()
for st in $stages; do
    list=$(sed -n "s/^O Milter\.macros\.$st=//p" "$WORK/relance.cf" | tr -d '{} ' | tr ',' ' ')
    dup=$(tr ' ' '\n' <<<"$list" | sed '/^$/d' | sort | uniq -d)
    [ -z "$dup" ] || fail "Milter.macros.$st sends $dup twice"
    sent[$st]=$list
done
while read -r st name; do
    has "$st" "$stages" || fail "relance-milter.c reads $name in cb_$st, not a milter step"
    bare=${name//[\{\}]/}
    ok=no
    for s in $stages; do
        has "$bare" "${sent[$s]}" && ok=yes
        [ "$s" = "$st" ] && break
    done
    [ "$ok" = yes ] || fail "the milter reads $name at $st; sendmail.cf sends it at no step up to that one"
done < "$WORK/macros-read"

note "Postfix: contrib/postfix-main.cf read by postconf"
mkdir -p "$WORK/pfconf"
cp "$C/postfix-main.cf" "$WORK/pfconf/main.cf"
cp /etc/postfix/master.cf "$WORK/pfconf/master.cf"
postconf -c "$WORK/pfconf" -n > "$WORK/postconf.txt" 2> "$WORK/postconf.err" ||
    fail "postconf: $(cat "$WORK/postconf.err")"
[ ! -s "$WORK/postconf.err" ] || fail "postconf: $(cat "$WORK/postconf.err")"
# libmilter's inet:PORT@HOST is Postfix's inet:HOST:PORT.
[[ "$DEFAULT_SOCKET" =~ ^inet:([0-9]+)@(.+)$ ]] || fail "default Socket $DEFAULT_SOCKET is not inet:PORT@HOST"
want="{ inet:${BASH_REMATCH[2]}:${BASH_REMATCH[1]}, default_action=accept }"
for p in smtpd_milters non_smtpd_milters; do
    assert_eq "$(postconf -c "$WORK/pfconf" -h "$p")" "$want" "postfix-main.cf $p"
done
echo OK
