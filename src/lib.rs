//! Amaan: child-friendly court scheduling and testimony support.

pub mod api;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod media;
pub mod startup;
pub mod state;
pub mod telemetry;
