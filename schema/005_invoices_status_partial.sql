-- 005_invoices_status_partial.sql - invoices_status indexes only the
-- invoices that are not 'open'.
--
-- Open invoices are the bulk of every import (a new invoice is open), and
-- their entries in (status, due_date) were written in random due-date
-- order: about a second of a million-row import. No query looks open
-- invoices up through this index: the planner scans invoices (or
-- invoices_client for ORDER BY client_id) for "status NOT IN (...)",
-- "status <> 'paid'" and "?1 IS NULL OR status = ?1". The queries that
-- do use it ask for one other status: "status = 'paid' AND paid_date >=
-- ?" (worker thanks), "status = 'disputed'" (digest).
--
-- The WHERE is an OR of equalities on purpose: SQLite uses a partial
-- index only when it can prove the query's WHERE implies the index's,
-- and it proves "status = 'paid'" implies "... OR status = 'paid' OR
-- ...", not "status <> 'open'" nor "status IN (...)". The CHECK on status
-- (001) makes this list every status but 'open'. EXPLAIN QUERY PLAN keeps
-- "SEARCH i USING INDEX invoices_status (status=?)" for both queries.
DROP INDEX invoices_status;
CREATE INDEX invoices_status ON invoices(status, due_date)
    WHERE status = 'paused' OR status = 'promised' OR status = 'disputed'
       OR status = 'hold' OR status = 'paid';
