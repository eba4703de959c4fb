DROP TABLE notices;
DROP TABLE party_contacts;
