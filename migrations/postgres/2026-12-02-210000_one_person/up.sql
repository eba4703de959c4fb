-- One person, one track: a party who is the same person as a party of
-- another case (one child in many FIRs) points at that person's first
-- party row; a party with no link is a person of its own.
ALTER TABLE parties ADD COLUMN person_id BIGINT REFERENCES parties(id);
CREATE INDEX parties_person ON parties (person_id);
