DROP TABLE video_recordings;
DROP TABLE video_state_changes;
DROP TABLE video_participants;
DROP TABLE video_sessions;
