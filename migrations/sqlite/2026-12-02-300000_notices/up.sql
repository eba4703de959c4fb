-- A party's contact: identity, shown only to the roles that may see a
-- child's name; kept apart from the party row so it can be guarded (and,
-- later, encrypted) on its own.
CREATE TABLE party_contacts (
    party_id BIGINT PRIMARY KEY REFERENCES parties(id),
    phone TEXT,
    email TEXT,
    language TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The outbox: a notice is written in the transaction of the change that
-- causes it, and a worker on any node claims and sends it.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    party_id BIGINT NOT NULL REFERENCES parties(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    provider_id TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_hearing ON notices (hearing_id, id);
