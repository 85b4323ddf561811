-- 004_event_kinds.sql - events get their own kinds for approvals, done
-- tasks and text messages.
--
-- Until now `relancectl approve` wrote a 'review' event, `relancectl task
-- done` a 'manual_contact' event, and an SMS step 'reminder_sent',
-- 'send_failed' or 'send_uncertain' like an e-mail, because the CHECK of
-- 001 is a closed list. New kinds:
--   approval       a person approved the steps that waited for it
--   task_done      a person closed a task (a call) with a note
--   sms_sent       a text went out (SmsCommand exited 0, or the
--                  SmsGateway mail was accepted)
--   sms_failed     a text could not be sent (no phone, command failed)
--   sms_uncertain  the worker was stopped while SmsCommand ran
-- Events are the audit trail: old rows keep their kind (the dossier reads
-- them by their detail and their message's channel, lib/dossier.c).
--
-- SQLite cannot change a CHECK in place, so the table is rebuilt: ids are
-- kept, one INSERT ... SELECT copies every row (millions on a big
-- database; the indexes are built after the copy, which is faster than
-- maintaining them row by row), then the indexes (events_client partial,
-- as 002 made it) and the append-only triggers are created again. Dropping
-- the old table needs no DELETE: no table refers to events. The freed
-- pages stay in the file for reuse (VACUUM returns them to the disk).
--
-- The copy skips the CHECK: every old row passed 001's list, which is a
-- part of this one, and evaluating the IN list row by row was three
-- quarters of the migration's CPU (1.5 million events: 6.5 s of user time
-- with it, 1.9 s without). Foreign keys are still checked. If the
-- migration fails, db_open closes this connection, flag and all.
CREATE TABLE events_new (
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
                                           'review', 'report',
                                           'approval', 'task_done', 'sms_sent',
                                           'sms_failed', 'sms_uncertain')),
    invoice                TEXT REFERENCES invoices(number),
    client_id              TEXT REFERENCES clients(id),
    message_id             TEXT,                   -- the mail this event is about
    queue_id               TEXT,                   -- MTA queue ID when the milter saw it
    actor                  TEXT,                   -- relancectl user, 'worker', 'milter', 'import'
    detail                 TEXT                    -- human-readable evidence, or JSON
);
PRAGMA ignore_check_constraints = ON;
INSERT INTO events_new (id, at, kind, invoice, client_id, message_id,
                        queue_id, actor, detail)
    SELECT id, at, kind, invoice, client_id, message_id, queue_id, actor,
           detail
    FROM events ORDER BY id;
PRAGMA ignore_check_constraints = OFF;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE INDEX events_invoice ON events(invoice, id);
CREATE INDEX events_client ON events(client_id, id) WHERE invoice IS NULL;

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
