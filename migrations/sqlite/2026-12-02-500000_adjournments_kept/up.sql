-- The adjournments a case has had, kept on its facts row in the
-- transaction of each adjournment, so the docket reads them instead of
-- counting the case's hearings on every row.
ALTER TABLE case_facts ADD COLUMN adjournments INTEGER NOT NULL DEFAULT 0;

UPDATE case_facts SET adjournments =
    (SELECT COUNT(*) FROM hearings h WHERE h.case_id = case_facts.case_id AND h.status = 'adjourned');

INSERT INTO case_facts (case_id, court_id, appearances, testimonies, updated_at, adjournments)
SELECT c.id, c.court_id, 0, 0, CURRENT_TIMESTAMP, COUNT(*)
FROM cases c JOIN hearings h ON h.case_id = c.id AND h.status = 'adjourned'
WHERE NOT EXISTS (SELECT 1 FROM case_facts f WHERE f.case_id = c.id)
GROUP BY c.id, c.court_id;
