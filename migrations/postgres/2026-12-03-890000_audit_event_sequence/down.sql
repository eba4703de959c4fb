DROP SEQUENCE audit_event_seq;
