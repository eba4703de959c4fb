-- Where each court sits, as oversight groups courts: a province and a
-- district within it (a High Court's monitoring cell reads a province, a
-- district's child protection unit its district).
ALTER TABLE courts ADD COLUMN province TEXT;
ALTER TABLE courts ADD COLUMN district TEXT;

-- The courts a monitor reads: every court of a province, or of one
-- district of it. A monitor belongs to no court and writes nothing.
CREATE TABLE monitor_scopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    province TEXT NOT NULL,
    district TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX monitor_scopes_user ON monitor_scopes (user_id);
CREATE INDEX courts_place ON courts (province, district);
