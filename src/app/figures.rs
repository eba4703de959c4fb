//! A court's figures of delay for a period, from its outcomes, its cases'
//! stop events, its adjournments and its children's appearances.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::course::profile_of;
use crate::db::{self, DbConn};
use crate::domain::adjournment::AdjournmentStatus;
use crate::domain::calendar::local_date;
use crate::domain::clocks::CaseFacts;
use crate::domain::course::Stage;
use crate::domain::figures::{self, AppearanceFigures, ClockShare, Spread};
use crate::domain::outcome::{ChildEvidence, OutcomeKind};
use crate::error::AppError;

/// The longest period one request may ask for.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

#[derive(Debug, Serialize)]
pub(crate) struct NotHeld {
    pub hearings: u64,
    pub by_cause: std::collections::BTreeMap<String, u64>,
    pub by_reason: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Adjourned {
    pub granted: u64,
    pub by_party: std::collections::BTreeMap<String, u64>,
    pub by_reason: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Figures {
    pub court_id: i64,
    pub rule_profile: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The court's today, on which running clocks are read.
    pub today: NaiveDate,
    pub child_cases: usize,
    /// Days from cognizance to the day every child's evidence was recorded
    /// in full, for child cases whose evidence was completed in the period.
    pub cognizance_to_child_evidence: Spread,
    /// Days from cognizance to decision, for child cases decided in the period.
    pub cognizance_to_decision: Spread,
    /// Each clock over the child cases whose deadline fell in the period.
    pub clocks: Vec<ClockShare>,
    pub hearings_held: u64,
    pub not_held: NotHeld,
    pub adjournments: Adjourned,
    pub appearances: AppearanceFigures,
    /// Breaches of the special measures that occurred in the period, by kind.
    pub incidents: Incidents,
}

#[derive(Debug, Serialize)]
pub(crate) struct Incidents {
    pub total: u64,
    pub by_kind: std::collections::BTreeMap<String, u64>,
}

/// The period asked for: `to` defaults to the court's today, `from` to a
/// year before it.
pub(crate) fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Duration::days(365));
    if to < from {
        return Err(AppError::invalid("to", "`to` must not be before `from`"));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::invalid("to", format!("figures cover at most {MAX_PERIOD_DAYS} days")));
    }
    Ok((from, to))
}

/// The court's child cases as the clocks read them.
pub(crate) fn child_case_facts(c: &mut DbConn, court_id: i64) -> Result<Vec<CaseFacts>, AppError> {
    Ok(db::course::court_facts(c, court_id)?
        .into_iter()
        .filter(|f| f.child_victim)
        .map(|f| CaseFacts {
            disposed: !f.case_status.parse::<Stage>().unwrap_or(Stage::Open).is_pending(),
            child_evidence_on: f.child_evidence_on,
            trial_started_on: f.trial_started_on,
            trial_concluded_on: f.trial_concluded_on,
            decided_on: f.decided_on,
            ..CaseFacts::new(f.cognizance_date, true, f.accused_in_custody)
        })
        .collect())
}

pub(crate) fn of_court(
    c: &mut DbConn,
    court_id: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Figures, AppError> {
    let court = db::courts::find(c, court_id)?;
    let profile = profile_of(&court)?;
    let today = local_date(&court.time_zone, Utc::now());
    let (from, to) = period(from, to, today)?;
    let within = |d: NaiveDate| d >= from && d <= to;

    let facts = child_case_facts(c, court_id)?;
    let days_to = |pick: fn(&CaseFacts) -> Option<NaiveDate>| {
        figures::spread(
            facts
                .iter()
                .filter_map(|f| pick(f).filter(|d| within(*d)).map(|d| (d - f.cognizance_date).num_days()))
                .collect(),
        )
    };
    let cognizance_to_child_evidence = days_to(|f| f.child_evidence_on);
    let cognizance_to_decision = days_to(|f| f.decided_on);
    let clocks = figures::clock_shares(profile, &facts, from, to, today.min(to));

    let outcomes = db::outcomes::of_court(c, court_id, from, to)?;
    let not_held: Vec<_> = outcomes.iter().filter(|o| o.kind == OutcomeKind::NotHeld.as_str()).collect();
    let not_held = NotHeld {
        hearings: not_held.len() as u64,
        by_cause: figures::count_by(not_held.iter().filter_map(|o| o.caused_by.as_deref())),
        by_reason: figures::count_by(not_held.iter().filter_map(|o| o.reason_code.as_deref())),
    };
    let hearings_held = outcomes.iter().filter(|o| o.kind == OutcomeKind::Held.as_str()).count() as u64;

    let (start, end) =
        (from.and_time(chrono::NaiveTime::MIN), (to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN));
    let granted: Vec<_> = db::adjournments::recorded_between(c, court_id, start, end)?
        .into_iter()
        .filter(|a| a.status == AdjournmentStatus::Granted.as_str())
        .collect();
    let adjournments = Adjourned {
        granted: granted.len() as u64,
        by_party: figures::count_by(granted.iter().map(|a| a.requested_by.as_str())),
        by_reason: figures::count_by(granted.iter().map(|a| a.reason_code.as_str())),
    };

    let kinds = db::incidents::kinds_between(c, court_id, start, end)?;
    let incidents =
        Incidents { total: kinds.len() as u64, by_kind: figures::count_by(kinds.iter().map(String::as_str)) };

    let seen: Vec<(i64, bool)> = db::outcomes::appearances_of_court(c, court_id, from, to)?
        .iter()
        .map(|a| (a.party_id, a.evidence != ChildEvidence::None.as_str()))
        .collect();
    Ok(Figures {
        court_id,
        rule_profile: court.rule_profile.clone(),
        from,
        to,
        today,
        child_cases: facts.len(),
        cognizance_to_child_evidence,
        cognizance_to_decision,
        clocks,
        hearings_held,
        not_held,
        adjournments,
        appearances: figures::appearance_figures(&seen),
        incidents,
    })
}
