//! What the pages' calendars read: a court's hearings over a span of days
//! and the judges a clerk may list a hearing before.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::hearings::Hearing;
use super::schema::{cases, hearings, users};
use super::DbConn;
use crate::StoreError;

/// A week holds a few hundred hearings at the busiest court; this bounds a
/// mistaken request, not a real one.
pub const MAX_HEARINGS: i64 = 2000;

/// Scheduled hearings of a court that overlap [from, to), with their case
/// numbers, earliest first.
pub fn court_hearings(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(Hearing, String)>, StoreError> {
    Ok(hearings::table
        .inner_join(cases::table)
        .filter(cases::court_id.eq(court_id))
        .filter(hearings::starts_at.lt(to))
        .filter(hearings::ends_at.gt(from))
        .order((hearings::starts_at.asc(), hearings::id.asc()))
        .limit(MAX_HEARINGS)
        .select((Hearing::as_select(), cases::number))
        .load(conn)?)
}

/// The court's active judges, by name.
pub fn judges(conn: &mut DbConn, court_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(users::table
        .filter(users::court_id.eq(court_id))
        .filter(users::role.eq("judge"))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)?)
}
