DROP INDEX courts_place;
DROP TABLE monitor_scopes;
ALTER TABLE courts DROP COLUMN district;
ALTER TABLE courts DROP COLUMN province;
