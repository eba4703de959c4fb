DROP TABLE calendar_feeds;
DROP TABLE custody;
DROP TABLE prisons;
ALTER TABLE notices DROP COLUMN ics;
ALTER TABLE notices DROP COLUMN handed_at;
