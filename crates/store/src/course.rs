//! The case's course (its dated steps) and the facts kept per case and per
//! child for the docket: the clocks' stop events and the appearance
//! counts. Every write here runs inside the caller's `db::write_tx`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::hearings::Hearing;
use super::schema::{case_facts, case_steps, cases, child_facts, hearings};
use super::DbConn;
use crate::StoreError;
use amaan_domain::hearing::HearingStatus;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = case_steps)]
pub struct Step {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub stage: String,
    pub on_day: NaiveDate,
    pub decision: Option<String>,
    pub reasons: Option<String>,
    /// The held hearing that moved the case on, when a hearing did.
    pub hearing_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_steps)]
pub struct NewStep {
    pub court_id: i64,
    pub case_id: i64,
    pub stage: String,
    pub on_day: NaiveDate,
    pub decision: Option<String>,
    pub reasons: Option<String>,
    pub hearing_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

pub fn steps_of(conn: &mut DbConn, case_id: i64) -> Result<Vec<Step>, StoreError> {
    Ok(case_steps::table
        .filter(case_steps::case_id.eq(case_id))
        .order(case_steps::id)
        .select(Step::as_select())
        .load(conn)?)
}

/// Records a step and moves the case to its stage.
pub fn add_step(conn: &mut DbConn, new: &NewStep) -> Result<Step, StoreError> {
    let step: Step =
        diesel::insert_into(case_steps::table).values(new).returning(case_steps::all_columns).get_result(conn)?;
    diesel::update(cases::table.find(new.case_id)).set(cases::status.eq(&new.stage)).execute(conn)?;
    Ok(step)
}

/// Steps of many cases, for the figures.
pub fn steps_of_court(conn: &mut DbConn, court_id: i64) -> Result<Vec<Step>, StoreError> {
    Ok(case_steps::table
        .filter(case_steps::court_id.eq(court_id))
        .order(case_steps::id)
        .select(Step::as_select())
        .load(conn)?)
}

/// The case's hearings still to come, cancelled because the case was
/// decided; returns them as they were.
pub fn cancel_pending_hearings(conn: &mut DbConn, case_id: i64) -> Result<Vec<Hearing>, StoreError> {
    let pending: Vec<Hearing> = hearings::table
        .filter(hearings::case_id.eq(case_id))
        .filter(hearings::status.eq_any([HearingStatus::Scheduled.as_str(), HearingStatus::Unscheduled.as_str()]))
        .order(hearings::id)
        .select(Hearing::as_select())
        .load(conn)?;
    let ids: Vec<i64> = pending.iter().map(|h| h.id).collect();
    if !ids.is_empty() {
        diesel::update(hearings::table.filter(hearings::id.eq_any(&ids)))
            .set(hearings::status.eq(HearingStatus::Cancelled.as_str()))
            .execute(conn)?;
    }
    Ok(pending)
}

// ----------------------------------------------------------------- facts

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq)]
#[diesel(table_name = case_facts)]
pub struct CaseFactsRow {
    pub case_id: i64,
    pub court_id: i64,
    pub child_evidence_on: Option<NaiveDate>,
    pub trial_started_on: Option<NaiveDate>,
    pub trial_concluded_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub decision: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub disposed_on: Option<NaiveDate>,
    pub appearances: i32,
    pub testimonies: i32,
    pub updated_at: NaiveDateTime,
    /// Hearings of the case adjourned so far.
    pub adjournments: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq)]
#[diesel(table_name = child_facts)]
pub struct ChildFactsRow {
    pub party_id: i64,
    pub case_id: i64,
    pub brought: i32,
    pub testified: i32,
    pub evidence_complete_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn facts_of(conn: &mut DbConn, case_id: i64) -> Result<Option<CaseFactsRow>, StoreError> {
    Ok(case_facts::table.find(case_id).select(CaseFactsRow::as_select()).first(conn).optional()?)
}

pub fn facts_of_court(conn: &mut DbConn, court_id: i64) -> Result<Vec<CaseFactsRow>, StoreError> {
    Ok(case_facts::table
        .filter(case_facts::court_id.eq(court_id))
        .order(case_facts::case_id)
        .select(CaseFactsRow::as_select())
        .load(conn)?)
}

/// How many of the case's hearings were adjourned.
pub fn adjourned_hearings(conn: &mut DbConn, case_id: i64) -> Result<i64, StoreError> {
    Ok(hearings::table
        .filter(hearings::case_id.eq(case_id))
        .filter(hearings::status.eq(HearingStatus::Adjourned.as_str()))
        .count()
        .get_result(conn)?)
}

/// Every case id, in order, from `after` on, `limit` at a time: the facts
/// check walks all cases without holding them all.
pub fn case_ids_after(conn: &mut DbConn, after: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
    Ok(cases::table.filter(cases::id.gt(after)).order(cases::id).select(cases::id).limit(limit).load(conn)?)
}

/// The children's facts of one case.
pub fn child_facts_of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<ChildFactsRow>, StoreError> {
    child_facts_of(conn, &[case_id])
}

/// Replaces the case's facts and its children's.
/// The children's rows go first: the trigger on `case_facts` rewrites the
/// case's docket lines, children's counts included, from what is there.
pub fn save_facts(conn: &mut DbConn, facts: &CaseFactsRow, children: &[ChildFactsRow]) -> Result<(), StoreError> {
    diesel::delete(child_facts::table.filter(child_facts::case_id.eq(facts.case_id))).execute(conn)?;
    for c in children {
        diesel::insert_into(child_facts::table).values(c).execute(conn)?;
    }
    diesel::delete(case_facts::table.find(facts.case_id)).execute(conn)?;
    diesel::insert_into(case_facts::table).values(facts).execute(conn)?;
    Ok(())
}

pub fn child_facts_of(conn: &mut DbConn, case_ids: &[i64]) -> Result<Vec<ChildFactsRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(500) {
        out.extend(
            child_facts::table
                .filter(child_facts::case_id.eq_any(chunk))
                .order(child_facts::party_id)
                .select(ChildFactsRow::as_select())
                .load::<ChildFactsRow>(conn)?,
        );
    }
    Ok(out)
}

/// A case of a court with its stop events, for the figures.
#[derive(Debug, Clone, QueryableByName)]
pub struct FactsOfCase {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub case_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub cognizance_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub accused_in_custody: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub case_status: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub child_victim: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub child_evidence_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub trial_started_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub trial_concluded_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub decided_on: Option<NaiveDate>,
}

/// Every case of a court with its stop events and whether a child is its
/// victim.
pub fn court_facts(conn: &mut DbConn, court_id: i64) -> Result<Vec<FactsOfCase>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT c.id AS case_id, c.cognizance_date, c.accused_in_custody, c.status AS case_status, \
         EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id AND p.role = 'child_witness') AS child_victim, \
         f.child_evidence_on, f.trial_started_on, f.trial_concluded_on, f.decided_on \
         FROM cases c LEFT JOIN case_facts f ON f.case_id = c.id WHERE c.court_id = $1 ORDER BY c.id",
    )
    .bind::<diesel::sql_types::BigInt, _>(court_id)
    .load(conn)?)
}
