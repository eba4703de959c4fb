-- Every change of a session's state or order bumps `version`; the node
-- hosting the session's media polls it, so a change made through any node
-- reaches the forwarding server without state shared between nodes.
ALTER TABLE video_sessions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Counsel's written questions (POCSO s.33(2)), kept so that a judge who
-- reconnects sees the ones already put to him.
CREATE TABLE video_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES video_sessions(id),
    participant_id BIGINT NOT NULL REFERENCES video_participants(id),
    from_role TEXT NOT NULL,
    text TEXT NOT NULL,
    asked_at TIMESTAMP NOT NULL
);
CREATE INDEX video_questions_session ON video_questions (session_id, id);
