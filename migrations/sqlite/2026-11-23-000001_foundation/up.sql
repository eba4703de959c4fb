CREATE TABLE courts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    rule_profile TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    opens_at TIME NOT NULL,
    closes_at TIME NOT NULL,
    working_days TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE court_rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    name TEXT NOT NULL,
    video_link BOOLEAN NOT NULL,
    capacity INTEGER NOT NULL,
    UNIQUE (court_id, name)
);

CREATE TABLE waiting_areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    name TEXT NOT NULL,
    child_friendly BOOLEAN NOT NULL,
    entrance TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    UNIQUE (court_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    court_id BIGINT REFERENCES courts(id),
    active BOOLEAN NOT NULL,
    token_version BIGINT NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts(id),
    number TEXT NOT NULL,
    offence TEXT NOT NULL,
    cognizance_date DATE NOT NULL,
    accused_in_custody BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, number)
);

CREATE TABLE parties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    role TEXT NOT NULL,
    side TEXT NOT NULL,
    name TEXT NOT NULL,
    date_of_birth DATE,
    pseudonym TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX parties_case ON parties (case_id);

CREATE TABLE hearings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    judge_id BIGINT REFERENCES users(id),
    room_id BIGINT REFERENCES court_rooms(id),
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    child_testifies BOOLEAN NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX hearings_case ON hearings (case_id);
CREATE INDEX hearings_judge_time ON hearings (judge_id, starts_at);
CREATE INDEX hearings_room_time ON hearings (room_id, starts_at);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    court_id BIGINT,
    before_state TEXT,
    after_state TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_events (entity, entity_id);
CREATE INDEX audit_at ON audit_events (at);
