-- A report that a broken clock sends upward (the 2016 Act: to the Chief
-- Justice of the High Court), made from the case's history when the court
-- generates it and kept as made: what was sent is what stays on file.
-- The body holds no child's name, birth date, contact or free text, so the
-- monitor of the court's district reads it as the court does.
CREATE TABLE escalation_reports (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock_id TEXT NOT NULL,
    escalate_to TEXT NOT NULL,
    deadline DATE NOT NULL,
    generated_on DATE NOT NULL,
    body TEXT NOT NULL,
    generated_by BIGINT NOT NULL REFERENCES users(id),
    generated_at TIMESTAMP NOT NULL,
    sent_by BIGINT REFERENCES users(id),
    sent_at TIMESTAMP,
    UNIQUE (case_id, clock_id)
);
CREATE INDEX escalation_reports_court ON escalation_reports (court_id, generated_at);
