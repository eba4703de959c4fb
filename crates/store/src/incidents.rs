//! Incidents: breaches of the special measures, as the court records them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::incidents;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = incidents)]
pub struct Incident {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: Option<i64>,
    pub kind: String,
    pub place: String,
    pub who: String,
    pub occurred_at: NaiveDateTime,
    pub details: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = incidents)]
pub struct NewIncident {
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: Option<i64>,
    pub kind: String,
    pub place: String,
    pub who: String,
    pub occurred_at: NaiveDateTime,
    pub details: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, new: &NewIncident) -> Result<Incident, StoreError> {
    Ok(diesel::insert_into(incidents::table).values(new).returning(incidents::all_columns).get_result(conn)?)
}

pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Incident>, StoreError> {
    Ok(incidents::table
        .filter(incidents::case_id.eq(case_id))
        .order(incidents::occurred_at)
        .select(Incident::as_select())
        .load(conn)?)
}

/// The kinds of a court's incidents that occurred in [from, until).
pub fn kinds_between(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<String>, StoreError> {
    Ok(incidents::table
        .filter(incidents::court_id.eq(court_id))
        .filter(incidents::occurred_at.ge(from))
        .filter(incidents::occurred_at.lt(until))
        .select(incidents::kind)
        .load(conn)?)
}
