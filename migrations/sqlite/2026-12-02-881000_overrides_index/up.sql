-- The docket asks, for each of its cases, for adjournments a judge granted
-- over a refusal by rule: few, so a partial index answers without probing
-- every case's adjournments.
CREATE INDEX adjournments_overridden ON adjournments (case_id, id) WHERE overridden;
