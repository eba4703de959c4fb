//! Courts, court rooms and waiting areas. Administrators write; staff read
//! their own court.

use actix_web::{web, HttpResponse};
use chrono::{NaiveTime, Utc};
use serde::Deserialize;

use super::input::Body;
use super::input::{self, PageQuery, Paged};
use crate::app::free_text::ChildNames;
use crate::auth::extract::{Admins, Staff};
use crate::auth::Authorized;
use crate::db::{self, audit, audit::Change, courts::CourtForm};
use crate::domain::calendar;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/courts", web::post().to(create_court))
        .route("/courts", web::get().to(list_courts))
        .route("/courts/{id}", web::get().to(get_court))
        .route("/courts/{id}", web::patch().to(update_court))
        .route("/courts/{id}/rooms", web::post().to(add_room))
        .route("/courts/{id}/rooms", web::get().to(list_rooms))
        .route("/courts/{id}/waiting-areas", web::post().to(add_waiting_area))
        .route("/courts/{id}/waiting-areas", web::get().to(list_waiting_areas));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourtInput {
    name: String,
    rule_profile: String,
    time_zone: String,
    opens_at: Option<String>,
    closes_at: Option<String>,
    working_days: Option<String>,
    /// Where the court sits, as oversight groups courts.
    province: Option<String>,
    district: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourtPatch {
    name: Option<String>,
    rule_profile: Option<String>,
    time_zone: Option<String>,
    opens_at: Option<String>,
    closes_at: Option<String>,
    working_days: Option<String>,
    province: Option<String>,
    district: Option<String>,
}

/// Where a court sits: a province, and a district only within one.
fn place(province: Option<&str>, district: Option<&str>) -> Result<(Option<String>, Option<String>), AppError> {
    let province = province.map(|p| input::name("province", p, 100)).transpose()?;
    let district = district.map(|d| input::name("district", d, 100)).transpose()?;
    if district.is_some() && province.is_none() {
        return Err(AppError::invalid("district", "a district lies within a province: give `province` too"));
    }
    Ok((province, district))
}

#[allow(clippy::too_many_arguments)]
fn court_form(
    name: &str,
    rule_profile: &str,
    time_zone: &str,
    opens_at: NaiveTime,
    closes_at: NaiveTime,
    working_days: &str,
    province: Option<&str>,
    district: Option<&str>,
) -> Result<CourtForm, AppError> {
    let name = input::name("name", name, 200)?;
    let (province, district) = place(province, district)?;
    if !crate::domain::rules::is_known_profile(rule_profile) {
        return Err(AppError::invalid(
            "rule_profile",
            format!(
                "`{rule_profile}` is not a rule profile; use one of {}",
                crate::domain::rules::profile_ids().join(", ")
            ),
        ));
    }
    let tz = calendar::parse_time_zone(time_zone).map_err(|e| AppError::invalid("time_zone", e))?;
    if closes_at <= opens_at {
        return Err(AppError::invalid("closes_at", "a court must close after it opens"));
    }
    let days = calendar::parse_working_days(working_days).map_err(|e| AppError::invalid("working_days", e))?;
    Ok(CourtForm {
        name,
        rule_profile: rule_profile.to_string(),
        time_zone: tz.name().to_string(),
        opens_at,
        closes_at,
        working_days: calendar::format_working_days(&days),
        province,
        district,
    })
}

async fn create_court(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    body: Body<CourtInput>,
) -> Result<HttpResponse, AppError> {
    if !admin.is_system_admin() {
        return Err(AppError::forbidden("only a system administrator (one not bound to a court) may create courts"));
    }
    let b = body.into_inner();
    let opens = match &b.opens_at {
        Some(t) => input::time_of_day("opens_at", t)?,
        None => NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
    };
    let closes = match &b.closes_at {
        Some(t) => input::time_of_day("closes_at", t)?,
        None => NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
    };
    let form = court_form(
        &b.name,
        &b.rule_profile,
        &b.time_zone,
        opens,
        closes,
        b.working_days.as_deref().unwrap_or("mon,tue,wed,thu,fri"),
        b.province.as_deref(),
        b.district.as_deref(),
    )?;
    let actor = admin.actor();
    let court = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let names = ChildNames::everywhere(c)?;
            names.name("name", &form.name)?;
            names.prose_opt("province", form.province.as_deref())?;
            names.prose_opt("district", form.district.as_deref())?;
            let court = db::courts::create(c, &form, Utc::now().naive_utc())?;
            audit::append(c, &actor, Change::new("create", "court", court.id).court(Some(court.id)).after(&court))?;
            Ok(court)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(court))
}

async fn list_courts(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = q.parse()?;
    let scope = user.court_scope();
    if scope.is_none() && !user.is_system_admin() {
        return Ok(HttpResponse::Ok().json(Paged::<()>::new(Vec::new(), page, 0)));
    }
    let (rows, total) =
        db::query(&state.pool, move |c| db::courts::list(c, scope, page.offset(), page.limit())).await?;
    Ok(HttpResponse::Ok().json(Paged::new(rows, page, total)))
}

async fn get_court(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    user.ensure_visible(id, &format!("court {id}"))?;
    let court = db::query(&state.pool, move |c| db::courts::find(c, id)).await?;
    Ok(HttpResponse::Ok().json(court))
}

async fn update_court(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<CourtPatch>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    admin.ensure_court(id)?;
    let patch = body.into_inner();
    let actor = admin.actor();
    let court = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = db::courts::find(c, id)?;
            let opens = match &patch.opens_at {
                Some(t) => input::time_of_day("opens_at", t)?,
                None => before.opens_at,
            };
            let closes = match &patch.closes_at {
                Some(t) => input::time_of_day("closes_at", t)?,
                None => before.closes_at,
            };
            let form = court_form(
                patch.name.as_deref().unwrap_or(&before.name),
                patch.rule_profile.as_deref().unwrap_or(&before.rule_profile),
                patch.time_zone.as_deref().unwrap_or(&before.time_zone),
                opens,
                closes,
                patch.working_days.as_deref().unwrap_or(&before.working_days),
                patch.province.as_deref().or(before.province.as_deref()),
                patch.district.as_deref().or(before.district.as_deref()),
            )?;
            let names = ChildNames::of_court(c, id)?;
            names.name("name", &form.name)?;
            names.prose_opt("province", form.province.as_deref())?;
            names.prose_opt("district", form.district.as_deref())?;
            let after = db::courts::update(c, id, &form)?;
            audit::append(c, &actor, Change::new("update", "court", id).court(Some(id)).before(&before).after(&after))?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(court))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoomInput {
    name: String,
    video_link: bool,
    capacity: Option<i32>,
}

fn capacity(value: Option<i32>) -> Result<i32, AppError> {
    let c = value.unwrap_or(20);
    if !(1..=1000).contains(&c) {
        return Err(AppError::invalid("capacity", "`capacity` must be between 1 and 1000"));
    }
    Ok(c)
}

async fn add_room(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<RoomInput>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    admin.ensure_court(court_id)?;
    let b = body.into_inner();
    let room = db::courts::NewRoom {
        court_id,
        name: input::name("name", &b.name, 100)?,
        video_link: b.video_link,
        capacity: capacity(b.capacity)?,
    };
    let actor = admin.actor();
    let room = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::courts::find(c, court_id)?;
            ChildNames::of_court(c, court_id)?.name("name", &room.name)?;
            let room = db::courts::add_room(c, &room)?;
            audit::append(c, &actor, Change::new("create", "court_room", room.id).court(Some(court_id)).after(&room))?;
            Ok(room)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(room))
}

async fn list_rooms(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let page = q.parse()?;
    let (rows, total) = db::query(&state.pool, move |c| {
        db::courts::find(c, court_id)?;
        db::courts::rooms(c, court_id, page.offset(), page.limit())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(rows, page, total)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitingAreaInput {
    name: String,
    child_friendly: bool,
    entrance: String,
    capacity: Option<i32>,
}

async fn add_waiting_area(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<WaitingAreaInput>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    admin.ensure_court(court_id)?;
    let b = body.into_inner();
    let area = db::courts::NewWaitingArea {
        court_id,
        name: input::name("name", &b.name, 100)?,
        child_friendly: b.child_friendly,
        entrance: input::name("entrance", &b.entrance, 100)?,
        capacity: capacity(b.capacity)?,
    };
    let actor = admin.actor();
    let area = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::courts::find(c, court_id)?;
            let names = ChildNames::of_court(c, court_id)?;
            names.name("name", &area.name)?;
            names.name("entrance", &area.entrance)?;
            let area = db::courts::add_waiting_area(c, &area)?;
            audit::append(
                c,
                &actor,
                Change::new("create", "waiting_area", area.id).court(Some(court_id)).after(&area),
            )?;
            Ok(area)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(area))
}

async fn list_waiting_areas(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let page = q.parse()?;
    let (rows, total) = db::query(&state.pool, move |c| {
        db::courts::find(c, court_id)?;
        db::courts::waiting_areas(c, court_id, page.offset(), page.limit())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(rows, page, total)))
}
