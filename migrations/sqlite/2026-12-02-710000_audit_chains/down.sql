DROP INDEX audit_chain_position;
ALTER TABLE audit_events DROP COLUMN chain_seq;
ALTER TABLE audit_events DROP COLUMN chain_id;
DROP TABLE audit_chains;
