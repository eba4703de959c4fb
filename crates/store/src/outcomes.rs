//! What happened at each hearing, and every time a child was brought to
//! court. Every write here runs inside the caller's `db::write_tx`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{child_appearances, hearing_outcomes};
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = hearing_outcomes)]
pub struct Outcome {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub kind: String,
    pub local_day: NaiveDate,
    /// The proceedings' codes, comma-separated ("" when none).
    pub proceedings: String,
    pub child_evidence: String,
    pub continues_because: Option<String>,
    pub reason_code: Option<String>,
    pub caused_by: Option<String>,
    pub details: Option<String>,
    pub child_brought: bool,
    pub child_mode: String,
    pub recorded_by: i64,
    pub on_behalf_of: Option<i64>,
    pub recorded_at: NaiveDateTime,
    pub corrects: Option<i64>,
    pub correction_reason: Option<String>,
    pub superseded_by: Option<i64>,
    pub is_current: bool,
}

impl Outcome {
    pub fn proceeding_codes(&self) -> Vec<&str> {
        self.proceedings.split(',').filter(|p| !p.is_empty()).collect()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = hearing_outcomes)]
pub struct NewOutcome {
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub kind: String,
    pub local_day: NaiveDate,
    pub proceedings: String,
    pub child_evidence: String,
    pub continues_because: Option<String>,
    pub reason_code: Option<String>,
    pub caused_by: Option<String>,
    pub details: Option<String>,
    pub child_brought: bool,
    pub child_mode: String,
    pub recorded_by: i64,
    pub on_behalf_of: Option<i64>,
    pub recorded_at: NaiveDateTime,
    pub corrects: Option<i64>,
    pub correction_reason: Option<String>,
}

/// The outcome on record for a hearing, if any.
pub fn current(conn: &mut DbConn, hearing_id: i64) -> Result<Option<Outcome>, StoreError> {
    Ok(hearing_outcomes::table
        .filter(hearing_outcomes::hearing_id.eq(hearing_id))
        .filter(hearing_outcomes::is_current.eq(true))
        .select(Outcome::as_select())
        .first(conn)
        .optional()?)
}

/// Every record for a hearing, the first first: corrections keep it.
pub fn history(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<Outcome>, StoreError> {
    Ok(hearing_outcomes::table
        .filter(hearing_outcomes::hearing_id.eq(hearing_id))
        .order(hearing_outcomes::id)
        .select(Outcome::as_select())
        .load(conn)?)
}

/// Writes an outcome; a correction first takes the one it corrects off
/// the record (it stays, pointing at its successor).
pub fn record(conn: &mut DbConn, new: &NewOutcome) -> Result<Outcome, StoreError> {
    if let Some(old) = new.corrects {
        diesel::update(hearing_outcomes::table.find(old)).set(hearing_outcomes::is_current.eq(false)).execute(conn)?;
    }
    let row: Outcome = diesel::insert_into(hearing_outcomes::table)
        .values((new, hearing_outcomes::is_current.eq(true)))
        .returning(hearing_outcomes::all_columns)
        .get_result(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("an outcome of hearing {} is already recorded", new.hearing_id))
            }
            e => e.into(),
        })?;
    if let Some(old) = new.corrects {
        diesel::update(hearing_outcomes::table.find(old))
            .set(hearing_outcomes::superseded_by.eq(Some(row.id)))
            .execute(conn)?;
    }
    Ok(row)
}

/// The current outcomes of these hearings.
pub fn of_hearings(conn: &mut DbConn, hearing_ids: &[i64]) -> Result<Vec<Outcome>, StoreError> {
    let mut out = Vec::new();
    for chunk in hearing_ids.chunks(500) {
        out.extend(
            hearing_outcomes::table
                .filter(hearing_outcomes::hearing_id.eq_any(chunk))
                .filter(hearing_outcomes::is_current.eq(true))
                .select(Outcome::as_select())
                .load::<Outcome>(conn)?,
        );
    }
    Ok(out)
}

/// The current outcomes of a case's hearings.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Outcome>, StoreError> {
    Ok(hearing_outcomes::table
        .filter(hearing_outcomes::case_id.eq(case_id))
        .filter(hearing_outcomes::is_current.eq(true))
        .order(hearing_outcomes::local_day)
        .select(Outcome::as_select())
        .load(conn)?)
}

/// The current outcomes of a court's hearings on local days in [from, to].
pub fn of_court(conn: &mut DbConn, court_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<Outcome>, StoreError> {
    Ok(hearing_outcomes::table
        .filter(hearing_outcomes::court_id.eq(court_id))
        .filter(hearing_outcomes::local_day.ge(from))
        .filter(hearing_outcomes::local_day.le(to))
        .filter(hearing_outcomes::is_current.eq(true))
        .order(hearing_outcomes::id)
        .select(Outcome::as_select())
        .load(conn)?)
}

// ------------------------------------------------------------ appearances

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = child_appearances)]
pub struct Appearance {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub party_id: i64,
    pub hearing_id: i64,
    pub local_day: NaiveDate,
    pub mode: String,
    /// none, part or full.
    pub evidence: String,
    /// `outcome` or `video_session`: what recorded it.
    pub source: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = child_appearances)]
pub struct NewAppearance {
    pub court_id: i64,
    pub case_id: i64,
    pub party_id: i64,
    pub hearing_id: i64,
    pub local_day: NaiveDate,
    pub mode: String,
    pub evidence: String,
    pub source: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

pub fn appearances_of_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<Appearance>, StoreError> {
    Ok(child_appearances::table
        .filter(child_appearances::hearing_id.eq(hearing_id))
        .order(child_appearances::id)
        .select(Appearance::as_select())
        .load(conn)?)
}

/// The hearing's appearances become exactly `rows`: the outcome is the
/// court's word on who was brought.
pub fn replace_appearances(
    conn: &mut DbConn,
    hearing_id: i64,
    rows: &[NewAppearance],
) -> Result<Vec<Appearance>, StoreError> {
    diesel::delete(child_appearances::table.filter(child_appearances::hearing_id.eq(hearing_id))).execute(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(
            diesel::insert_into(child_appearances::table)
                .values(r)
                .returning(child_appearances::all_columns)
                .get_result(conn)?,
        );
    }
    Ok(out)
}

/// Records an appearance unless the child's appearance at this hearing is
/// already recorded; returns the new row only.
pub fn add_appearance(conn: &mut DbConn, row: &NewAppearance) -> Result<Option<Appearance>, StoreError> {
    let exists: i64 = child_appearances::table
        .filter(child_appearances::hearing_id.eq(row.hearing_id))
        .filter(child_appearances::party_id.eq(row.party_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(None);
    }
    Ok(Some(
        diesel::insert_into(child_appearances::table)
            .values(row)
            .returning(child_appearances::all_columns)
            .get_result(conn)?,
    ))
}

pub fn appearances_of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Appearance>, StoreError> {
    Ok(child_appearances::table
        .filter(child_appearances::case_id.eq(case_id))
        .order((child_appearances::local_day, child_appearances::id))
        .select(Appearance::as_select())
        .load(conn)?)
}

pub fn appearances_of_court(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Appearance>, StoreError> {
    Ok(child_appearances::table
        .filter(child_appearances::court_id.eq(court_id))
        .filter(child_appearances::local_day.ge(from))
        .filter(child_appearances::local_day.le(to))
        .order(child_appearances::id)
        .select(Appearance::as_select())
        .load(conn)?)
}
