ALTER TABLE case_facts DROP COLUMN adjournments;
