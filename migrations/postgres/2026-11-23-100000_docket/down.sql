DROP INDEX IF EXISTS parties_case_role;
DROP INDEX IF EXISTS cases_court_status;
DROP INDEX IF EXISTS hearings_starts;
DROP INDEX IF EXISTS hearings_case_status;
