-- The court calendar's holidays, edited by the court's administrator.
CREATE TABLE court_holidays (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    day DATE NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, day)
);

-- Counsel are people who appear in many cases (and courts), so that
-- "every counsel free" can be checked across them.
CREATE TABLE counsel (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    enrolment_number TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE case_counsel (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    counsel_id BIGINT NOT NULL REFERENCES counsel(id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, counsel_id)
);
CREATE INDEX case_counsel_counsel ON case_counsel (counsel_id);

-- What a booking decided beyond the hearing row: the statutory clock, and
-- the recorded reasons for a late hearing or a child's second appearance.
CREATE TABLE hearing_bookings (
    hearing_id BIGINT PRIMARY KEY REFERENCES hearings(id),
    court_id BIGINT NOT NULL REFERENCES courts(id),
    local_day DATE NOT NULL,
    deadline DATE,
    after_deadline BOOLEAN NOT NULL,
    delay_reason TEXT,
    reappearance_reason TEXT,
    booked_by BIGINT REFERENCES users(id),
    booked_at TIMESTAMP NOT NULL
);

-- The never-meet plan: per hearing and side, where to wait, which gate,
-- and when to arrive, pass the court-room door and leave.
CREATE TABLE hearing_side_plans (
    id BIGSERIAL PRIMARY KEY,
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    court_id BIGINT NOT NULL REFERENCES courts(id),
    local_day DATE NOT NULL,
    side TEXT NOT NULL,
    waiting_area_id BIGINT NOT NULL REFERENCES waiting_areas(id),
    entrance TEXT NOT NULL,
    arrives_at TIMESTAMP NOT NULL,
    departs_at TIMESTAMP NOT NULL,
    enters_court_at TIMESTAMP,
    leaves_court_at TIMESTAMP,
    UNIQUE (hearing_id, side)
);
CREATE INDEX hearing_side_plans_day ON hearing_side_plans (court_id, local_day);

-- A bulk plan proposed to a clerk, kept until accepted (whole or in part).
CREATE TABLE schedule_plans (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    from_day DATE NOT NULL,
    until_day DATE NOT NULL,
    proposal TEXT NOT NULL
);
