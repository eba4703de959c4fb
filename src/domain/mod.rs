//! Pure rules: values in, decisions out. Nothing here knows of actix or
//! diesel, so every rule is tested without a server.

pub mod calendar;
pub mod hearing;
pub mod privacy;
pub mod roles;
pub mod rules;
pub mod schedule;
