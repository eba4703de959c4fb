//! Each judge, clerk and support officer may subscribe a calendar program
//! to a private feed of their hearings (RFC 5545): a secret URL, made and
//! revoked by its owner. Only the secret's SHA-256 is kept, so the feed
//! cannot be opened from a copy of the database. An event names the case
//! number, the kind and the room: never a party.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use crate::app::ics::{self, CalEvent};
use crate::auth::extract::CaseStaff;
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change};
use crate::domain::hearing::HearingStatus;
use crate::domain::roles::StaffRole;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/calendar-feed", web::post().to(make_feed))
        .route("/me/calendar-feed", web::delete().to(revoke_feed))
        .route("/calendar-feeds/{secret}", web::get().to(feed));
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes the caller a new feed URL; the one before stops working.
async fn make_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Authorized<CaseStaff>,
) -> Result<HttpResponse, AppError> {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    let secret = hex::encode(bytes);
    let hashed = hash(&secret);
    let user = staff.user.clone();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::notices::set_feed(c, user.id, &hashed, Utc::now().naive_utc())?;
            // That a feed was made; never its secret.
            audit::append(c, &user.actor(), Change::new("make_feed", "user", user.id).court(user.court_id))?;
            Ok(())
        })
    })
    .await?;
    let origin = state.settings.public_origin.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    Ok(HttpResponse::Created().json(serde_json::json!({ "url": format!("{origin}/api/calendar-feeds/{secret}") })))
}

async fn revoke_feed(state: web::Data<AppState>, staff: Authorized<CaseStaff>) -> Result<HttpResponse, AppError> {
    let user = staff.user.clone();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            if db::notices::revoke_feed(c, user.id)? {
                audit::append(c, &user.actor(), Change::new("revoke_feed", "user", user.id).court(user.court_id))?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether a hearing belongs in this user's feed: a judge's own, every
/// hearing of a clerk's court, a support officer's video-link and child
/// hearings.
fn in_feed(user: &AuthUser, h: &db::hearings::Hearing) -> bool {
    match user.role {
        StaffRole::Judge => h.judge_id == Some(user.id),
        StaffRole::Clerk => true,
        StaffRole::SupportOfficer => h.child_testifies || db::schedule::is_video_link(h),
        _ => false,
    }
}

/// The feed itself: opened by its secret alone, as calendar programs do.
async fn feed(state: web::Data<AppState>, secret: web::Path<String>) -> Result<HttpResponse, AppError> {
    let hashed = hash(secret.trim_end_matches(".ics"));
    let body = db::run(&state.pool, move |c| {
        let not_found = || AppError::not_found("a calendar feed");
        let user_id = db::notices::feed_owner(c, &hashed)?.ok_or_else(not_found)?;
        let u = db::users::find(c, user_id)?.filter(|u| u.active).ok_or_else(not_found)?;
        let (Ok(role), Some(court_id)) = (u.role.parse::<StaffRole>(), u.court_id) else { return Err(not_found()) };
        let user = AuthUser { id: u.id, username: u.username.clone(), role, court_id: Some(court_id) };
        let court = db::courts::find(c, court_id)?;
        let now = Utc::now().naive_utc();
        let rows = db::calendar::court_hearings(c, court_id, now - Duration::days(30), now + Duration::days(366))?;
        let rooms = db::schedule::building_of(c, court_id)?;
        let events: Vec<CalEvent> = rows
            .iter()
            .filter(|(h, _)| in_feed(&user, h))
            .filter(|(h, _)| h.status != HearingStatus::Unscheduled.as_str())
            .filter_map(|(h, number)| {
                let room = h.room_id.and_then(|r| rooms.room(r)).map(|r| r.name.clone());
                Some(CalEvent {
                    uid: format!("hearing-{}@amaan", h.id),
                    sequence: 0,
                    summary: format!("Case {number}: {}", h.kind.replace('_', " ")),
                    description: format!("{} hearing, {}", h.kind.replace('_', " "), h.mode.replace('_', " ")),
                    location: Some(match room {
                        Some(r) => format!("{}, {r}", court.name),
                        None => court.name.clone(),
                    }),
                    starts_at: h.starts_at?,
                    ends_at: h.ends_at?,
                    cancelled: h.status == HearingStatus::Cancelled.as_str()
                        || h.status == HearingStatus::Adjourned.as_str(),
                })
            })
            .collect();
        Ok(ics::calendar(&format!("Amaan: {}", court.name), &events, None))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body))
}
