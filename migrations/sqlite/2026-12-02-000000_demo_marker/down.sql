DROP TABLE demo_marker;
