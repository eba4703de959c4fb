//! Families' feedback: the page's two public calls (no account; the
//! token in the body, never in a URL), the support officer's link, the
//! monitor's individual answers and the court's counts.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::input::Body;
use crate::app::feedback::{self, Answers};
use crate::app::oversight::Selection;
use crate::auth::extract::{Monitors, Staff, SupportOfficers};
use crate::auth::Authorized;
use crate::db;
use crate::domain::feedback::{Respected, SawAccusedSide, Waited};
use crate::domain::notices::Language;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/feedback/open", web::post().to(open))
        .route("/feedback", web::post().to(submit))
        .route("/hearings/{id}/feedback-links", web::post().to(make_link))
        .route("/monitor/feedback", web::get().to(monitor_list))
        .route("/courts/{id}/feedback", web::get().to(of_court));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenInput {
    /// The link's token (after `#t=` in the link).
    token: String,
}

/// `POST /api/feedback/open`: the court and day a link is about, and
/// whether it was answered.
async fn open(state: web::Data<AppState>, body: Body<OpenInput>) -> Result<HttpResponse, AppError> {
    let token = body.into_inner().token;
    let view = db::run(&state.pool, move |c| feedback::open(c, &token)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedbackInput {
    token: String,
    /// `no`, `saw_from_afar` or `came_close`.
    #[schema(value_type = String)]
    saw_accused_side: SawAccusedSide,
    /// `under_half_hour`, `half_hour_to_hour`, `one_to_two_hours` or `over_two_hours`.
    #[schema(value_type = String)]
    waited: Waited,
    /// `yes`, `partly` or `no`.
    #[schema(value_type = String)]
    respected: Respected,
    /// Anything to report, for the monitoring cell (at most 1000 characters).
    report: Option<String>,
    /// `en` or `ur`: the language the answers were given in.
    language: Option<String>,
}

/// `POST /api/feedback`: the family's answers, once per link's party and hearing.
async fn submit(state: web::Data<AppState>, body: Body<FeedbackInput>) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let language = match b.language.as_deref() {
        None => Language::English,
        Some(l) => l.parse::<Language>().map_err(|_| AppError::invalid("language", "`en` or `ur`"))?,
    };
    let answers = Answers {
        saw_accused_side: b.saw_accused_side,
        waited: b.waited,
        respected: b.respected,
        report: b.report,
        language,
    };
    let token = b.token;
    let id = db::run(&state.pool, move |conn| db::write_tx(conn, |c| feedback::submit(c, &token, &answers))).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "received": true })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkInput {
    /// The party of the child's side whose feedback it is (the guardian).
    party_id: i64,
}

/// `POST /api/hearings/{id}/feedback-links`: a support officer's link to
/// fill in with the family (the answers are marked as entered by staff).
async fn make_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Authorized<SupportOfficers>,
    id: web::Path<i64>,
    body: Body<LinkInput>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let party_id = body.into_inner().party_id;
    let user = officer.user.clone();
    let token = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| feedback::link_for_officer(c, &user, hearing_id, party_id))
    })
    .await?;
    let origin = state.settings.public_origin.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    Ok(HttpResponse::Created()
        .json(serde_json::json!({ "token": token, "url": format!("{origin}{}{token}", feedback::PAGE) })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct MonitorFeedbackQuery {
    court_id: Option<i64>,
    province: Option<String>,
    district: Option<String>,
    /// Hearings on days from (default: a year before `to`).
    from: Option<NaiveDate>,
    /// Hearings on days to (default: today).
    to: Option<NaiveDate>,
}

/// `GET /api/monitor/feedback`: each answer of the families of the
/// monitor's courts.
async fn monitor_list(
    state: web::Data<AppState>,
    monitor: Authorized<Monitors>,
    q: web::Query<MonitorFeedbackQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let sel = Selection { court_id: q.court_id, province: q.province, district: q.district };
    let user = monitor.user.clone();
    let items = db::run(&state.pool, move |c| feedback::of_monitor(c, &user, &sel, q.from, q.to)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// `GET /api/courts/{id}/feedback`: what the court's families said, as
/// counts of five or more.
async fn of_court(
    state: web::Data<AppState>,
    staff: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    let q = q.into_inner();
    let user = staff.user.clone();
    let view = db::run(&state.pool, move |c| feedback::of_court(c, &user, court_id, q.from, q.to)).await?;
    Ok(HttpResponse::Ok().json(view))
}
