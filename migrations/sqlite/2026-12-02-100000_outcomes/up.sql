-- What happened at each hearing that took place. A correction is a new
-- row that points at the one it corrects (`corrects`); the first stays,
-- no longer `is_current` and marked `superseded_by`. One current outcome per
-- hearing, whatever the code does.
CREATE TABLE hearing_outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    kind TEXT NOT NULL,
    local_day DATE NOT NULL,
    proceedings TEXT NOT NULL,
    child_evidence TEXT NOT NULL,
    continues_because TEXT,
    reason_code TEXT,
    caused_by TEXT,
    details TEXT,
    child_brought BOOLEAN NOT NULL,
    child_mode TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    on_behalf_of BIGINT REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    corrects BIGINT REFERENCES hearing_outcomes(id),
    correction_reason TEXT,
    superseded_by BIGINT REFERENCES hearing_outcomes(id),
    is_current BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX hearing_outcomes_current ON hearing_outcomes (hearing_id) WHERE is_current;
CREATE INDEX hearing_outcomes_hearing ON hearing_outcomes (hearing_id, id);
CREATE INDEX hearing_outcomes_case ON hearing_outcomes (case_id);
CREATE INDEX hearing_outcomes_court_day ON hearing_outcomes (court_id, local_day);

-- Every time a child was brought to court, whether or not the child
-- testified: one row per child per hearing, written by the hearing's
-- outcome or by a video session with the child going live.
CREATE TABLE child_appearances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    party_id BIGINT NOT NULL REFERENCES parties(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    local_day DATE NOT NULL,
    mode TEXT NOT NULL,
    evidence TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (hearing_id, party_id)
);
CREATE INDEX child_appearances_case ON child_appearances (case_id);
CREATE INDEX child_appearances_court_day ON child_appearances (court_id, local_day);
