//! Adjournment requests and their decisions, and the rescheduling a grant
//! sets off. Every write here runs inside the caller's `db::write_tx`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::hearings::{self, Hearing, NewHearing};
use super::schema::{adjournments, hearings as hearings_table};
use super::DbConn;
use crate::StoreError;
use amaan_domain::adjournment::{AdjournmentStatus, Refusal};
use amaan_domain::hearing::HearingStatus;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = adjournments)]
pub struct Adjournment {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub requested_by: String,
    pub reason_code: String,
    pub details: String,
    pub proposed_starts_at: Option<NaiveDateTime>,
    pub proposed_ends_at: Option<NaiveDateTime>,
    pub remand_days: Option<i32>,
    pub for_child_welfare: bool,
    pub status: String,
    /// JSON array of the rules that refused the request.
    pub refusals: Option<String>,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reasons: Option<String>,
    pub overridden: bool,
    pub new_hearing_id: Option<i64>,
    pub delay_days: Option<i32>,
}

impl Adjournment {
    pub fn status(&self) -> Result<AdjournmentStatus, StoreError> {
        self.status.parse().map_err(StoreError::internal)
    }

    pub fn refusal_list(&self) -> Vec<Refusal> {
        self.refusals.as_deref().and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = adjournments)]
pub struct NewAdjournment {
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub requested_by: String,
    pub reason_code: String,
    pub details: String,
    pub proposed_starts_at: Option<NaiveDateTime>,
    pub proposed_ends_at: Option<NaiveDateTime>,
    pub remand_days: Option<i32>,
    pub for_child_welfare: bool,
    pub status: String,
    pub refusals: Option<String>,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
    pub overridden: bool,
}

pub fn encode_refusals(refusals: &[Refusal]) -> Result<Option<String>, StoreError> {
    if refusals.is_empty() {
        Ok(None)
    } else {
        Ok(Some(serde_json::to_string(refusals)?))
    }
}

pub fn create(conn: &mut DbConn, new: &NewAdjournment) -> Result<Adjournment, StoreError> {
    diesel::insert_into(adjournments::table).values(new).returning(adjournments::all_columns).get_result(conn).map_err(
        |e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("hearing {} already has a request waiting for the judge", new.hearing_id))
            }
            e => e.into(),
        },
    )
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Adjournment, StoreError> {
    adjournments::table
        .find(id)
        .select(Adjournment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("adjournment {id}")))
}

pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Adjournment>, StoreError> {
    Ok(adjournments::table
        .filter(adjournments::case_id.eq(case_id))
        .order(adjournments::id.asc())
        .select(Adjournment::as_select())
        .load(conn)?)
}

/// The case's granted adjournments in the order they were granted.
pub fn granted_of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Adjournment>, StoreError> {
    Ok(adjournments::table
        .filter(adjournments::case_id.eq(case_id))
        .filter(adjournments::status.eq(AdjournmentStatus::Granted.as_str()))
        .order((adjournments::decided_at.asc(), adjournments::id.asc()))
        .select(Adjournment::as_select())
        .load(conn)?)
}

pub fn pending_for_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Option<Adjournment>, StoreError> {
    Ok(adjournments::table
        .filter(adjournments::hearing_id.eq(hearing_id))
        .filter(adjournments::status.eq(AdjournmentStatus::Pending.as_str()))
        .select(Adjournment::as_select())
        .first(conn)
        .optional()?)
}

/// How many times the case has been adjourned (granted requests, overrides
/// included): the docket's "adjournments so far". Each grant marks exactly
/// one hearing `adjourned`, so this agrees with counting those hearings.
pub fn count_for_case(conn: &mut DbConn, case_id: i64) -> Result<i64, StoreError> {
    Ok(adjournments::table
        .filter(adjournments::case_id.eq(case_id))
        .filter(adjournments::status.eq(AdjournmentStatus::Granted.as_str()))
        .count()
        .get_result(conn)?)
}

/// `count_for_case` as a select-list subquery over a `cases c` row, for
/// statements written as SQL text (the docket's, which the benchmark also
/// runs raw).
pub const COUNT_FOR_CASE_SQL: &str =
    "(SELECT COUNT(*) FROM adjournments a WHERE a.case_id = c.id AND a.status = 'granted')";

/// `count_for_case` for many cases in one query; a case never adjourned is
/// absent from the map.
pub fn count_for_cases(conn: &mut DbConn, case_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
    if case_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = adjournments::table
        .filter(adjournments::case_id.eq_any(case_ids))
        .filter(adjournments::status.eq(AdjournmentStatus::Granted.as_str()))
        .group_by(adjournments::case_id)
        .select((adjournments::case_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Grants a judge made against a rule, for showing beside the cases.
pub fn overrides_for_cases(conn: &mut DbConn, case_ids: &[i64]) -> Result<Vec<Adjournment>, StoreError> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(adjournments::table
        .filter(adjournments::case_id.eq_any(case_ids))
        // The column itself, not `= true` bound as a parameter: the form
        // the partial index `adjournments_overridden` is written in.
        .filter(adjournments::overridden)
        .order(adjournments::id.asc())
        .select(Adjournment::as_select())
        .load(conn)?)
}

/// A court's requests recorded in [from, until).
pub fn recorded_between(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<Adjournment>, StoreError> {
    Ok(adjournments::table
        .filter(adjournments::court_id.eq(court_id))
        .filter(adjournments::created_at.ge(from))
        .filter(adjournments::created_at.lt(until))
        .select(Adjournment::as_select())
        .load(conn)?)
}

/// What a judge decided.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = adjournments)]
pub struct Decision {
    pub status: String,
    pub refusals: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reasons: Option<String>,
    pub overridden: bool,
    pub new_hearing_id: Option<i64>,
    pub delay_days: Option<i32>,
}

/// Records the decision only if the request is still undecided: the last
/// guard against a second decision, should two ever get this far.
pub fn record_decision(conn: &mut DbConn, id: i64, decision: &Decision) -> Result<Adjournment, StoreError> {
    let undecided = [AdjournmentStatus::Pending.as_str(), AdjournmentStatus::RefusedByRule.as_str()];
    diesel::update(adjournments::table.find(id).filter(adjournments::status.eq_any(undecided)))
        .set(decision)
        .returning(adjournments::all_columns)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::conflict(format!("adjournment {id} has already been decided")))
}

/// Marks a scheduled hearing adjourned; a hearing no longer scheduled (held,
/// cancelled, already adjourned) cannot be.
pub fn mark_adjourned(conn: &mut DbConn, hearing_id: i64) -> Result<Hearing, StoreError> {
    diesel::update(
        hearings_table::table.find(hearing_id).filter(hearings_table::status.eq(HearingStatus::Scheduled.as_str())),
    )
    .set(hearings_table::status.eq(HearingStatus::Adjourned.as_str()))
    .returning(hearings_table::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| StoreError::conflict(format!("hearing {hearing_id} is no longer scheduled")))
}

/// The adjourned hearing's successor: the same case, kind, judge, court
/// room, mode and child's evidence, not yet placed. Parties belong to the
/// case, so they carry over by themselves; the caller books the new time
/// (times, the judge's and room's hold, each side's never-meet plan) in
/// the same transaction.
pub fn successor(conn: &mut DbConn, old: &Hearing, now: NaiveDateTime) -> Result<Hearing, StoreError> {
    hearings::create(
        conn,
        &NewHearing {
            case_id: old.case_id,
            kind: old.kind.clone(),
            judge_id: old.judge_id,
            room_id: old.room_id,
            starts_at: None,
            ends_at: None,
            child_testifies: old.child_testifies,
            mode: old.mode.clone(),
            status: HearingStatus::Unscheduled.as_str().into(),
            created_at: now,
        },
    )
}
