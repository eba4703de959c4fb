-- A person's identity sealed at rest, field by field (crates/store/src/identity.rs):
-- `parties.name` and the contacts' phone and email hold sealed text, the
-- date of birth moves to `birth_sealed` (`date_of_birth` stays, NULL, for a
-- database converted from plaintext), and `name_index` is the blind index
-- the free-text guard compares against.
ALTER TABLE parties ADD COLUMN birth_sealed TEXT;
ALTER TABLE parties ADD COLUMN name_index TEXT NOT NULL DEFAULT '';

-- What `amaan keys convert` has still to do to a database made before
-- evidence at rest: the server refuses to start while a row is here.
CREATE TABLE conversions (
    name TEXT PRIMARY KEY NOT NULL
);
INSERT INTO conversions (name)
SELECT 'identities' WHERE EXISTS (SELECT 1 FROM parties) OR EXISTS (SELECT 1 FROM party_contacts)
    OR EXISTS (SELECT 1 FROM notices);
INSERT INTO conversions (name)
SELECT 'recordings' WHERE EXISTS (SELECT 1 FROM video_recordings WHERE file_path NOT LIKE '%.sealed');
