//! Reads the pages need and the foundation lacked: a court's hearings over
//! a week (the clerk's calendar, the support officer's list of video
//! hearings) and the court's judges (the clerk's booking form).

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::views::{self, HearingView};
use crate::auth::extract::{CaseStaff, Staff};
use crate::auth::Authorized;
use crate::db;
use crate::domain::calendar;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/courts/{id}/hearings", web::get().to(court_hearings))
        .route("/courts/{id}/judges", web::get().to(court_judges));
}

/// The longest span one calendar request may cover.
pub const MAX_DAYS: i64 = 31;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SpanQuery {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Serialize)]
struct CalendarHearing {
    #[serde(flatten)]
    hearing: HearingView,
    case_number: String,
}

/// Local midnight at the court, in UTC. A day that begins inside a DST gap
/// starts at its first real instant.
fn court_midnight(tz: &chrono_tz::Tz, day: NaiveDate) -> NaiveDateTime {
    let local = day.and_time(chrono::NaiveTime::MIN);
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.naive_utc(),
        None => {
            tz.from_local_datetime(&(local + Duration::hours(1))).earliest().map(|t| t.naive_utc()).unwrap_or(local)
        }
    }
}

/// Hearings of the court from the start of `from` to the end of `to`, both
/// court-local dates.
async fn court_hearings(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<SpanQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let SpanQuery { from, to } = q.into_inner();
    if to < from {
        return Err(AppError::invalid("to", "`to` must not be before `from`"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid("to", format!("a calendar covers at most {MAX_DAYS} days")));
    }
    let items = db::run(&state.pool, move |c| {
        let court = db::courts::find(c, court_id)?;
        let tz = calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)?;
        let start = court_midnight(&tz, from);
        let end = court_midnight(&tz, to + Duration::days(1));
        let rows = db::calendar::court_hearings(c, court_id, start, end)?;
        Ok(rows
            .iter()
            .map(|(h, number)| CalendarHearing { hearing: views::hearing(h), case_number: number.clone() })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn court_judges(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let rows = db::query(&state.pool, move |c| {
        db::courts::find(c, court_id)?;
        db::calendar::judges(c, court_id)
    })
    .await?;
    let items: Vec<_> =
        rows.into_iter().map(|(id, name)| serde_json::json!({ "id": id, "display_name": name })).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
