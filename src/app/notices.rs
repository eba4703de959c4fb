//! Telling the parties: when a hearing is booked, moved, adjourned or
//! cancelled, each party gets a notice of its own side's plan, queued in
//! the same transaction as the change (a change rolled back queues
//! nothing): by email and SMS where it has a contact, on paper for the
//! clerk to print where it has none, and an accused in custody through a
//! production notice to the prison holding him. Each email carries the one
//! hearing as an `.ics`. A contact is set only as an address the channels
//! can reach.

use chrono::{NaiveDateTime, Utc};

use super::booking::CourtSetup;
use super::ics::{self, CalEvent};
use crate::db::notices::{Contact, NewNotice, QUEUED, TO_PRINT};
use crate::db::{self, hearings::Hearing, DbConn};
use crate::domain::notices::{self as rules, Channel, Language, NoticeKind, ProductionNotice, Rendered, SideNotice};
use crate::domain::roles::{PartyRole, Side};
use crate::domain::schedule::model::{Booking, SidePlan};
use crate::error::AppError;

/// What a notice speaks of: one hearing at one time with each side's plan.
pub(crate) struct Listing<'a> {
    pub hearing_id: i64,
    pub case_id: i64,
    /// UTC.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub video_link: bool,
    pub sides: &'a [SidePlan],
}

impl<'a> From<&'a Booking> for Listing<'a> {
    fn from(b: &'a Booking) -> Self {
        Listing {
            hearing_id: b.hearing_id,
            case_id: b.case_id,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            video_link: b.video_link,
            sides: &b.sides,
        }
    }
}

/// Queues the notices of a booking (listed, moved or adjourned).
pub(crate) fn queue_for_booking(
    c: &mut DbConn,
    setup: &CourtSetup,
    case_number: &str,
    booking: &Booking,
    kind: NoticeKind,
) -> Result<usize, AppError> {
    queue_for(c, setup, case_number, &Listing::from(booking), kind)
}

/// Queues the cancellation notices of a hearing that had a time, in the
/// transaction that cancels it.
pub(crate) fn queue_for_cancelled(c: &mut DbConn, hearing: &Hearing) -> Result<usize, AppError> {
    let (Some(starts_at), Some(ends_at)) = (hearing.starts_at, hearing.ends_at) else { return Ok(0) };
    let case = db::cases::find(c, hearing.case_id)?;
    let court = db::courts::find(c, case.court_id)?;
    let setup = CourtSetup::load(c, court)?;
    let sides: Vec<SidePlan> =
        db::schedule::side_plans(c, hearing.id)?.iter().filter_map(db::schedule::SidePlanRow::plan).collect();
    let listing = Listing {
        hearing_id: hearing.id,
        case_id: case.id,
        starts_at,
        ends_at,
        video_link: db::schedule::is_video_link(hearing),
        sides: &sides,
    };
    queue_for(c, &setup, &case.number, &listing, NoticeKind::Cancelled)
}

/// The language a party without a contact reads its paper notice in: the
/// court's, by its profile.
fn court_language(rule_profile: &str) -> Language {
    match rule_profile {
        "pk" => Language::Urdu,
        _ => Language::English,
    }
}

/// One notice per channel of each party of the hearing's case, each with
/// its own side's plan only.
pub(crate) fn queue_for(
    c: &mut DbConn,
    setup: &CourtSetup,
    case_number: &str,
    listing: &Listing<'_>,
    kind: NoticeKind,
) -> Result<usize, AppError> {
    let parties = db::parties::of_case(c, listing.case_id)?;
    let ids: Vec<i64> = parties.iter().map(|p| p.id).collect();
    let contacts = db::notices::contacts_of(c, &ids)?;
    let held = db::notices::custody_of(c, &ids)?;
    let now = Utc::now().naive_utc();
    let local = |t: NaiveDateTime| setup.calendar.local(t);
    let plan_of = |side: Side| listing.sides.iter().find(|s| s.side == side);
    let area_of = |p: &SidePlan| setup.building.area(p.waiting_area_id).map(|a| a.name.clone());
    let mut queued = Vec::new();
    for party in &parties {
        let Ok(role) = party.role.parse::<PartyRole>() else { continue };
        let Ok(side) = party.side.parse::<Side>() else { continue };
        if !rules::reached_directly(role) {
            continue;
        }
        let plan = plan_of(side);
        let sequence = u32::try_from(db::notices::count_for(c, listing.hearing_id, party.id)?).unwrap_or(0);
        let event = |text: &Rendered, location: String| CalEvent {
            uid: format!("hearing-{}-party-{}@amaan", listing.hearing_id, party.id),
            sequence,
            summary: text.subject.clone(),
            description: text.body.clone(),
            location: Some(location),
            starts_at: listing.starts_at,
            ends_at: listing.ends_at,
            cancelled: kind == NoticeKind::Cancelled,
        };
        let method = if kind == NoticeKind::Cancelled { "CANCEL" } else { "REQUEST" };
        let base = |channel: Channel, address: String, language: Language, text: &Rendered, status: &str| NewNotice {
            court_id: setup.court.id,
            hearing_id: listing.hearing_id,
            party_id: party.id,
            kind: kind.as_str().into(),
            channel: channel.as_str().into(),
            address,
            language: language.as_str().into(),
            subject: text.subject.clone(),
            body: text.body.clone(),
            status: status.into(),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            ics: None,
        };
        // An accused in custody is reached through the prison holding him.
        if let Some((_, prison)) = held.iter().find(|(id, _)| *id == party.id) {
            let text = rules::render_production(&ProductionNotice {
                cancelled: kind == NoticeKind::Cancelled,
                prison: prison.name.clone(),
                accused: party.name.clone(),
                court_name: setup.court.name.clone(),
                case_number: case_number.to_string(),
                starts_at: local(listing.starts_at),
                arrive_at: plan.map(|p| local(p.arrives_at)),
                entrance: plan.map(|p| p.entrance.clone()),
                waiting_area: plan.and_then(area_of),
            });
            let mut n = base(Channel::Email, prison.notice_email.clone(), Language::English, &text, QUEUED);
            n.kind = NoticeKind::Production.as_str().into();
            let location = format!("{}, {}", setup.court.name, plan.map_or("", |p| p.entrance.as_str()));
            n.ics = Some(ics::calendar(&setup.court.name, &[event(&text, location)], Some(method)));
            queued.push(n);
            continue;
        }
        let contact = contacts.iter().find(|k| k.party_id == party.id);
        let language = contact
            .and_then(|k| k.language.parse::<Language>().ok())
            .unwrap_or_else(|| court_language(&setup.court.rule_profile));
        let mut text = rules::render(&SideNotice {
            kind,
            language,
            recipient: role,
            side,
            court_name: setup.court.name.clone(),
            case_number: case_number.to_string(),
            starts_at: local(listing.starts_at),
            arrive_at: plan.map(|p| local(p.arrives_at)),
            entrance: plan.map(|p| p.entrance.clone()),
            waiting_area: plan.and_then(area_of),
            on_video_link: listing.video_link,
        });
        if rules::asks_feedback(role, side, kind) {
            // One link for this notice's channels; the worker makes the
            // path a full address with the public origin.
            let token =
                super::feedback::make_link(c, setup.court.id, listing.case_id, listing.hearing_id, party.id, None)?;
            text.body.push_str(&rules::feedback_line(language, &format!("{}{token}", super::feedback::PAGE)));
        }
        let Some(contact) = contact else {
            // No phone, no email: the clerk prints it.
            queued.push(base(Channel::Paper, String::new(), language, &text, TO_PRINT));
            continue;
        };
        for (channel, address) in channels(contact) {
            let mut n = base(channel, address, language, &text, QUEUED);
            if channel == Channel::Email {
                let location = format!("{}, {}", setup.court.name, plan.map_or("", |p| p.entrance.as_str()));
                n.ics = Some(ics::calendar(&setup.court.name, &[event(&text, location)], Some(method)));
            }
            queued.push(n);
        }
    }
    Ok(db::notices::queue(c, &queued)?)
}

fn channels(contact: &Contact) -> Vec<(Channel, String)> {
    let mut out = Vec::new();
    if let Some(email) = &contact.email {
        out.push((Channel::Email, email.clone()));
    }
    if let Some(phone) = &contact.phone {
        out.push((Channel::Sms, phone.clone()));
    }
    out
}

/// The region a national phone number is read in, from the court's profile.
fn region_of(rule_profile: &str) -> phonenumber::country::Id {
    use phonenumber::country::Id;
    match rule_profile {
        "in" => Id::IN,
        "uk" => Id::GB,
        _ => Id::PK,
    }
}

/// A phone number as E.164 (`+923001234567`), read in the court's region
/// when it has no country code.
pub(crate) fn e164(field: &str, value: &str, rule_profile: &str) -> Result<String, AppError> {
    let parsed = phonenumber::parse(Some(region_of(rule_profile)), value.trim())
        .map_err(|_| AppError::invalid(field, "not a phone number"))?;
    if !phonenumber::is_valid(&parsed) {
        return Err(AppError::invalid(field, "not a valid phone number for its country"));
    }
    Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

/// An email address the SMTP channel can send to.
pub(crate) fn email(field: &str, value: &str) -> Result<String, AppError> {
    let trimmed = value.trim();
    trimmed
        .parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|_| AppError::invalid(field, "not an email address"))
}

/// The kind of notice a booking sends: adjourned when a grant books the new
/// date, moved when the hearing had a time, listed otherwise.
pub(crate) fn kind_of_booking(source: &str, had_time: Option<NaiveDateTime>) -> NoticeKind {
    match (source, had_time) {
        ("adjournment", _) => NoticeKind::Adjourned,
        (_, Some(_)) => NoticeKind::Changed,
        (_, None) => NoticeKind::Booked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_kept_as_e164_in_the_courts_region() {
        assert_eq!(e164("phone", "0300 1234567", "pk").ok().as_deref(), Some("+923001234567"));
        // A number with its own country code keeps it, whatever the court.
        assert_eq!(e164("phone", "+44 7911 123456", "pk").ok().as_deref(), Some("+447911123456"));
        assert!(e164("phone", "12", "pk").is_err());
        assert!(e164("phone", "call me", "pk").is_err());
    }

    #[test]
    fn email_addresses_must_be_addresses() {
        assert_eq!(email("email", " guardian@example.org ").ok().as_deref(), Some("guardian@example.org"));
        assert!(email("email", "not an address").is_err());
    }

    #[test]
    fn a_grant_adjourns_a_booking_with_a_time_moves_and_a_first_booking_lists() {
        let t = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).and_then(|d| d.and_hms_opt(10, 0, 0));
        assert_eq!(kind_of_booking("adjournment", t), NoticeKind::Adjourned);
        assert_eq!(kind_of_booking("booking", t), NoticeKind::Changed);
        assert_eq!(kind_of_booking("booking", None), NoticeKind::Booked);
    }
}

/// What a delivery report changed: the notice and its status now.
#[derive(Debug, serde::Serialize)]
pub struct DeliveryAnswer {
    pub notice_id: i64,
    pub status: String,
}

/// Records an SMS gateway's delivery report on the notice whose message it
/// is. A report still on its way changes nothing; a report on a message
/// the server never sent is refused as not found.
pub fn record_delivery(
    c: &mut DbConn,
    report: &crate::sms_gateway::DeliveryReport,
) -> Result<DeliveryAnswer, AppError> {
    use crate::sms_gateway::Delivery;
    let not_found = || AppError::not_found(format!("an SMS with the gateway's id {}", report.provider_id));
    let notice = match &report.delivery {
        Delivery::Pending => db::notices::report_delivery_peek(c, &report.provider_id)?,
        Delivery::Delivered => db::notices::report_delivery(c, &report.provider_id, None)?,
        Delivery::Undelivered(why) => db::notices::report_delivery(c, &report.provider_id, Some(why))?,
    }
    .ok_or_else(not_found)?;
    Ok(DeliveryAnswer { notice_id: notice.id, status: notice.status })
}
