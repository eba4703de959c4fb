//! Telling the parties: when a hearing is booked, moved or adjourned, each
//! party with a contact gets a notice of its own side's plan, queued in the
//! same transaction as the change (a change rolled back queues nothing), and
//! a contact is set only as an address the channels can reach.

use chrono::{NaiveDateTime, Utc};

use super::booking::CourtSetup;
use crate::db::notices::{Contact, NewNotice, QUEUED};
use crate::db::{self, DbConn};
use crate::domain::notices::{self as rules, Channel, Language, NoticeKind, SideNotice};
use crate::domain::roles::{PartyRole, Side};
use crate::domain::schedule::model::Booking;
use crate::error::AppError;

/// Queues one notice per channel of each directly reachable party of the
/// booked hearing's case, each with its own side's plan only.
pub(crate) fn queue_for_booking(
    c: &mut DbConn,
    setup: &CourtSetup,
    case_number: &str,
    booking: &Booking,
    kind: NoticeKind,
) -> Result<usize, AppError> {
    let parties = db::parties::of_case(c, booking.case_id)?;
    let ids: Vec<i64> = parties.iter().map(|p| p.id).collect();
    let contacts = db::notices::contacts_of(c, &ids)?;
    let now = Utc::now().naive_utc();
    let mut queued = Vec::new();
    for party in &parties {
        let Ok(role) = party.role.parse::<PartyRole>() else { continue };
        let Some(contact) = contacts.iter().find(|k| k.party_id == party.id) else { continue };
        if !rules::reached_directly(role) {
            continue;
        }
        let Ok(side) = party.side.parse::<Side>() else { continue };
        let language = contact.language.parse::<Language>().unwrap_or(Language::English);
        let plan = booking.sides.iter().find(|s| s.side == side);
        let notice = SideNotice {
            kind,
            language,
            recipient: role,
            side,
            court_name: setup.court.name.clone(),
            case_number: case_number.to_string(),
            starts_at: setup.calendar.local(booking.starts_at),
            arrive_at: plan.map(|p| setup.calendar.local(p.arrives_at)),
            entrance: plan.map(|p| p.entrance.clone()),
            waiting_area: plan.and_then(|p| setup.building.area(p.waiting_area_id)).map(|a| a.name.clone()),
            on_video_link: booking.video_link,
        };
        let text = rules::render(&notice);
        for (channel, address) in channels(contact) {
            queued.push(NewNotice {
                court_id: setup.court.id,
                hearing_id: booking.hearing_id,
                party_id: party.id,
                kind: kind.as_str().into(),
                channel: channel.as_str().into(),
                address,
                language: language.as_str().into(),
                subject: text.subject.clone(),
                body: text.body.clone(),
                status: QUEUED.into(),
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
            });
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
