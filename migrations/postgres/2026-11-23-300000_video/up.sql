-- Video-link testimony: one session per sitting, the people invited to it,
-- the log of its states (time live and on break) and its recordings.
CREATE TABLE video_sessions (
    id BIGSERIAL PRIMARY KEY,
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    court_id BIGINT NOT NULL REFERENCES courts(id),
    state TEXT NOT NULL,
    break_interval_minutes INTEGER,
    max_questioning_minutes INTEGER,
    questions_through_judge BOOLEAN NOT NULL,
    accused_may_see_child BOOLEAN NOT NULL,
    questioner TEXT,
    node_id TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX video_sessions_hearing ON video_sessions (hearing_id);

CREATE TABLE video_participants (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES video_sessions(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    revoked BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX video_participants_session ON video_participants (session_id);

CREATE TABLE video_state_changes (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES video_sessions(id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX video_state_changes_session ON video_state_changes (session_id, at);

CREATE TABLE video_recordings (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES video_sessions(id),
    hearing_id BIGINT NOT NULL REFERENCES hearings(id),
    participant_role TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX video_recordings_hearing ON video_recordings (hearing_id);
