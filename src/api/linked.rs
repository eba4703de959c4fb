//! Mass-victim cases: buildings that courts share, links between cases of
//! one occurrence, the accused's associates the child side must never
//! meet, and the planned testimony of a linked group's children.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::{self, Body};
use crate::app::free_text::ChildNames;
use crate::app::plan_booking;
use crate::app::testimony::{self, PlanAsk};
use crate::auth::extract::{Admins, Clerks, DocketReaders, Staff};
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change, linked, DbConn};
use crate::domain::roles::Side;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/buildings", web::post().to(create_building))
        .route("/buildings", web::get().to(list_buildings))
        .route("/courts/{id}/building", web::put().to(place_court))
        .route("/cases/{id}/links", web::post().to(add_link))
        .route("/cases/{id}/links", web::get().to(list_links))
        .route("/cases/{id}/links/{other}", web::delete().to(remove_link))
        .route("/cases/{id}/associates", web::post().to(add_associate))
        .route("/cases/{id}/associates", web::get().to(list_associates))
        .route("/case-groups/{id}", web::get().to(get_group))
        .route("/case-groups/{id}/testimony-plan", web::post().to(plan_testimony))
        .route("/case-groups/{id}/testimony-plan/book", web::post().to(book_testimony_plan));
}

// --------------------------------------------------------------- buildings

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuildingInput {
    name: String,
}

async fn create_building(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    body: Body<BuildingInput>,
) -> Result<HttpResponse, AppError> {
    let name = input::name("name", &body.into_inner().name, 200)?;
    let actor = admin.actor();
    let row = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            ChildNames::everywhere(c)?.name("name", &name)?;
            let b = linked::create_building(c, &name, Utc::now().naive_utc())?;
            audit::append(c, &actor, Change::new("create", "building", b.id).after(&b))?;
            Ok(b)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

async fn list_buildings(state: web::Data<AppState>, _user: Authorized<Staff>) -> Result<HttpResponse, AppError> {
    let items = db::query(&state.pool, linked::buildings).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaceInput {
    building_id: i64,
}

/// Puts a court in a building: its waiting areas and gates are then the
/// building's, and every court there plans around the others' hearings.
async fn place_court(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<PlaceInput>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    admin.ensure_court(court_id)?;
    let building_id = body.into_inner().building_id;
    let actor = admin.actor();
    let courts = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::courts::find(c, court_id)?;
            linked::find_building(c, building_id)
                .map_err(|_| AppError::invalid("building_id", format!("there is no building {building_id}")))?;
            linked::place_court(c, court_id, building_id)?;
            audit::append(
                c,
                &actor,
                Change::new("place", "court", court_id)
                    .court(Some(court_id))
                    .after(&serde_json::json!({ "building_id": building_id })),
            )?;
            Ok(linked::courts_in_building(c, building_id)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "court_id": court_id, "building_id": building_id, "courts": courts })))
}

// ------------------------------------------------------------------- links

#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LinkReason {
    /// The same occurrence, registered as several FIRs.
    SameOccurrence,
    Consolidated,
    TriedTogether,
}

impl LinkReason {
    fn as_str(self) -> &'static str {
        match self {
            LinkReason::SameOccurrence => "same_occurrence",
            LinkReason::Consolidated => "consolidated",
            LinkReason::TriedTogether => "tried_together",
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkInput {
    case_id: i64,
    reason: LinkReason,
}

/// Whether two courts sit in one building (a court is in its own).
fn one_building(c: &mut DbConn, a: i64, b: i64) -> Result<bool, AppError> {
    Ok(a == b || linked::building_courts(c, a)?.contains(&b))
}

/// The other case of a link, as the caller may name it: a case of the
/// caller's court, or of a court in the same building.
fn linkable_case(c: &mut DbConn, user: &AuthUser, own_court: i64, other: i64) -> Result<db::cases::Case, AppError> {
    let absent = || AppError::invalid("case_id", format!("there is no case {other} to link"));
    let case = db::cases::find(c, other).map_err(|_| absent())?;
    if user.ensure_visible(case.court_id, "case").is_ok() {
        return Ok(case);
    }
    if one_building(c, own_court, case.court_id)? {
        return Ok(case);
    }
    Err(AppError::invalid(
        "case_id",
        format!(
            "case {other} is tried in a court in another building: linked cases share their children and accused, \
             and one never-meet plan keeps them apart only within one building (put both courts in one building \
             first)"
        ),
    ))
}

#[derive(Serialize)]
struct LinkView {
    id: i64,
    case_id: i64,
    linked_case_id: i64,
    reason: String,
    created_at: chrono::DateTime<Utc>,
}

fn link_view(l: &linked::CaseLink, from: i64) -> LinkView {
    LinkView {
        id: l.id,
        case_id: from,
        linked_case_id: l.other(from),
        reason: l.reason.clone(),
        created_at: super::views::utc(l.created_at),
    }
}

async fn add_link(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<LinkInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    let viewer = clerk.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (case, _) = visible_case(c, &viewer, case_id)?;
            if b.case_id == case_id {
                return Err(AppError::invalid("case_id", "a case is not linked to itself"));
            }
            let other = linkable_case(c, &viewer, case.court_id, b.case_id)?;
            if !one_building(c, case.court_id, other.court_id)? {
                return Err(AppError::invalid(
                    "case_id",
                    format!(
                        "case {} is tried in a court in another building: linked cases are planned with one \
                         never-meet plan, which holds only within one building",
                        other.id
                    ),
                ));
            }
            let link =
                linked::add_link(c, case.id, other.id, b.reason.as_str(), Some(viewer.id), Utc::now().naive_utc())?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("link", "case", case.id).court(Some(case.court_id)).after(&link_view(&link, case.id)),
            )?;
            Ok(link_view(&link, case.id))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

async fn list_links(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let body = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        let links: Vec<LinkView> = linked::links_of(c, case_id)?.iter().map(|l| link_view(l, case_id)).collect();
        let group = linked::group_of(c, case_id)?;
        Ok(serde_json::json!({ "items": links, "group": group }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn remove_link(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (case_id, other) = path.into_inner();
    let viewer = clerk.user.clone();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (case, _) = visible_case(c, &viewer, case_id)?;
            let link = linked::remove_link(c, case_id, other)?
                .ok_or_else(|| AppError::not_found(format!("a link between cases {case_id} and {other}")))?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("unlink", "case", case_id).court(Some(case.court_id)).before(&link_view(&link, case_id)),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// -------------------------------------------------------------- associates

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssociateInput {
    name: String,
    /// Who the person is to the accused or the family: "brother of the
    /// accused", "threatened the family".
    relation: String,
    /// The party this person already is (an accused of a linked case).
    party_id: Option<i64>,
}

/// Names compared as a person's identity: case and spacing do not matter.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

/// An associate must not be anyone on the child side of any case of the
/// group: the child side cannot be kept from itself.
fn check_not_child_side(c: &mut DbConn, group: &[i64], name: &str, party_id: Option<i64>) -> Result<(), AppError> {
    let parties = db::parties::of_cases(c, group)?;
    let child_side = |p: &db::parties::Party| p.side == Side::Child.as_str();
    if let Some(pid) = party_id {
        let party = parties.iter().find(|p| p.id == pid).ok_or_else(|| {
            AppError::invalid("party_id", format!("party {pid} is not a party of these linked cases"))
        })?;
        let person = party.person();
        if parties.iter().any(|p| p.person() == person && child_side(p)) {
            return Err(AppError::invalid(
                "party_id",
                format!(
                    "party {pid} is on the child side of case {}: a person the child side must never meet cannot \
                     be one of the child side",
                    party.case_id
                ),
            ));
        }
    }
    if let Some(p) = parties.iter().find(|p| child_side(p) && same_name(&p.name, name)) {
        return Err(AppError::invalid(
            "name",
            format!(
                "that is the identity of a child-side party of case {} ({}): a person the child side must never \
                 meet cannot be one of the child side",
                p.case_id,
                if p.is_child() { "a child witness".to_string() } else { p.role.replace('_', " ") }
            ),
        ));
    }
    Ok(())
}

async fn add_associate(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<AssociateInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    let name = input::name("name", &b.name, 200)?;
    let relation = input::text("relation", &b.relation, 200)?;
    let viewer = clerk.user.clone();
    let row = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (case, court) = visible_case(c, &viewer, case_id)?;
            let group = linked::group_of(c, case_id)?;
            check_not_child_side(c, &group, &name, b.party_id)?;
            let names = ChildNames::of_case(c, case_id, court.id)?;
            names.name("name", &name)?;
            names.prose("relation", &relation)?;
            let a = linked::add_associate(
                c,
                &linked::NewAssociate {
                    case_id,
                    name,
                    relation,
                    party_id: b.party_id,
                    created_by: Some(viewer.id),
                    created_at: Utc::now().naive_utc(),
                },
            )?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("create", "associate", a.id).court(Some(case.court_id)).after(&a),
            )?;
            Ok(a)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

async fn list_associates(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let items = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        Ok(linked::associates_of(c, &[case_id])?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

// ------------------------------------------------------------------ groups

async fn get_group(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let body = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        testimony::group_view(c, &viewer, case_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestimonyPlanInput {
    /// The first day a child may be heard (default: tomorrow).
    from: Option<NaiveDate>,
    /// The last day the plan may use (default: 180 days on).
    until: Option<NaiveDate>,
    /// Each child's sitting, breaks included (default: the profile's
    /// evidence sitting).
    minutes: Option<i32>,
    /// Weekdays the video-link rooms sit, as `mon,wed,thu` (default: the
    /// court's working days).
    video_days: Option<String>,
}

/// Plans the single sitting of every child of the linked group, with the
/// late children and the what-if answers. Nothing is booked.
async fn plan_testimony(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    id: web::Path<i64>,
    body: Body<TestimonyPlanInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    if let Some(m) = b.minutes {
        crate::app::booking::minutes_of("minutes", m)?;
    }
    let video_days = b
        .video_days
        .as_deref()
        .map(crate::domain::calendar::parse_working_days)
        .transpose()
        .map_err(|e| AppError::invalid("video_days", e))?;
    if video_days.as_ref().is_some_and(|d| d.is_empty()) {
        return Err(AppError::invalid("video_days", "name at least one weekday the video-link rooms sit"));
    }
    let ask = PlanAsk { from: b.from, until: b.until, minutes: b.minutes, video_days };
    let viewer = user.user.clone();
    let body = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        testimony::plan_group(c, &viewer, case_id, &ask)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SittingInput {
    /// The plan's `party_id`: the child's party in the case heard in.
    party_id: i64,
    /// The plan's `booking.starts_at` and `booking.ends_at`.
    starts_at: String,
    ends_at: String,
    judge_id: i64,
    room_id: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookPlanInput {
    #[schema(inline)]
    sittings: Vec<SittingInput>,
    /// Why sittings after a child's clock are booked late, where a slot
    /// in time was free (as for a booking by hand).
    delay_reason: Option<String>,
}

/// Books the planned sittings of a linked group in one transaction: all,
/// or none with the refusal of the first that fails.
async fn book_testimony_plan(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<BookPlanInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    if b.sittings.len() > plan_booking::MAX_SITTINGS {
        return Err(AppError::invalid(
            "sittings",
            format!("at most {} sittings are booked in one request", plan_booking::MAX_SITTINGS),
        ));
    }
    let mut orders = Vec::with_capacity(b.sittings.len());
    for (i, s) in b.sittings.iter().enumerate() {
        let starts_at = input::instant(&format!("sittings[{i}].starts_at"), &s.starts_at)?;
        let ends_at = input::instant(&format!("sittings[{i}].ends_at"), &s.ends_at)?;
        let minutes = crate::app::booking::sitting_minutes(&format!("sittings[{i}].ends_at"), starts_at, ends_at)?;
        orders.push(plan_booking::SittingOrder {
            party_id: s.party_id,
            starts_at,
            minutes,
            judge_id: s.judge_id,
            room_id: s.room_id,
        });
    }
    let delay_reason = crate::app::booking::optional_text("delay_reason", b.delay_reason, 2000)?;
    let viewer = clerk.user.clone();
    let booked = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            visible_case(c, &viewer, case_id)?;
            plan_booking::book_plan(c, &viewer, case_id, &orders, delay_reason.clone())
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(booked))
}
