-- Evidence at rest: the master key never enters the database. Kept here are
-- its id, so that a wrong key is refused before anything is written, and the
-- data keys wrapped by it. A rotation writes each key's next wrapping beside
-- the current one and switches them all in one transaction at the end.
CREATE TABLE master_key (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    key_id TEXT NOT NULL,
    rotating_to TEXT,
    -- This database's own name, made once: the audit checkpoints carry it,
    -- so that a database swapped for another is named as such.
    instance TEXT NOT NULL
);

CREATE TABLE data_keys (
    name TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    next_key_id TEXT,
    next_wrapped TEXT
);
