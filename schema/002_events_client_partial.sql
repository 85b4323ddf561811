-- 002_events_client_partial.sql - events_client indexes a client's own
-- events only.
--
-- The events of an invoice are found through events_invoice; a client's
-- own events (hold, release, a bounced address: invoice IS NULL) through
-- events_client, as the dossier asks for them: "invoice = ? OR (invoice
-- IS NULL AND client_id = ?)". No query looks for a client's invoice
-- events through this index, and indexing them cost one more b-tree entry
-- per imported invoice (a million for the import benchmark).
DROP INDEX events_client;
CREATE INDEX events_client ON events(client_id, id) WHERE invoice IS NULL;
