//! A party's contact and the notices of a hearing: the clerk sets where a
//! party is reached, and sees (and can resend) what each party was sent.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::Body;
use crate::app::notices::{e164, email};
use crate::auth::extract::{CaseStaff, Clerks, CourtKeepers, Staff, SupportOfficers};
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change, notices::Contact, DbConn};
use crate::domain::notices::Language;
use crate::domain::roles::PartyRole;
use crate::error::AppError;
use crate::sms_gateway;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/parties/{id}/contact", web::put().to(set_contact))
        .route("/parties/{id}/contact", web::get().to(get_contact))
        .route("/parties/{id}/custody", web::put().to(set_custody))
        .route("/hearings/{id}/notices", web::get().to(of_hearing))
        .route("/notices/{id}/resend", web::post().to(resend))
        .route("/notices/delivery-reports", web::post().to(delivery_report))
        .route("/notices/{id}/print", web::get().to(print))
        .route("/notices/{id}/printed", web::post().to(printed))
        .route("/courts/{id}/prisons", web::get().to(list_prisons))
        .route("/courts/{id}/prisons", web::post().to(add_prison))
        .route("/prisons/{id}", web::put().to(update_prison))
        .route("/prisons/{id}", web::delete().to(remove_prison))
        .route("/video-sessions/{id}/invites/{participant}/send", web::post().to(send_invite));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactInput {
    phone: Option<String>,
    email: Option<String>,
    /// `en` or `ur`.
    language: String,
}

/// A contact as the roles that may see it read it.
#[derive(Serialize)]
struct ContactView {
    party_id: i64,
    phone: Option<String>,
    email: Option<String>,
    language: String,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView { party_id: c.party_id, phone: c.phone, email: c.email, language: c.language }
    }
}

/// The party, if the caller's court holds its case, with the court's profile.
fn visible_party(c: &mut DbConn, user: &AuthUser, id: i64) -> Result<(db::parties::Party, String), AppError> {
    let party = db::notices::party(c, id).map_err(|_| AppError::not_found(format!("party {id}")))?;
    let (_, court) = visible_case(c, user, party.case_id).map_err(|_| AppError::not_found(format!("party {id}")))?;
    Ok((party, court.rule_profile))
}

async fn set_contact(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<ContactInput>,
) -> Result<HttpResponse, AppError> {
    let party_id = id.into_inner();
    let b = body.into_inner();
    let language: Language = b.language.parse().map_err(|_| AppError::invalid("language", "`en` or `ur`"))?;
    let email_address = b.email.as_deref().filter(|e| !e.trim().is_empty()).map(|e| email("email", e)).transpose()?;
    let user = clerk.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (party, profile) = visible_party(c, &user, party_id)?;
            if party.role == PartyRole::ChildWitness.as_str() {
                return Err(AppError::invalid(
                    "party",
                    "a child is reached through the guardian's contact, never one of the child's own",
                ));
            }
            let phone = b.phone.as_deref().filter(|p| !p.trim().is_empty()).map(|p| e164("phone", p, &profile)).transpose()?;
            if phone.is_none() && email_address.is_none() {
                return Err(AppError::invalid("phone", "give a phone number, an email address or both"));
            }
            let contact = db::notices::set_contact(
                c,
                &Contact {
                    party_id,
                    phone,
                    email: email_address,
                    language: language.as_str().into(),
                    updated_at: Utc::now().naive_utc(),
                },
            )?;
            let case = db::cases::find(c, party.case_id)?;
            // What changed, never the contact itself: it is identity.
            let after = serde_json::json!({
                "has_phone": contact.phone.is_some(), "has_email": contact.email.is_some(), "language": contact.language,
            });
            audit::append(
                c,
                &user.actor(),
                Change::new("set_contact", "party", party_id).court(Some(case.court_id)).after(&after),
            )?;
            Ok(ContactView::from(contact))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn get_contact(
    state: web::Data<AppState>,
    staff: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let party_id = id.into_inner();
    let user = staff.user.clone();
    let contact = db::run(&state.pool, move |c| {
        visible_party(c, &user, party_id)?;
        db::notices::contact_of(c, party_id)?
            .ok_or_else(|| AppError::not_found(format!("a contact for party {party_id}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

/// What each party of a hearing was sent, with its status; without the
/// address or the text (the clerk reads the contact on the party).
async fn of_hearing(
    state: web::Data<AppState>,
    staff: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let user = staff.user.clone();
    let items = db::run(&state.pool, move |c| {
        let h = db::hearings::find(c, hearing_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
        visible_case(c, &user, h.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
        Ok(db::notices::of_hearing(c, hearing_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn resend(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let notice_id = id.into_inner();
    let user = clerk.user.clone();
    let notice = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let n = db::notices::find(c, notice_id).map_err(|_| AppError::not_found(format!("notice {notice_id}")))?;
            user.ensure_visible(n.court_id, &format!("notice {notice_id}"))?;
            if n.status == db::notices::SENDING {
                return Err(AppError::conflict("the notice is being sent now"));
            }
            if n.channel == crate::domain::notices::Channel::Paper.as_str() {
                return Err(AppError::conflict("a paper notice is printed, not sent: print it again"));
            }
            let again = db::notices::requeue(c, notice_id, Utc::now().naive_utc())?;
            audit::append(
                c,
                &user.actor(),
                Change::new("resend", "notice", notice_id).court(Some(n.court_id)).before(&n).after(&again),
            )?;
            Ok(again)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(notice))
}

/// `POST /api/notices/delivery-reports`: the SMS gateway says what became
/// of a message it took (JSON `{"id", "status"}`, or Twilio's form). Let in
/// by the gateway's own token (`AMAAN_SMS_REPORT_TOKEN_FILE`), never a
/// staff login; the answer names the notice and its status, nothing of
/// its text or address.
async fn delivery_report(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = state.settings.notices.sms.report_token.as_ref().ok_or_else(|| {
        AppError::Unauthenticated("this server takes no delivery reports (no AMAAN_SMS_REPORT_TOKEN_FILE)".into())
    })?;
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !sms_gateway::authorized(header, token.expose()) {
        return Err(AppError::Unauthenticated("a delivery report carries the gateway's token".into()));
    }
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let report = sms_gateway::parse_report(&content_type, &body).map_err(|e| AppError::invalid("status", e))?;
    let answer =
        db::run(&state.pool, move |conn| db::write_tx(conn, |c| crate::app::notices::record_delivery(c, &report)))
            .await?;
    Ok(HttpResponse::Ok().json(answer))
}

// ------------------------------------------------------------------- paper

/// A paper notice as a printable page in the party's language: the clerk
/// prints it for a party with no phone or email.
async fn print(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let notice_id = id.into_inner();
    let user = clerk.user.clone();
    let (n, court) = db::run(&state.pool, move |c| {
        let n = db::notices::find(c, notice_id).map_err(|_| AppError::not_found(format!("notice {notice_id}")))?;
        user.ensure_visible(n.court_id, &format!("notice {notice_id}"))?;
        let court = db::courts::find(c, n.court_id)?;
        Ok((n, court))
    })
    .await?;
    let (lang, dir) = if n.language == Language::Urdu.as_str() { ("ur", "rtl") } else { ("en", "ltr") };
    // The printed copy's link, like the sent ones, is a full address.
    let origin = state.settings.public_origin.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    let text = crate::domain::notices::with_origin(&n.body, crate::app::feedback::PAGE, &origin);
    let esc = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
    };
    let page = format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{subject}</title>\
         <link rel=\"stylesheet\" href=\"/css/print.css\"></head><body class=\"notice\">\
         <header><p class=\"court\">{court}</p><h1>{subject}</h1></header><main><p class=\"body\">{body}</p></main>\
         <footer><p>{ref_label} {id}</p></footer></body></html>",
        subject = esc(&n.subject),
        court = esc(&court.name),
        body = esc(&text),
        ref_label = if lang == "ur" { "نوٹس نمبر" } else { "Notice" },
        id = n.id,
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}

async fn printed(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let notice_id = id.into_inner();
    let user = clerk.user.clone();
    let notice = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let n = db::notices::find(c, notice_id).map_err(|_| AppError::not_found(format!("notice {notice_id}")))?;
            user.ensure_visible(n.court_id, &format!("notice {notice_id}"))?;
            if n.channel != crate::domain::notices::Channel::Paper.as_str() {
                return Err(AppError::conflict("only a paper notice is printed"));
            }
            let after = db::notices::mark_printed(c, notice_id, Utc::now().naive_utc())?;
            audit::append(
                c,
                &user.actor(),
                Change::new("print", "notice", notice_id).court(Some(n.court_id)).before(&n).after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(notice))
}

// ----------------------------------------------------------------- prisons

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrisonInput {
    name: String,
    /// Where production notices go.
    notice_email: String,
}

async fn list_prisons(
    state: web::Data<AppState>,
    staff: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    staff.user.ensure_court(court_id)?;
    let items = db::run(&state.pool, move |c| {
        db::courts::find(c, court_id).map_err(|_| AppError::not_found(format!("court {court_id}")))?;
        Ok(db::notices::prisons_of(c, court_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn add_prison(
    state: web::Data<AppState>,
    keeper: Authorized<CourtKeepers>,
    id: web::Path<i64>,
    body: Body<PrisonInput>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    keeper.user.ensure_court(court_id)?;
    let b = body.into_inner();
    let name = super::input::name("name", &b.name, 200)?;
    let notice_email = email("notice_email", &b.notice_email)?;
    let user = keeper.user.clone();
    let prison = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::courts::find(c, court_id).map_err(|_| AppError::not_found(format!("court {court_id}")))?;
            crate::app::free_text::ChildNames::of_court(c, court_id)?.name("name", &name)?;
            if db::notices::prisons_of(c, court_id)?.iter().any(|p| p.name == name) {
                return Err(AppError::conflict(format!("the court already lists a prison named {name}")));
            }
            let p = db::notices::add_prison(
                c,
                &db::notices::NewPrison { court_id, name, notice_email, created_at: Utc::now().naive_utc() },
            )?;
            audit::append(c, &user.actor(), Change::new("create", "prison", p.id).court(Some(court_id)).after(&p))?;
            Ok(p)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(prison))
}

/// The prison, if the caller's court lists it.
fn visible_prison(c: &mut DbConn, user: &AuthUser, id: i64) -> Result<db::notices::Prison, AppError> {
    let p = db::notices::find_prison(c, id)?.ok_or_else(|| AppError::not_found(format!("prison {id}")))?;
    user.ensure_visible(p.court_id, &format!("prison {id}"))?;
    Ok(p)
}

async fn update_prison(
    state: web::Data<AppState>,
    keeper: Authorized<CourtKeepers>,
    id: web::Path<i64>,
    body: Body<PrisonInput>,
) -> Result<HttpResponse, AppError> {
    let prison_id = id.into_inner();
    let b = body.into_inner();
    let name = super::input::name("name", &b.name, 200)?;
    let notice_email = email("notice_email", &b.notice_email)?;
    let user = keeper.user.clone();
    let prison = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = visible_prison(c, &user, prison_id)?;
            crate::app::free_text::ChildNames::of_court(c, before.court_id)?.name("name", &name)?;
            if db::notices::prisons_of(c, before.court_id)?.iter().any(|p| p.name == name && p.id != prison_id) {
                return Err(AppError::conflict(format!("the court already lists a prison named {name}")));
            }
            let after = db::notices::update_prison(c, prison_id, &name, &notice_email)?;
            audit::append(
                c,
                &user.actor(),
                Change::new("update", "prison", prison_id).court(Some(before.court_id)).before(&before).after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(prison))
}

async fn remove_prison(
    state: web::Data<AppState>,
    keeper: Authorized<CourtKeepers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let prison_id = id.into_inner();
    let user = keeper.user.clone();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = visible_prison(c, &user, prison_id)?;
            if !db::notices::remove_prison(c, prison_id)? {
                return Err(AppError::conflict("an accused is held in this prison; move him first"));
            }
            audit::append(
                c,
                &user.actor(),
                Change::new("delete", "prison", prison_id).court(Some(before.court_id)).before(&before),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustodyInput {
    /// The prison of this court holding the accused; null when released.
    prison_id: Option<i64>,
}

/// Where an accused is held: production notices for his hearings go there.
async fn set_custody(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<CustodyInput>,
) -> Result<HttpResponse, AppError> {
    let party_id = id.into_inner();
    let prison_id = body.into_inner().prison_id;
    let user = clerk.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (party, _) = visible_party(c, &user, party_id)?;
            if party.role != PartyRole::Accused.as_str() {
                return Err(AppError::invalid("party", "only an accused is held in custody"));
            }
            let case = db::cases::find(c, party.case_id)?;
            let prison = match prison_id {
                Some(p) => {
                    Some(db::notices::find_prison(c, p)?.filter(|found| found.court_id == case.court_id).ok_or_else(
                        || AppError::invalid("prison_id", format!("prison {p} is not on this court's list")),
                    )?)
                }
                None => None,
            };
            db::notices::set_custody(c, party_id, prison_id, Utc::now().naive_utc())?;
            let after = serde_json::json!({ "party_id": party_id, "prison_id": prison_id });
            audit::append(
                c,
                &user.actor(),
                Change::new("set_custody", "party", party_id).court(Some(case.court_id)).after(&after),
            )?;
            Ok(serde_json::json!({ "party_id": party_id, "prison": prison }))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

// ------------------------------------------------------ video-link invites

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendInviteInput {
    /// `sms` or `email`.
    channel: String,
    /// The phone number or email address; when left out, the contact of the
    /// party the participant stands for.
    to: Option<String>,
    /// `en` or `ur`; when left out, the contact's.
    language: Option<String>,
    ttl_minutes: Option<i64>,
}

/// The support officer sends a participant's video-link invite by SMS or
/// email: a fresh invite link written to the outbox, sent by the worker.
async fn send_invite(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    officer: Authorized<SupportOfficers>,
    path: web::Path<(i64, i64)>,
    body: Body<SendInviteInput>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::notices::{Channel, NoticeKind};
    let (session_id, participant_id) = path.into_inner();
    let b = body.into_inner();
    let channel = match b.channel.as_str() {
        "sms" => Channel::Sms,
        "email" => Channel::Email,
        _ => return Err(AppError::invalid("channel", "`sms` or `email`")),
    };
    let language = b
        .language
        .as_deref()
        .map(|l| l.parse::<Language>().map_err(|_| AppError::invalid("language", "`en` or `ur`")))
        .transpose()?;
    let ttl = b.ttl_minutes.unwrap_or(super::video::DEFAULT_INVITE_MINUTES);
    if !(1..=super::video::MAX_INVITE_MINUTES).contains(&ttl) {
        return Err(AppError::invalid(
            "ttl_minutes",
            format!("`ttl_minutes` must be between 1 and {}", super::video::MAX_INVITE_MINUTES),
        ));
    }
    let origin = state.settings.public_origin.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    let user = officer.user.clone();
    let st = state.clone();
    let notice = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let s = super::video::visible_session(c, &user, session_id)?;
            user.ensure_court(s.court_id)?;
            let p = db::video::find_participant(c, participant_id)
                .ok()
                .filter(|p| p.session_id == session_id && !p.revoked)
                .ok_or_else(|| AppError::not_found(format!("participant {participant_id}")))?;
            let role: crate::domain::video::VideoRole =
                p.role.parse().map_err(|_| AppError::internal("a stored participant role"))?;
            let hearing = db::hearings::find(c, s.hearing_id)?;
            let case = db::cases::find(c, hearing.case_id)?;
            let court = db::courts::find(c, case.court_id)?;
            // The party the notice is filed under: the participant's own, or
            // the case's party of the participant's role.
            let parties = db::parties::of_case(c, case.id)?;
            let party = match p.party_id {
                Some(id) => parties.iter().find(|x| x.id == id),
                None => parties.iter().find(|x| x.role == role.as_str()),
            }
            .ok_or_else(|| AppError::invalid("participant", "the participant stands for no party of the case"))?;
            // A child is reached through the guardian, never directly.
            let reached = if party.is_child() {
                parties.iter().find(|x| x.side == party.side && x.role == PartyRole::Guardian.as_str()).unwrap_or(party)
            } else {
                party
            };
            let contact = db::notices::contact_of(c, reached.id)?;
            let address = match (&b.to, channel) {
                (Some(to), Channel::Sms) => e164("to", to, &court.rule_profile)?,
                (Some(to), _) => email("to", to)?,
                (None, Channel::Sms) => contact
                    .as_ref()
                    .and_then(|k| k.phone.clone())
                    .ok_or_else(|| AppError::invalid("to", "the party has no phone number on file; give `to`"))?,
                (None, _) => contact
                    .as_ref()
                    .and_then(|k| k.email.clone())
                    .ok_or_else(|| AppError::invalid("to", "the party has no email address on file; give `to`"))?,
            };
            let language = language
                .or_else(|| contact.as_ref().and_then(|k| k.language.parse().ok()))
                .unwrap_or(Language::English);
            let Some(starts_at) = hearing.starts_at else {
                return Err(AppError::conflict("the hearing has no time yet"));
            };
            let (token, _) = super::video::issue_invite(&st, session_id, p.id, role, chrono::Duration::minutes(ttl))?;
            let link = format!("{origin}/join.html#session={session_id}&token={token}");
            let local = crate::app::booking::CourtSetup::load(c, court.clone())?.calendar.local(starts_at);
            let text = crate::domain::notices::render_video_invite(language, &case.number, local, &link);
            let now = Utc::now().naive_utc();
            db::notices::queue(
                c,
                &[db::notices::NewNotice {
                    court_id: court.id,
                    hearing_id: hearing.id,
                    party_id: reached.id,
                    kind: NoticeKind::VideoInvite.as_str().into(),
                    channel: channel.as_str().into(),
                    address,
                    language: language.as_str().into(),
                    subject: text.subject,
                    body: text.body,
                    status: db::notices::QUEUED.into(),
                    attempts: 0,
                    next_attempt_at: now,
                    created_at: now,
                    ics: None,
                }],
            )?;
            let queued = db::notices::of_hearing(c, hearing.id)?.pop().ok_or_else(|| AppError::internal("queued"))?;
            // Which participant and by which channel; never the address or link.
            let after =
                serde_json::json!({ "notice_id": queued.id, "participant_id": p.id, "channel": channel.as_str() });
            audit::append(
                c,
                &user.actor(),
                Change::new("send_invite", "video_participant", p.id).court(Some(court.id)).after(&after),
            )?;
            Ok(queued)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(notice))
}
