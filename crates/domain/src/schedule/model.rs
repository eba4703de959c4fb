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
    pub child_testified_before: bool,
    pub reappearance_reason: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub sides: Vec<SidePlan>,
    /// Breaks in the child's sitting.
    pub breaks: Vec<(NaiveDateTime, NaiveDateTime)>,
}

impl Booking {
    pub fn side(&self, side: Side) -> Option<&SidePlan> {
        self.sides.iter().find(|s| s.side == side)
    }
}
