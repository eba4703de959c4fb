DROP TABLE hearing_witnesses;
DROP TABLE child_guardians;
