-- The docket reads, per hearing of a judge in a date range, how often its
-- case was adjourned and when the child testified: both filter a case's
-- hearings by status, which (case_id, status) answers without a table scan.
CREATE INDEX hearings_case_status ON hearings (case_id, status);
-- The cause list and bench reads take one day of hearings across a court.
CREATE INDEX hearings_starts ON hearings (starts_at);
-- Open cases of a court (child-cases list, escalations).
CREATE INDEX cases_court_status ON cases (court_id, status);
-- Children of a set of cases.
CREATE INDEX parties_case_role ON parties (case_id, role);
