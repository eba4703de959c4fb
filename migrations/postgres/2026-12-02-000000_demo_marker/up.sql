-- A database that `amaan demo` made holds one row here. `demo` deletes and
-- remakes only such a database, never a court's.
CREATE TABLE demo_marker (
    id INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);
