DROP INDEX audit_court_seq;
