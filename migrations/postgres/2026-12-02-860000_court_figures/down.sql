DROP TABLE court_figures;
