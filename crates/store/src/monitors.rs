//! Oversight: the places a monitor reads, the courts in them, and the few
//! counts the monitor's figures take beside a court's own.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::courts::Court;
use super::schema::{courts, monitor_scopes, video_sessions, video_state_changes};
use super::DbConn;
use crate::StoreError;

/// A province, or one district of it, that a monitor reads.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = monitor_scopes)]
pub struct MonitorScope {
    pub id: i64,
    pub user_id: i64,
    pub province: String,
    pub district: Option<String>,
    pub created_at: NaiveDateTime,
}

impl MonitorScope {
    pub fn covers(&self, court: &Court) -> bool {
        court.province.as_deref() == Some(self.province.as_str())
            && self.district.as_deref().is_none_or(|d| court.district.as_deref() == Some(d))
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = monitor_scopes)]
pub struct NewMonitorScope {
    pub user_id: i64,
    pub province: String,
    pub district: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn add_scope(conn: &mut DbConn, scope: &NewMonitorScope) -> Result<MonitorScope, StoreError> {
    Ok(diesel::insert_into(monitor_scopes::table)
        .values(scope)
        .returning(monitor_scopes::all_columns)
        .get_result(conn)?)
}

pub fn scopes_of(conn: &mut DbConn, user_id: i64) -> Result<Vec<MonitorScope>, StoreError> {
    Ok(monitor_scopes::table
        .filter(monitor_scopes::user_id.eq(user_id))
        .order(monitor_scopes::id)
        .select(MonitorScope::as_select())
        .load(conn)?)
}

/// The courts the scopes cover, by id.
pub fn courts_in(conn: &mut DbConn, scopes: &[MonitorScope]) -> Result<Vec<Court>, StoreError> {
    let provinces: Vec<&str> = scopes.iter().map(|s| s.province.as_str()).collect();
    if provinces.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<Court> = courts::table
        .filter(courts::province.eq_any(provinces))
        .order(courts::id)
        .select(Court::as_select())
        .load(conn)?;
    Ok(candidates.into_iter().filter(|c| scopes.iter().any(|s| s.covers(c))).collect())
}

/// Video sessions a court opened in [from, until), and the breaks called
/// in them in that time.
pub fn video_counts(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<(u64, u64), StoreError> {
    let sessions: i64 = video_sessions::table
        .filter(video_sessions::court_id.eq(court_id))
        .filter(video_sessions::created_at.ge(from))
        .filter(video_sessions::created_at.lt(until))
        .count()
        .get_result(conn)?;
    let breaks: i64 = video_state_changes::table
        .inner_join(video_sessions::table)
        .filter(video_sessions::court_id.eq(court_id))
        .filter(video_state_changes::to_state.eq("break"))
        .filter(video_state_changes::at.ge(from))
        .filter(video_state_changes::at.lt(until))
        .count()
        .get_result(conn)?;
    Ok((sessions.max(0) as u64, breaks.max(0) as u64))
}
