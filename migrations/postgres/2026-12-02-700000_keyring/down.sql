DROP TABLE data_keys;
DROP TABLE master_key;
