//! Adjournments as use cases: recording a clerk's request checked by the
//! court's rule profile, and a judge's decision. A grant reschedules the
//! hearing in the same transaction as the decision (through the booking
//! every other path takes), so a failure anywhere leaves the old hearing and
//! the request as they were.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::free_text::ChildNames;
use super::{booking, course};
use crate::api::adjournments::{view, AdjournmentView, DecisionView};
use crate::api::cases::visible_case;
use crate::api::views;
use crate::auth::AuthUser;
use crate::db::adjournments::{Adjournment, Decision, NewAdjournment};
use crate::db::cases::Case;
use crate::db::courts::Court;
use crate::db::hearings::Hearing;
use crate::db::parties::Party;
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::adjournment::{self as policy, AdjournmentStatus, PastAdjournment, Refusal, Requester};
use crate::domain::calendar::{self, local_date};
use crate::domain::clocks::{self, ClockStatus};
use crate::domain::hearing::{self as hearing_rules, HearingStatus};
use crate::domain::rules::{self, RuleProfile};
use crate::error::{AppError, RuleRef};

/// How far ahead the earliest feasible date is looked for.
const FEASIBLE_HORIZON_DAYS: u64 = 120;

fn court_profile(court: &Court) -> Result<&'static RuleProfile, AppError> {
    rules::profile(&court.rule_profile).map_err(AppError::internal)
}

pub(crate) fn court_tz(court: &Court) -> Result<Tz, AppError> {
    calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)
}

fn local_day(tz: Tz, t: NaiveDateTime) -> NaiveDate {
    t.and_utc().with_timezone(&tz).date_naive()
}

/// A court-local wall-clock time as a stored UTC instant; None in a DST gap.
pub(crate) fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<NaiveDateTime> {
    tz.from_local_datetime(&local).earliest().map(|t| t.naive_utc())
}

fn hearing_times(h: &Hearing) -> Result<(NaiveDateTime, NaiveDateTime), AppError> {
    match (h.starts_at, h.ends_at) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(AppError::conflict(format!("hearing {} has no date to adjourn", h.id))),
    }
}

/// The first day after `after` on which the scheduler could place the
/// hearing (its length, judge, room, counsel, the child's hours, holidays
/// and each side's separation), the same feasibility a booking checks;
/// the first sitting day when none is free within the horizon, so the rule
/// still has a floor.
fn earliest_feasible(c: &mut DbConn, user: &AuthUser, h: &Hearing, after: NaiveDate) -> Result<NaiveDate, AppError> {
    let (starts, ends) = hearing_times(h)?;
    let minutes = i32::try_from((ends - starts).num_minutes()).unwrap_or(i32::MAX);
    let found = booking::earliest_day(c, user, h, minutes, after, FEASIBLE_HORIZON_DAYS)?;
    Ok(match found {
        Some(day) => day,
        None => booking::first_sitting_day_after(c, h, after)?.unwrap_or(after),
    })
}

/// Everything the policy needs, read inside the caller's transaction.
struct Scene {
    user: AuthUser,
    court: Court,
    case: Case,
    hearing: Hearing,
    parties: Vec<Party>,
    profile: &'static RuleProfile,
    tz: Tz,
    today: NaiveDate,
}

impl Scene {
    fn load(c: &mut DbConn, user: &AuthUser, hearing_id: i64) -> Result<Scene, AppError> {
        let hearing = db::hearings::find(c, hearing_id)?;
        let (case, court) =
            visible_case(c, user, hearing.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
        let parties = db::parties::of_case(c, case.id)?;
        let profile = court_profile(&court)?;
        let tz = court_tz(&court)?;
        let today = local_date(&court.time_zone, Utc::now());
        Ok(Scene { user: user.clone(), court, case, hearing, parties, profile, tz, today })
    }

    fn hearing_date(&self) -> Result<NaiveDate, AppError> {
        Ok(local_day(self.tz, hearing_times(&self.hearing)?.0))
    }

    /// The one free-text guard, for this case's text.
    fn refuse_child_names(&self, c: &mut DbConn, field: &str, text: &str) -> Result<(), AppError> {
        ChildNames::of_case(c, self.case.id, self.court.id)?.prose(field, text)
    }

    /// The policy's verdict on `a` moving the hearing to `new_starts`.
    fn verdict(
        &self,
        c: &mut DbConn,
        a: &Adjournment,
        new_starts: Option<NaiveDateTime>,
    ) -> Result<Vec<Refusal>, AppError> {
        let requested_by: Requester = a.requested_by.parse().map_err(AppError::internal)?;
        let granted = db::adjournments::granted_of_case(c, self.case.id)?
            .into_iter()
            .filter(|g| g.id != a.id)
            .map(|g| {
                Ok(PastAdjournment {
                    requested_by: g.requested_by.parse().map_err(AppError::internal)?,
                    reason_code: g.reason_code,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let stored = db::course::facts_of(c, self.case.id)?;
        let facts = course::clock_facts(&self.case, self.parties.iter().any(Party::is_child), stored.as_ref());
        let clocks: Vec<ClockStatus> = clocks::case_clocks(self.profile, &facts, self.today);
        let hearing_date = self.hearing_date()?;
        // Only a broken clock asks for the earliest feasible date; finding it
        // costs a query per candidate day.
        let earliest = if clocks.iter().any(ClockStatus::is_broken) {
            earliest_feasible(c, &self.user, &self.hearing, hearing_date.max(self.today))?
        } else {
            hearing_date
        };
        let request = policy::Request {
            requested_by,
            reason_code: &a.reason_code,
            for_child_welfare: a.for_child_welfare,
            new_date: new_starts.map(|t| local_day(self.tz, t)),
            remand_days: a.remand_days.and_then(|d| u32::try_from(d).ok()),
            hearing_date,
            child_testifies: self.hearing.child_testifies,
            today: local_date(&self.court.time_zone, a.created_at.and_utc()),
        };
        let context = policy::CaseContext {
            child_victim: facts.child_victim,
            granted: &granted,
            clocks: &clocks,
            earliest_feasible: earliest,
        };
        policy::check(self.profile, &request, &context).map_err(|e| AppError::invalid("reason_code", e))
    }
}

/// A new hearing time must be later than the one it replaces and still ahead.
fn check_new_times(field: &str, old: &Hearing, starts: NaiveDateTime, ends: NaiveDateTime) -> Result<(), AppError> {
    hearing_rules::check_times(starts, ends).map_err(|m| AppError::invalid(field, m))?;
    if starts <= Utc::now().naive_utc() {
        return Err(AppError::invalid(field, "the new date must be in the future"));
    }
    if old.starts_at.is_some_and(|old_start| starts <= old_start) {
        return Err(AppError::invalid(field, "an adjournment moves a hearing later, not earlier"));
    }
    Ok(())
}

/// A clerk's request for an adjournment, as the court's profile will read it.
pub(crate) struct RequestOrder {
    pub hearing_id: i64,
    pub requested_by: Requester,
    pub reason_code: String,
    pub details: String,
    pub proposed: Option<(NaiveDateTime, Option<NaiveDateTime>)>,
    pub remand_days: Option<i32>,
    pub for_child_welfare: bool,
}

/// Records a request, checked by the rule profile: a request the rules
/// refuse is recorded too (refused by rule), so that a judge may override
/// it. Returns the recorded request and the rules that refused it.
pub(crate) fn record_request(
    c: &mut DbConn,
    user: &AuthUser,
    order: &RequestOrder,
) -> Result<(AdjournmentView, Vec<Refusal>), AppError> {
    let hearing_id = order.hearing_id;
    let scene = Scene::load(c, user, hearing_id)?;
    scene.refuse_child_names(c, "details", &order.details)?;
    if scene.hearing.status != HearingStatus::Scheduled.as_str() {
        return Err(AppError::conflict(format!(
            "hearing {hearing_id} is {}; only a scheduled hearing can be adjourned",
            scene.hearing.status
        )));
    }
    if !course::stage_of(&scene.case).is_pending() {
        return Err(AppError::conflict(format!("the case is {}; it is no longer tried here", scene.case.status)));
    }
    if let Some(waiting) = db::adjournments::pending_for_hearing(c, hearing_id)? {
        return Err(AppError::conflict(format!(
            "adjournment {} for this hearing is already waiting for the judge",
            waiting.id
        )));
    }
    policy::reason(scene.profile, &order.reason_code).map_err(|e| AppError::invalid("reason_code", e))?;
    if order.remand_days.is_some() && !scene.case.accused_in_custody {
        return Err(AppError::invalid("remand_days", "the accused is not in custody, so there is no remand"));
    }
    let (old_starts, old_ends) = hearing_times(&scene.hearing)?;
    let times = match order.proposed {
        Some((s, e)) => {
            let e = e.unwrap_or(s + (old_ends - old_starts));
            check_new_times("proposed_starts_at", &scene.hearing, s, e)?;
            Some((s, e))
        }
        None => None,
    };
    let now = Utc::now().naive_utc();
    let mut new = NewAdjournment {
        court_id: scene.court.id,
        case_id: scene.case.id,
        hearing_id,
        requested_by: order.requested_by.as_str().into(),
        reason_code: order.reason_code.clone(),
        details: order.details.clone(),
        proposed_starts_at: times.map(|t| t.0),
        proposed_ends_at: times.map(|t| t.1),
        remand_days: order.remand_days,
        for_child_welfare: order.for_child_welfare,
        status: AdjournmentStatus::Pending.as_str().into(),
        refusals: None,
        recorded_by: user.id,
        created_at: now,
        overridden: false,
    };
    // The verdict reads only what the row will hold; id 0 is never stored.
    let draft = draft_row(&new);
    let refusals = scene.verdict(c, &draft, new.proposed_starts_at)?;
    if !refusals.is_empty() {
        new.status = AdjournmentStatus::RefusedByRule.as_str().into();
        new.refusals = db::adjournments::encode_refusals(&refusals)?;
    }
    let a = db::adjournments::create(c, &new)?;
    super::kept_figures::refresh(c, a.court_id)?;
    audit::append(c, &user.actor(), Change::new("request", "adjournment", a.id).court(Some(a.court_id)).after(&a))?;
    Ok((view(&a, Some(scene.profile)), refusals))
}

fn draft_row(n: &NewAdjournment) -> Adjournment {
    Adjournment {
        id: 0,
        court_id: n.court_id,
        case_id: n.case_id,
        hearing_id: n.hearing_id,
        requested_by: n.requested_by.clone(),
        reason_code: n.reason_code.clone(),
        details: n.details.clone(),
        proposed_starts_at: n.proposed_starts_at,
        proposed_ends_at: n.proposed_ends_at,
        remand_days: n.remand_days,
        for_child_welfare: n.for_child_welfare,
        status: n.status.clone(),
        refusals: None,
        recorded_by: n.recorded_by,
        created_at: n.created_at,
        decided_by: None,
        decided_at: None,
        decision_reasons: None,
        overridden: false,
        new_hearing_id: None,
        delay_days: None,
    }
}

/// A judge's decision on a recorded request.
pub(crate) struct DecisionOrder {
    pub adjournment_id: i64,
    pub grant: bool,
    pub reasons: Option<String>,
    pub new_times: Option<(NaiveDateTime, Option<NaiveDateTime>)>,
}

/// Decides a request. A grant books the new date as any booking is, in the
/// same transaction, so a date that fails leaves the old hearing and the
/// request as they were.
pub(crate) fn decide(c: &mut DbConn, user: &AuthUser, order: &DecisionOrder) -> Result<DecisionView, AppError> {
    let id = order.adjournment_id;
    // Read inside the transaction: a second judge waits for the first and
    // then finds the request decided.
    let before = db::adjournments::find(c, id)?;
    user.ensure_visible(before.court_id, &format!("adjournment {id}"))?;
    let status = before.status()?;
    if status.is_decided() {
        return Err(AppError::conflict(format!("adjournment {id} was already {} by a judge", before.status)));
    }
    let scene = Scene::load(c, user, before.hearing_id)?;
    if let Some(r) = &order.reasons {
        scene.refuse_child_names(c, "reasons", r)?;
    }
    if order.grant {
        grant(c, user, &scene, &before, status, order.reasons.clone(), order.new_times)
    } else {
        refuse(c, user, &scene, &before, order.reasons.clone())
    }
}

/// A booking refusal, told as the reason the grant cannot move the hearing.
fn new_date_refused(e: AppError, starts: NaiveDateTime, tz: Tz) -> AppError {
    let when = starts.and_utc().with_timezone(&tz).format("%Y-%m-%d %H:%M");
    let why = |detail: String| format!("the hearing cannot be moved to {when}: {detail}");
    match e {
        AppError::RuleRefused { rule, detail } => AppError::RuleRefused { rule, detail: why(detail) },
        AppError::Conflict(detail) => AppError::Conflict(why(detail)),
        AppError::Invalid { field, detail } => AppError::Invalid { field, detail: why(detail) },
        other => other,
    }
}

fn merge_refusals(mut first: Vec<Refusal>, more: Vec<Refusal>) -> Vec<Refusal> {
    for r in more {
        if !first.iter().any(|f| f.rule == r.rule) {
            first.push(r);
        }
    }
    first
}

fn refuse(
    c: &mut DbConn,
    user: &AuthUser,
    scene: &Scene,
    before: &Adjournment,
    reasons: Option<String>,
) -> Result<DecisionView, AppError> {
    let now = Utc::now().naive_utc();
    let after = db::adjournments::record_decision(
        c,
        before.id,
        &Decision {
            status: AdjournmentStatus::Refused.as_str().into(),
            refusals: before.refusals.clone(),
            decided_by: Some(user.id),
            decided_at: Some(now),
            decision_reasons: reasons.clone(),
            overridden: false,
            new_hearing_id: None,
            delay_days: None,
        },
    )?;
    super::kept_figures::refresh(c, after.court_id)?;
    audit::append(
        c,
        &user.actor(),
        Change::new("refuse", "adjournment", after.id)
            .court(Some(after.court_id))
            .before(before)
            .after(&after)
            .reason(reasons),
    )?;
    Ok(DecisionView { adjournment: view(&after, Some(scene.profile)), adjourned_hearing: None, new_hearing: None })
}

fn grant(
    c: &mut DbConn,
    user: &AuthUser,
    scene: &Scene,
    before: &Adjournment,
    status: AdjournmentStatus,
    reasons: Option<String>,
    judge_times: Option<(NaiveDateTime, Option<NaiveDateTime>)>,
) -> Result<DecisionView, AppError> {
    let old = &scene.hearing;
    if old.status != HearingStatus::Scheduled.as_str() {
        return Err(AppError::conflict(format!("hearing {} is {}; it can no longer be adjourned", old.id, old.status)));
    }
    let (old_starts, old_ends) = hearing_times(old)?;
    let (starts, ends) = match (judge_times, before.proposed_starts_at) {
        (Some((s, e)), _) => (s, e.unwrap_or(s + (old_ends - old_starts))),
        (None, Some(s)) => (s, before.proposed_ends_at.unwrap_or(s + (old_ends - old_starts))),
        (None, None) => {
            let rule = &scene.profile.adjournment.fixed_date_required;
            return Err(AppError::invalid(
                "new_starts_at",
                format!("a grant fixes the next date ({}); give `new_starts_at`", rule.section),
            ));
        }
    };
    check_new_times("new_starts_at", old, starts, ends)?;
    let minutes = booking::sitting_minutes("new_ends_at", starts, ends)?;

    // The rules as they stand now, on the date actually fixed; a request
    // refused when it was made stays refused unless overridden.
    let now_refusals = scene.verdict(c, before, Some(starts))?;
    let to_override = if status == AdjournmentStatus::RefusedByRule {
        merge_refusals(before.refusal_list(), now_refusals)
    } else {
        now_refusals
    };
    let reasons = match to_override.first() {
        Some(first) => {
            let written =
                reasons.as_deref().map(policy::written_reasons).unwrap_or_else(|| Err("no reasons were given".into()));
            match written {
                Ok(text) => text,
                Err(why) => {
                    return Err(AppError::RuleRefused {
                        rule: RuleRef { rule: first.rule.clone(), section: first.section.clone() },
                        detail: format!(
                            "{} A judge may override this rule only with written reasons in `reasons`: {why}.",
                            first.detail
                        ),
                    })
                }
            }
        }
        None => match reasons {
            Some(text) => text,
            None if scene.profile.adjournment.reasons_in_writing.value => {
                let rule = &scene.profile.adjournment.reasons_in_writing;
                return Err(AppError::RuleRefused {
                    rule: RuleRef { rule: "adjournment.reasons_in_writing".into(), section: rule.section.clone() },
                    detail: "An adjournment is ordered in writing with its reasons; give them in `reasons`.".into(),
                });
            }
            None => String::new(),
        },
    };
    let overridden = !to_override.is_empty();
    let reasons = Some(reasons).filter(|r| !r.is_empty());
    let now = Utc::now().naive_utc();
    let actor = user.actor();

    let adjourned = db::adjournments::mark_adjourned(c, old.id)?;
    // The docket reads the count from the case's facts, kept here.
    super::course::refresh_facts(c, &scene.case)?;
    audit::append(
        c,
        &actor,
        Change::new("adjourn", "hearing", old.id)
            .court(Some(scene.court.id))
            .before(old)
            .after(&adjourned)
            .reason(Some(format!("adjournment {}", before.id))),
    )?;
    let successor = db::adjournments::successor(c, old, now)?;
    audit::append(
        c,
        &actor,
        Change::new("create", "hearing", successor.id)
            .court(Some(scene.court.id))
            .after(&successor)
            .reason(Some(format!("adjournment {} of hearing {}", before.id, old.id))),
    )?;
    // The new date is booked as any other: every hard constraint of the
    // court's profile, and each side's own never-meet plan for the new time.
    // A date that fails refuses the grant, and the transaction writes nothing.
    let order = booking::BookOrder {
        hearing_id: successor.id,
        starts_at: starts,
        minutes,
        judge_id: old.judge_id,
        room_id: old.room_id,
        reappearance_reason: db::schedule::booking_row(c, old.id)?.and_then(|b| b.reappearance_reason),
        delay_reason: reasons.as_ref().map(|r| format!("adjournment {}: {r}", before.id)),
        source: "adjournment",
    };
    let successor = booking::book_in_tx(c, user, &order).map_err(|e| new_date_refused(e, starts, scene.tz))?.stored;
    let delay = (local_day(scene.tz, starts) - local_day(scene.tz, old_starts)).num_days();
    let after = db::adjournments::record_decision(
        c,
        before.id,
        &Decision {
            status: AdjournmentStatus::Granted.as_str().into(),
            refusals: db::adjournments::encode_refusals(&to_override)?,
            decided_by: Some(user.id),
            decided_at: Some(now),
            decision_reasons: reasons.clone(),
            overridden,
            new_hearing_id: Some(successor.id),
            delay_days: i32::try_from(delay).ok(),
        },
    )?;
    super::kept_figures::refresh(c, after.court_id)?;
    let action = if overridden { "override" } else { "grant" };
    audit::append(
        c,
        &actor,
        Change::new(action, "adjournment", after.id)
            .court(Some(after.court_id))
            .before(before)
            .after(&after)
            .reason(reasons),
    )?;
    Ok(DecisionView {
        adjournment: view(&after, Some(scene.profile)),
        adjourned_hearing: Some(views::hearing(&adjourned)),
        new_hearing: Some(views::hearing(&successor)),
    })
}
