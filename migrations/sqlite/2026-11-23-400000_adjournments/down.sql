DROP TABLE adjournments;
