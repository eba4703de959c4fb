-- The global order of audit events (`audit_events.seq`) from a sequence,
-- not max(seq)+1: writers of different courts no longer share one lock
-- (each holds only its court's chain row), so two of them may append at
-- once and must not be handed the same number. Numbers a rolled-back
-- transaction took are not reused; `seq` may have gaps and may commit out
-- of order, which no reader relies on (each chain is ordered by chain_seq).
CREATE SEQUENCE audit_event_seq AS BIGINT;
SELECT setval('audit_event_seq', COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1, false);
