DROP TABLE video_questions;
ALTER TABLE video_sessions DROP COLUMN version;
