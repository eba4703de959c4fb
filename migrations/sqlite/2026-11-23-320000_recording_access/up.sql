-- The judge's order says whether counsel may view the recorded evidence;
-- until the judge allows it, only the judge may.
ALTER TABLE video_sessions ADD COLUMN counsel_may_view_recordings BOOLEAN NOT NULL DEFAULT FALSE;
