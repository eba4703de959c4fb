//! Fixtures for the scheduling unit tests: a Karachi court sitting 09:00–16:00
//! Monday to Friday, and a small building.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::model::{AreaInfo, Building, CourtCalendar, HearingRequest, RoomInfo};
use crate::roles::Side;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    day(y, m, d).and_hms_opt(h, min, 0).unwrap_or_default()
}

pub fn calendar() -> CourtCalendar {
    CourtCalendar {
        time_zone: chrono_tz::Asia::Karachi,
        opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        closes: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
        working_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
        holidays: BTreeMap::new(),
    }
}

fn area(id: i64, name: &str, child_friendly: bool, entrance: &str) -> AreaInfo {
    AreaInfo { id, name: name.into(), child_friendly, entrance: entrance.into() }
}

/// Rooms 1 and 3 have a video link; the family rooms open on the East Gate,
/// the hall on the Main Gate, the holding room on the Lock-up Gate.
pub fn building() -> Building {
    Building {
        rooms: vec![
            RoomInfo { id: 1, name: "Court Room 1".into(), video_link: true },
            RoomInfo { id: 2, name: "Court Room 2".into(), video_link: false },
            RoomInfo { id: 3, name: "Witness Suite".into(), video_link: true },
        ],
        areas: vec![
            area(1, "Children's Room", true, "East Gate"),
            area(2, "Family Room", true, "East Gate"),
            area(3, "Main Hall", false, "Main Gate"),
            area(4, "Holding Room", false, "Lock-up Gate"),
        ],
    }
}

/// The same building with a single gate: the hard case for separation.
pub fn one_gate_building() -> Building {
    let mut b = building();
    for a in &mut b.areas {
        a.entrance = "Main Gate".into();
    }
    b
}

/// A one-hour hearing of a child-victim case before judge 10, all three
/// sides attending, the child not testifying.
pub fn request(hearing_id: i64, case_id: i64) -> HearingRequest {
    HearingRequest {
        hearing_id,
        case_id,
        minutes: 60,
        child_testifies: false,
        video_link: false,
        sides: vec![Side::Child, Side::Accused, Side::Neutral],
        judges: vec![10],
        rooms: vec![],
        counsel: vec![],
        persons: vec![],
        child_victim: true,
        deadline: None,
        deadline_section: None,
        child_testified_before: false,
        reappearance_reason: None,
    }
}
