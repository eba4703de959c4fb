-- Families' feedback on a hearing. A link is an unguessable token (only
-- its SHA-256 is kept) for one party of one hearing, put in the family's
-- notice or made by the support officer who fills it in with them.
CREATE TABLE feedback_links (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    party_id BIGINT NOT NULL REFERENCES parties(id),
    token_hash TEXT NOT NULL UNIQUE,
    made_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_links_hearing ON feedback_links (hearing_id, party_id);
-- One answer per party per hearing, whichever of its links brought it.
CREATE TABLE feedback_responses (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    party_id BIGINT NOT NULL REFERENCES parties(id),
    link_id BIGINT NOT NULL REFERENCES feedback_links(id),
    hearing_day DATE NOT NULL,
    saw_accused_side TEXT NOT NULL,
    waited TEXT NOT NULL,
    respected TEXT NOT NULL,
    report TEXT,
    language TEXT NOT NULL,
    entered_by_staff BOOLEAN NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    UNIQUE (hearing_id, party_id)
);
CREATE INDEX feedback_responses_court ON feedback_responses (court_id, hearing_day);
