//! The case's course as use cases: a step the court orders (dated,
//! audited, a decision cancelling what is still listed), the steps a held
//! hearing implies, and the per-case facts every outcome and step keeps
//! current in its own transaction, so that the docket reads one row per
//! case for the clocks' stop events and the children's appearances.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::api::cases::visible_case;
use crate::api::views;
use crate::auth::AuthUser;
use crate::db::cases::Case;
use crate::db::course::{CaseFactsRow, ChildFactsRow, NewStep, Step as StepRow};
use crate::db::courts::Court;
use crate::db::parties::Party;
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::calendar::local_date;
use crate::domain::clocks::{self, CaseFacts, ClockStatus};
use crate::domain::course::{self, Decision, Position, Stage, Step, StepRefused, StopEvents, Taken};
use crate::domain::outcome::{self as rules, Appearance, ChildEvidence, ChildTally, OutcomeKind, Proceeding};
use crate::domain::rules::RuleProfile;
use crate::error::{AppError, RuleRef};

pub(crate) fn profile_of(court: &Court) -> Result<&'static RuleProfile, AppError> {
    crate::domain::rules::profile(&court.rule_profile).map_err(AppError::internal)
}

pub(crate) fn stage_of(case: &Case) -> Stage {
    // A case stored before the course existed says only open or disposed.
    case.status.parse().unwrap_or(Stage::Open)
}

fn parse<T: std::str::FromStr<Err = String>>(what: &str, text: &str) -> Result<T, AppError> {
    text.parse().map_err(|e| AppError::internal(format!("stored {what}: {e}")))
}

fn taken(steps: &[StepRow]) -> Result<Vec<Taken>, AppError> {
    steps
        .iter()
        .map(|s| {
            Ok(Taken {
                stage: parse("stage", &s.stage)?,
                decision: s.decision.as_deref().map(|d| parse("decision", d)).transpose()?,
                on: s.on_day,
            })
        })
        .collect()
}

fn appearances(rows: &[db::outcomes::Appearance]) -> Result<Vec<Appearance>, AppError> {
    rows.iter()
        .map(|a| Ok(Appearance { party_id: a.party_id, on: a.local_day, evidence: parse("evidence", &a.evidence)? }))
        .collect()
}

/// Whether a stored outcome took evidence of any witness.
pub(crate) fn took_evidence(o: &db::outcomes::Outcome) -> bool {
    o.kind == OutcomeKind::Held.as_str()
        && (o.child_evidence != ChildEvidence::None.as_str()
            || o.proceeding_codes().iter().any(|p| p.parse::<Proceeding>().is_ok_and(Proceeding::takes_evidence)))
}

/// Recomputes the case's facts and its children's from its steps, current
/// outcomes and appearances and its adjourned hearings, and stores them.
/// Run in the transaction of every write that changes one of those.
pub(crate) fn refresh_facts(c: &mut DbConn, case: &Case) -> Result<StopEvents, AppError> {
    let (facts, child_rows, events) = compute_facts(c, case)?;
    db::course::save_facts(c, &facts, &child_rows)?;
    super::kept_figures::refresh(c, case.court_id)?;
    Ok(events)
}

/// The case's facts as its hearings, outcomes, appearances and steps make
/// them now, stored nowhere: `refresh_facts` stores them, the facts check
/// compares them with what is stored.
pub(crate) fn compute_facts(
    c: &mut DbConn,
    case: &Case,
) -> Result<(CaseFactsRow, Vec<ChildFactsRow>, StopEvents), AppError> {
    let parties = db::parties::of_case(c, case.id)?;
    let children: Vec<i64> = parties.iter().filter(|p| p.is_child()).map(|p| p.id).collect();
    let seen = appearances(&db::outcomes::appearances_of_case(c, case.id)?)?;
    let first_evidence_on =
        db::outcomes::of_case(c, case.id)?.iter().filter(|o| took_evidence(o)).map(|o| o.local_day).min();
    let steps = taken(&db::course::steps_of(c, case.id)?)?;
    let events = course::stop_events(&steps, first_evidence_on, rules::all_children_heard_on(&children, &seen));
    let now = Utc::now().naive_utc();
    let tallies: Vec<(i64, ChildTally)> = children.iter().map(|id| (*id, rules::tally(*id, &seen))).collect();
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let facts = CaseFactsRow {
        case_id: case.id,
        court_id: case.court_id,
        child_evidence_on: events.child_evidence_on,
        trial_started_on: events.trial_started_on,
        trial_concluded_on: events.trial_concluded_on,
        decided_on: events.decided_on,
        decision: events.decision.map(|d| d.as_str().to_string()),
        closed_on: events.closed_on,
        disposed_on: events.disposed_on,
        appearances: count(tallies.iter().map(|(_, t)| t.brought).sum()),
        testimonies: count(tallies.iter().map(|(_, t)| t.testified).sum()),
        updated_at: now,
        adjournments: i32::try_from(db::course::adjourned_hearings(c, case.id)?).unwrap_or(i32::MAX),
    };
    let child_rows: Vec<ChildFactsRow> = tallies
        .iter()
        .map(|(id, t)| ChildFactsRow {
            party_id: *id,
            case_id: case.id,
            brought: count(t.brought),
            testified: count(t.testified),
            evidence_complete_on: t.evidence_complete_on,
            updated_at: now,
        })
        .collect();
    Ok((facts, child_rows, events))
}

/// What the clocks need of a case, from its stored facts.
pub(crate) fn clock_facts(case: &Case, child_victim: bool, facts: Option<&CaseFactsRow>) -> CaseFacts {
    CaseFacts {
        child_evidence_on: facts.and_then(|f| f.child_evidence_on),
        trial_started_on: facts.and_then(|f| f.trial_started_on),
        trial_concluded_on: facts.and_then(|f| f.trial_concluded_on),
        decided_on: facts.and_then(|f| f.decided_on),
        disposed: !stage_of(case).is_pending(),
        ..CaseFacts::new(case.cognizance_date, child_victim, case.accused_in_custody)
    }
}

/// The day of the case's last step (its cognizance when it has none).
fn since(case: &Case, steps: &[StepRow]) -> NaiveDate {
    steps.iter().map(|s| s.on_day).max().unwrap_or(case.cognizance_date).max(case.cognizance_date)
}

/// A step a held hearing implies (evidence taken, arguments heard,
/// judgment reserved), recorded when it moves the case forward and is
/// not dated before the case's last step. Returns the step, if taken.
pub(crate) fn advance_by_hearing(
    c: &mut DbConn,
    user: &AuthUser,
    case: &Case,
    to: Stage,
    on: NaiveDate,
    hearing_id: i64,
) -> Result<Option<StepRow>, AppError> {
    let at = stage_of(case);
    let steps = db::course::steps_of(c, case.id)?;
    if to <= at || !at.is_pending() || on < since(case, &steps) {
        return Ok(None);
    }
    let step = db::course::add_step(
        c,
        &NewStep {
            court_id: case.court_id,
            case_id: case.id,
            stage: to.as_str().into(),
            on_day: on,
            decision: None,
            reasons: None,
            hearing_id: Some(hearing_id),
            recorded_by: Some(user.id),
            recorded_at: Utc::now().naive_utc(),
        },
    )?;
    audit::append(
        c,
        &user.actor(),
        Change::new("advance", "case", case.id)
            .court(Some(case.court_id))
            .before(&serde_json::json!({ "stage": at }))
            .after(&step)
            .reason(Some(format!("hearing {hearing_id} held"))),
    )?;
    Ok(Some(step))
}

/// A step the court orders.
pub(crate) struct StepOrder {
    pub case_id: i64,
    pub to: Stage,
    pub decision: Option<Decision>,
    pub on: Option<NaiveDate>,
    pub reasons: Option<String>,
}

fn refused(e: StepRefused) -> AppError {
    match e {
        StepRefused::Invalid { field, detail } => AppError::invalid(field, detail),
        StepRefused::Rule { rule, section, detail } => {
            AppError::RuleRefused { rule: RuleRef { rule, section }, detail }
        }
    }
}

/// Records a step of the case's course. A decision takes the case off the
/// docket: its hearings still to come are cancelled in the same
/// transaction, and its clocks stop (or close) on the decision's date.
pub(crate) fn record_step(c: &mut DbConn, user: &AuthUser, order: &StepOrder) -> Result<CourseView, AppError> {
    let (case, court) = visible_case(c, user, order.case_id)?;
    let profile = profile_of(&court)?;
    let parties = db::parties::of_case(c, case.id)?;
    if let Some(r) = &order.reasons {
        refuse_child_names(c, &case, "reasons", r)?;
    }
    let steps = db::course::steps_of(c, case.id)?;
    let today = local_date(&court.time_zone, Utc::now());
    let at = Position {
        stage: stage_of(&case),
        since: since(&case, &steps),
        cognizance: case.cognizance_date,
        child_victim: parties.iter().any(Party::is_child),
        today,
    };
    let step = Step { to: order.to, decision: order.decision, on: order.on.unwrap_or(today) };
    course::check_step(profile, &at, &step).map_err(refused)?;
    let row = db::course::add_step(
        c,
        &NewStep {
            court_id: case.court_id,
            case_id: case.id,
            stage: step.to.as_str().into(),
            on_day: step.on,
            decision: step.decision.map(|d| d.as_str().to_string()),
            reasons: order.reasons.clone(),
            hearing_id: None,
            recorded_by: Some(user.id),
            recorded_at: Utc::now().naive_utc(),
        },
    )?;
    let actor = user.actor();
    audit::append(
        c,
        &actor,
        Change::new(if step.to == Stage::Decided { "decide" } else { "advance" }, "case", case.id)
            .court(Some(case.court_id))
            .before(&serde_json::json!({ "stage": at.stage }))
            .after(&row)
            .reason(order.reasons.clone()),
    )?;
    if step.to == Stage::Decided {
        for h in db::course::cancel_pending_hearings(c, case.id)? {
            // Each party is told in this transaction that the date is off.
            super::notices::queue_for_cancelled(c, &h)?;
            let mut after = views::hearing(&h);
            after.status = crate::domain::hearing::HearingStatus::Cancelled.as_str().into();
            audit::append(
                c,
                &actor,
                Change::new("cancel", "hearing", h.id)
                    .court(Some(case.court_id))
                    .before(&views::hearing(&h))
                    .after(&after)
                    .reason(Some(format!("case {} decided ({})", case.id, step.decision.map_or("", Decision::as_str)))),
            )?;
        }
    }
    let moved = db::cases::find(c, case.id)?;
    refresh_facts(c, &moved)?;
    course_view(c, user, case.id)
}

/// The free-text guard for a case's prose (see `free_text`): by the blind
/// index of its children's names, like every other free-text field.
pub(crate) fn refuse_child_names(c: &mut DbConn, case: &Case, field: &str, text: &str) -> Result<(), AppError> {
    crate::app::free_text::ChildNames::of_case(c, case.id, case.court_id)?.prose(field, text)
}

#[derive(Debug, Serialize)]
pub(crate) struct StepView {
    pub stage: String,
    pub on: NaiveDate,
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    pub reasons: Option<String>,
    pub hearing_id: Option<i64>,
    pub recorded_by: Option<i64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChildCourse {
    pub pseudonym: String,
    pub brought: u32,
    pub testified: u32,
    pub evidence_complete_on: Option<NaiveDate>,
    /// "Child A: brought 3 times, testified once".
    pub line: String,
    pub appearances: Vec<AppearanceView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AppearanceView {
    pub hearing_id: i64,
    pub on: NaiveDate,
    pub mode: String,
    pub evidence: String,
    pub source: String,
}

/// The case's course as its page shows it: where it stands, every step,
/// the stop events, the clocks on the court's today, and each child's
/// appearances (by pseudonym).
#[derive(Debug, Serialize)]
pub(crate) struct CourseView {
    pub case_id: i64,
    pub stage: Stage,
    pub pending: bool,
    pub steps: Vec<StepView>,
    pub facts: Option<CaseFactsRow>,
    pub clocks: Vec<ClockStatus>,
    pub children: Vec<ChildCourse>,
}

pub(crate) fn course_view(c: &mut DbConn, user: &AuthUser, case_id: i64) -> Result<CourseView, AppError> {
    let (case, court) = visible_case(c, user, case_id)?;
    let profile = profile_of(&court)?;
    let parties = db::parties::of_case(c, case.id)?;
    let facts = db::course::facts_of(c, case.id)?;
    let today = local_date(&court.time_zone, Utc::now());
    let child_victim = parties.iter().any(Party::is_child);
    let clocks = clocks::case_clocks(profile, &clock_facts(&case, child_victim, facts.as_ref()), today);
    let rows = db::outcomes::appearances_of_case(c, case.id)?;
    let seen = appearances(&rows)?;
    let children = parties
        .iter()
        .filter(|p| p.is_child())
        .map(|p| {
            let pseudonym = p.pseudonym.clone().unwrap_or_else(|| "Child".into());
            let t = rules::tally(p.id, &seen);
            ChildCourse {
                line: rules::appearance_line(&pseudonym, &t),
                pseudonym,
                brought: t.brought,
                testified: t.testified,
                evidence_complete_on: t.evidence_complete_on,
                appearances: rows
                    .iter()
                    .filter(|a| a.party_id == p.id)
                    .map(|a| AppearanceView {
                        hearing_id: a.hearing_id,
                        on: a.local_day,
                        mode: a.mode.clone(),
                        evidence: a.evidence.clone(),
                        source: a.source.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let steps = db::course::steps_of(c, case.id)?
        .into_iter()
        .map(|s| StepView {
            decision_label: s
                .decision
                .as_deref()
                .and_then(|d| d.parse::<Decision>().ok())
                .and_then(|d| course::decision_rule(profile, d))
                .map(|r| r.label.clone()),
            stage: s.stage,
            on: s.on_day,
            decision: s.decision,
            reasons: s.reasons,
            hearing_id: s.hearing_id,
            recorded_by: s.recorded_by,
        })
        .collect();
    let stage = stage_of(&case);
    Ok(CourseView { case_id, stage, pending: stage.is_pending(), steps, facts, clocks, children })
}
