//! Integration tests: real HTTP against the real app, a fresh database per
//! test, on SQLite by default and on PostgreSQL when `DATABASE_URL` is a
//! `postgres://` URL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that fails should panic

mod helpers;

mod adjournments;
mod at_rest;
mod audio_first;
mod audit;
mod audit_chains;
mod auth;
mod backups;
mod bad_input;
mod calendar;
mod conversion;
mod court_locks;
mod courts;
mod crash;
mod demo;
mod docket;
mod escalations;
mod exposure;
mod feedback;
mod free_text;
mod fuzz;
mod hostile;
mod identity_at_rest;
mod isolation;
mod lean;
mod linked;
mod notices;
mod notices_crash;
mod one_place;
mod openapi;
mod outcomes;
mod oversight;
mod privacy;
mod process;
mod route_isolation;
mod schedule;
mod security;
mod session_console;
mod sms_gateway;
mod video;
mod video_recordings;
