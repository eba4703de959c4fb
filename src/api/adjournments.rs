//! Adjournments: a clerk records a request, the court's rule profile
//! checks it, a judge decides. A grant reschedules the hearing in the same
//! transaction as the decision, so a failure anywhere leaves the old
//! hearing and the request as they were.

use actix_web::http::header;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::{self, Body};
use super::views::{self, HearingView};
use crate::app::adjournments::{self as app, court_tz, to_utc};
use crate::auth::extract::{Clerks, Judges, Staff};
use crate::auth::Authorized;
use crate::db::adjournments::Adjournment;
use crate::db::{self};
use crate::domain::adjournment::{self as policy, Refusal, Requester};
use crate::domain::calendar::local_date;
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

pub(crate) fn view(a: &Adjournment, profile: Option<&RuleProfile>) -> AdjournmentView {
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestInput {
    #[schema(value_type = String)]
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
    let order = app::RequestOrder {
        hearing_id,
        requested_by: b.requested_by,
        reason_code: b.reason_code,
        details,
        proposed,
        remand_days,
        for_child_welfare: b.for_child_welfare,
    };
    let user = clerk.user.clone();
    let (recorded, refusals) = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Hearing(order.hearing_id), |c| app::record_request(c, &user, &order))
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

// ---------------------------------------------------------------- decision

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    Grant,
    Refuse,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionInput {
    #[schema(inline)]
    decision: Verdict,
    reasons: Option<String>,
    /// The judge may fix another date than the one proposed.
    new_starts_at: Option<String>,
    new_ends_at: Option<String>,
}

/// A judge's decision, as the decision endpoint answers it.
#[derive(Serialize)]
pub(crate) struct DecisionView {
    pub adjournment: AdjournmentView,
    pub adjourned_hearing: Option<HearingView>,
    pub new_hearing: Option<HearingView>,
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
    let order = app::DecisionOrder { adjournment_id: id, grant: b.decision == Verdict::Grant, reasons, new_times };
    let out = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Adjournment(order.adjournment_id), |c| app::decide(c, &user, &order))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
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

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodQuery {
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
