//! Scheduling with separation: slots for one hearing, booking a slot with
//! its never-meet plan, each side's own arrival plan, bulk plans, the
//! court's holidays, counsel of a case, and the validator over the court's
//! bookings.
//!
//! The booking transaction itself, shared with hearings, adjournments and
//! plans, is the use case `app::booking`.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::{self, Body};
use super::views;
use crate::app::booking::{
    book_in_tx, booking_view, minutes_of, optional_text, persons_of, sitting_minutes, BookOrder, CourtSetup,
};
use crate::app::free_text::ChildNames;
use crate::auth::extract::{Admins, CaseStaff, Clerks, DocketReaders, Staff};
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change, hearings::Hearing, schedule as store, DbConn};
use crate::domain::hearing::{HearingKind, HearingMode, HearingStatus};
use crate::domain::roles::{PartyRole, Side};
use crate::domain::schedule::constraints::Constraint;
use crate::domain::schedule::grid::{self};
use crate::domain::schedule::model::Booking;
use crate::domain::schedule::slots::{self, Window};
use crate::domain::schedule::{planner, validator, ScheduleRules};
use crate::error::AppError;
use crate::state::AppState;

/// Registered before `hearings::routes`, so that `/hearings/slots` is not
/// taken for `/hearings/{id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hearings/slots", web::get().to(find_slots))
        .route("/hearings/{id}/book", web::post().to(book))
        .route("/hearings/{id}/arrival-plan", web::get().to(arrival_plan))
        .route("/plan", web::post().to(make_plan))
        .route("/plan/accept", web::post().to(accept_plan))
        .route("/schedule/violations", web::get().to(violations))
        .route("/courts/{id}/holidays", web::get().to(list_holidays))
        .route("/courts/{id}/holidays", web::post().to(add_holiday))
        .route("/courts/{id}/holidays/{day}", web::delete().to(remove_holiday))
        .route("/cases/{id}/counsel", web::post().to(add_counsel))
        .route("/cases/{id}/counsel", web::get().to(list_counsel));
}

// ------------------------------------------------------------------- views

#[derive(Debug, Clone, Serialize)]
struct RefusalView {
    rule: &'static str,
    section: &'static str,
    detail: String,
}

fn refusal_view(c: &Constraint, rules: &ScheduleRules) -> RefusalView {
    RefusalView { rule: c.rule(), section: c.section(rules), detail: c.detail() }
}

// ------------------------------------------------------------------- slots

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SlotQuery {
    case_id: i64,
    #[param(value_type = String)]
    kind: HearingKind,
    minutes: Option<i32>,
    child_testifies: Option<bool>,
    #[param(value_type = Option<String>)]
    mode: Option<HearingMode>,
    judge_id: Option<i64>,
    room_id: Option<i64>,
    /// The hearing being re-placed, left out of what is held.
    hearing_id: Option<i64>,
    /// First day to search (the court's date); today if absent.
    from: Option<NaiveDate>,
    days: Option<i64>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct RuledOutView {
    /// The start ruled out, or the whole `day` when the court does not sit.
    starts_at: Option<DateTime<Utc>>,
    day: NaiveDate,
    #[serde(flatten)]
    refusal: RefusalView,
}

async fn find_slots(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    q: web::Query<SlotQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let days = q.days.unwrap_or(28);
    if !(1..=120).contains(&days) {
        return Err(AppError::invalid("days", "`days` must be between 1 and 120"));
    }
    let limit = q.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(AppError::invalid("limit", "`limit` must be between 1 and 50"));
    }
    let viewer = clerk.user.clone();
    let body = db::run(&state.pool, move |c| {
        let (case, court) = visible_case(c, &viewer, q.case_id)?;
        let setup = CourtSetup::load(c, court)?;
        setup.check_judge(q.judge_id)?;
        setup.check_room(q.room_id)?;
        let child_testifies = q.child_testifies.unwrap_or(false);
        let minutes = match q.minutes {
            Some(m) => minutes_of("minutes", m)?,
            None => store::default_minutes(q.kind.as_str(), child_testifies, &setup.rules),
        };
        let spec = store::RequestSpec {
            minutes,
            child_testifies,
            video_link: q.mode == Some(HearingMode::VideoLink),
            judge_id: q.judge_id,
            room_id: q.room_id,
            reappearance_reason: None,
            witness: None,
        };
        let req = store::request_for(c, &case, q.hearing_id, &spec, &setup.judges, &setup.rules)?;
        let now = setup.calendar.local(Utc::now().naive_utc());
        let from_day = q.from.unwrap_or(now.date()).max(now.date());
        let from_minute = if from_day == now.date() { grid::minute(now) } else { 0 };
        let window = Window { from_day, from_minute, until_day: from_day + Duration::days(days - 1) };
        let (occ, _) = setup.occupancy(c, from_day, days as usize, q.hearing_id, &req.counsel, &persons_of(&req))?;
        let found = slots::find(&req, &setup.ctx(), &occ, window, limit, 200);
        let slots: Vec<serde_json::Value> = found
            .slots
            .iter()
            .filter_map(|s| slots::to_booking(&req, &s.placement, &setup.ctx()))
            .map(|b| serde_json::to_value(booking_view(&b, &setup)).unwrap_or_default())
            .collect();
        let ruled_out: Vec<RuledOutView> = found
            .ruled_out
            .iter()
            .map(|r| RuledOutView {
                starts_at: r.minute.and_then(|m| setup.calendar.utc(slots::local_at(r.day, m))).map(views::utc),
                day: r.day,
                refusal: refusal_view(&r.constraint, &setup.rules),
            })
            .collect();
        Ok(serde_json::json!({
            "case_id": case.id,
            "minutes": minutes,
            "child_testifies": child_testifies,
            "deadline": req.deadline,
            "slots": slots,
            "ruled_out": ruled_out,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

// ----------------------------------------------------------------- booking

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookInput {
    starts_at: String,
    ends_at: Option<String>,
    minutes: Option<i32>,
    judge_id: Option<i64>,
    room_id: Option<i64>,
    /// Why the child must testify again (the profile's
    /// `sitting.child_not_recalled`).
    reappearance_reason: Option<String>,
    /// Why the hearing is after its statutory clock although an earlier
    /// slot is free.
    delay_reason: Option<String>,
}

async fn book(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<BookInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let starts_at = input::instant("starts_at", &b.starts_at)?;
    let minutes = match (b.ends_at.as_deref(), b.minutes) {
        (Some(e), None) => sitting_minutes("ends_at", starts_at, input::instant("ends_at", e)?)?,
        (None, Some(m)) => minutes_of("minutes", m)?,
        _ => return Err(AppError::invalid("ends_at", "give `ends_at` or `minutes`, not both")),
    };
    let order = BookOrder {
        hearing_id: id.into_inner(),
        starts_at,
        minutes,
        judge_id: b.judge_id,
        room_id: b.room_id,
        reappearance_reason: optional_text("reappearance_reason", b.reappearance_reason, 2000)?,
        delay_reason: optional_text("delay_reason", b.delay_reason, 2000)?,
        source: "booking",
    };
    let viewer = clerk.user.clone();
    let booked = db::run(&state.pool, move |conn| {
        db::court_tx(conn, db::Scope::Hearing(order.hearing_id), |c| book_in_tx(c, &viewer, &order))
    })
    .await?;
    Ok(HttpResponse::Ok().json(booked))
}

// ----------------------------------------------------------- arrival plan

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArrivalQuery {
    #[param(value_type = String)]
    side: Side,
    format: Option<String>,
}

/// One side's instructions and nothing of the other side's: no other
/// area, gate or time, and no names (the plan is printed and sent).
#[derive(Debug, Serialize)]
struct ArrivalPlan {
    hearing_id: i64,
    case_number: String,
    side: Side,
    date: NaiveDate,
    time_zone: String,
    arrive_at: String,
    entrance: String,
    waiting_area: String,
    court_room: Option<String>,
    go_into_court_at: Option<String>,
    leave_court_at: Option<String>,
    on_video_link: bool,
    breaks: Vec<String>,
    depart_at: String,
    instructions: Vec<String>,
    /// The same instructions in Urdu, for the family that reads Urdu.
    instructions_ur: Vec<String>,
}

fn side_label_ur(side: Side) -> &'static str {
    match side {
        Side::Child => "بچے اور اس کے ساتھ آنے والوں",
        Side::Accused => "ملزم، اس کے وکیل اور محافظ",
        Side::Neutral => "استغاثہ اور دیگر غیر جانبدار فریقوں",
    }
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Child => "the child and those accompanying the child",
        Side::Accused => "the accused, his counsel and escort",
        Side::Neutral => "the prosecution and other neutral parties",
    }
}

fn arrival_plan_of(c: &mut DbConn, user: &AuthUser, hearing_id: i64, side: Side) -> Result<ArrivalPlan, AppError> {
    let h: Hearing = db::hearings::find(c, hearing_id)?;
    let (case, court) =
        visible_case(c, user, h.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
    if h.status != HearingStatus::Scheduled.as_str() {
        return Err(AppError::conflict("the hearing is not scheduled, so there is no arrival plan"));
    }
    let rows = store::side_plans(c, hearing_id)?;
    let row = rows
        .iter()
        .find(|r| r.side == side.as_str())
        .ok_or_else(|| AppError::not_found(format!("an arrival plan for the {side} side of hearing {hearing_id}")))?;
    let setup = CourtSetup::load(c, court)?;
    let cal = &setup.calendar;
    let hm = |t: NaiveDateTime| cal.local(t).format("%H:%M").to_string();
    let area = setup.building.area(row.waiting_area_id).map(|a| a.name.clone()).unwrap_or_default();
    let room = h.room_id.and_then(|r| setup.building.room(r)).map(|r| r.name.clone());
    let enters = row.enters_court_at.is_some();
    let child_testifying = side == Side::Child && h.child_testifies;
    let breaks: Vec<String> = match (child_testifying, h.starts_at, h.ends_at) {
        (true, Some(s), Some(e)) => crate::domain::schedule::constraints::plan_breaks(s, e, &setup.rules)
            .into_iter()
            .map(|(f, t)| format!("{}–{}", hm(f), hm(t)))
            .collect(),
        _ => Vec::new(),
    };
    let on_video_link = child_testifying && !enters;
    let mut instructions_ur = vec![
        format!("یہ منصوبہ {} کے لیے ہے۔", side_label_ur(side)),
        format!(
            "{} کو {} بجے تک {} سے پہنچیں۔",
            cal.local(row.arrives_at).format("%d-%m-%Y"),
            hm(row.arrives_at),
            row.entrance
        ),
        format!("سیدھے {area} جائیں اور عدالت کا عملہ بلانے تک وہیں انتظار کریں۔"),
    ];
    if let (Some(i), Some(o), Some(r)) = (row.enters_court_at, row.leaves_court_at, &room) {
        instructions_ur.push(format!(
            "آپ کو {} بجے {r} میں لے جایا جائے گا اور {} بجے باہر لایا جائے گا۔",
            hm(i),
            hm(o)
        ));
    }
    if on_video_link {
        instructions_ur
            .push("بچہ انتظار گاہ سے ویڈیو لنک کے ذریعے بیان دے گا؛ بچہ کمرۂ عدالت میں نہیں جائے گا۔".into());
    }
    if !breaks.is_empty() {
        instructions_ur.push(format!("بچے کے لیے وقفے: {}۔", breaks.join("، ")));
    }
    instructions_ur.push(format!(
        "{} بجے {} سے روانہ ہوں۔ براہِ کرم ان اوقات کی پابندی کریں: یہ مقدمے کے دونوں فریقوں کو ایک دوسرے سے الگ رکھتے ہیں۔",
        hm(row.departs_at),
        row.entrance
    ));
    let mut instructions = vec![
        format!("This plan is for {}.", side_label(side)),
        format!(
            "Arrive at {} by the {} on {}.",
            hm(row.arrives_at),
            row.entrance,
            cal.local(row.arrives_at).format("%A %-d %B %Y")
        ),
        format!("Go straight to {area} and wait there until a member of court staff calls you."),
    ];
    if let (Some(i), Some(o), Some(r)) = (row.enters_court_at, row.leaves_court_at, &room) {
        instructions.push(format!("You will be taken into {r} at {} and out of it at {}.", hm(i), hm(o)));
    }
    if on_video_link {
        instructions.push("The child gives evidence over the video link from the waiting area; the child does not go into the court room.".into());
    }
    if !breaks.is_empty() {
        instructions.push(format!("Breaks for the child: {}.", breaks.join(", ")));
    }
    instructions.push(format!(
        "Leave by the {} at {}. Please keep to these times: they keep the two sides of the case apart.",
        row.entrance,
        hm(row.departs_at)
    ));
    Ok(ArrivalPlan {
        hearing_id,
        case_number: case.number,
        side,
        date: cal.local(row.arrives_at).date(),
        time_zone: setup.court.time_zone.clone(),
        arrive_at: hm(row.arrives_at),
        entrance: row.entrance.clone(),
        waiting_area: area,
        court_room: if enters { room } else { None },
        go_into_court_at: row.enters_court_at.map(hm),
        leave_court_at: row.leaves_court_at.map(hm),
        on_video_link,
        breaks,
        depart_at: hm(row.departs_at),
        instructions,
        instructions_ur,
    })
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

enum Format {
    Json,
    Text,
    Html,
}

fn format_of(req: &HttpRequest, asked: Option<&str>) -> Result<Format, AppError> {
    match asked {
        Some("json") => return Ok(Format::Json),
        Some("text") => return Ok(Format::Text),
        Some("html") => return Ok(Format::Html),
        Some(other) => return Err(AppError::invalid("format", format!("`{other}` is not json, text or html"))),
        None => {}
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(if accept.contains("text/html") {
        Format::Html
    } else if accept.contains("text/plain") {
        Format::Text
    } else {
        Format::Json
    })
}

async fn arrival_plan(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
    q: web::Query<ArrivalQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = format_of(&req, q.format.as_deref())?;
    let hearing_id = id.into_inner();
    let viewer = user.user.clone();
    let plan = db::run(&state.pool, move |c| arrival_plan_of(c, &viewer, hearing_id, q.side)).await?;
    let title = format!("Arrival plan — case {} — {}", plan.case_number, plan.date.format("%-d %B %Y"));
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(plan),
        Format::Text => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("{title}\n\n{}\n", plan.instructions.join("\n"))),
        Format::Html => {
            let items: String =
                plan.instructions.iter().map(|i| format!("<li>{}</li>", escape_html(i))).collect::<Vec<_>>().join("");
            HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
                 <body><h1>{t}</h1><ol>{items}</ol></body></html>",
                t = escape_html(&title)
            ))
        }
    })
}

// ------------------------------------------------------------- bulk plans

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanInput {
    weeks: i64,
    /// First day of the plan (the court's date); tomorrow if absent.
    from: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProposalItem {
    booking: Booking,
    late: bool,
}

async fn make_plan(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    body: Body<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    if !(1..=12).contains(&b.weeks) {
        return Err(AppError::invalid("weeks", "`weeks` must be between 1 and 12"));
    }
    let court_id = clerk.court_id.ok_or_else(|| AppError::forbidden("a clerk without a court cannot plan"))?;
    let viewer = clerk.user.clone();
    let body = db::run(&state.pool, move |c| {
        let court = db::courts::find(c, court_id)?;
        let setup = CourtSetup::load(c, court)?;
        let tomorrow = setup.today() + Duration::days(1);
        let from_day = b.from.unwrap_or(tomorrow).max(tomorrow);
        let days = b.weeks * 7;
        let until_day = from_day + Duration::days(days - 1);
        let mut requests = Vec::new();
        for (h, case) in store::unscheduled(c, court_id)? {
            let spec = store::RequestSpec {
                minutes: store::default_minutes(&h.kind, h.child_testifies, &setup.rules),
                child_testifies: h.child_testifies,
                video_link: store::is_video_link(&h),
                judge_id: h.judge_id.filter(|j| setup.judges.contains(j)),
                room_id: None,
                reappearance_reason: None,
                witness: None,
            };
            requests.push(store::request_for(c, &case, Some(h.id), &spec, &setup.judges, &setup.rules)?);
        }
        let mut counsel: Vec<i64> = requests.iter().flat_map(|r| r.counsel.iter().copied()).collect();
        counsel.sort();
        counsel.dedup();
        let mut persons: Vec<i64> = requests.iter().flat_map(persons_of).collect();
        persons.sort_unstable();
        persons.dedup();
        let (mut occ, _) = setup.occupancy(c, from_day, days as usize, None, &counsel, &persons)?;
        let window = Window { from_day, from_minute: 0, until_day };
        let plan = planner::plan(&requests, &setup.ctx(), &mut occ, window);
        let proposal: Vec<ProposalItem> =
            plan.placed.iter().map(|p| ProposalItem { booking: p.booking.clone(), late: p.late }).collect();
        let text = serde_json::to_string(&proposal)?;
        let placed: Vec<serde_json::Value> = plan
            .placed
            .iter()
            .map(|p| serde_json::json!({ "booking": booking_view(&p.booking, &setup), "late": p.late }))
            .collect();
        let unplaced: Vec<serde_json::Value> = plan
            .unplaced
            .iter()
            .map(|u| serde_json::json!({ "hearing_id": u.hearing_id, "why": refusal_view(&u.why, &setup.rules) }))
            .collect();
        let row = db::write_tx(c, |c| {
            let row =
                store::save_plan(c, court_id, Some(viewer.id), Utc::now().naive_utc(), from_day, until_day, &text)?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("create", "schedule_plan", row.id).court(Some(court_id)).after(&serde_json::json!({
                    "from": from_day, "until": until_day, "placed": proposal.len(), "unplaced": plan.unplaced.len(),
                })),
            )?;
            Ok(row)
        })?;
        Ok(serde_json::json!({
            "plan_id": row.id,
            "from": from_day,
            "until": until_day,
            "placed": placed,
            "unplaced": unplaced,
            "late": plan.placed.iter().filter(|p| p.late).count(),
        }))
    })
    .await?;
    Ok(HttpResponse::Created().json(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptInput {
    plan_id: i64,
    /// The hearings to book; all of the plan's if absent.
    hearing_ids: Option<Vec<i64>>,
}

async fn accept_plan(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    body: Body<AcceptInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let viewer = clerk.user.clone();
    let body = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let row = store::find_plan(c, b.plan_id)?;
            viewer.ensure_visible(row.court_id, &format!("plan {}", b.plan_id))?;
            let proposal: Vec<ProposalItem> = serde_json::from_str(&row.proposal)?;
            if let Some(ids) = &b.hearing_ids {
                if let Some(missing) = ids.iter().find(|id| !proposal.iter().any(|p| p.booking.hearing_id == **id)) {
                    return Err(AppError::invalid(
                        "hearing_ids",
                        format!("hearing {missing} is not in plan {}", row.id),
                    ));
                }
            }
            let mut booked = Vec::new();
            let mut refused_items = Vec::new();
            for item in
                proposal.iter().filter(|p| b.hearing_ids.as_ref().is_none_or(|ids| ids.contains(&p.booking.hearing_id)))
            {
                let bk = &item.booking;
                let order = BookOrder {
                    hearing_id: bk.hearing_id,
                    starts_at: bk.starts_at,
                    minutes: (bk.ends_at - bk.starts_at).num_minutes() as i32,
                    judge_id: Some(bk.judge_id),
                    room_id: Some(bk.room_id),
                    reappearance_reason: bk.reappearance_reason.clone(),
                    delay_reason: item.late.then(|| {
                        format!("plan {}: no slot before the statutory clock was free when it was made", row.id)
                    }),
                    source: "plan",
                };
                let current = db::hearings::find(c, bk.hearing_id)?;
                if current.status != HearingStatus::Unscheduled.as_str() {
                    refused_items.push(serde_json::json!({
                        "hearing_id": bk.hearing_id, "detail": format!("the hearing is now {}", current.status),
                    }));
                    continue;
                }
                // A refused item must not undo the others: each booking runs
                // in a savepoint of the one transaction.
                use diesel::Connection;
                match c.transaction(|sp| book_in_tx(sp, &viewer, &order)) {
                    Ok(v) => booked.push(serde_json::to_value(v)?),
                    Err(e @ (AppError::Conflict(_) | AppError::RuleRefused { .. } | AppError::Invalid { .. })) => {
                        refused_items.push(serde_json::json!({ "hearing_id": bk.hearing_id, "detail": e.to_string() }))
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(serde_json::json!({ "plan_id": row.id, "booked": booked, "refused": refused_items }))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

// -------------------------------------------------------------- validator

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ViolationQuery {
    from: NaiveDate,
    to: NaiveDate,
    court_id: Option<i64>,
}

async fn violations(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    q: web::Query<ViolationQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let court_id = match (q.court_id, user.court_id) {
        (Some(c), _) => c,
        (None, Some(c)) => c,
        (None, None) => return Err(AppError::invalid("court_id", "say which court")),
    };
    user.ensure_court(court_id)?;
    if q.to < q.from || (q.to - q.from).num_days() > 366 {
        return Err(AppError::invalid("to", "`to` must be on or after `from`, within a year"));
    }
    let body =
        db::run(&state.pool, move |c| {
            let court = db::courts::find(c, court_id)?;
            let setup = CourtSetup::load(c, court)?;
            let from = setup.calendar.day_start_utc(q.from);
            let to = setup.calendar.day_start_utc(q.to + Duration::days(1));
            // Every court of the building: its gates and waiting areas are
            // shared, so another court's accused can meet this court's child.
            let bookings = store::bookings_between(c, court_id, from, to, None, &setup.rules)?;
            let building = store::whole_building_of(c, court_id)?;
            let own: std::collections::HashSet<i64> =
                db::hearings::ids_of_court(c, court_id, bookings.iter().map(|b| b.hearing_id))?;
            let mut found: Vec<_> = validator::validate(&bookings, &setup.calendar, &building, &setup.rules)
                .into_iter()
                .filter(|v| v.hearings.iter().any(|h| own.contains(h)))
                .collect();
            let bookings: Vec<Booking> = bookings.into_iter().filter(|b| own.contains(&b.hearing_id)).collect();
            // One person in two places is a clash across courts: each person's
            // other sittings are checked too, and only clashes that involve
            // this court's hearings are reported.
            let mut persons: Vec<i64> = bookings.iter().flat_map(|b| b.persons.iter().map(|(p, _)| *p)).collect();
            persons.sort_unstable();
            persons.dedup();
            let elsewhere = store::bookings_of_persons_elsewhere(c, court_id, &persons, from, to, &setup.rules)?;
            if !elsewhere.is_empty() {
                let all: Vec<Booking> = bookings.iter().chain(elsewhere.iter()).cloned().collect();
                found.extend(validator::person_clashes(&all).into_iter().filter(|v| {
                    v.hearings.iter().any(|h| own.contains(h)) && v.hearings.iter().any(|h| !own.contains(h))
                }));
            }
            // A clash with a court of the same building is found by both checks.
            let mut seen = Vec::new();
            found.retain(|v| {
                let mut key = v.hearings.clone();
                key.sort_unstable();
                let key = (v.rule, key);
                let new = !seen.contains(&key);
                seen.push(key);
                new
            });
            Ok(serde_json::json!({ "bookings": bookings.len(), "violations": found }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

// ---------------------------------------------------------------- holidays

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HolidayInput {
    day: NaiveDate,
    name: String,
}

async fn list_holidays(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let items = db::query(&state.pool, move |c| {
        db::courts::find(c, court_id)?;
        store::holidays(c, court_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn add_holiday(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<HolidayInput>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    admin.ensure_court(court_id)?;
    let b = body.into_inner();
    let name = input::name("name", &b.name, 200)?;
    let actor = admin.actor();
    let holiday = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::courts::find(c, court_id)?;
            ChildNames::of_court(c, court_id)?.name("name", &name)?;
            let h = store::add_holiday(c, court_id, b.day, &name, Utc::now().naive_utc())?;
            audit::append(c, &actor, Change::new("create", "court_holiday", h.id).court(Some(court_id)).after(&h))?;
            Ok(h)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(holiday))
}

async fn remove_holiday(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    path: web::Path<(i64, NaiveDate)>,
) -> Result<HttpResponse, AppError> {
    let (court_id, day) = path.into_inner();
    admin.ensure_court(court_id)?;
    let actor = admin.actor();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let h = store::remove_holiday(c, court_id, day)?
                .ok_or_else(|| AppError::not_found(format!("holiday on {day}")))?;
            audit::append(c, &actor, Change::new("delete", "court_holiday", h.id).court(Some(court_id)).before(&h))?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ----------------------------------------------------------------- counsel

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CounselInput {
    name: String,
    enrolment_number: String,
    #[schema(value_type = String)]
    role: PartyRole,
}

async fn add_counsel(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<CounselInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    if !matches!(b.role, PartyRole::Prosecutor | PartyRole::DefenceCounsel) {
        return Err(AppError::invalid("role", "counsel is a prosecutor or defence_counsel"));
    }
    let name = input::name("name", &b.name, 200)?;
    let enrolment = input::name("enrolment_number", &b.enrolment_number, 64)?;
    let viewer = clerk.user.clone();
    let item = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (case, _) = visible_case(c, &viewer, case_id)?;
            let names = ChildNames::of_case(c, case.id, case.court_id)?;
            names.name("name", &name)?;
            names.name("enrolment_number", &enrolment)?;
            let now = Utc::now().naive_utc();
            let counsel = store::counsel_by_enrolment(c, &name, &enrolment, now)?;
            store::link_counsel(c, case_id, counsel.id, b.role.as_str(), now)?;
            let item = store::CaseCounsel { counsel, role: b.role.as_str().into() };
            audit::append(
                c,
                &viewer.actor(),
                Change::new("create", "case_counsel", format!("{case_id}:{}", item.counsel.id))
                    .court(Some(case.court_id))
                    .after(&item),
            )?;
            Ok(item)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(item))
}

async fn list_counsel(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let viewer = user.user.clone();
    let items = db::run(&state.pool, move |c| {
        visible_case(c, &viewer, case_id)?;
        Ok(store::counsel_of_case(c, case_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
