-- Each court's audit trail is a chain of its own (chain_id = the court's
-- id; 0 for events of no court), each event's hash an HMAC under a key the
-- database holds only wrapped by the master key. Events written before this
-- form the legacy chain (-1): unkeyed SHA-256 in `seq` order, its head the
-- frozen `audit_head` row, verified as they always were.
CREATE TABLE audit_chains (
    chain_id BIGINT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
ALTER TABLE audit_events ADD COLUMN chain_id BIGINT NOT NULL DEFAULT -1;
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_events SET chain_seq = seq;
CREATE UNIQUE INDEX audit_chain_position ON audit_events (chain_id, chain_seq);
