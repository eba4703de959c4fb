ALTER TABLE video_participants DROP COLUMN invited_by;
ALTER TABLE video_participants DROP COLUMN counsel_id;
ALTER TABLE video_participants DROP COLUMN party_id;
