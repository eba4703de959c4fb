-- The case's course: each step the court ordered (or a held hearing
-- implied), dated.
CREATE TABLE case_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    stage TEXT NOT NULL,
    on_day DATE NOT NULL,
    decision TEXT,
    reasons TEXT,
    hearing_id BIGINT REFERENCES hearings(id),
    recorded_by BIGINT REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX case_steps_case ON case_steps (case_id, id);

-- The stop events of a case's clocks and its appearance counts, kept in
-- the same transaction as the outcome or step that changes them, so the
-- docket reads one row per case instead of aggregating its hearings.
CREATE TABLE case_facts (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    court_id BIGINT NOT NULL REFERENCES courts(id),
    child_evidence_on DATE,
    trial_started_on DATE,
    trial_concluded_on DATE,
    decided_on DATE,
    decision TEXT,
    closed_on DATE,
    disposed_on DATE,
    appearances INTEGER NOT NULL,
    testimonies INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX case_facts_court ON case_facts (court_id);

-- Per child: how often brought to court, how often heard, and the day
-- the evidence was complete.
CREATE TABLE child_facts (
    party_id BIGINT PRIMARY KEY REFERENCES parties(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    brought INTEGER NOT NULL,
    testified INTEGER NOT NULL,
    evidence_complete_on DATE,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX child_facts_case ON child_facts (case_id);
