CREATE TABLE adjournments (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    requested_by TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    details TEXT NOT NULL,
    proposed_starts_at TIMESTAMP,
    proposed_ends_at TIMESTAMP,
    remand_days INTEGER,
    for_child_welfare BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    refusals TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_reasons TEXT,
    overridden BOOLEAN NOT NULL,
    new_hearing_id BIGINT REFERENCES hearings(id),
    delay_days INTEGER
);
CREATE INDEX adjournments_case ON adjournments (case_id, id);
CREATE INDEX adjournments_court_created ON adjournments (court_id, created_at);
-- One request per hearing waits for the judge at a time; the handler checks
-- first, this keeps it true whatever the code does.
CREATE UNIQUE INDEX adjournments_one_pending ON adjournments (hearing_id) WHERE status = 'pending';
