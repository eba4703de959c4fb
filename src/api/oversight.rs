//! The monitor's routes: its courts, the dashboard and the open data.
//! Read-only, for the monitor role alone; every answer is aggregates of
//! the courts of the monitor's province or district.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::app::oversight::{self, Level, Selection};
use crate::auth::extract::Monitors;
use crate::auth::Authorized;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitor/courts", web::get().to(courts))
        .route("/monitor/dashboard", web::get().to(dashboard))
        .route("/monitor/export", web::get().to(export));
}

#[derive(Serialize)]
struct CourtRow {
    id: i64,
    name: String,
    province: Option<String>,
    district: Option<String>,
    rule_profile: String,
}

/// `GET /api/monitor/courts`: the courts the monitor reads.
async fn courts(state: web::Data<AppState>, monitor: Authorized<Monitors>) -> Result<HttpResponse, AppError> {
    let user = monitor.user.clone();
    let rows = db::run(&state.pool, move |c| oversight::courts_of(c, &user)).await?;
    let items: Vec<CourtRow> = rows
        .into_iter()
        .map(|c| CourtRow {
            id: c.id,
            name: c.name,
            province: c.province,
            district: c.district,
            rule_profile: c.rule_profile,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DashboardQuery {
    /// One court; or a district (with its province); or a province.
    court_id: Option<i64>,
    province: Option<String>,
    district: Option<String>,
    /// How the rows are grouped: the level below the selection by default.
    #[param(value_type = Option<String>)]
    rows_by: Option<Level>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

fn selection(court_id: Option<i64>, province: Option<String>, district: Option<String>) -> Selection {
    Selection { court_id, province, district }
}

/// `GET /api/monitor/dashboard`: the figures of the selection for the
/// period, its rows one level down, and its months.
async fn dashboard(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let user = monitor.user.clone();
    let sel = selection(q.court_id, q.province, q.district);
    let view = db::run(&state.pool, move |c| oversight::dashboard(c, &user, &sel, q.rows_by, q.from, q.to)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Format {
    Csv,
    Json,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    court_id: Option<i64>,
    province: Option<String>,
    district: Option<String>,
    /// One row of figures per province, district or court (the default).
    #[param(value_type = Option<String>)]
    by: Option<Level>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// `csv` (the default) or `json`.
    #[param(value_type = Option<String>)]
    format: Option<Format>,
}

/// `GET /api/monitor/export`: the figures as open data, small counts
/// suppressed, in CSV or JSON.
async fn export(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let user = monitor.user.clone();
    let sel = selection(q.court_id, q.province, q.district);
    let level = q.by.unwrap_or(Level::Court);
    let rows = db::run(&state.pool, move |c| oversight::open_data(c, &user, &sel, level, q.from, q.to)).await?;
    match q.format.unwrap_or(Format::Csv) {
        Format::Csv => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"amaan-figures.csv\""))
            .body(oversight::csv(&rows))),
        Format::Json => {
            let columns: Vec<_> = oversight::COLUMNS
                .iter()
                .map(|(name, meaning)| serde_json::json!({ "name": name, "meaning": meaning }))
                .collect();
            Ok(HttpResponse::Ok().json(serde_json::json!({
                "columns": columns,
                "smallest_shown": crate::domain::oversight::SMALLEST_SHOWN,
                "rows": rows,
            })))
        }
    }
}
