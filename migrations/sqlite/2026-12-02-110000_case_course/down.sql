DROP TABLE child_facts;
DROP TABLE case_facts;
DROP TABLE case_steps;
