//! Recording what happened at a hearing, as one transaction: the outcome
//! (a correction keeps the record it corrects), the hearing's status, the
//! children brought to court, the step of the case's course the hearing
//! implies, and the case's facts the docket reads. Checked by the domain's
//! rules and the court's profile; audited, with the clerk named when a
//! clerk records for the judge.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::course::{self, CourseView};
use crate::api::cases::visible_case;
use crate::api::views::{self, HearingView};
use crate::auth::AuthUser;
use crate::db::outcomes::{NewAppearance, NewOutcome, Outcome};
use crate::db::parties::Party;
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::calendar;
use crate::domain::course::implied_stage;
use crate::domain::hearing::HearingMode;
use crate::domain::outcome::{self as rules, Cause, ChildEvidence, OutcomeKind, Proceeding, Refused, Report};
use crate::domain::roles::StaffRole;
use crate::domain::rules::RuleProfile;
use crate::error::AppError;

/// What the judge (or the clerk for the judge) reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutcomeOrder {
    pub hearing_id: i64,
    pub kind: Option<OutcomeKind>,
    pub proceedings: Vec<Proceeding>,
    pub child_evidence: Option<ChildEvidence>,
    pub continues_because: Option<String>,
    pub reason_code: Option<String>,
    pub caused_by: Option<Cause>,
    pub details: Option<String>,
    pub child_brought: Option<bool>,
    pub child_mode: Option<HearingMode>,
    /// The children brought (party ids); every child witness of the case
    /// when not said.
    pub children: Option<Vec<i64>>,
    pub correction_reason: Option<String>,
    /// The video session the child's evidence was given in, when the
    /// support officer's console records it: named in the audit trail
    /// beside its recordings' hashes.
    pub video_session: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReasonView {
    pub code: String,
    pub label: String,
    pub label_ur: String,
    pub section: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutcomeView {
    pub id: i64,
    pub hearing_id: i64,
    pub case_id: i64,
    pub kind: String,
    pub local_day: NaiveDate,
    pub proceedings: Vec<String>,
    pub child_evidence: String,
    pub continues_because: Option<String>,
    pub reason: Option<ReasonView>,
    pub caused_by: Option<String>,
    pub details: Option<String>,
    pub child_brought: bool,
    pub child_mode: String,
    pub recorded_by: i64,
    /// The judge a clerk recorded it for.
    pub on_behalf_of: Option<i64>,
    pub recorded_at: DateTime<Utc>,
    pub corrects: Option<i64>,
    pub correction_reason: Option<String>,
    pub superseded_by: Option<i64>,
    pub current: bool,
}

pub(crate) fn reason_view(profile: &RuleProfile, code: &str) -> Option<ReasonView> {
    profile.not_held_reason(code).map(|r| ReasonView {
        code: r.code.clone(),
        label: r.label.clone(),
        label_ur: r.label_ur.clone(),
        section: r.section.clone(),
    })
}

pub(crate) fn view(o: &Outcome, profile: &RuleProfile) -> OutcomeView {
    OutcomeView {
        id: o.id,
        hearing_id: o.hearing_id,
        case_id: o.case_id,
        kind: o.kind.clone(),
        local_day: o.local_day,
        proceedings: o.proceeding_codes().into_iter().map(str::to_string).collect(),
        child_evidence: o.child_evidence.clone(),
        continues_because: o.continues_because.clone(),
        reason: o.reason_code.as_deref().and_then(|c| reason_view(profile, c)),
        caused_by: o.caused_by.clone(),
        details: o.details.clone(),
        child_brought: o.child_brought,
        child_mode: o.child_mode.clone(),
        recorded_by: o.recorded_by,
        on_behalf_of: o.on_behalf_of,
        recorded_at: views::utc(o.recorded_at),
        corrects: o.corrects,
        correction_reason: o.correction_reason.clone(),
        superseded_by: o.superseded_by,
        current: o.is_current,
    }
}

/// A recording of the hearing's video session: its hash is the evidence
/// that the child's testimony on record is the one given.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecordingRef {
    pub id: i64,
    pub participant_role: String,
    pub kind: String,
    pub sha256: String,
    pub bytes: i64,
}

fn recordings(c: &mut DbConn, hearing_id: i64) -> Result<Vec<RecordingRef>, AppError> {
    Ok(db::video::recordings_of_hearing(c, hearing_id)?
        .into_iter()
        .map(|r| RecordingRef {
            id: r.id,
            participant_role: r.participant_role,
            kind: r.kind,
            sha256: r.sha256,
            bytes: r.bytes,
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub(crate) struct ChildAppearance {
    pub pseudonym: String,
    pub mode: String,
    pub evidence: String,
    pub source: String,
}

/// A hearing's outcome as the routes answer it: the record in force,
/// every record (a correction keeps the first), the children brought, and
/// the case's course and clocks as they now stand.
#[derive(Debug, Serialize)]
pub(crate) struct OutcomeAnswer {
    pub hearing: HearingView,
    pub outcome: Option<OutcomeView>,
    pub history: Vec<OutcomeView>,
    pub appearances: Vec<ChildAppearance>,
    /// The hearing's video recordings with their SHA-256, attached to the
    /// record of the child's evidence.
    pub recordings: Vec<RecordingRef>,
    pub course: CourseView,
}

pub(crate) fn answer(c: &mut DbConn, user: &AuthUser, hearing_id: i64) -> Result<OutcomeAnswer, AppError> {
    let hearing = db::hearings::find(c, hearing_id)?;
    let (case, court) =
        visible_case(c, user, hearing.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
    let profile = course::profile_of(&court)?;
    let parties = db::parties::of_case(c, case.id)?;
    let history: Vec<OutcomeView> = db::outcomes::history(c, hearing_id)?.iter().map(|o| view(o, profile)).collect();
    let appearances = db::outcomes::appearances_of_hearing(c, hearing_id)?
        .into_iter()
        .map(|a| ChildAppearance {
            pseudonym: parties
                .iter()
                .find(|p| p.id == a.party_id)
                .and_then(|p| p.pseudonym.clone())
                .unwrap_or_else(|| "Child".into()),
            mode: a.mode,
            evidence: a.evidence,
            source: a.source,
        })
        .collect();
    Ok(OutcomeAnswer {
        hearing: views::hearing(&hearing),
        outcome: history.iter().find(|o| o.current).cloned(),
        history,
        appearances,
        recordings: recordings(c, hearing_id)?,
        course: course::course_view(c, user, case.id)?,
    })
}

fn refused(e: Refused, hearing_id: i64, recorded: Option<&Outcome>) -> AppError {
    match e {
        Refused::NotBegun(why) | Refused::NotListed(why) => AppError::conflict(format!("hearing {hearing_id}: {why}")),
        Refused::AlreadyRecorded => AppError::conflict(format!(
            "the outcome of hearing {hearing_id} is already recorded (outcome {}); to correct it, say why in `correction_reason`",
            recorded.map_or(0, |o| o.id)
        )),
        Refused::Invalid { field, detail } => AppError::invalid(field, detail),
    }
}

/// The children the outcome says were brought, each a child witness of
/// the case.
fn children_brought(parties: &[Party], brought: bool, named: Option<&[i64]>) -> Result<Vec<i64>, AppError> {
    let children: Vec<i64> = parties.iter().filter(|p| p.is_child()).map(|p| p.id).collect();
    match (brought, named) {
        (false, Some(ids)) if !ids.is_empty() => {
            Err(AppError::invalid("children", "no child was brought, so no child is named"))
        }
        (false, _) => Ok(Vec::new()),
        (true, _) if children.is_empty() => {
            Err(AppError::invalid("child_brought", "the case has no child witness to have been brought"))
        }
        (true, None) => Ok(children),
        (true, Some(ids)) => {
            if ids.is_empty() {
                return Err(AppError::invalid("children", "name at least one child who was brought"));
            }
            if let Some(stranger) = ids.iter().find(|id| !children.contains(id)) {
                return Err(AppError::invalid(
                    "children",
                    format!("party {stranger} is not a child witness of this case"),
                ));
            }
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        }
    }
}

/// Records (or corrects) the outcome of a hearing that took place.
pub(crate) fn record(c: &mut DbConn, user: &AuthUser, order: &OutcomeOrder) -> Result<OutcomeAnswer, AppError> {
    let hearing_id = order.hearing_id;
    let before = db::hearings::find(c, hearing_id)?;
    let (case, court) =
        visible_case(c, user, before.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
    if user.role == StaffRole::Judge && before.judge_id != Some(user.id) {
        return Err(AppError::forbidden(
            "the outcome is recorded by the judge who sat, or by a clerk of the court on that judge's behalf",
        ));
    }
    let profile = course::profile_of(&court)?;
    let tz = calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)?;
    let parties = db::parties::of_case(c, case.id)?;
    let facts = rules::HearingFacts {
        status: before.status.parse().map_err(AppError::internal)?,
        starts_at: before.starts_at,
        child_testifies: before.child_testifies,
        mode: before.mode.parse().map_err(AppError::internal)?,
    };
    let recorded = db::outcomes::current(c, hearing_id)?;
    let report = Report {
        kind: order.kind,
        proceedings: &order.proceedings,
        child_evidence: order.child_evidence,
        continues_because: order.continues_because.as_deref(),
        reason_code: order.reason_code.as_deref(),
        caused_by: order.caused_by,
        details: order.details.as_deref(),
        child_brought: order.child_brought,
        child_mode: order.child_mode,
        correction_reason: order.correction_reason.as_deref(),
    };
    let now = Utc::now().naive_utc();
    let checked = rules::check(profile, &facts, &report, recorded.is_some(), now)
        .map_err(|e| refused(e, hearing_id, recorded.as_ref()))?;
    for (field, text) in [
        ("details", &checked.details),
        ("continues_because", &checked.continues_because),
        ("correction_reason", &checked.correction_reason),
    ] {
        if let Some(t) = text {
            course::refuse_child_names(c, &case, field, t)?;
        }
    }
    let brought = children_brought(&parties, checked.child_brought, order.children.as_deref())?;
    let starts = before.starts_at.ok_or_else(|| AppError::conflict(format!("hearing {hearing_id} has no date")))?;
    let local_day = starts.and_utc().with_timezone(&tz).date_naive();
    let on_behalf_of = if user.role == StaffRole::Judge { None } else { before.judge_id };

    let outcome = db::outcomes::record(
        c,
        &NewOutcome {
            court_id: court.id,
            case_id: case.id,
            hearing_id,
            kind: checked.kind.as_str().into(),
            local_day,
            proceedings: checked.proceedings.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","),
            child_evidence: checked.child_evidence.as_str().into(),
            continues_because: checked.continues_because.clone(),
            reason_code: checked.reason_code.clone(),
            caused_by: checked.caused_by.map(|c| c.as_str().to_string()),
            details: checked.details.clone(),
            child_brought: checked.child_brought,
            child_mode: checked.child_mode.as_str().into(),
            recorded_by: user.id,
            on_behalf_of,
            recorded_at: now,
            corrects: recorded.as_ref().map(|o| o.id),
            correction_reason: checked.correction_reason.clone(),
        },
    )?;
    let after = db::hearings::set_status(c, hearing_id, checked.hearing_status().as_str())?;
    let rows: Vec<NewAppearance> = brought
        .iter()
        .map(|party_id| NewAppearance {
            court_id: court.id,
            case_id: case.id,
            party_id: *party_id,
            hearing_id,
            local_day,
            mode: checked.child_mode.as_str().into(),
            evidence: checked.child_evidence.as_str().into(),
            source: "outcome".into(),
            recorded_by: Some(user.id),
            recorded_at: now,
        })
        .collect();
    let seen = db::outcomes::replace_appearances(c, hearing_id, &rows)?;

    let actor = user.actor();
    // The recordings' hashes go into the trail with the child's evidence.
    let hashes = if checked.child_evidence.taken() { recordings(c, hearing_id)? } else { Vec::new() };
    let mut change = Change::new(if recorded.is_some() { "correct" } else { "record" }, "hearing_outcome", outcome.id)
        .court(Some(court.id))
        .after(&serde_json::json!({
            "outcome": view(&outcome, profile),
            "on_behalf_of": on_behalf_of,
            // Party ids and pseudonyms only: never a child's name.
            "appearances": seen.iter().map(|a| serde_json::json!({
                "party_id": a.party_id,
                "pseudonym": parties.iter().find(|p| p.id == a.party_id).and_then(|p| p.pseudonym.clone()),
                "evidence": a.evidence,
                "mode": a.mode,
            })).collect::<Vec<_>>(),
            "recordings": hashes,
            "video_session": order.video_session,
        }))
        .reason(checked.correction_reason.clone());
    if let Some(first) = &recorded {
        change = change.before(&view(first, profile));
    }
    audit::append(c, &actor, change)?;
    if after.status != before.status {
        audit::append(
            c,
            &actor,
            Change::new(after.status.as_str(), "hearing", hearing_id)
                .court(Some(court.id))
                .before(&views::hearing(&before))
                .after(&views::hearing(&after))
                .reason(Some(format!("outcome {}", outcome.id))),
        )?;
    }
    if checked.kind == OutcomeKind::Held {
        let implied = implied_stage(
            checked.took_evidence(),
            checked.did(Proceeding::ArgumentsHeard),
            checked.did(Proceeding::JudgmentReserved),
        );
        if let Some(stage) = implied {
            course::advance_by_hearing(c, user, &case, stage, local_day, hearing_id)?;
        }
    }
    let moved = db::cases::find(c, case.id)?;
    course::refresh_facts(c, &moved)?;
    answer(c, user, hearing_id)
}

/// A video session with the child went live: every child of the case is
/// brought to court (on the link), whatever the hearing's outcome later
/// says of the evidence. Run in the state change's transaction; a child
/// already recorded at this hearing is not counted twice.
pub(crate) fn video_appearance(
    c: &mut DbConn,
    user: &AuthUser,
    session: &db::video::VideoSession,
) -> Result<(), AppError> {
    let hearing = db::hearings::find(c, session.hearing_id)?;
    if !hearing.child_testifies {
        return Ok(());
    }
    let child_joins = db::video::participants(c, session.id)?
        .iter()
        .any(|p| !p.revoked && p.role == crate::domain::video::VideoRole::ChildWitness.as_str());
    if !child_joins {
        return Ok(());
    }
    let case = db::cases::find(c, hearing.case_id)?;
    let court = db::courts::find(c, case.court_id)?;
    let tz = calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)?;
    let now = Utc::now().naive_utc();
    let local_day = hearing.starts_at.unwrap_or(now).and_utc().with_timezone(&tz).date_naive();
    let mut added = Vec::new();
    for child in db::parties::of_case(c, case.id)?.iter().filter(|p| p.is_child()) {
        let row = NewAppearance {
            court_id: court.id,
            case_id: case.id,
            party_id: child.id,
            hearing_id: hearing.id,
            local_day,
            mode: HearingMode::VideoLink.as_str().into(),
            evidence: ChildEvidence::None.as_str().into(),
            source: "video_session".into(),
            recorded_by: Some(user.id),
            recorded_at: now,
        };
        if let Some(a) = db::outcomes::add_appearance(c, &row)? {
            added.push(serde_json::json!({ "party_id": a.party_id, "pseudonym": child.pseudonym, "mode": a.mode }));
        }
    }
    if added.is_empty() {
        return Ok(());
    }
    audit::append(
        c,
        &user.actor(),
        Change::new("appear", "hearing", hearing.id)
            .court(Some(court.id))
            .after(&serde_json::json!({ "appearances": added, "video_session": session.id }))
            .reason(Some(format!("video session {} went live", session.id))),
    )?;
    course::refresh_facts(c, &case)?;
    Ok(())
}

/// What the support officer's console says of the child's evidence when a
/// video session with the child has ended.
#[derive(Debug, Clone)]
pub(crate) struct SessionEvidence {
    pub session_id: i64,
    pub child_evidence: ChildEvidence,
    pub continues_because: Option<String>,
    pub correction_reason: Option<String>,
}

/// Marks the child's evidence recorded (in full, or in part and why it
/// continues) from an ended video session, through the same checks and
/// the same transaction as any outcome: the hearing held, the children on
/// the link brought, the recordings' hashes in the answer and the trail.
/// An outcome already on record for the hearing is corrected (its reason
/// required), keeping what else it said was done.
pub(crate) fn record_session_evidence(
    c: &mut DbConn,
    user: &AuthUser,
    order: &SessionEvidence,
) -> Result<OutcomeAnswer, AppError> {
    let session_id = order.session_id;
    let session = db::video::find_session(c, session_id)?;
    user.ensure_visible(session.court_id, &format!("video session {session_id}"))?;
    let hearing = db::hearings::find(c, session.hearing_id)?;
    // The name guard first, so that a refused text never reaches a later
    // refusal's message either.
    let names = super::free_text::ChildNames::of_case(c, hearing.case_id, session.court_id)?;
    names.prose_opt("continues_because", order.continues_because.as_deref())?;
    names.prose_opt("correction_reason", order.correction_reason.as_deref())?;
    if !order.child_evidence.taken() {
        return Err(AppError::invalid(
            "child_evidence",
            "say how much of the child's evidence the session recorded: `full` or `part`",
        ));
    }
    if session.state != crate::domain::video::SessionState::Ended.as_str() {
        return Err(AppError::conflict(format!(
            "video session {session_id} is {}; the child's evidence is marked recorded once the session has ended",
            session.state
        )));
    }
    let mut children: Vec<i64> = db::video::participants(c, session_id)?
        .iter()
        .filter(|p| !p.revoked && p.role == crate::domain::video::VideoRole::ChildWitness.as_str())
        .filter_map(|p| p.party_id)
        .collect();
    children.sort_unstable();
    children.dedup();
    if children.is_empty() {
        return Err(AppError::conflict(format!(
            "no child witness took part in video session {session_id}, so it recorded no child's evidence"
        )));
    }
    let kept = db::outcomes::current(c, hearing.id)?.filter(|o| o.kind == OutcomeKind::Held.as_str());
    let proceedings =
        kept.as_ref().map(|o| o.proceeding_codes().iter().filter_map(|p| p.parse().ok()).collect()).unwrap_or_default();
    record(
        c,
        user,
        &OutcomeOrder {
            hearing_id: hearing.id,
            kind: Some(OutcomeKind::Held),
            proceedings,
            child_evidence: Some(order.child_evidence),
            continues_because: order.continues_because.clone(),
            details: kept.and_then(|o| o.details),
            child_brought: Some(true),
            child_mode: Some(HearingMode::VideoLink),
            children: Some(children),
            correction_reason: order.correction_reason.clone(),
            video_session: Some(session_id),
            ..OutcomeOrder::default()
        },
    )
}
