//! Amaan: child-friendly court scheduling and testimony support. This crate
//! is the server: the HTTP API, auth, the use cases that several routes
//! share, startup and the command line. The layers below it are crates of
//! their own, re-exported under the names the code has always used.

pub use amaan_domain as domain;
pub use amaan_media as media;
pub use amaan_vault as vault;

pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod checkpoints;
pub mod cli;
pub mod config;
pub mod convert;
pub mod db;
pub mod demo;
pub mod error;
pub mod keys;
pub mod notices_worker;
pub mod sms_gateway;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod video_sync;
