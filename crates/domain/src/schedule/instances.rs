//! Synthetic mass-victim instances for the testimony planner's tests and
//! benchmark: linked cases sharing accused, siblings sharing a guardian, a
//! building of several courts. (Named associates are not here: they are
//! never called, so they change no sitting; the never-meet plan gives them
//! the accused side's gate, area and times.) Generated from a seed, so a figure can be
//! reproduced; no identities, only numbers.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};

use super::limits::ScheduleRules;
use super::model::{AreaInfo, Building, CourtCalendar, RoomInfo};
use super::testimony::{ChildToHear, TestimonyInput};

#[derive(Debug, Clone)]
pub struct LinkedShape {
    pub children: usize,
    pub cases: usize,
    pub accused: usize,
    pub courts: usize,
    pub video_rooms: usize,
    /// Every n-th child shares the guardian of the child before it (0: none).
    pub siblings_every: usize,
    /// Weekdays the video-link rooms sit.
    pub video_days: Vec<Weekday>,
    /// Days from cognizance to the child's clock.
    pub clock_days: i64,
    /// The sitting each child is given, breaks included.
    pub sitting_minutes: i32,
    /// Working days the plan may use.
    pub horizon_days: i64,
    pub first_day: NaiveDate,
    pub seed: u64,
}

impl LinkedShape {
    /// The Kasur shape: 280 children in 20 linked cases, 25 accused, three
    /// courts in one building with ten video rooms
    /// that sit three days a week.
    pub fn kasur() -> LinkedShape {
        LinkedShape {
            children: 280,
            cases: 20,
            accused: 25,
            courts: 3,
            video_rooms: 10,
            siblings_every: 7,
            video_days: vec![Weekday::Mon, Weekday::Wed, Weekday::Thu],
            clock_days: 30,
            sitting_minutes: 90,
            horizon_days: 240,
            // A Monday; the instance is pure arithmetic on dates, so any
            // day serves, and a fixed one keeps the figures comparable.
            first_day: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default(),
            seed: 7,
        }
    }
}

/// A small deterministic generator (xorshift64*): the domain crate takes no
/// dependency for random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Person ids: children from 1, guardians from 10,000, accused from
/// 20,000, counsel from 40,000; judges from 100.
const GUARDIANS: i64 = 10_000;
const ACCUSED: i64 = 20_000;
const COUNSEL: i64 = 40_000;
const JUDGES: i64 = 100;

pub fn linked_cases(shape: &LinkedShape) -> TestimonyInput {
    let mut rng = Rng(shape.seed.max(1));
    let cases = shape.cases.max(1);
    let courts = shape.courts.max(1);
    // Each case: two to four accused, several shared with other cases (the
    // gang's members were each in many occurrences).
    let case_accused: Vec<Vec<i64>> = (0..cases)
        .map(|_| {
            let n = 2 + rng.below(3);
            let mut v: Vec<i64> = (0..n).map(|_| ACCUSED + rng.below(shape.accused.max(1)) as i64).collect();
            v.sort();
            v.dedup();
            v
        })
        .collect();
    // Cognizance spread over the first fortnight.
    let cognizance: Vec<NaiveDate> =
        (0..cases).map(|_| shape.first_day + Duration::days(rng.below(14) as i64)).collect();
    let mut children = Vec::with_capacity(shape.children);
    let mut guardian = GUARDIANS;
    let mut case = cases - 1;
    for i in 0..shape.children {
        // Siblings were abused in the same occurrence: the same case.
        let shares = shape.siblings_every > 0 && i > 0 && i % shape.siblings_every == 0;
        if !shares {
            guardian += 1;
            case = (case + 1) % cases;
        }
        let court = case % courts;
        // One child in ten was abused in two of the occurrences: a witness
        // in the next case too, whose accused also attend.
        let mut accused = case_accused[case].clone();
        if rng.below(10) == 0 {
            accused.extend(case_accused[(case + 1) % cases].iter().copied());
        }
        accused.sort();
        accused.dedup();
        let age_days = 365 * 8 + rng.below(365 * 8) as i64;
        children.push(ChildToHear {
            child: 1 + i as i64,
            guardian,
            born: shape.first_day - Duration::days(age_days),
            case_id: 1 + case as i64,
            deadline: Some(cognizance[case] + Duration::days(shape.clock_days)),
            deadline_section: Some("POCSO Act 2012 s.35(1)"),
            minutes: shape.sitting_minutes,
            judges: vec![JUDGES + court as i64],
            accused,
            counsel: vec![COUNSEL + 2 * case as i64, COUNSEL + 2 * case as i64 + 1],
            rooms: Vec::new(),
        });
    }
    let rooms = (0..shape.video_rooms)
        .map(|r| RoomInfo { id: 1 + r as i64, name: format!("Video Room {}", r + 1), video_link: true })
        .collect();
    let area = |id: i64, name: &str, child_friendly: bool, entrance: &str| AreaInfo {
        id,
        name: name.into(),
        child_friendly,
        entrance: entrance.into(),
    };
    let building = Building {
        rooms,
        areas: vec![
            area(1, "Children's Room", true, "East Gate"),
            area(2, "Family Room", true, "East Gate"),
            area(3, "Main Hall", false, "Main Gate"),
            area(4, "Holding Room", false, "Lock-up Gate"),
        ],
    };
    let calendar = CourtCalendar {
        time_zone: chrono_tz::Asia::Karachi,
        opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        closes: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
        working_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
        holidays: BTreeMap::new(),
    };
    TestimonyInput {
        calendar,
        building,
        rules: ScheduleRules::default(),
        children,
        video_days: shape.video_days.clone(),
        existing: Vec::new(),
        from_day: shape.first_day,
        until_day: shape.first_day + Duration::days(shape.horizon_days),
    }
}
