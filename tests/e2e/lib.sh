# lib.sh - shell functions for end-to-end tests and the demo: a private
# Postfix (Debian's package) on 127.0.0.1, the Relance programs, and checks.
#
# Source it from a bash script:   . "$RELANCE_SRC/tests/e2e/lib.sh"
# Needs: $WORK (a private folder, created by tests/run-e2e.sh), $RELANCE_BIN
# (build dir holding relancectl, relance-worker, relance-milter) and
# $RELANCE_SRC (source tree). Must run as root (Postfix's master does).
#
# The private Postfix:
#   - config, queue and data folders under $WORK/postfix, started with
#     `postfix -c DIR start`; nothing under /etc/postfix is touched;
#   - listens on 127.0.0.1:$PF_PORT (a free port chosen at start);
#   - delivers EVERY recipient, whatever its domain, into one maildir
#     $PF_MAILDIR (virtual(8) with static maps) - deliveries appear
#     atomically in new/, one file per recipient with a Delivered-To:
#     header; or, with PF_RELAY=sink, relays everything to smtp-sink
#     (benchmarks);
#   - with $MILTER_PORT set, smtpd_milters and non_smtpd_milters point to
#     inet:127.0.0.1:$MILTER_PORT with default_action=accept, as the README
#     tells administrators to do.
# Synchronisation is always on a condition (queue empty, N files present,
# port open) polled with a deadline, never a fixed sleep.
#
# Checks: a pipeline fails when any of its commands fails (pipefail), so
# `cmd | grep -q x || fail` fails when cmd does; `x=$(f)` fails when a
# command inside f fails (inherit_errexit, with the script's set -e); and
# fail() ends the test from anywhere, $(...) and background jobs included.
# Left to the scripts: `grep -q` stops reading at its first match, so feed
# it a file or a variable, not a pipe from a long output (the writer would
# die of SIGPIPE); and an expected failure is checked for its status, not
# hidden behind `|| true`.

set -u
set -o pipefail
shopt -s inherit_errexit

: "${WORK:?WORK must name a private folder}"
: "${RELANCE_BIN:?RELANCE_BIN must name the build folder}"
: "${RELANCE_SRC:?RELANCE_SRC must name the source tree}"

PF_DIR=$WORK/postfix-etc
PF_QUEUE=$WORK/postfix-queue
PF_DATA=$WORK/postfix-data
PF_MAILDIR=$WORK/mail/inbox
RELANCE_CONF=$WORK/relance.conf
RELANCECTL="$RELANCE_BIN/relancectl -c $RELANCE_CONF"

fail() {
    echo "FAIL: $*" >&2
    # In a subshell exit ends only the subshell: end the test as well.
    [ "$BASHPID" = "$$" ] || kill -TERM "$$"
    exit 1
}
trap 'exit 1' TERM

note() {
    echo "--- $*"
}

# assert_eq GOT WANT MESSAGE
assert_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# free_port: print a TCP port nobody listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_until TIMEOUT_SECONDS COMMAND...: poll COMMAND every 50 ms until it
# succeeds; fail the test if the deadline passes.
wait_until() {
    local limit=$1; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for: $*"
        sleep 0.05
    done
}

port_open() {
    python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1"
}

pf_start() {
    PF_PORT=$(free_port)
    # Config (root's), queue and data (postfix's) in separate folders, as
    # postfix-script's permission checks expect.
    mkdir -p "$PF_DIR" "$PF_QUEUE" "$PF_DATA" "$PF_MAILDIR"/new "$PF_MAILDIR"/cur "$PF_MAILDIR"/tmp
    chown postfix "$PF_DATA"
    chown -R nobody:nogroup "$WORK/mail"
    local milters=""
    if [ -n "${MILTER_PORT:-}" ]; then
        milters="{ inet:127.0.0.1:$MILTER_PORT, default_action=accept }"
    fi
    local transport="virtual"
    if [ "${PF_RELAY:-}" = sink ]; then
        SINK_PORT=$(free_port)
        mkdir -p "$WORK/sink"
        /usr/sbin/smtp-sink -u postfix -c 127.0.0.1:"$SINK_PORT" 1000 &
        SINK_PID=$!
        wait_until 10 port_open "$SINK_PORT"
        transport="smtp:[127.0.0.1]:$SINK_PORT"
    fi
    cat > "$PF_DIR/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.relance.test
mydomain = relance.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
biff = no
default_transport = $transport
relay_transport = $transport
virtual_transport = virtual
virtual_mailbox_domains = static:all
virtual_mailbox_base = $WORK/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
virtual_mailbox_limit = 0
message_size_limit = 0
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
smtpd_milters = $milters
non_smtpd_milters = $milters
milter_default_action = accept
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 100
in_flow_delay = 0
EOC
    # Debian's master.cf with chroot off everywhere and smtpd on our port.
    awk -v port="$PF_PORT" '
        /^#/ || /^[ \t]/ || NF < 8 { print; next }
        $1 == "smtp" && $2 == "inet" { $1 = "127.0.0.1:" port }
        { $5 = "n"; print }' /etc/postfix/master.cf > "$PF_DIR/master.cf"
    postfix -c "$PF_DIR" check >/dev/null 2>&1 || postfix -c "$PF_DIR" set-permissions >/dev/null 2>&1 ||
        fail "postfix check and set-permissions both failed"
    postfix -c "$PF_DIR" start >/dev/null 2>&1 || {
        cat "$WORK/maillog" 2>/dev/null; fail "postfix did not start"; }
    trap pf_cleanup EXIT
    wait_until 20 port_open "$PF_PORT"
}

pf_stop() {
    postfix -c "$PF_DIR" stop >/dev/null 2>&1 || true
}

# pf_cleanup: stop everything this test started (EXIT trap).
pf_cleanup() {
    [ -n "${MILTER_PID:-}" ] && kill "$MILTER_PID" 2>/dev/null
    [ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
    pf_stop
    return 0
}

# pf_queue_empty: true when the private queue holds no message (false,
# not true, when postqueue cannot tell: Postfix stopped, say).
pf_queue_empty() {
    local queue
    queue=$(postqueue -c "$PF_DIR" -j) || return 1
    [ -z "$queue" ]
}

# pf_sendmail ARGS... < message: inject like a local program would
# (goes through non_smtpd_milters).
pf_sendmail() {
    /usr/sbin/sendmail -C "$PF_DIR" "$@"
}

# q SQL: the rows of SQL on the test's database $WORK/relance.db
# (sqlite3 shell: one row a line, '|' between columns, NULL as ""),
# waiting up to 30 s for a lock; an SQL error fails the test.
q() {
    sqlite3 -cmd ".timeout 30000" "$WORK/relance.db" "$1" || fail "query failed: $1"
}

# mail_count: messages delivered to the maildir so far.
mail_count() {
    find "$PF_MAILDIR/new" -type f | wc -l
}

mail_count_at_least() {
    [ "$(mail_count)" -ge "$1" ]
}

# mail_wait N [TIMEOUT]: wait until at least N deliveries and an empty queue.
mail_wait() {
    wait_until "${2:-60}" mail_count_at_least "$1"
    wait_until "${2:-60}" pf_queue_empty
}

# mail_settle [TIMEOUT]: wait until Postfix has nothing left to deliver.
mail_settle() {
    wait_until "${1:-60}" pf_queue_empty
}

# mail_clear: move delivered messages away (to $WORK/mail/seen) so a test
# can look at one day at a time.
mail_clear() {
    mkdir -p "$WORK/mail/seen"
    find "$PF_MAILDIR/new" -type f -exec mv {} "$WORK/mail/seen/" \;
}

# relance_conf [EXTRA LINES...]: write $RELANCE_CONF for this test: live
# mode towards the private Postfix, rules from the source tree, no daily
# digest (tests that count messages; pass "Digest yes" to get it).
relance_conf() {
    MILTER_PORT=${MILTER_PORT:-$(free_port)}
    cat > "$RELANCE_CONF" <<EOC
Database $WORK/relance.db
SecretFile $WORK/secret
RulesDir $RELANCE_SRC/rules
Domain relance.test
SmtpServer 127.0.0.1:${PF_PORT:-25}
From "Service comptabilité Fournisseur" <compta@fournisseur.test>
ReplyTo compta@fournisseur.test
FinanceAddress finance@fournisseur.test
CompanyName Fournisseur SAS
Mode live
DryRunDir $WORK/dry-run
Timezone Europe/Paris
SendWindow 09:00-18:00
MinGapDays 5
ReplyPauseDays 7
Socket inet:$MILTER_PORT@127.0.0.1
SpoolFile $WORK/milter.spool
DossierDir $WORK/dossiers
PdfDir $WORK/pdf
Digest no
EOC
    for line in "$@"; do
        key=${line%% *}
        sed -i "/^$key /d" "$RELANCE_CONF"
        echo "$line" >> "$RELANCE_CONF"
    done
}

# milter_start: start relance-milter in the foreground (background job) on
# $MILTER_PORT and wait until it listens.
milter_start() {
    "$RELANCE_BIN/relance-milter" -f -c "$RELANCE_CONF" >>"$WORK/milter.log" 2>&1 &
    MILTER_PID=$!
    wait_until 20 port_open "$MILTER_PORT"
}

# milter_stop: SIGTERM to relance-milter; it must exit with status 0.
milter_stop() {
    [ -n "${MILTER_PID:-}" ] || return 0
    kill "$MILTER_PID"
    wait "$MILTER_PID" || fail "relance-milter exited with status $? on SIGTERM"
    MILTER_PID=
}

# smtp_send FROM TO FILE: submit FILE over SMTP to the private Postfix
# (goes through smtpd_milters).
smtp_send() {
    python3 - "$PF_PORT" "$1" "$2" "$3" <<'EOP'
import smtplib, sys
port, sender, rcpt, path = sys.argv[1:5]
with open(path, 'rb') as f:
    data = f.read()
with smtplib.SMTP('127.0.0.1', int(port), timeout=30) as s:
    s.sendmail(sender, rcpt.split(','), data)
EOP
}
