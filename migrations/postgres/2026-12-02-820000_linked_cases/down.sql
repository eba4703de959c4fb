DROP TABLE case_associates;
DROP TABLE case_links;
DROP TABLE court_buildings;
DROP TABLE buildings;
