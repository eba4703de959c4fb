-- A breach of the special measures: the child's side met or saw the
-- accused's side, or another measure failed. Counted on the court's
-- figures and the monitor's dashboard; the details stay with the court.
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    hearing_id BIGINT REFERENCES hearings(id),
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    who TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    details TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX incidents_court ON incidents (court_id, occurred_at);
CREATE INDEX incidents_case ON incidents (case_id);
