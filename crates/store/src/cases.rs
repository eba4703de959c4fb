//! Cases: one criminal case before one court.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::cases;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: i64,
    pub court_id: i64,
    pub number: String,
    pub offence: String,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
    pub status: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCase {
    pub court_id: i64,
    pub number: String,
    pub offence: String,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
    pub status: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub offence: Option<String>,
    pub cognizance_date: Option<NaiveDate>,
    pub accused_in_custody: Option<bool>,
    pub status: Option<String>,
}

pub fn create(conn: &mut DbConn, case: &NewCase) -> Result<Case, StoreError> {
    diesel::insert_into(cases::table).values(case).returning(cases::all_columns).get_result(conn).map_err(|e| match e {
        e if super::is_unique_violation(&e) => {
            StoreError::conflict(format!("case number `{}` is already registered in this court", case.number))
        }
        e => e.into(),
    })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Case, StoreError> {
    cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("case {id}")))
}

pub fn update(conn: &mut DbConn, id: i64, changes: &CaseChanges) -> Result<Case, StoreError> {
    if changes.offence.is_none()
        && changes.cognizance_date.is_none()
        && changes.accused_in_custody.is_none()
        && changes.status.is_none()
    {
        return find(conn, id);
    }
    Ok(diesel::update(cases::table.find(id)).set(changes).returning(cases::all_columns).get_result(conn)?)
}

pub fn list(conn: &mut DbConn, court_id: i64, offset: i64, limit: i64) -> Result<(Vec<Case>, i64), StoreError> {
    let total = cases::table.filter(cases::court_id.eq(court_id)).count().get_result(conn)?;
    let rows = cases::table
        .filter(cases::court_id.eq(court_id))
        .order(cases::id)
        .offset(offset)
        .limit(limit)
        .select(Case::as_select())
        .load(conn)?;
    Ok((rows, total))
}
