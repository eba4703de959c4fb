DROP INDEX adjournments_overridden;
