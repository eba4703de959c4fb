//! Each court's figures of delay by month, kept current in the transaction
//! of every write that changes them (an outcome, an appearance, a step of
//! the case's course, an adjournment request or decision, an incident, a
//! video session or break, a case or child added), so that the monitor's
//! dashboard reads a few rows per court instead of recounting its cases.
//! A write refreshes the whole court's rows from its kept per-case facts
//! and its dated records: one court, never the province.

use chrono::{NaiveDate, NaiveTime, Utc};
use diesel::Connection;

use super::course::profile_of;
use super::figures::child_case_facts;
use crate::db::court_figures::CourtFiguresRow;
use crate::db::{self, DbConn};
use crate::domain::adjournment::AdjournmentStatus;
use crate::domain::month_figures::{self, AdjournmentFact, CourtRecord, OutcomeFact};
use crate::domain::outcome::{Appearance, ChildEvidence, OutcomeKind};
use crate::error::AppError;

fn day(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default()
}

/// Everything of the court the figures are made from.
fn record_of(c: &mut DbConn, court_id: i64) -> Result<CourtRecord, AppError> {
    let (first, last) = (day(1900), day(9999));
    let (start, end) = (first.and_time(NaiveTime::MIN), last.and_time(NaiveTime::MIN));
    let outcomes = db::outcomes::of_court(c, court_id, first, last)?
        .into_iter()
        .map(|o| OutcomeFact { on: o.local_day, held: o.kind == OutcomeKind::Held.as_str(), caused_by: o.caused_by })
        .collect();
    let adjournments = db::adjournments::recorded_between(c, court_id, start, end)?
        .into_iter()
        .map(|a| {
            let status = a.status.parse::<AdjournmentStatus>().ok();
            AdjournmentFact {
                on: a.created_at.date(),
                refused_by_rule: status == Some(AdjournmentStatus::RefusedByRule),
                granted: status == Some(AdjournmentStatus::Granted),
                refused: status == Some(AdjournmentStatus::Refused),
                overridden: a.overridden,
                decided_by: a.decided_by,
            }
        })
        .collect();
    let appearances = db::outcomes::appearances_of_court(c, court_id, first, last)?
        .iter()
        .map(|a| Appearance {
            party_id: a.party_id,
            on: a.local_day,
            evidence: a.evidence.parse().unwrap_or(ChildEvidence::None),
        })
        .collect();
    let (video_sessions, breaks) = db::court_figures::video_days(c, court_id)?;
    Ok(CourtRecord {
        cases: child_case_facts(c, court_id)?,
        outcomes,
        adjournments,
        appearances,
        video_sessions,
        breaks,
        incidents: db::court_figures::incident_days(c, court_id)?,
    })
}

/// The court's rows as its records make them now, stored nowhere.
pub(crate) fn compute(c: &mut DbConn, court_id: i64) -> Result<Vec<CourtFiguresRow>, AppError> {
    let court = db::courts::find(c, court_id)?;
    let profile = profile_of(&court)?;
    let record = record_of(c, court_id)?;
    let now = Utc::now().naive_utc();
    month_figures::court_rows(profile, &record)
        .into_iter()
        .map(|(month, f)| {
            let figures = serde_json::to_string(&f).map_err(|e| AppError::internal(e.to_string()))?;
            Ok(CourtFiguresRow { court_id, month, figures, updated_at: now })
        })
        .collect()
}

/// Recomputes the court's rows and stores them. Run in the transaction of
/// every write that changes them.
pub(crate) fn refresh(c: &mut DbConn, court_id: i64) -> Result<(), AppError> {
    let rows = compute(c, court_id)?;
    db::court_figures::replace(c, court_id, &rows)?;
    Ok(())
}

/// Recomputes and stores every court's rows, a court a transaction: after
/// rows were written behind the application's back (a seeded benchmark, a
/// restore), or to repair what the check found.
pub fn refresh_all(conn: &mut DbConn) -> Result<usize, AppError> {
    let courts = db::court_figures::court_ids(conn)?;
    for id in &courts {
        conn.transaction(|c| refresh(c, *id))?;
    }
    Ok(courts.len())
}

/// A court's month whose kept figures differ from those recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresDifference {
    pub court_id: i64,
    pub month: String,
    pub kept: String,
    pub recomputed: String,
}

impl std::fmt::Display for FiguresDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "court {} figures of {}: kept {}, recomputed {}",
            self.court_id, self.month, self.kept, self.recomputed
        )
    }
}

/// Every court's kept rows against those recomputed now; reads only, a
/// court a transaction.
pub fn check(conn: &mut DbConn) -> Result<(usize, Vec<FiguresDifference>), AppError> {
    let courts = db::court_figures::court_ids(conn)?;
    let mut out = Vec::new();
    for id in &courts {
        let found = conn.transaction(|c| {
            let kept = db::court_figures::of_court(c, *id)?;
            let now = compute(c, *id)?;
            Ok::<_, AppError>(differences(*id, &kept, &now))
        })?;
        out.extend(found);
    }
    Ok((courts.len(), out))
}

fn differences(court_id: i64, kept: &[CourtFiguresRow], now: &[CourtFiguresRow]) -> Vec<FiguresDifference> {
    let mut months: Vec<&str> = kept.iter().chain(now).map(|r| r.month.as_str()).collect();
    months.sort_unstable();
    months.dedup();
    let figures_of = |rows: &[CourtFiguresRow], m: &str| {
        rows.iter().find(|r| r.month == m).map_or_else(|| "none".to_string(), |r| r.figures.clone())
    };
    months
        .into_iter()
        .filter_map(|m| {
            let (kept, recomputed) = (figures_of(kept, m), figures_of(now, m));
            (kept != recomputed).then(|| FiguresDifference { court_id, month: m.to_string(), kept, recomputed })
        })
        .collect()
}
