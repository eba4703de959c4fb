//! Who holds what, when: a bitmask of five-minute ticks per resource per
//! court day, so the planner can test thousands of candidate slots a
//! millisecond. Times here are local minutes after midnight.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Timelike};

use super::model::CourtCalendar;
use crate::roles::Side;

pub const TICK_MINUTES: i32 = 5;
const DAY_TICKS: i32 = 24 * 60 / TICK_MINUTES;
const WORDS: usize = 5; // 320 bits ≥ 288 ticks

/// The ticks of one day a resource is held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayMask([u64; WORDS]);

impl DayMask {
    /// The ticks `[from, to)` touches, rounded outwards: a booking at odd
    /// minutes blocks every tick it touches.
    pub fn span(from: i32, to: i32) -> DayMask {
        let a = from.div_euclid(TICK_MINUTES).clamp(0, DAY_TICKS);
        let b = (to + TICK_MINUTES - 1).div_euclid(TICK_MINUTES).clamp(0, DAY_TICKS);
        let mut mask = DayMask::default();
        for (w, word) in mask.0.iter_mut().enumerate() {
            let base = (w as i32) * 64;
            let lo = a.max(base);
            let hi = b.min(base + 64);
            if lo < hi {
                let len = (hi - lo) as u32;
                let bits = if len == 64 { u64::MAX } else { (1u64 << len) - 1 };
                *word = bits << (lo - base) as u32;
            }
        }
        mask
    }

    pub fn overlaps(&self, other: &DayMask) -> bool {
        self.0.iter().zip(other.0.iter()).any(|(a, b)| a & b != 0)
    }

    pub fn insert(&mut self, other: &DayMask) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

/// A resource one booking holds. Waiting areas, entrances and court-room
/// doors are held per side: the child side and the accused side must never
/// hold one at overlapping times, while two groups of one side may.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Track {
    Judge(i64),
    Room(i64),
    Counsel(i64),
    /// A person (a party's person: one child in many cases is one person)
    /// at a hearing of `case`. Hearings of one case may follow each other
    /// with the same people staying on; another case's may not overlap.
    Person {
        person: i64,
        case: i64,
    },
    Area(i64, Side),
    Entrance(String, Side),
    Door(i64, Side),
}

/// Bookings of a court over a run of days, as tick masks.
#[derive(Debug, Clone)]
pub struct Occupancy {
    first_day: NaiveDate,
    days: usize,
    index: HashMap<Track, usize>,
    masks: Vec<Vec<DayMask>>,
    /// Person → (case, track) for every case the person is held in.
    persons: HashMap<i64, Vec<(i64, usize)>>,
}

impl Occupancy {
    pub fn new(first_day: NaiveDate, days: usize) -> Occupancy {
        Occupancy { first_day, days, index: HashMap::new(), masks: Vec::new(), persons: HashMap::new() }
    }

    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }

    pub fn days(&self) -> usize {
        self.days
    }

    pub fn day_index(&self, day: NaiveDate) -> Option<usize> {
        let i = (day - self.first_day).num_days();
        (0..self.days as i64).contains(&i).then_some(i as usize)
    }

    /// The track's number, for the hot loops; None when nothing holds it
    /// yet (so nothing can clash with it).
    pub fn find(&self, track: &Track) -> Option<usize> {
        self.index.get(track).copied()
    }

    fn track(&mut self, track: Track) -> usize {
        if let Some(i) = self.index.get(&track) {
            return *i;
        }
        let i = self.masks.len();
        self.masks.push(vec![DayMask::default(); self.days]);
        if let Track::Person { person, case } = track {
            self.persons.entry(person).or_default().push((case, i));
        }
        self.index.insert(track, i);
        i
    }

    /// The tracks a person is held on in cases other than `case`.
    pub fn person_elsewhere(&self, person: i64, case: i64) -> Vec<usize> {
        self.persons
            .get(&person)
            .map(|v| v.iter().filter(|(c, _)| *c != case).map(|(_, t)| *t).collect())
            .unwrap_or_default()
    }

    pub fn busy(&self, track: Option<usize>, day: usize, span: &DayMask) -> bool {
        match track.and_then(|t| self.masks.get(t)).and_then(|m| m.get(day)) {
            Some(held) => held.overlaps(span),
            None => false,
        }
    }

    pub fn is_busy(&self, track: &Track, day: usize, from: i32, to: i32) -> bool {
        self.busy(self.find(track), day, &DayMask::span(from, to))
    }

    pub fn hold(&mut self, track: Track, day: usize, from: i32, to: i32) {
        if day >= self.days {
            return;
        }
        let t = self.track(track);
        if let Some(m) = self.masks.get_mut(t).and_then(|m| m.get_mut(day)) {
            m.insert(&DayMask::span(from, to));
        }
    }

    /// Holds a resource over a UTC interval, split over the local days it
    /// touches (days outside the window are ignored).
    pub fn hold_utc(&mut self, cal: &CourtCalendar, track: Track, from: NaiveDateTime, to: NaiveDateTime) {
        let (a, b) = (cal.local(from), cal.local(to));
        let mut day = a.date();
        while day <= b.date() {
            let start = if day == a.date() { minute(a) } else { 0 };
            let end = if day == b.date() { minute(b) } else { 24 * 60 };
            if let Some(i) = self.day_index(day) {
                if end > start {
                    self.hold(track.clone(), i, start, end);
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
    }
}

/// Minutes after local midnight, seconds rounded up so nothing is lost.
pub fn minute(t: NaiveDateTime) -> i32 {
    let m = (t.hour() * 60 + t.minute()) as i32;
    if t.second() > 0 || t.nanosecond() > 0 {
        m + 1
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_round_outwards_and_meet_only_when_they_share_a_tick() {
        let ten = DayMask::span(600, 660);
        assert!(ten.overlaps(&DayMask::span(655, 700)));
        assert!(!ten.overlaps(&DayMask::span(660, 720)));
        assert!(ten.overlaps(&DayMask::span(659, 661)));
        assert!(DayMask::span(600, 600).is_empty());
        // a span across a word boundary (tick 64 is 05:20)
        assert!(DayMask::span(300, 340).overlaps(&DayMask::span(325, 326)));
    }

    #[test]
    fn a_held_track_is_busy_only_on_its_day() {
        let d0 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let mut occ = Occupancy::new(d0, 3);
        occ.hold(Track::Room(7), 1, 600, 660);
        assert!(occ.is_busy(&Track::Room(7), 1, 630, 700));
        assert!(!occ.is_busy(&Track::Room(7), 0, 630, 700));
        assert!(!occ.is_busy(&Track::Room(8), 1, 630, 700));
        assert!(!occ.is_busy(&Track::Area(7, Side::Child), 1, 630, 700));
    }
}
