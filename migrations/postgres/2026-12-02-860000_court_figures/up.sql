-- Each court's figures of delay by calendar month, kept in the
-- transaction of every write that changes them, so that the monitor's
-- dashboard over a province reads a few thousand rows. `month` is
-- 'YYYY-MM', or 'pending' for the row of what is not of a month; `figures`
-- is the month's counts and day histograms as JSON (see
-- crates/domain/src/month_figures.rs).
CREATE TABLE court_figures (
    court_id BIGINT NOT NULL REFERENCES courts(id),
    month TEXT NOT NULL,
    figures TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, month)
);
CREATE INDEX court_figures_month ON court_figures (month);
