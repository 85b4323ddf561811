#!/bin/bash
# test-worker-auth.sh - SMTP AUTH (SmtpUser + SmtpPasswordFile) through
# libetpan's SASL client, against a small scripted SMTP server that
# demands AUTH PLAIN or LOGIN before MAIL: the right password sends, a
# wrong one leaves the message queued for a retry with the reason, and a
# password file that cannot be read is refused by -n.
. "$RELANCE_SRC/tests/e2e/lib.sh"
. "$RELANCE_SRC/tests/e2e/worker-lib.sh"
set -e
W="$RELANCE_BIN/relance-worker"
DB=$WORK/relance.db
SRV_PORT=$(free_port)
mkdir -p "$WORK/received"

python3 - "$SRV_PORT" "$WORK/received" "$WORK/auth.log" <<'EOP' &
import base64, socketserver, sys, os
port, outdir, logf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
USER, PASSWORD = 'relance', 's3cret-Pa55'
def log(s):
    with open(logf, 'a') as f:
        f.write(s + '\n')
class H(socketserver.StreamRequestHandler):
    def out(self, s):
        self.wfile.write((s + '\r\n').encode()); self.wfile.flush()
    def line(self):
        return self.rfile.readline().decode('latin-1').rstrip('\r\n')
    def check(self, user, pw):
        ok = user == USER and pw == PASSWORD
        log('auth %s %s' % (user, 'ok' if ok else 'refused'))
        self.out('235 2.7.0 ok' if ok else '535 5.7.8 bad credentials')
        return ok
    def handle(self):
        authed = False
        self.out('220 fake ESMTP')
        while True:
            l = self.line()
            if not l:
                return
            v = l.split(' ')[0].upper()
            if v in ('EHLO', 'HELO'):
                self.out('250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME')
            elif v == 'AUTH':
                a = l.split(' ')
                if a[1].upper() == 'PLAIN':
                    if len(a) > 2:
                        data = a[2]
                    else:
                        self.out('334 '); data = self.line()
                    parts = base64.b64decode(data).split(b'\0')
                    authed = self.check(parts[1].decode(), parts[2].decode())
                else:
                    self.out('334 VXNlcm5hbWU6'); u = base64.b64decode(self.line()).decode()
                    self.out('334 UGFzc3dvcmQ6'); p = base64.b64decode(self.line()).decode()
                    authed = self.check(u, p)
            elif v == 'MAIL':
                self.out('250 ok' if authed else '530 5.7.0 authentication required')
            elif v in ('RCPT', 'RSET', 'NOOP'):
                self.out('250 ok')
            elif v == 'DATA':
                self.out('354 go')
                body = []
                while True:
                    d = self.rfile.readline()
                    if d in (b'.\r\n', b''):
                        break
                    body.append(d)
                n = len(os.listdir(outdir))
                with open(os.path.join(outdir, '%d.eml' % n), 'wb') as f:
                    f.write(b''.join(body))
                self.out('250 2.0.0 queued')
            elif v == 'QUIT':
                self.out('221 bye'); return
            else:
                self.out('502 5.5.2 what')
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
S(('127.0.0.1', port), H).serve_forever()
EOP
SRV_PID=$!
trap 'kill $SRV_PID 2>/dev/null || true' EXIT
wait_until 10 port_open "$SRV_PORT"

PF_PORT=$SRV_PORT relance_conf "SmtpUser relance" "SmtpPasswordFile $WORK/password"
default_rules
import_csv $'client_id;name;email\nC1;Client Un;c1@c1.test' \
    $'number;client_id;issue_date;due_date;amount\nF-1;C1;2026-10-01;2026-11-02;100'

note "-n without a readable password file"
if "$W" -c "$RELANCE_CONF" -n >"$WORK/n.out" 2>&1; then fail "-n accepted a missing password file"; fi
grep -q "SmtpPasswordFile" "$WORK/n.out" || fail "-n does not name SmtpPasswordFile"

note "wrong password: queued, retried later"
printf 'not-the-password\n' > "$WORK/password"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:00" >>"$WORK/worker.log" 2>&1 ||
    fail "a refused AUTH is recorded, not a worker error"
assert_eq "$(q "SELECT state || ' ' || attempts FROM messages")" "queued 1" "after a refused AUTH"
case $(q "SELECT last_error FROM messages") in
    *AUTH*) ;; *) fail "last_error: $(q "SELECT last_error FROM messages")";; esac
assert_eq "$(ls "$WORK/received" | wc -l)" 0 "messages received without AUTH"

note "right password: sent"
printf 's3cret-Pa55\n' > "$WORK/password"
"$W" -c "$RELANCE_CONF" --once --now "2026-11-09 10:10" >>"$WORK/worker.log" 2>&1
assert_eq "$(q "SELECT state FROM messages")" "sent" "after AUTH"
assert_eq "$(ls "$WORK/received" | wc -l)" 1 "messages received"
grep -q "^auth relance ok$" "$WORK/auth.log" || fail "the server did not see a good AUTH"
grep -q "^Message-ID: <r1\." "$WORK/received/0.eml" || fail "received message"
echo OK
