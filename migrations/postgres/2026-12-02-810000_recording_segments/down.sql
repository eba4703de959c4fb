ALTER TABLE video_recordings DROP COLUMN ended_at;
ALTER TABLE video_recordings DROP COLUMN started_at;
ALTER TABLE video_recordings DROP COLUMN participant_id;
