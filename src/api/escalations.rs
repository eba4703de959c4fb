//! Escalation reports: the court generates, prints and records sending
//! them; the monitor of its district reads them. Thin handlers over
//! `app::escalations`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::input::Body;
use crate::app::escalations::{self as reports, ReportView};
use crate::app::oversight::Selection;
use crate::auth::extract::{EscalationReaders, Monitors};
use crate::auth::Authorized;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/escalation-reports", web::post().to(generate))
        .route("/courts/{id}/escalation-reports", web::get().to(list_of_court))
        .route("/escalation-reports/{id}", web::get().to(one))
        .route("/escalation-reports/{id}/print", web::get().to(print))
        .route("/escalation-reports/{id}/sent", web::post().to(sent))
        .route("/monitor/escalation-reports", web::get().to(monitor_list))
        .route("/monitor/escalation-reports/{id}", web::get().to(monitor_one))
        .route("/monitor/escalation-reports/{id}/print", web::get().to(monitor_print));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateInput {
    /// The broken clock, by its id in the court's profile
    /// (`rape2016_trial_three_months`).
    clock_id: String,
}

/// `POST /api/cases/{id}/escalation-reports`: the report of a broken
/// clock the profile escalates, made from the case's history; one per
/// case and clock (409 names the one already made).
async fn generate(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
    body: Body<GenerateInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let clock_id = body.into_inner().clock_id;
    let viewer = user.user.clone();
    let (view, made) =
        db::run(&state.pool, move |conn| db::write_tx(conn, |c| reports::generate(c, &viewer, case_id, &clock_id)))
            .await?;
    if !made {
        return Err(AppError::conflict(format!(
            "escalation report {} was already generated for this case and clock",
            view.id
        )));
    }
    Ok(HttpResponse::Created().json(view))
}

async fn list_of_court(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    let viewer = user.user.clone();
    let items = db::run(&state.pool, move |c| reports::list_of_court(c, &viewer, court_id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

fn missing(id: i64) -> impl Fn(AppError) -> AppError {
    move |e| match e {
        AppError::NotFound(_) => AppError::not_found(format!("escalation report {id}")),
        other => other,
    }
}

async fn load(state: &AppState, user: &crate::auth::AuthUser, id: i64, monitor: bool) -> Result<ReportView, AppError> {
    let viewer = user.clone();
    db::run(&state.pool, move |c| {
        if monitor {
            reports::one_of_monitor(c, &viewer, id)
        } else {
            reports::of_court_staff(c, &viewer, id)
        }
    })
    .await
    .map_err(missing(id))
}

fn page(view: &ReportView) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(reports::html(view))
}

async fn one(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(load(&state, &user.user, id.into_inner(), false).await?))
}

/// `GET /api/escalation-reports/{id}/print`: the report as a page to print.
async fn print(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(page(&load(&state, &user.user, id.into_inner(), false).await?))
}

/// `POST /api/escalation-reports/{id}/sent`: the court records that it
/// sent the report (when, and who: the caller), once.
async fn sent(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let report_id = id.into_inner();
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |conn| db::write_tx(conn, |c| reports::mark_sent(c, &viewer, report_id)))
        .await
        .map_err(missing(report_id))?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct MonitorQuery {
    court_id: Option<i64>,
    province: Option<String>,
    district: Option<String>,
}

/// `GET /api/monitor/escalation-reports`: the reports of the monitor's
/// courts, newest first.
async fn monitor_list(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    q: web::Query<MonitorQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let sel = Selection { court_id: q.court_id, province: q.province, district: q.district };
    let viewer = monitor.user.clone();
    let items = db::run(&state.pool, move |c| reports::of_monitor(c, &viewer, &sel)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn monitor_one(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(load(&state, &monitor.user, id.into_inner(), true).await?))
}

async fn monitor_print(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(page(&load(&state, &monitor.user, id.into_inner(), true).await?))
}
