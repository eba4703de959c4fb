DROP INDEX parties_person;
ALTER TABLE parties DROP COLUMN person_id;
