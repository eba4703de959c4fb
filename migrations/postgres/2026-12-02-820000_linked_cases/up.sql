-- Mass-victim cases (issue 18). A building holds several courts: its
-- waiting areas and entrances are shared, so the never-meet plan of one
-- court looks at every court in it. A court in no building is a building
-- of its own.
CREATE TABLE buildings (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE court_buildings (
    court_id BIGINT PRIMARY KEY NOT NULL REFERENCES courts(id),
    building_id BIGINT NOT NULL REFERENCES buildings(id)
);
CREATE INDEX court_buildings_building ON court_buildings (building_id);

-- Cases of one occurrence, consolidated or tried together; a link is
-- stored once, the lower case id first.
CREATE TABLE case_links (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    linked_case_id BIGINT NOT NULL REFERENCES cases(id),
    reason TEXT NOT NULL,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, linked_case_id),
    CHECK (case_id < linked_case_id)
);
CREATE INDEX case_links_linked ON case_links (linked_case_id);

-- Persons the child side must never meet beyond the parties: the
-- accused's relatives and associates, anyone who threatened the family.
CREATE TABLE case_associates (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    name TEXT NOT NULL,
    relation TEXT NOT NULL,
    party_id BIGINT REFERENCES parties(id),
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_associates_case ON case_associates (case_id);
