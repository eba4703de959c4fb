DROP TABLE schedule_plans;
DROP TABLE hearing_side_plans;
DROP TABLE hearing_bookings;
DROP TABLE case_counsel;
DROP TABLE counsel;
DROP TABLE court_holidays;
