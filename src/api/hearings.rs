//! Hearings of a case. A hearing made with its times is booked by the
//! scheduler inside the same transaction, so it meets every hard constraint
//! and two clerks racing for one judge or room cannot both win.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::cases::visible_case;
use super::input::Body;
use super::input::{self, PageQuery, Paged};
use super::views;
use crate::app::booking;
use crate::app::free_text::ChildNames;
use crate::auth::extract::{Clerks, Staff};
use crate::auth::Authorized;
use crate::db::{self, audit, audit::Change};
use crate::domain::hearing::{HearingKind, HearingMode, HearingStatus};
use crate::domain::roles::StaffRole;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/hearings", web::post().to(create_hearing))
        .route("/cases/{id}/hearings", web::get().to(list_hearings))
        .route("/hearings/{id}", web::get().to(get_hearing));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HearingInput {
    #[schema(value_type = String)]
    kind: HearingKind,
    judge_id: Option<i64>,
    room_id: Option<i64>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(default)]
    child_testifies: bool,
    #[schema(value_type = Option<String>)]
    mode: Option<HearingMode>,
    /// As for a booking: why the child must testify again.
    reappearance_reason: Option<String>,
    /// As for a booking: why the hearing is after its statutory clock.
    delay_reason: Option<String>,
}

/// Makes a hearing; with times it is booked at once, through the
/// scheduler's booking (every hard constraint, the never-meet plan), in
/// the same transaction, so a refused time leaves nothing behind.
async fn create_hearing(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<HearingInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    let starts = b.starts_at.as_deref().map(|s| input::instant("starts_at", s)).transpose()?;
    let ends = b.ends_at.as_deref().map(|s| input::instant("ends_at", s)).transpose()?;
    let times = match (starts, ends) {
        (Some(s), Some(e)) => Some((s, booking::sitting_minutes("ends_at", s, e)?)),
        (None, None) => None,
        _ => return Err(AppError::invalid("ends_at", "give both `starts_at` and `ends_at`, or neither")),
    };
    if times.is_some() && (b.judge_id.is_none() || b.room_id.is_none()) {
        return Err(AppError::invalid("room_id", "a scheduled hearing needs a judge and a court room"));
    }
    let reappearance_reason = booking::optional_text("reappearance_reason", b.reappearance_reason, 2000)?;
    let delay_reason = booking::optional_text("delay_reason", b.delay_reason, 2000)?;
    let mode = b.mode.unwrap_or(HearingMode::InPerson);
    let viewer = clerk.user.clone();
    let (view, booked) = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Case(case_id), |c| {
            let (case, _) = visible_case(c, &viewer, case_id)?;
            booking::ensure_listable(&case)?;
            let names = ChildNames::of_case(c, case.id, case.court_id)?;
            names.prose_opt("reappearance_reason", reappearance_reason.as_deref())?;
            names.prose_opt("delay_reason", delay_reason.as_deref())?;
            if let Some(judge_id) = b.judge_id {
                let judge =
                    db::users::find(c, judge_id)?.ok_or_else(|| AppError::not_found(format!("judge {judge_id}")))?;
                if judge.role != StaffRole::Judge.as_str() || judge.court_id != Some(case.court_id) || !judge.active {
                    return Err(AppError::invalid("judge_id", "that user is not an active judge of this court"));
                }
            }
            if let Some(room_id) = b.room_id {
                let room = db::courts::find_room(c, room_id)?;
                if room.court_id != case.court_id {
                    return Err(AppError::not_found(format!("court room {room_id}")));
                }
                // With times, the booking refuses this by the profile's rule.
                if times.is_none() && b.child_testifies && mode == HearingMode::VideoLink && !room.video_link {
                    return Err(AppError::invalid(
                        "room_id",
                        "the child testifies by video link, and this room has none",
                    ));
                }
            }
            let h = db::hearings::create(
                c,
                &db::hearings::NewHearing {
                    case_id,
                    kind: b.kind.as_str().into(),
                    judge_id: b.judge_id,
                    room_id: b.room_id,
                    starts_at: None,
                    ends_at: None,
                    child_testifies: b.child_testifies,
                    mode: mode.as_str().into(),
                    status: HearingStatus::Unscheduled.as_str().into(),
                    created_at: Utc::now().naive_utc(),
                },
            )?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("create", "hearing", h.id).court(Some(case.court_id)).after(&h),
            )?;
            let Some((starts_at, minutes)) = times else { return Ok((views::hearing(&h), None)) };
            let order = booking::BookOrder {
                hearing_id: h.id,
                starts_at,
                minutes,
                judge_id: b.judge_id,
                room_id: b.room_id,
                reappearance_reason,
                delay_reason,
                source: "direct",
            };
            let booked = booking::book_in_tx(c, &viewer, &order)?;
            Ok((views::hearing(&booked.stored), Some(booked)))
        })
    })
    .await?;
    // The hearing as before, with its never-meet plan when it was booked.
    let mut body = serde_json::to_value(view)?;
    if let (Some(obj), Some(booked)) = (body.as_object_mut(), booked) {
        obj.insert("booking".into(), serde_json::to_value(booked)?["booking"].take());
    }
    Ok(HttpResponse::Created().json(body))
}

async fn list_hearings(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let page = q.parse()?;
    let viewer = user.user.clone();
    let paged = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        let hearings = db::hearings::of_case(c, case_id)?;
        let total = hearings.len() as i64;
        let items: Vec<_> =
            hearings.iter().skip(page.offset() as usize).take(page.limit() as usize).map(views::hearing).collect();
        Ok(Paged::new(items, page, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(paged))
}

async fn get_hearing(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |c| {
        let h = db::hearings::find(c, id)?;
        visible_case(c, &viewer, h.case_id).map_err(|_| AppError::not_found(format!("hearing {id}")))?;
        Ok(views::hearing(&h))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
