//! `amaan bench ...`: benchmarks that print figures (never timed tests).

pub mod plan;
