-- One row per hearing with everything a line of the docket, the cause list
-- and the board shows: the hearing, its case, the case's kept facts and the
-- hearing's current outcome, and the case's children (sealed) with their
-- appearance counts. Kept by triggers in the transaction of every
-- write to those tables, so a judge's week is one index range scan of this
-- table instead of four probes per hearing into four tables.
-- `docket_line_source` is the same row computed from the tables; the facts
-- check compares the two.
CREATE VIEW docket_line_source AS
SELECT h.id AS hearing_id, h.case_id, c.court_id, h.kind, h.judge_id, h.room_id, r.name AS room_name,
       h.starts_at, h.ends_at, h.child_testifies, h.mode, h.status,
       c.number, c.offence, c.cognizance_date, c.accused_in_custody, c.status AS case_status,
       CAST(COALESCE(f.adjournments, 0) AS BIGINT) AS adjournments,
       f.child_evidence_on, f.trial_started_on, f.trial_concluded_on, f.decided_on,
       o.kind AS outcome_kind, o.reason_code AS outcome_reason, o.caused_by AS outcome_cause,
       o.child_evidence AS outcome_child_evidence, o.proceedings AS outcome_proceedings,
       COALESCE((SELECT json_agg(json_build_array(p.id, p.pseudonym, p.name, p.birth_sealed,
                  COALESCE(cf.brought, 0), COALESCE(cf.testified, 0)) ORDER BY p.id)::text
                FROM parties p LEFT JOIN child_facts cf ON cf.party_id = p.id
                WHERE p.case_id = h.case_id AND p.role = 'child_witness'), '[]') AS children
FROM hearings h
JOIN cases c ON c.id = h.case_id
LEFT JOIN court_rooms r ON r.id = h.room_id
LEFT JOIN case_facts f ON f.case_id = c.id
LEFT JOIN hearing_outcomes o ON o.hearing_id = h.id AND o.is_current;

CREATE TABLE docket_lines (
    hearing_id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL,
    court_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    judge_id BIGINT,
    room_id BIGINT,
    room_name TEXT,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    child_testifies BOOLEAN NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    number TEXT NOT NULL,
    offence TEXT NOT NULL,
    cognizance_date DATE NOT NULL,
    accused_in_custody BOOLEAN NOT NULL,
    case_status TEXT NOT NULL,
    adjournments BIGINT NOT NULL,
    child_evidence_on DATE,
    trial_started_on DATE,
    trial_concluded_on DATE,
    decided_on DATE,
    outcome_kind TEXT,
    outcome_reason TEXT,
    outcome_cause TEXT,
    outcome_child_evidence TEXT,
    outcome_proceedings TEXT,
    -- The case's child witnesses, a JSON array of [party id, pseudonym,
    -- sealed name, sealed birth date, times brought, times heard]: names and
    -- birth dates stay sealed here as in `parties`.
    children TEXT NOT NULL
);
CREATE INDEX docket_lines_judge ON docket_lines (judge_id, starts_at);
CREATE INDEX docket_lines_court ON docket_lines (court_id, starts_at);
CREATE INDEX docket_lines_case ON docket_lines (case_id);
CREATE INDEX docket_lines_room ON docket_lines (room_id);

INSERT INTO docket_lines SELECT * FROM docket_line_source;

CREATE FUNCTION docket_lines_of_hearing(hid BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM docket_lines WHERE hearing_id = hid;
    INSERT INTO docket_lines SELECT * FROM docket_line_source WHERE hearing_id = hid;
$$;

CREATE FUNCTION docket_lines_of_case(cid BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM docket_lines WHERE case_id = cid;
    INSERT INTO docket_lines SELECT * FROM docket_line_source WHERE case_id = cid;
$$;

CREATE FUNCTION docket_lines_hearing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM docket_lines WHERE hearing_id = OLD.id;
        RETURN OLD;
    END IF;
    PERFORM docket_lines_of_hearing(NEW.id);
    RETURN NEW;
END $$;

CREATE FUNCTION docket_lines_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM docket_lines WHERE case_id = OLD.id;
        RETURN OLD;
    END IF;
    PERFORM docket_lines_of_case(NEW.id);
    RETURN NEW;
END $$;

CREATE FUNCTION docket_lines_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM docket_lines_of_case(OLD.case_id);
        RETURN OLD;
    END IF;
    PERFORM docket_lines_of_case(NEW.case_id);
    RETURN NEW;
END $$;

CREATE FUNCTION docket_lines_outcome_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM docket_lines_of_hearing(OLD.hearing_id);
        RETURN OLD;
    END IF;
    PERFORM docket_lines_of_hearing(NEW.hearing_id);
    RETURN NEW;
END $$;

-- `child_facts` has no trigger of its own: its one writer (save_facts)
-- writes it before `case_facts`, whose trigger then refreshes the lines.
CREATE FUNCTION docket_lines_party_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.role = 'child_witness' THEN
            PERFORM docket_lines_of_case(OLD.case_id);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.role = 'child_witness' THEN
            PERFORM docket_lines_of_case(NEW.case_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION docket_lines_room_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE docket_lines SET room_name = NEW.name WHERE room_id = NEW.id;
    RETURN NEW;
END $$;

CREATE TRIGGER docket_lines_hearing AFTER INSERT OR UPDATE OR DELETE ON hearings
    FOR EACH ROW EXECUTE FUNCTION docket_lines_hearing_changed();
CREATE TRIGGER docket_lines_case AFTER UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION docket_lines_case_changed();
CREATE TRIGGER docket_lines_facts AFTER INSERT OR UPDATE OR DELETE ON case_facts
    FOR EACH ROW EXECUTE FUNCTION docket_lines_facts_changed();
CREATE TRIGGER docket_lines_outcome AFTER INSERT OR UPDATE OR DELETE ON hearing_outcomes
    FOR EACH ROW EXECUTE FUNCTION docket_lines_outcome_changed();
CREATE TRIGGER docket_lines_party AFTER INSERT OR UPDATE OR DELETE ON parties
    FOR EACH ROW EXECUTE FUNCTION docket_lines_party_changed();
CREATE TRIGGER docket_lines_room AFTER UPDATE OF name ON court_rooms
    FOR EACH ROW EXECUTE FUNCTION docket_lines_room_changed();
