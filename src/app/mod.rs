//! The use cases: transactions that several routes share. A handler
//! extracts, authorises, calls one of these and maps the answer; the rules
//! they apply are the domain's, the rows they touch the store's.

pub mod adjournments;
pub mod booking;
pub mod course;
pub mod docket_cache;
pub mod escalations;
pub mod facts;
pub mod feedback;
pub mod figures;
pub mod free_text;
pub mod ics;
pub mod incidents;
pub mod kept_figures;
pub mod notices;
pub mod outcomes;
pub mod oversight;
pub mod plan_booking;
pub mod testimony;
