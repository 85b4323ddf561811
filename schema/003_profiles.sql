-- 003_profiles.sql - client profiles, scenario overrides, exclusions,
-- and the people in the loop (issue 5).
--
-- Clients: a public buyer (late-payment interest at ECB + 8 points), a
-- contract interest rate in basis points (never applied below 3 times
-- the legal rate: lib/legal), and a scenario forced for the client.
-- Invoices: a scenario forced for the invoice (wins over the client's)
-- and the payment method ('direct-debit' invoices are usually excluded
-- by rules/scenarios/excluded.scn).
ALTER TABLE clients ADD COLUMN public_sector INTEGER NOT NULL DEFAULT 0
    CHECK (public_sector IN (0, 1));
ALTER TABLE clients ADD COLUMN contract_rate_bp INTEGER
    CHECK (contract_rate_bp IS NULL OR contract_rate_bp > 0);
ALTER TABLE clients ADD COLUMN scenario TEXT;
ALTER TABLE invoices ADD COLUMN scenario TEXT;
ALTER TABLE invoices ADD COLUMN payment_method TEXT;

-- To-dos for people (a `task` step: call the client). One task per
-- invoice and step; done_at and note are set by `relancectl task done`,
-- which also writes an event.
CREATE TABLE tasks (
    id                     INTEGER PRIMARY KEY,
    created_at             TEXT NOT NULL,
    invoice                TEXT NOT NULL REFERENCES invoices(number),
    client_id              TEXT NOT NULL REFERENCES clients(id),
    step                   INTEGER NOT NULL,
    step_name              TEXT NOT NULL,
    assignee               TEXT NOT NULL,          -- manager, finance or an address
    text                   TEXT NOT NULL,
    done_at                TEXT,
    done_by                TEXT,
    note                   TEXT,
    UNIQUE (invoice, step)
);
CREATE INDEX tasks_open ON tasks(created_at) WHERE done_at IS NULL;

-- Steps flagged `approval yes`: the worker asks (requested_at) when the
-- step is due and sends it only once a person approved it
-- (`relancectl approve`).
CREATE TABLE approvals (
    invoice                TEXT NOT NULL REFERENCES invoices(number),
    step                   INTEGER NOT NULL,
    step_name              TEXT NOT NULL,
    requested_at           TEXT NOT NULL,
    approved_at            TEXT,
    approved_by            TEXT,
    PRIMARY KEY (invoice, step)
);
CREATE INDEX approvals_waiting ON approvals(invoice) WHERE approved_at IS NULL;
