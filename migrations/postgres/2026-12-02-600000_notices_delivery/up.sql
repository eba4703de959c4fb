-- Exactly once: a notice is marked handed over in its own committed write
-- just before the message's last byte leaves; a node that dies after that
-- leaves it "unconfirmed" (never sent again on its own), before it the
-- notice is sent again. The email's calendar (.ics), written when queued.
ALTER TABLE notices ADD COLUMN handed_at TIMESTAMP;
ALTER TABLE notices ADD COLUMN ics TEXT;
-- Prisons: a court-level list with the address production notices go to.
CREATE TABLE prisons (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    name TEXT NOT NULL,
    notice_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, name)
);
-- An accused in custody and the prison holding him.
CREATE TABLE custody (
    party_id BIGINT PRIMARY KEY REFERENCES parties(id),
    prison_id BIGINT NOT NULL REFERENCES prisons(id),
    updated_at TIMESTAMP NOT NULL
);
-- A staff user's private calendar feed: only the secret's hash is kept, so
-- the database alone cannot subscribe; deleting the row revokes it.
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
