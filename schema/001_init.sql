-- 001_init.sql - the first schema of Relance.
--
-- Conventions: amounts in integer cents with a currency; dates (calendar
-- days) as 'YYYY-MM-DD'; instants in UTC as 'YYYY-MM-DDTHH:MM:SSZ';
-- e-mail addresses stored lowercased. Events are append-only (triggers
-- below refuse UPDATE and DELETE): they are the audit trail and the
-- litigation dossier is built from them.

CREATE TABLE clients (
    id                     TEXT PRIMARY KEY,       -- client_id of the accounting export
    name                   TEXT NOT NULL,
    first_name             TEXT,
    last_name              TEXT,
    language               TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
    segment                TEXT,
    annual_revenue_cents   INTEGER,
    account_manager        TEXT,
    account_manager_email  TEXT,
    phone                  TEXT,
    hold_reason            TEXT,                   -- set by relancectl hold CLIENT
    hold_until             TEXT,                   -- date; NULL = until released
    created_at             TEXT NOT NULL
);

-- A client's contact addresses, in the order of the CSV.
CREATE TABLE client_emails (
    client_id              TEXT NOT NULL REFERENCES clients(id),
    address                TEXT NOT NULL,
    position               INTEGER NOT NULL,
    undeliverable_at       TEXT,                   -- a permanent bounce was seen
    undeliverable_reason   TEXT,
    PRIMARY KEY (client_id, address)
);
CREATE INDEX client_emails_address ON client_emails(address);

CREATE TABLE invoices (
    number                 TEXT PRIMARY KEY,
    client_id              TEXT NOT NULL REFERENCES clients(id),
    issue_date             TEXT NOT NULL,
    due_date               TEXT NOT NULL,
    amount_cents           INTEGER NOT NULL,
    amount_due_cents       INTEGER NOT NULL,
    currency               TEXT NOT NULL DEFAULT 'EUR',
    payment_link           TEXT,
    pdf                    TEXT,
    status                 TEXT NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'paused', 'promised',
                                             'disputed', 'hold', 'paid')),
    -- paused/promised/hold: the first day the sequence may run again;
    -- NULL for hold means until released.
    paused_until           TEXT,
    status_reason          TEXT,
    -- Escalation position, kept apart from the status: the index (1-based,
    -- in scenario order) and name of the last step sent; 0/NULL = none.
    step                   INTEGER NOT NULL DEFAULT 0,
    step_name              TEXT,
    -- Automatic steps wait until this day (out-of-office return date,
    -- manual contact by staff) without changing the status.
    wait_until             TEXT,
    paid_date              TEXT,
    overpaid_cents         INTEGER NOT NULL DEFAULT 0,
    created_at             TEXT NOT NULL
);
CREATE INDEX invoices_client ON invoices(client_id);
CREATE INDEX invoices_status ON invoices(status, due_date);

CREATE TABLE payments (
    id                     INTEGER PRIMARY KEY,
    invoice                TEXT NOT NULL REFERENCES invoices(number),
    date                   TEXT NOT NULL,
    amount_cents           INTEGER NOT NULL CHECK (amount_cents > 0),
    reference              TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    -- Re-importing the same payments file changes nothing.
    UNIQUE (invoice, date, amount_cents, reference)
);

-- Every message the worker builds (reminders, notices, digests). The row
-- and the full message are written before submission: state 'queued';
-- 'submitting' is set just before the message body goes to the server,
-- 'sent' once the server accepted it. See worker/README or README.md for
-- the exactly-once rule.
CREATE TABLE messages (
    id                     INTEGER PRIMARY KEY,
    message_id             TEXT NOT NULL UNIQUE,   -- without < >
    token                  TEXT NOT NULL UNIQUE,
    client_id              TEXT REFERENCES clients(id),
    kind                   TEXT NOT NULL,          -- reminder, notice, digest, thanks
    channel                TEXT NOT NULL,          -- email, manager, finance, sms
    mail_from              TEXT NOT NULL,
    recipients             TEXT NOT NULL,          -- envelope, comma-separated
    subject                TEXT NOT NULL,
    body                   BLOB NOT NULL,          -- the whole RFC 5322 message
    state                  TEXT NOT NULL
                           CHECK (state IN ('queued', 'submitting', 'sent',
                                            'failed', 'uncertain', 'dry-run')),
    attempts               INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        TEXT,
    last_error             TEXT,
    created_at             TEXT NOT NULL,
    sent_at                TEXT,
    handed_off_at          TEXT,                   -- the milter saw it leave
    handed_off_queue_id    TEXT
);
CREATE INDEX messages_state ON messages(state, next_attempt_at);
CREATE INDEX messages_client ON messages(client_id, created_at);

-- Which step of which invoice a message carried. An invoice never gets the
-- same step twice: the primary key says so.
CREATE TABLE reminders (
    invoice                TEXT NOT NULL REFERENCES invoices(number),
    step                   INTEGER NOT NULL,
    step_name              TEXT NOT NULL,
    message                INTEGER NOT NULL REFERENCES messages(id),
    PRIMARY KEY (invoice, step)
);
CREATE INDEX reminders_message ON reminders(message);

-- Notices the milter (or anything else) wants sent to staff; the worker
-- sends them and fills message.
CREATE TABLE notices (
    id                     INTEGER PRIMARY KEY,
    created_at             TEXT NOT NULL,
    kind                   TEXT NOT NULL,          -- dispute, paid_claim, bounce, send_failed, ...
    audience               TEXT NOT NULL CHECK (audience IN ('manager', 'finance', 'both')),
    invoice                TEXT REFERENCES invoices(number),
    client_id              TEXT REFERENCES clients(id),
    subject                TEXT NOT NULL,
    text                   TEXT NOT NULL,
    message                INTEGER REFERENCES messages(id)
);
CREATE INDEX notices_pending ON notices(message) WHERE message IS NULL;

CREATE TABLE events (
    id                     INTEGER PRIMARY KEY,
    at                     TEXT NOT NULL,
    kind                   TEXT NOT NULL
                           CHECK (kind IN ('imported', 'updated', 'reminder_sent',
                                           'notify_sent', 'reply', 'dispute',
                                           'promise', 'paid_claim', 'autoreply',
                                           'bounce', 'delay', 'manual_contact',
                                           'payment', 'overpayment', 'hold',
                                           'release', 'resolve', 'resume',
                                           'send_failed', 'send_uncertain',
                                           'review', 'report')),
    invoice                TEXT REFERENCES invoices(number),
    client_id              TEXT REFERENCES clients(id),
    message_id             TEXT,                   -- the mail this event is about
    queue_id               TEXT,                   -- MTA queue ID when the milter saw it
    actor                  TEXT,                   -- relancectl user, 'worker', 'milter', 'import'
    detail                 TEXT                    -- human-readable evidence, or JSON
);
CREATE INDEX events_invoice ON events(invoice, id);
CREATE INDEX events_client ON events(client_id, id);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;


-- Spool files already applied, so a replayed spool line is not applied
-- twice (key: spool line digest).
CREATE TABLE spool_applied (
    digest                 TEXT PRIMARY KEY,
    applied_at             TEXT NOT NULL
);
