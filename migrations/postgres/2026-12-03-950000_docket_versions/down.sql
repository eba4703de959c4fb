DROP TRIGGER docket_version_adjournment ON adjournments;
DROP TRIGGER docket_version_line ON docket_lines;
DROP FUNCTION docket_version_changed();
DROP FUNCTION docket_version_raise(BIGINT);
DROP TABLE docket_versions;
