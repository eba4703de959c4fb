//! Families' feedback: the links (by the SHA-256 of their token) and the
//! one answer each party may give for a hearing.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{feedback_links, feedback_responses};
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = feedback_links)]
pub struct FeedbackLink {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub token_hash: String,
    /// The support officer who made it to fill in with the family; None
    /// for a link sent in the family's notice.
    pub made_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = feedback_links)]
pub struct NewFeedbackLink {
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub token_hash: String,
    pub made_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = feedback_responses)]
pub struct FeedbackResponse {
    pub id: i64,
    pub court_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub link_id: i64,
    pub hearing_day: NaiveDate,
    pub saw_accused_side: String,
    pub waited: String,
    pub respected: String,
    pub report: Option<String>,
    pub language: String,
    pub entered_by_staff: bool,
    pub submitted_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = feedback_responses)]
pub struct NewFeedbackResponse {
    pub court_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub link_id: i64,
    pub hearing_day: NaiveDate,
    pub saw_accused_side: String,
    pub waited: String,
    pub respected: String,
    pub report: Option<String>,
    pub language: String,
    pub entered_by_staff: bool,
    pub submitted_at: NaiveDateTime,
}

pub fn add_link(conn: &mut DbConn, new: &NewFeedbackLink) -> Result<FeedbackLink, StoreError> {
    Ok(diesel::insert_into(feedback_links::table)
        .values(new)
        .returning(feedback_links::all_columns)
        .get_result(conn)?)
}

pub fn link_by_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<FeedbackLink>, StoreError> {
    Ok(feedback_links::table
        .filter(feedback_links::token_hash.eq(token_hash))
        .select(FeedbackLink::as_select())
        .first(conn)
        .optional()?)
}

pub fn answered(conn: &mut DbConn, hearing_id: i64, party_id: i64) -> Result<bool, StoreError> {
    let n: i64 = feedback_responses::table
        .filter(feedback_responses::hearing_id.eq(hearing_id))
        .filter(feedback_responses::party_id.eq(party_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Stores an answer; None when the party already answered for the hearing
/// (the unique key decides, so two nodes cannot both take one).
pub fn respond(conn: &mut DbConn, new: &NewFeedbackResponse) -> Result<Option<FeedbackResponse>, StoreError> {
    match diesel::insert_into(feedback_responses::table)
        .values(new)
        .returning(feedback_responses::all_columns)
        .get_result(conn)
    {
        Ok(r) => Ok(Some(r)),
        Err(e) if crate::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The answers about hearings of these courts held on days in [from, to].
pub fn of_courts(
    conn: &mut DbConn,
    court_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FeedbackResponse>, StoreError> {
    Ok(feedback_responses::table
        .filter(feedback_responses::court_id.eq_any(court_ids))
        .filter(feedback_responses::hearing_day.ge(from))
        .filter(feedback_responses::hearing_day.le(to))
        .order((feedback_responses::hearing_day, feedback_responses::id))
        .select(FeedbackResponse::as_select())
        .load(conn)?)
}
