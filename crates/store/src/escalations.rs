//! Escalation reports: made once per case and clock, kept as made, and
//! marked when the court sends them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::escalation_reports;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = escalation_reports)]
pub struct EscalationReport {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub clock_id: String,
    pub escalate_to: String,
    pub deadline: NaiveDate,
    pub generated_on: NaiveDate,
    /// The report's facts as JSON.
    pub body: String,
    pub generated_by: i64,
    pub generated_at: NaiveDateTime,
    pub sent_by: Option<i64>,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = escalation_reports)]
pub struct NewEscalationReport {
    pub court_id: i64,
    pub case_id: i64,
    pub clock_id: String,
    pub escalate_to: String,
    pub deadline: NaiveDate,
    pub generated_on: NaiveDate,
    pub body: String,
    pub generated_by: i64,
    pub generated_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, new: &NewEscalationReport) -> Result<EscalationReport, StoreError> {
    Ok(diesel::insert_into(escalation_reports::table)
        .values(new)
        .returning(escalation_reports::all_columns)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<EscalationReport, StoreError> {
    Ok(escalation_reports::table.find(id).select(EscalationReport::as_select()).first(conn)?)
}

pub fn of_case_clock(conn: &mut DbConn, case_id: i64, clock_id: &str) -> Result<Option<EscalationReport>, StoreError> {
    Ok(escalation_reports::table
        .filter(escalation_reports::case_id.eq(case_id))
        .filter(escalation_reports::clock_id.eq(clock_id))
        .select(EscalationReport::as_select())
        .first(conn)
        .optional()?)
}

/// The reports of these courts, newest first.
pub fn of_courts(conn: &mut DbConn, court_ids: &[i64]) -> Result<Vec<EscalationReport>, StoreError> {
    Ok(escalation_reports::table
        .filter(escalation_reports::court_id.eq_any(court_ids))
        .order((escalation_reports::generated_at.desc(), escalation_reports::id.desc()))
        .select(EscalationReport::as_select())
        .load(conn)?)
}

/// Marks a report sent, once: false when it already was.
pub fn mark_sent(conn: &mut DbConn, id: i64, by: i64, at: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(escalation_reports::table.find(id).filter(escalation_reports::sent_at.is_null()))
        .set((escalation_reports::sent_by.eq(Some(by)), escalation_reports::sent_at.eq(Some(at))))
        .execute(conn)?;
    Ok(n == 1)
}
