-- Mass-victim cases (issue 18). A child witness's guardian, named at the
-- child's registration: children with one guardian are siblings, brought
-- on one day. The guardian is a party of the child's case or of a case
-- linked to it.
CREATE TABLE child_guardians (
    party_id BIGINT PRIMARY KEY NOT NULL REFERENCES parties(id),
    guardian_party_id BIGINT NOT NULL REFERENCES parties(id)
);
CREATE INDEX child_guardians_guardian ON child_guardians (guardian_party_id);

-- The child who testifies at a hearing, where a case has several: a
-- booked testimony plan names each sitting's child, so that a second
-- sitting of the same child is a recall and another child's is not.
CREATE TABLE hearing_witnesses (
    hearing_id BIGINT PRIMARY KEY NOT NULL REFERENCES hearings(id),
    party_id BIGINT NOT NULL REFERENCES parties(id)
);
CREATE INDEX hearing_witnesses_party ON hearing_witnesses (party_id);
