-- Nothing on SQLite: its one writer at a time takes max(seq)+1 safely.
-- PostgreSQL numbers audit events from a sequence from here on.
SELECT 1;
