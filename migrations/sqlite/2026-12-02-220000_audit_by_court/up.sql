-- A court's staff verify their own court's events: read by court, in order.
CREATE INDEX audit_court_seq ON audit_events (court_id, seq);
