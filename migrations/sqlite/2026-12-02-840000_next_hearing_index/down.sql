DROP INDEX hearings_next_scheduled;
