//! Scheduling with separation: hearings placed under hard constraints, and
//! a never-meet plan so that the child side and the accused side never meet
//! on the way in, while waiting, or on the way out.
//!
//! - `limits`: the rule-profile numbers (child-friendly hours, breaks, gap)
//! - `model`: calendar, building, requests and bookings
//! - `constraints`: each hard constraint as a named, cited decision
//! - `separation`: the never-meet plan per side
//! - `grid`: bookings as per-day tick masks, for fast search
//! - `slots`: one hearing's feasible slots, earliest first
//! - `planner`: many hearings at once, by priority
//! - `improve`: a bounded search for a better planning order
//! - `validator`: an independent check of any set of bookings
//! - `testimony`: every child's single sitting across linked cases
//! - `capacity`: what one more piece of capacity would change
//! - `instances`: synthetic mass-victim instances for tests and benchmarks

pub mod capacity;
pub mod constraints;
pub mod grid;
pub mod improve;
pub mod instances;
pub mod limits;
pub mod model;
pub mod planner;
pub mod separation;
pub mod slots;
pub mod testimony;
pub mod validator;

#[cfg(test)]
pub(crate) mod testing;

pub use limits::ScheduleRules;
