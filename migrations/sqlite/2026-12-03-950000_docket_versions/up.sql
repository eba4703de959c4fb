-- Each court's docket version, raised by every change to a line of the
-- court's docket (or to an adjournment, whose overrides a docket shows), in
-- the writer's transaction. A node may keep a docket it has written and
-- send it again while the court's version is still the one it was written
-- at (`amaan::app::docket_cache`).
CREATE TABLE docket_versions (
    court_id BIGINT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);

CREATE TRIGGER docket_version_line_insert AFTER INSERT ON docket_lines BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (NEW.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER docket_version_line_update AFTER UPDATE ON docket_lines BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (OLD.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
    INSERT INTO docket_versions (court_id, version) VALUES (NEW.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER docket_version_line_delete AFTER DELETE ON docket_lines BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (OLD.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER docket_version_adjournment_insert AFTER INSERT ON adjournments BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (NEW.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER docket_version_adjournment_update AFTER UPDATE ON adjournments BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (OLD.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
    INSERT INTO docket_versions (court_id, version) VALUES (NEW.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER docket_version_adjournment_delete AFTER DELETE ON adjournments BEGIN
    INSERT INTO docket_versions (court_id, version) VALUES (OLD.court_id, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = version + 1;
END;
