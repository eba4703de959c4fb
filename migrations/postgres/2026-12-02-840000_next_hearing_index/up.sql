-- The child-cases list's next hearing per case: one index probe, not a scan of the case's hearings.
CREATE INDEX hearings_next_scheduled ON hearings (case_id, starts_at) WHERE status = 'scheduled';
