-- The nodes that serve this database: each with its own id, and the public
-- address an invite to one of its sessions names (the session row keeps
-- the hosting node's id).
CREATE TABLE nodes (
    id TEXT PRIMARY KEY NOT NULL,
    public_url TEXT,
    started_at TIMESTAMP NOT NULL
);
