//! Hearings: a sitting of a case, placed in a room and a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::hearings;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = hearings)]
pub struct Hearing {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub child_testifies: bool,
    pub mode: String,
    pub status: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = hearings)]
pub struct NewHearing {
    pub case_id: i64,
    pub kind: String,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub child_testifies: bool,
    pub mode: String,
    pub status: String,
    pub created_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, h: &NewHearing) -> Result<Hearing, StoreError> {
    Ok(diesel::insert_into(hearings::table).values(h).returning(hearings::all_columns).get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Hearing, StoreError> {
    hearings::table
        .find(id)
        .select(Hearing::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("hearing {id}")))
}

pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Hearing>, StoreError> {
    Ok(hearings::table
        .filter(hearings::case_id.eq(case_id))
        .order((hearings::starts_at.asc(), hearings::id.asc()))
        .select(Hearing::as_select())
        .load(conn)?)
}

/// Scheduled hearings that overlap [starts, ends) for a judge or a room,
/// other than `except`. Run inside the booking transaction.
pub fn clashes(
    conn: &mut DbConn,
    judge_id: Option<i64>,
    room_id: Option<i64>,
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    except: Option<i64>,
) -> Result<Vec<Hearing>, StoreError> {
    let mut q = hearings::table
        .filter(hearings::status.eq("scheduled"))
        .filter(hearings::starts_at.lt(ends))
        .filter(hearings::ends_at.gt(starts))
        .into_boxed();
    match (judge_id, room_id) {
        (Some(j), Some(r)) => q = q.filter(hearings::judge_id.eq(j).or(hearings::room_id.eq(r))),
        (Some(j), None) => q = q.filter(hearings::judge_id.eq(j)),
        (None, Some(r)) => q = q.filter(hearings::room_id.eq(r)),
        (None, None) => return Ok(Vec::new()),
    }
    if let Some(id) = except {
        q = q.filter(hearings::id.ne(id));
    }
    Ok(q.select(Hearing::as_select()).load(conn)?)
}

/// Sets a hearing's status (held, not held) and returns it as it is now.
pub fn set_status(conn: &mut DbConn, id: i64, status: &str) -> Result<Hearing, StoreError> {
    Ok(diesel::update(hearings::table.find(id))
        .set(hearings::status.eq(status))
        .returning(hearings::all_columns)
        .get_result(conn)?)
}

/// Which of these hearings are of cases of `court_id`.
pub fn ids_of_court(
    conn: &mut DbConn,
    court_id: i64,
    ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashSet<i64>, StoreError> {
    use super::schema::cases;
    let ids: Vec<i64> = ids.collect();
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<i64> = hearings::table
            .inner_join(cases::table)
            .filter(cases::court_id.eq(court_id))
            .filter(hearings::id.eq_any(chunk))
            .select(hearings::id)
            .load(conn)?;
        out.extend(found);
    }
    Ok(out)
}
