# milter-fixtures.sh - what the milter's end-to-end tests share, on top
# of lib.sh: a small book of clients and invoices, reminders with real
# signed tokens, mail builders, and readers of the resulting state through
# `relancectl invoice show --json`.
#
# Source after lib.sh, from tests/e2e/test-milter-*.sh.

# mf_init [CONF LINES...]: private Postfix with the milter attached
# (smtpd_milters and non_smtpd_milters), then mf_book, then
# relance-milter started.
mf_init() {
    MILTER_PORT=$(free_port)
    export MILTER_PORT
    pf_start
    mf_book "$@"
    milter_start
}

# mf_book [CONF LINES...]: config, database, three clients, four invoices.
mf_book() {
    relance_conf "BusyTimeoutMs 100" "$@"
    $RELANCECTL init >/dev/null || fail "relancectl init"
    printf 'client_id;name;email;account_manager_email\nC1;Client Un;ap@client1.test boss@client1.test;am@fournisseur.test\nC2;Client Deux;pay@client2.test;\nC3;Client Trois;ap@client3.test;\n' > "$WORK/clients.csv"
    printf 'number;client_id;issue_date;due_date;amount\nF-2026-0042;C1;2026-09-01;2026-10-01;1200,00\nF-2026-0043;C1;2026-09-01;2026-10-01;500\nF-2026-0050;C2;2026-09-01;2026-10-01;700\nF-2026-0060;C3;2026-09-01;2026-10-01;900\n' > "$WORK/invoices.csv"
    $RELANCECTL import clients "$WORK/clients.csv" >/dev/null || fail "import clients"
    $RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null || fail "import invoices"
}

# mf_reminder INVOICE CLIENT: record a sent reminder for INVOICE with a
# real token signed with $WORK/secret (token.h: r1.ID.HMAC), as the worker
# would; prints the token.
mf_reminder() {
    python3 - "$WORK/relance.db" "$WORK/secret" "$1" "$2" <<'EOP'
import hmac, hashlib, os, sqlite3, sys
db, secret, invoice, client = sys.argv[1:5]
key = bytes.fromhex(open(secret).read().strip())
sid = os.urandom(8).hex()
tag = hmac.new(key, b"relance-token-v1:" + sid.encode(), hashlib.sha256).hexdigest()[:32]
tok = "r1.%s.%s" % (sid, tag)
c = sqlite3.connect(db, timeout=30)
cur = c.execute(
    "INSERT INTO messages (message_id, token, client_id, kind, channel, mail_from,"
    " recipients, subject, body, state, created_at, sent_at) VALUES"
    " (?, ?, ?, 'reminder', 'email', 'compta@fournisseur.test', 'x', 'Relance',"
    " 'b', 'sent', '2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z')",
    (tok + "@relance.test", tok, client))
step = c.execute("SELECT count(*) + 1 FROM reminders WHERE invoice = ?", (invoice,)).fetchone()[0]
c.execute("INSERT INTO reminders (invoice, step, step_name, message) VALUES (?, ?, 'first', ?)",
          (invoice, step, cur.lastrowid))
c.commit()
print(tok)
EOP
}

# mf_reply FILE FROM TOKEN SUBJECT BODY [EXTRA-HEADER...]: a reply to our
# reminder (In-Reply-To/References carry the token).
mf_reply() {
    local file=$1 from=$2 tok=$3 subject=$4 body=$5
    shift 5
    {
        printf 'From: %s\nTo: compta@fournisseur.test\nSubject: %s\n' "$from" "$subject"
        printf 'Message-ID: <%s.%s@client.test>\n' "$(basename "$file" .eml)" "$$"
        [ -n "$tok" ] && printf 'In-Reply-To: <%s@relance.test>\nReferences: <%s@relance.test>\n' "$tok" "$tok"
        printf 'Date: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n' "$(date -R)"
        for h in "$@"; do printf '%s\n' "$h"; done
        printf '\n%s\n' "$body"
    } > "$file"
}

# inv NUMBER EXPR: a Python expression on d = invoice show --json.
inv() {
    $RELANCECTL invoice show "$1" --json > "$WORK/inv.json" || fail "invoice show $1"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$WORK/inv.json" ||
        fail "invoice $1: $2"
}

# inv_kinds NUMBER: the kinds of the invoice's events, comma-separated.
inv_kinds() {
    inv "$1" "','.join(e['kind'] for e in d['events'])"
}


# delivered MSGID-START: the path of the delivered copy whose Message-ID
# starts with MSGID-START (the first one); fails the test if there is none.
delivered() {
    local f
    for f in "$PF_MAILDIR"/new/*; do
        if grep -q "^Message-ID: <$1" "$f"; then
            echo "$f"
            return 0
        fi
    done
    fail "no delivered message with a Message-ID starting with <$1"
}

# header_of FILE NAME: every value of header NAME in FILE, one a line.
header_of() {
    python3 -c "
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
for v in m.get_all(sys.argv[2]) or []:
    print(v)" "$1" "$2" || fail "header $2 of '$1'"
}

# business_days_after N: the day N business days after today (weekends
# and French public holidays, as lib/calendar.c counts), YYYY-MM-DD.
business_days_after() {
    python3 -c "
import datetime, sys
def easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    n = (h + l - 7 * m + 90) // 25
    return datetime.date(y, n, (h + l - 7 * m + 33 * n + 19) % 32)
def holiday(d):
    e = easter(d.year)
    moving = [e + datetime.timedelta(days=k) for k in (1, 39, 50)]
    return (d.month, d.day) in [(1,1),(5,1),(5,8),(7,14),(8,15),(11,1),(11,11),(12,25)] or d in moving
d = datetime.date.today(); n = int(sys.argv[1])
while n:
    d += datetime.timedelta(days=1)
    if d.weekday() < 5 and not holiday(d): n -= 1
print(d)" "$1"
}

# days_after N: the day N calendar days after today, YYYY-MM-DD.
days_after() {
    python3 -c "import datetime,sys; print(datetime.date.today() + datetime.timedelta(days=int(sys.argv[1])))" "$1"
}
