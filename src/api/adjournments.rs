//! Adjournments: a clerk records a request, the court's rule profile
//! checks it, a judge decides. A grant reschedules the hearing in the same
//! transaction as the decision, so a failure anywhere leaves the old
//! hearing and the request as they were.

use actix_web::http::header;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::{self, Body};
use super::schedule;
use super::views::{self, HearingView};
use crate::auth::extract::{Clerks, Judges, Staff};
use crate::auth::{AuthUser, Authorized};
use crate::db::adjournments::{Adjournment, Decision, NewAdjournment};
use crate::db::cases::Case;
use crate::db::courts::Court;
use crate::db::hearings::Hearing;
use crate::db::parties::Party;
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::adjournment::{self as policy, AdjournmentStatus, PastAdjournment, Refusal, Requester};
use crate::domain::calendar::{self, local_date};
use crate::domain::clocks::{self, CaseFacts, ClockStatus};
use crate::domain::hearing::{self as hearing_rules, HearingKind, HearingStatus};
use crate::domain::rules::{self, RuleProfile};
use crate::error::{AppError, RuleRef};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hearings/{id}/adjournments", web::post().to(request))
        .route("/adjournments/{id}", web::get().to(get_one))
        .route("/adjournments/{id}/decision", web::post().to(decide))
        .route("/cases/{id}/adjournments", web::get().to(of_case))
        .route("/courts/{id}/adjournment-stats", web::get().to(stats));
}

/// How far ahead the earliest feasible date is looked for.
const FEASIBLE_HORIZON_DAYS: u64 = 120;
const MAX_DETAILS: usize = 2000;
const MAX_REASONS: usize = 4000;

// ---------------------------------------------------------------- views

#[derive(Debug, Clone, Serialize)]
pub struct AdjournmentView {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub hearing_id: i64,
    pub requested_by: String,
    pub reason_code: String,
    pub reason_label: Option<String>,
    pub details: String,
    pub proposed_starts_at: Option<DateTime<Utc>>,
    pub proposed_ends_at: Option<DateTime<Utc>>,
    pub remand_days: Option<i32>,
    pub for_child_welfare: bool,
    pub status: String,
    pub refusals: Vec<Refusal>,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reasons: Option<String>,
    pub overridden: bool,
    pub new_hearing_id: Option<i64>,
    pub delay_days: Option<i32>,
}

fn view(a: &Adjournment, profile: Option<&RuleProfile>) -> AdjournmentView {
    AdjournmentView {
        id: a.id,
        court_id: a.court_id,
        case_id: a.case_id,
        hearing_id: a.hearing_id,
        requested_by: a.requested_by.clone(),
        reason_code: a.reason_code.clone(),
        reason_label: profile.and_then(|p| p.reason(&a.reason_code)).map(|r| r.label.clone()),
        details: a.details.clone(),
        proposed_starts_at: a.proposed_starts_at.map(views::utc),
        proposed_ends_at: a.proposed_ends_at.map(views::utc),
        remand_days: a.remand_days,
        for_child_welfare: a.for_child_welfare,
        status: a.status.clone(),
        refusals: a.refusal_list(),
        recorded_by: a.recorded_by,
        created_at: views::utc(a.created_at),
        decided_by: a.decided_by,
        decided_at: a.decided_at.map(views::utc),
        decision_reasons: a.decision_reasons.clone(),
        overridden: a.overridden,
        new_hearing_id: a.new_hearing_id,
        delay_days: a.delay_days,
    }
}

// ---------------------------------------------------------------- the court's calendar

fn court_profile(court: &Court) -> Result<&'static RuleProfile, AppError> {
    rules::profile(&court.rule_profile).map_err(AppError::internal)
}

fn court_tz(court: &Court) -> Result<Tz, AppError> {
    calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)
}

fn local_day(tz: Tz, t: NaiveDateTime) -> NaiveDate {
    t.and_utc().with_timezone(&tz).date_naive()
}

/// A court-local wall-clock time as a stored UTC instant; None in a DST gap.
fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<NaiveDateTime> {
    tz.from_local_datetime(&local).earliest().map(|t| t.naive_utc())
}

fn hearing_times(h: &Hearing) -> Result<(NaiveDateTime, NaiveDateTime), AppError> {
    match (h.starts_at, h.ends_at) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(AppError::conflict(format!("hearing {} has no date to adjourn", h.id))),
    }
}

/// The first sitting day after `after` on which the hearing's own slot
/// (its local time and length) is free for its judge and its room.
fn earliest_feasible(
    c: &mut DbConn,
    court: &Court,
    tz: Tz,
    h: &Hearing,
    after: NaiveDate,
) -> Result<NaiveDate, AppError> {
    let (starts, ends) = hearing_times(h)?;
    let local_start = starts.and_utc().with_timezone(&tz).time();
    let length = ends - starts;
    let working = calendar::parse_working_days(&court.working_days).map_err(AppError::internal)?;
    let candidates = policy::sitting_days_after(after, &working, FEASIBLE_HORIZON_DAYS);
    let mut failure = None;
    let day = policy::earliest_feasible(
        &candidates,
        |day| {
            let Some(s) = to_utc(tz, day.and_time(local_start)) else { return false };
            match db::hearings::clashes(c, h.judge_id, h.room_id, s, s + length, Some(h.id)) {
                Ok(clashes) => clashes.is_empty(),
                Err(e) => {
                    failure = Some(e);
                    true
                }
            }
        },
        after,
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(day),
    }
}

/// What the clocks need of the case, from its held hearings.
fn case_facts(case: &Case, parties: &[Party], hearings: &[Hearing], tz: Tz) -> CaseFacts {
    let held = |h: &&Hearing| h.status == HearingStatus::Held.as_str();
    let first_day = |pred: &dyn Fn(&Hearing) -> bool| {
        hearings.iter().filter(held).filter(|h| pred(h)).filter_map(|h| h.starts_at).map(|t| local_day(tz, t)).min()
    };
    CaseFacts {
        cognizance_date: case.cognizance_date,
        child_victim: parties.iter().any(Party::is_child),
        accused_in_custody: case.accused_in_custody,
        disposed: case.status == "disposed",
        child_evidence_on: first_day(&|h| h.child_testifies),
        trial_started_on: first_day(&|h| h.kind == HearingKind::Evidence.as_str()),
    }
}

/// Everything the policy needs, read inside the caller's transaction.
struct Scene {
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
        Ok(Scene { court, case, hearing, parties, profile, tz, today })
    }

    fn hearing_date(&self) -> Result<NaiveDate, AppError> {
        Ok(local_day(self.tz, hearing_times(&self.hearing)?.0))
    }

    fn refuse_child_names(&self, field: &str, text: &str) -> Result<(), AppError> {
        if self.parties.iter().filter(|p| p.is_child()).any(|p| policy::mentions_name(text, &p.name)) {
            return Err(AppError::invalid(
                field,
                format!("`{field}` names a child; write the child's pseudonym (Child A) instead, as it is kept in the audit trail"),
            ));
        }
        Ok(())
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
        let hearings = db::hearings::of_case(c, self.case.id)?;
        let facts = case_facts(&self.case, &self.parties, &hearings, self.tz);
        let clocks: Vec<ClockStatus> = clocks::case_clocks(self.profile, &facts, self.today);
        let hearing_date = self.hearing_date()?;
        // Only a broken clock asks for the earliest feasible date; finding it
        // costs a query per candidate day.
        let earliest = if clocks.iter().any(ClockStatus::is_broken) {
            earliest_feasible(c, &self.court, self.tz, &self.hearing, hearing_date.max(self.today))?
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

fn parse_times(
    field: &str,
    starts: Option<&str>,
    ends: Option<&str>,
) -> Result<Option<(NaiveDateTime, Option<NaiveDateTime>)>, AppError> {
    let starts = starts.map(|s| input::instant(field, s)).transpose()?;
    let ends = ends.map(|s| input::instant(field, s)).transpose()?;
    match (starts, ends) {
        (Some(s), e) => Ok(Some((s, e))),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(AppError::invalid(field, "an end time needs a start time")),
    }
}

/// A problem response that also tells the caller where the recorded
/// request is: a refusal by rule is kept, so that a judge may override it.
async fn refused_response(err: AppError, a: &AdjournmentView) -> Result<HttpResponse, AppError> {
    let resp = err.error_response();
    let status = resp.status();
    let bytes = actix_web::body::to_bytes(resp.into_body()).await.map_err(|e| AppError::internal(e.to_string()))?;
    let mut problem: serde_json::Value = serde_json::from_slice(&bytes)?;
    if let Some(obj) = problem.as_object_mut() {
        obj.insert("adjournment_id".into(), a.id.into());
        obj.insert("refusals".into(), serde_json::to_value(&a.refusals)?);
    }
    Ok(HttpResponse::build(status)
        .content_type("application/problem+json")
        .insert_header((header::LOCATION, format!("/api/adjournments/{}", a.id)))
        .json(problem))
}

// ---------------------------------------------------------------- request

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestInput {
    requested_by: Requester,
    reason_code: String,
    details: String,
    proposed_starts_at: Option<String>,
    proposed_ends_at: Option<String>,
    remand_days: Option<u32>,
    #[serde(default)]
    for_child_welfare: bool,
}

async fn request(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<RequestInput>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let b = body.into_inner();
    let details = input::text("details", &b.details, MAX_DETAILS)?;
    let proposed = parse_times("proposed_starts_at", b.proposed_starts_at.as_deref(), b.proposed_ends_at.as_deref())?;
    if b.remand_days == Some(0) {
        return Err(AppError::invalid("remand_days", "a remand is at least one day"));
    }
    let remand_days = b
        .remand_days
        .map(|d| i32::try_from(d).map_err(|_| AppError::invalid("remand_days", "too many days")))
        .transpose()?;
    let user = clerk.user.clone();
    let (recorded, refusals) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let scene = Scene::load(c, &user, hearing_id)?;
            if scene.hearing.status != HearingStatus::Scheduled.as_str() {
                return Err(AppError::conflict(format!(
                    "hearing {hearing_id} is {}; only a scheduled hearing can be adjourned",
                    scene.hearing.status
                )));
            }
            if scene.case.status == "disposed" {
                return Err(AppError::conflict("the case is disposed of"));
            }
            if let Some(waiting) = db::adjournments::pending_for_hearing(c, hearing_id)? {
                return Err(AppError::conflict(format!(
                    "adjournment {} for this hearing is already waiting for the judge",
                    waiting.id
                )));
            }
            policy::reason(scene.profile, &b.reason_code).map_err(|e| AppError::invalid("reason_code", e))?;
            if remand_days.is_some() && !scene.case.accused_in_custody {
                return Err(AppError::invalid("remand_days", "the accused is not in custody, so there is no remand"));
            }
            scene.refuse_child_names("details", &details)?;
            let (old_starts, old_ends) = hearing_times(&scene.hearing)?;
            let times = match proposed {
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
                requested_by: b.requested_by.as_str().into(),
                reason_code: b.reason_code.clone(),
                details,
                proposed_starts_at: times.map(|t| t.0),
                proposed_ends_at: times.map(|t| t.1),
                remand_days,
                for_child_welfare: b.for_child_welfare,
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
            audit::append(
                c,
                &user.actor(),
                Change::new("request", "adjournment", a.id).court(Some(a.court_id)).after(&a),
            )?;
            Ok((view(&a, Some(scene.profile)), refusals))
        })
    })
    .await?;
    match refusals.first() {
        None => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/adjournments/{}", recorded.id)))
            .json(recorded)),
        Some(first) => {
            let err = AppError::RuleRefused {
                rule: RuleRef { rule: first.rule.clone(), section: first.section.clone() },
                detail: format!(
                    "{} The request is recorded as adjournment {}, refused by rule; only a judge may override it, with written reasons.",
                    first.detail, recorded.id
                ),
            };
            refused_response(err, &recorded).await
        }
    }
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

// ---------------------------------------------------------------- decision

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Grant,
    Refuse,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionInput {
    decision: Verdict,
    reasons: Option<String>,
    /// The judge may fix another date than the one proposed.
    new_starts_at: Option<String>,
    new_ends_at: Option<String>,
}

#[derive(Serialize)]
struct DecisionView {
    adjournment: AdjournmentView,
    adjourned_hearing: Option<HearingView>,
    new_hearing: Option<HearingView>,
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

async fn decide(
    state: web::Data<AppState>,
    judge: Authorized<Judges>,
    id: web::Path<i64>,
    body: Body<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.into_inner();
    let reasons = match b.reasons.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(input::text("reasons", r, MAX_REASONS)?),
        None => None,
    };
    let new_times = parse_times("new_starts_at", b.new_starts_at.as_deref(), b.new_ends_at.as_deref())?;
    let user = judge.user.clone();
    let out = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            // Read inside the transaction: a second judge waits for the first
            // and then finds the request decided.
            let before = db::adjournments::find(c, id)?;
            user.ensure_visible(before.court_id, &format!("adjournment {id}"))?;
            let status = before.status()?;
            if status.is_decided() {
                return Err(AppError::conflict(format!("adjournment {id} was already {} by a judge", before.status)));
            }
            let scene = Scene::load(c, &user, before.hearing_id)?;
            if let Some(r) = &reasons {
                scene.refuse_child_names("reasons", r)?;
            }
            match b.decision {
                Verdict::Refuse => refuse(c, &user, &scene, &before, reasons),
                Verdict::Grant => grant(c, &user, &scene, &before, status, reasons, new_times),
            }
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
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
    let minutes = schedule::sitting_minutes("new_ends_at", starts, ends)?;

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
    let order = schedule::BookOrder {
        hearing_id: successor.id,
        starts_at: starts,
        minutes,
        judge_id: old.judge_id,
        room_id: old.room_id,
        reappearance_reason: db::schedule::booking_row(c, old.id)?.and_then(|b| b.reappearance_reason),
        delay_reason: reasons.as_ref().map(|r| format!("adjournment {}: {r}", before.id)),
        source: "adjournment",
    };
    let successor = schedule::book_in_tx(c, user, &order).map_err(|e| new_date_refused(e, starts, scene.tz))?.stored;
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

// ---------------------------------------------------------------- reading

async fn get_one(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let viewer = user.user.clone();
    let out = db::run(&state.pool, move |c| {
        let a = db::adjournments::find(c, id)?;
        viewer.ensure_visible(a.court_id, &format!("adjournment {id}"))?;
        let court = db::courts::find(c, a.court_id)?;
        Ok(view(&a, rules::profile(&court.rule_profile).ok()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A judge's grant against a rule, as the case and the docket show it.
#[derive(Serialize, Clone)]
pub struct OverrideView {
    adjournment_id: i64,
    hearing_id: i64,
    new_hearing_id: Option<i64>,
    rules: Vec<Refusal>,
    reasons: Option<String>,
    decided_by: Option<i64>,
    decided_at: Option<DateTime<Utc>>,
}

impl From<&db::adjournments::Adjournment> for OverrideView {
    fn from(a: &db::adjournments::Adjournment) -> Self {
        OverrideView {
            adjournment_id: a.id,
            hearing_id: a.hearing_id,
            new_hearing_id: a.new_hearing_id,
            rules: a.refusal_list(),
            reasons: a.decision_reasons.clone(),
            decided_by: a.decided_by,
            decided_at: a.decided_at.map(views::utc),
        }
    }
}

#[derive(Serialize)]
struct CaseAdjournments {
    case_id: i64,
    /// Adjournments granted so far (overrides included).
    adjourned: i64,
    overrides: Vec<OverrideView>,
    items: Vec<AdjournmentView>,
}

async fn of_case(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let out = db::run(&state.pool, move |c| {
        let (_, court) = visible_case(c, &viewer, case_id)?;
        let profile = rules::profile(&court.rule_profile).ok();
        let rows = db::adjournments::of_case(c, case_id)?;
        let adjourned = db::adjournments::count_for_case(c, case_id)?;
        let overrides = rows.iter().filter(|a| a.overridden).map(OverrideView::from).collect();
        Ok(CaseAdjournments { case_id, adjourned, overrides, items: rows.iter().map(|a| view(a, profile)).collect() })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Serialize)]
struct StatsView {
    court_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    #[serde(flatten)]
    figures: policy::Figures,
}

/// Figures for requests recorded from `from` to `to` (court-local days,
/// both included; the last 30 days by default), counted by their outcome now.
async fn stats(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let (from_q, to_q) = (q.from, q.to);
    let out = db::run(&state.pool, move |c| {
        let court = db::courts::find(c, court_id)?;
        let tz = court_tz(&court)?;
        let to = to_q.unwrap_or_else(|| local_date(&court.time_zone, Utc::now()));
        let from = from_q.unwrap_or(to - Duration::days(30));
        if from > to {
            return Err(AppError::invalid("from", "`from` must not be after `to`"));
        }
        if (to - from).num_days() > 3660 {
            return Err(AppError::invalid("from", "ask for at most ten years at a time"));
        }
        let start_of = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| to_utc(tz, t).or_else(|| to_utc(tz, t + Duration::hours(1))))
                .ok_or_else(|| AppError::invalid("from", "that day cannot be placed in the court's time zone"))
        };
        let until_day = to.succ_opt().ok_or_else(|| AppError::invalid("to", "`to` is too far ahead"))?;
        let rows = db::adjournments::recorded_between(c, court_id, start_of(from)?, start_of(until_day)?)?;
        let recorded = rows
            .iter()
            .map(|a| {
                Ok(policy::Recorded {
                    requested_by: a.requested_by.clone(),
                    reason_code: a.reason_code.clone(),
                    status: a.status()?,
                    refused_by_rule: a.refusals.is_some(),
                    overridden: a.overridden,
                    delay_days: a.delay_days.map(i64::from),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(StatsView { court_id, from, to, figures: policy::figures(&recorded) })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
