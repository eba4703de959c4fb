ALTER TABLE video_sessions DROP COLUMN counsel_may_view_recordings;
