//! What happened at each hearing, and the case's course: thin handlers
//! over `app::outcomes` and `app::course`.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::input::Body;
use crate::app::booking::optional_text;
use crate::app::course::{self, StepOrder};
use crate::app::figures as court_figures;
use crate::app::outcomes::{self, OutcomeOrder};
use crate::auth::extract::{CaseStaff, DocketReaders, Staff};
use crate::auth::Authorized;
use crate::db;
use crate::domain::course::{Decision, Stage};
use crate::domain::hearing::HearingMode;
use crate::domain::outcome::{Cause, ChildEvidence, OutcomeKind, Proceeding};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hearings/{id}/outcome", web::post().to(record_outcome))
        .route("/hearings/{id}/outcome", web::get().to(get_outcome))
        .route("/cases/{id}/course", web::get().to(get_course))
        .route("/cases/{id}/course", web::post().to(record_step))
        .route("/courts/{id}/outcome-codes", web::get().to(outcome_codes))
        .route("/courts/{id}/figures", web::get().to(figures));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeInput {
    kind: OutcomeKind,
    #[serde(default)]
    proceedings: Vec<Proceeding>,
    child_evidence: Option<ChildEvidence>,
    continues_because: Option<String>,
    reason_code: Option<String>,
    caused_by: Option<Cause>,
    details: Option<String>,
    child_brought: Option<bool>,
    child_mode: Option<HearingMode>,
    children: Option<Vec<i64>>,
    correction_reason: Option<String>,
}

/// `POST /api/hearings/{id}/outcome`: the judge who sat, or a clerk of the
/// court for that judge, records what happened; sent again with a
/// `correction_reason`, it corrects the record and keeps the first.
async fn record_outcome(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    id: web::Path<i64>,
    body: Body<OutcomeInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let order = OutcomeOrder {
        hearing_id: id.into_inner(),
        kind: Some(b.kind),
        proceedings: b.proceedings,
        child_evidence: b.child_evidence,
        continues_because: optional_text("continues_because", b.continues_because, 1000)?,
        reason_code: optional_text("reason_code", b.reason_code, 64)?,
        caused_by: b.caused_by,
        details: optional_text("details", b.details, 2000)?,
        child_brought: b.child_brought,
        child_mode: b.child_mode,
        children: b.children,
        correction_reason: optional_text("correction_reason", b.correction_reason, 1000)?,
        video_session: None,
    };
    let viewer = user.user.clone();
    let answer = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Hearing(order.hearing_id), |c| outcomes::record(c, &viewer, &order))
    })
    .await?;
    Ok(HttpResponse::Created().json(answer))
}

async fn get_outcome(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let viewer = user.user.clone();
    let answer = db::run(&state.pool, move |c| outcomes::answer(c, &viewer, hearing_id)).await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn get_course(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |c| course::course_view(c, &viewer, case_id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepInput {
    stage: Stage,
    decision: Option<Decision>,
    /// The court-local date of the order; today when left out.
    on: Option<NaiveDate>,
    reasons: Option<String>,
}

/// `POST /api/cases/{id}/course`: the court moves the case on (evidence,
/// arguments, judgment reserved, decided with its decision, disposed).
async fn record_step(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    id: web::Path<i64>,
    body: Body<StepInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let order = StepOrder {
        case_id: id.into_inner(),
        to: b.stage,
        decision: b.decision,
        on: b.on,
        reasons: optional_text("reasons", b.reasons, 2000)?,
    };
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Case(order.case_id), |c| course::record_step(c, &viewer, &order))
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Serialize)]
struct Coded {
    code: String,
    label: String,
    label_ur: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    needs_details: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    child_absent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_in_child_cases: Option<bool>,
}

/// `GET /api/courts/{id}/outcome-codes`: what an outcome and a decision
/// may say in this court, in English and Urdu, for the day's board.
async fn outcome_codes(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let court = db::query(&state.pool, move |c| db::courts::find(c, court_id)).await?;
    let profile = course::profile_of(&court)?;
    let not_held: Vec<Coded> = profile
        .outcomes
        .not_held
        .iter()
        .map(|r| Coded {
            code: r.code.clone(),
            label: r.label.clone(),
            label_ur: r.label_ur.clone(),
            cause: r.cause,
            section: Some(r.section.clone()),
            needs_details: r.needs_details,
            child_absent: r.child_absent,
            allowed_in_child_cases: None,
        })
        .collect();
    let decisions: Vec<Coded> = profile
        .course
        .decisions
        .iter()
        .map(|d| Coded {
            code: d.code.as_str().into(),
            label: d.label.clone(),
            label_ur: d.label_ur.clone(),
            cause: None,
            section: Some(d.section.clone()),
            needs_details: false,
            child_absent: false,
            allowed_in_child_cases: Some(d.allowed_in_child_cases),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "court_id": court_id,
        "rule_profile": profile.id,
        "not_held": not_held,
        "proceedings": Proceeding::ALL,
        "child_evidence": ChildEvidence::ALL,
        "causes": Cause::ALL,
        "decisions": decisions,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// `GET /api/courts/{id}/figures?from=&to=`: the court's figures of delay
/// for a period (court-local dates, inclusive), for the court's staff.
async fn figures(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let q = q.into_inner();
    let body = db::run(&state.pool, move |c| court_figures::of_court(c, court_id, q.from, q.to)).await?;
    Ok(HttpResponse::Ok().json(body))
}
