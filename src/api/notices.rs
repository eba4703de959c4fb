//! A party's contact and the notices of a hearing: the clerk sets where a
//! party is reached, and sees (and can resend) what each party was sent.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::cases::visible_case;
use super::input::Body;
use crate::app::notices::{e164, email};
use crate::auth::extract::{CaseStaff, Clerks};
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change, notices::Contact, DbConn};
use crate::domain::notices::Language;
use crate::domain::roles::PartyRole;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/parties/{id}/contact", web::put().to(set_contact))
        .route("/parties/{id}/contact", web::get().to(get_contact))
        .route("/hearings/{id}/notices", web::get().to(of_hearing))
        .route("/notices/{id}/resend", web::post().to(resend));
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
