-- Each court's docket version, raised when a transaction that changed a
-- line of the court's docket (or an adjournment, whose overrides a docket
-- shows) commits. A node may keep a docket it has written and send it
-- again while the court's version is still the one it was written at
-- (`amaan::app::docket_cache`); every node reads the version from here, so
-- none can serve a list another node's write has changed.
CREATE TABLE docket_versions (
    court_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

-- Once per court and transaction: a case's write rewrites all its lines,
-- and one raise is enough to tell every reader.
CREATE FUNCTION docket_version_raise(court BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF court IS NULL OR current_setting('amaan.docket_raised_' || court, true) = 'y' THEN
        RETURN;
    END IF;
    PERFORM set_config('amaan.docket_raised_' || court, 'y', true);
    INSERT INTO docket_versions (court_id, version) VALUES (court, 1)
        ON CONFLICT (court_id) DO UPDATE SET version = docket_versions.version + 1;
END $$;

CREATE FUNCTION docket_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM docket_version_raise(OLD.court_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM docket_version_raise(NEW.court_id);
    END IF;
    RETURN NULL;
END $$;

-- Deferred to the commit: the court's row is locked for the commit alone,
-- not for the rest of a long writer's transaction, so two clerks of one
-- court do not queue behind each other's bookings.
CREATE CONSTRAINT TRIGGER docket_version_line AFTER INSERT OR UPDATE OR DELETE ON docket_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION docket_version_changed();
CREATE CONSTRAINT TRIGGER docket_version_adjournment AFTER INSERT OR UPDATE OR DELETE ON adjournments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION docket_version_changed();
