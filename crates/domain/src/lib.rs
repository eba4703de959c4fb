//! Pure rules: values in, decisions out. Nothing here knows of actix or
//! diesel, so every rule is tested without a server.

pub mod adjournment;
pub mod calendar;
pub mod clocks;
pub mod course;
pub mod escalation;
pub mod feedback;
pub mod figures;
pub mod hearing;
pub mod incident;
pub mod month_figures;
pub mod notices;
pub mod outcome;
pub mod oversight;
pub mod priority;
pub mod privacy;
pub mod roles;
pub mod rules;
pub mod schedule;
pub mod video;
pub mod visibility;
