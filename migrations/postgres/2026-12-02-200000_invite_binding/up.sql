-- An invite on the child's side is tied to a party of the case, so that
-- what others see of it is decided by the privacy rule and not by a typed
-- name; a counsel's invite may be tied to a counsel of the case, whom a
-- view of the recordings then names; and who minted each invite is kept.
ALTER TABLE video_participants ADD COLUMN party_id BIGINT REFERENCES parties(id);
ALTER TABLE video_participants ADD COLUMN counsel_id BIGINT REFERENCES counsel(id);
ALTER TABLE video_participants ADD COLUMN invited_by BIGINT REFERENCES users(id);
