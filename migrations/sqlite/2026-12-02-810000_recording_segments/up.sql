-- A testimony interrupted by a reconnect is one sitting in several
-- segments: each file keeps whose it is and when it began and ended, so
-- the segments list in order with the gaps between them.
ALTER TABLE video_recordings ADD COLUMN participant_id BIGINT;
ALTER TABLE video_recordings ADD COLUMN started_at TIMESTAMP;
ALTER TABLE video_recordings ADD COLUMN ended_at TIMESTAMP;
