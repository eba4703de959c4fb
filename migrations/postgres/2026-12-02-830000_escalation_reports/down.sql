DROP TABLE escalation_reports;
