//! The values scheduling reasons about: a court's calendar and building, a
//! hearing waiting for a slot, and a booked hearing with its never-meet plan.
//!
//! Instants are UTC (`NaiveDateTime`), as stored; the calendar turns them
//! into the court's local time where a rule speaks of days and hours.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::roles::Side;

/// When a court sits: its weekdays and hours in its own time zone, and the
/// holidays the administrator records.
#[derive(Debug, Clone)]
pub struct CourtCalendar {
    pub time_zone: Tz,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub working_days: Vec<Weekday>,
    /// Day → the holiday's name.
    pub holidays: BTreeMap<NaiveDate, String>,
}

impl CourtCalendar {
    pub fn local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        self.time_zone.from_utc_datetime(&utc).naive_local()
    }

    /// The UTC instant of a local wall-clock time; None for a time a
    /// daylight-saving change skips. An ambiguous time takes the earlier.
    pub fn utc(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        self.time_zone.from_local_datetime(&local).earliest().map(|t| t.naive_utc())
    }

    /// The UTC instant a local day begins. Where a daylight-saving change
    /// skips midnight, the day begins at its first local time that exists;
    /// never a made-up instant (an epoch would empty every window read
    /// from it, and every clash check would pass).
    pub fn day_start_utc(&self, day: NaiveDate) -> NaiveDateTime {
        let midnight = day.and_time(NaiveTime::MIN);
        (0..=24 * 4)
            .map(|quarter| midnight + chrono::Duration::minutes(15 * quarter))
            .find_map(|local| self.utc(local))
            // No zone skips a whole day; were one to, the earliest instant
            // the day could begin anywhere keeps a window wide, not empty.
            .unwrap_or(midnight - chrono::Duration::hours(14))
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.working_days.contains(&day.weekday())
    }

    pub fn holiday(&self, day: NaiveDate) -> Option<&str> {
        self.holidays.get(&day).map(String::as_str)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RoomInfo {
    pub id: i64,
    pub name: String,
    pub video_link: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaInfo {
    pub id: i64,
    pub name: String,
    pub child_friendly: bool,
    pub entrance: String,
}

/// The parts of a court building the never-meet plan books.
#[derive(Debug, Clone, Default)]
pub struct Building {
    pub rooms: Vec<RoomInfo>,
    pub areas: Vec<AreaInfo>,
}

impl Building {
    pub fn room(&self, id: i64) -> Option<&RoomInfo> {
        self.rooms.iter().find(|r| r.id == id)
    }
    pub fn area(&self, id: i64) -> Option<&AreaInfo> {
        self.areas.iter().find(|a| a.id == id)
    }
}

/// A hearing that needs a slot, with everything the rules ask of it.
#[derive(Debug, Clone, Serialize)]
pub struct HearingRequest {
    pub hearing_id: i64,
    pub case_id: i64,
    pub minutes: i32,
    pub child_testifies: bool,
    /// The child testifies from outside the court room over a video link.
    pub video_link: bool,
    /// The sides that attend, from the case's parties.
    pub sides: Vec<Side>,
    /// Judges who may sit, in order of preference (the case's judge first).
    pub judges: Vec<i64>,
    /// Court rooms allowed; empty means any.
    pub rooms: Vec<i64>,
    /// Counsel of the case (prosecutor and defence), who must all be free.
    pub counsel: Vec<i64>,
    /// The people of the case (each party's person, with the side they
    /// stand on): a person is in one place at a time, across every case
    /// and court they are a party of.
    #[serde(default)]
    pub persons: Vec<(i64, Side)>,
    pub child_victim: bool,
    /// The statutory clock: the last local day the hearing should be held.
    pub deadline: Option<NaiveDate>,
    /// The provision that sets `deadline`.
    pub deadline_section: Option<&'static str>,
    /// The same child already testified (or is booked to) in this case.
    pub child_testified_before: bool,
    /// Why the child must come again, recorded by the court.
    pub reappearance_reason: Option<String>,
}

/// One side's own instructions for one hearing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SidePlan {
    pub side: Side,
    pub waiting_area_id: i64,
    pub entrance: String,
    pub arrives_at: NaiveDateTime,
    pub departs_at: NaiveDateTime,
    /// When the side walks through the court-room door, if it does (a child
    /// on a video link never does).
    pub enters_court_at: Option<NaiveDateTime>,
    pub leaves_court_at: Option<NaiveDateTime>,
}

/// A placed hearing: what the store keeps and the validator checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub hearing_id: i64,
    pub case_id: i64,
    pub judge_id: i64,
    pub room_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub child_testifies: bool,
    pub video_link: bool,
    pub counsel: Vec<i64>,
    /// The people of the case, each with the side they stand on.
    #[serde(default)]
    pub persons: Vec<(i64, Side)>,
    pub child_testified_before: bool,
    pub reappearance_reason: Option<String>,
    /// The child who testifies, where the sitting is for one child of
    /// several in a case (a mass-victim trial): a recall is the same child
    /// again, not another child of the same case. None: the case's child.
    #[serde(default)]
    pub witness: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub sides: Vec<SidePlan>,
    /// Breaks in the child's sitting.
    pub breaks: Vec<(NaiveDateTime, NaiveDateTime)>,
}

impl Booking {
    pub fn side(&self, side: Side) -> Option<&SidePlan> {
        self.sides.iter().find(|s| s.side == side)
    }

    /// When a person of `side` is at the court for this hearing: from the
    /// side's arrival to its departure, or the sitting if it has no plan.
    pub fn presence(&self, side: Side) -> (NaiveDateTime, NaiveDateTime) {
        match self.side(side) {
            Some(p) => (p.arrives_at.min(self.starts_at), p.departs_at.max(self.ends_at)),
            None => (self.starts_at, self.ends_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_whose_midnight_is_skipped_begins_at_its_first_real_instant() {
        // Havana moves its clocks from 00:00 to 01:00 on the second Sunday
        // of March: 8 March 2026 has no midnight.
        let cal = CourtCalendar {
            time_zone: chrono_tz::America::Havana,
            opens: NaiveTime::MIN,
            closes: NaiveTime::MIN,
            working_days: vec![],
            holidays: BTreeMap::new(),
        };
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap_or_default();
        assert_eq!(cal.utc(day.and_time(NaiveTime::MIN)), None, "the fixture's midnight is in a gap");
        let start = cal.day_start_utc(day);
        // 01:00 CDT is 05:00 UTC
        assert_eq!(start, day.and_hms_opt(5, 0, 0).unwrap_or_default());
        let plain = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap_or_default();
        assert_eq!(cal.day_start_utc(plain), plain.and_hms_opt(4, 0, 0).unwrap_or_default());
    }
}
