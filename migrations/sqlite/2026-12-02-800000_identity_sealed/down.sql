DROP TABLE conversions;
ALTER TABLE parties DROP COLUMN name_index;
ALTER TABLE parties DROP COLUMN birth_sealed;
