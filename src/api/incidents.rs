//! Incidents of a case: thin handlers over `app::incidents`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::input::{self, Body};
use crate::app::booking::optional_text;
use crate::app::incidents::{self, IncidentOrder};
use crate::auth::extract::{CaseStaff, IncidentRecorders};
use crate::auth::Authorized;
use crate::db;
use crate::domain::incident::{IncidentKind, IncidentPlace, IncidentWho};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/incidents", web::post().to(record)).route("/cases/{id}/incidents", web::get().to(list));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentInput {
    /// `met_accused_side`, `saw_accused_side` or `other_breach`.
    #[schema(value_type = String)]
    kind: IncidentKind,
    /// `entrance`, `corridor`, `waiting_area`, `court_room`, `video_link`, `outside` or `other`.
    #[schema(value_type = String)]
    place: IncidentPlace,
    /// Whom of the accused's side: `accused`, `accused_family`,
    /// `accused_associate`, `defence_counsel`, or `not_applicable` for another breach.
    #[schema(value_type = String)]
    who: IncidentWho,
    /// When it happened (RFC 3339).
    occurred_at: String,
    hearing_id: Option<i64>,
    details: Option<String>,
}

/// `POST /api/cases/{id}/incidents`: a support officer or clerk records
/// that the child's side met or saw the accused's side, or another breach.
async fn record(
    state: web::Data<AppState>,
    user: Authorized<IncidentRecorders>,
    id: web::Path<i64>,
    body: Body<IncidentInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let order = IncidentOrder {
        case_id: id.into_inner(),
        hearing_id: b.hearing_id,
        kind: b.kind,
        place: b.place,
        who: b.who,
        occurred_at: input::instant("occurred_at", &b.occurred_at)?,
        details: optional_text("details", b.details, 2000)?,
    };
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |conn| db::write_tx(conn, |c| incidents::record(c, &viewer, &order))).await?;
    Ok(HttpResponse::Created().json(view))
}

async fn list(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let items = db::run(&state.pool, move |c| incidents::of_case(c, &viewer, case_id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
