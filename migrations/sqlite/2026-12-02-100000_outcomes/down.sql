DROP TABLE child_appearances;
DROP TABLE hearing_outcomes;
