//! Calendars (RFC 5545), written with the `icalendar` crate: one hearing
//! attached to the email that tells a party of it, and a staff user's feed
//! of their hearings. An event carries only what its reader may read: a
//! party's event holds its own notice's text, a staff event the case
//! number and the room, never a child's name.

use chrono::{NaiveDateTime, TimeZone, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus};

/// One hearing as an event.
pub(crate) struct CalEvent {
    /// Stable across notices of one hearing to one reader, so a calendar
    /// replaces the event when the hearing moves.
    pub uid: String,
    pub sequence: u32,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    /// UTC.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub cancelled: bool,
}

/// A calendar of `events`; `method` is `REQUEST` or `CANCEL` for one
/// hearing sent by email (RFC 5546), none for a subscribed feed.
pub(crate) fn calendar(name: &str, events: &[CalEvent], method: Option<&str>) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    if let Some(m) = method {
        cal.append_property(("METHOD", m));
    }
    for e in events {
        let mut event = icalendar::Event::with_uid(&e.uid);
        event
            .summary(&e.summary)
            .description(&e.description)
            .starts(Utc.from_utc_datetime(&e.starts_at))
            .ends(Utc.from_utc_datetime(&e.ends_at))
            .sequence(e.sequence)
            .status(if e.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
        if let Some(l) = &e.location {
            event.location(l);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_its_uid_times_in_utc_and_a_cancellation() {
        let at =
            |h| chrono::NaiveDate::from_ymd_opt(2030, 3, 4).and_then(|d| d.and_hms_opt(h, 0, 0)).unwrap_or_default();
        let text = calendar(
            "Amaan",
            &[CalEvent {
                uid: "hearing-7-party-3@amaan".into(),
                sequence: 2,
                summary: "Hearing moved: case CSA-1/2030".into(),
                description: "Arrive at 09:15".into(),
                location: Some("Special Court Kasur".into()),
                starts_at: at(5),
                ends_at: at(6),
                cancelled: true,
            }],
            Some("CANCEL"),
        );
        for want in [
            "BEGIN:VCALENDAR",
            "METHOD:CANCEL",
            "UID:hearing-7-party-3@amaan",
            "DTSTART:20300304T050000Z",
            "SEQUENCE:2",
            "STATUS:CANCELLED",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
    }
}
