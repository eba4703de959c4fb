//! The numbers scheduling needs from a jurisdiction's rule profile, each
//! with the section a refusal cites.
//!
//! `ScheduleRules::from_profile` is what a court gets: every number and
//! every cited section comes from its profile (`rules/*.toml`, `[sitting]`
//! and `[[clocks]]`). `Default` is a fixture for unit tests and the
//! benchmarks (the figures the planner was built and measured with); no
//! court is scheduled by it.

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use crate::rules::{ClockAppliesTo, ClockRule, ClockStop, Length, RuleProfile};

/// The provision each scheduling rule serves, as the profile names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sections {
    /// The child-friendly window (`sitting.child_hours_from`).
    pub child_hours: &'static str,
    /// The longest sitting of a child (`sitting.max_sitting_minutes`).
    pub sitting: &'static str,
    /// Breaks in a child's sitting (`sitting.break_every_minutes`).
    pub breaks: &'static str,
    /// The never-meet plan: waiting areas, entrances, stagger
    /// (`sitting.arrival_stagger_minutes`).
    pub separation: &'static str,
    /// A child on a video link needs a room with one (`sitting.video_link_room`).
    pub video_link: &'static str,
    /// A child is not called again without a recorded reason
    /// (`sitting.child_not_recalled`).
    pub recall: &'static str,
}

/// A statutory clock as the scheduler reads it: the last day a hearing
/// should be held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HearingClock {
    pub section: &'static str,
    pub length: Length,
    pub applies_to: ClockAppliesTo,
    /// The clock stops when the child's evidence is recorded, so it binds
    /// only a hearing at which the child testifies; every other clock binds
    /// every hearing of the case.
    pub child_evidence_only: bool,
    /// The event that stops it: once it happened, the clock binds no
    /// hearing.
    pub stops_when: ClockStop,
}

impl HearingClock {
    fn of(c: &'static ClockRule) -> Option<HearingClock> {
        Some(HearingClock {
            section: c.section.as_str(),
            length: c.length()?,
            applies_to: c.applies_to,
            child_evidence_only: c.stops_when == ClockStop::ChildEvidenceRecorded,
            stops_when: c.stops_when,
        })
    }
}

/// What a clock needs of a hearing and its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    pub cognizance: NaiveDate,
    pub child_victim: bool,
    pub accused_in_custody: bool,
    pub child_testifies: bool,
    /// The stop events the case already reached.
    pub stopped: Stopped,
}

/// Which stop events a case reached (from its recorded outcomes and course).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    pub child_evidence: bool,
    pub trial_started: bool,
    pub trial_concluded: bool,
    pub decided: bool,
}

impl Stopped {
    pub fn covers(&self, stop: ClockStop) -> bool {
        match stop {
            ClockStop::ChildEvidenceRecorded => self.child_evidence,
            ClockStop::TrialStarted => self.trial_started,
            ClockStop::TrialConcluded => self.trial_concluded || self.decided,
            ClockStop::CaseDecided | ClockStop::CaseDisposed => self.decided,
        }
    }
}

/// A hearing's statutory clock: the day and the section that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub day: NaiveDate,
    pub section: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRules {
    /// The child-friendly window in the court's local time in which a
    /// child testifies.
    pub child_hours_from: NaiveTime,
    pub child_hours_to: NaiveTime,
    /// The longest sitting a child is asked to give, breaks included.
    pub max_child_sitting_minutes: i32,
    /// The child rests after this much questioning ...
    pub break_every_minutes: i32,
    /// ... for this long.
    pub break_minutes: i32,
    /// The two sides arrive and leave this far apart, and a group passing
    /// an entrance holds it for this long (the walk to and from the gate
    /// and car park).
    pub stagger_gap_minutes: i32,
    /// How long a group takes to pass the court-room door and clear the
    /// corridor outside it: the building's, not the law's.
    pub door_clearance_minutes: i32,
    /// Slots start on multiples of this many minutes past midnight.
    pub slot_step_minutes: i32,
    /// The statutory clocks a hearing should beat.
    pub clocks: Vec<HearingClock>,
    pub sections: Sections,
}

/// Minutes from a profile's unsigned number; a profile never holds more
/// than a day's worth, and a larger one is clamped rather than wrapped.
fn minutes(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX).min(24 * 60)
}

impl ScheduleRules {
    /// A court's scheduling rules, from its jurisdiction's profile.
    pub fn from_profile(p: &'static RuleProfile) -> ScheduleRules {
        let s = &p.sitting;
        ScheduleRules {
            child_hours_from: s.child_hours_from.value,
            child_hours_to: s.child_hours_until.value,
            max_child_sitting_minutes: minutes(s.max_sitting_minutes.value),
            break_every_minutes: minutes(s.break_every_minutes.value),
            break_minutes: minutes(s.break_minutes.value),
            stagger_gap_minutes: minutes(s.arrival_stagger_minutes.value),
            door_clearance_minutes: 5,
            slot_step_minutes: 15,
            clocks: p.clocks.iter().filter_map(HearingClock::of).collect(),
            sections: Sections {
                child_hours: s.child_hours_from.section.as_str(),
                sitting: s.max_sitting_minutes.section.as_str(),
                breaks: s.break_every_minutes.section.as_str(),
                separation: s.arrival_stagger_minutes.section.as_str(),
                video_link: s.video_link_room.section.as_str(),
                recall: s.child_not_recalled.section.as_str(),
            },
        }
    }

    /// The shortest hearing in which a child who walks in after the accused
    /// and leaves before him still has a quarter of an hour in the room.
    pub fn min_child_in_court_minutes(&self) -> i32 {
        3 * self.door_clearance_minutes + 15
    }

    /// The earliest deadline of the clocks that bind this hearing, if any.
    pub fn deadline(&self, facts: &ClockFacts) -> Option<Deadline> {
        self.clocks
            .iter()
            .filter(|c| facts.child_testifies || !c.child_evidence_only)
            .filter(|c| !facts.stopped.covers(c.stops_when))
            .filter(|c| match c.applies_to {
                ClockAppliesTo::All => true,
                ClockAppliesTo::ChildVictim => facts.child_victim,
                ClockAppliesTo::AccusedInCustody => facts.accused_in_custody,
            })
            .filter_map(|c| c.length.after(facts.cognizance).map(|day| Deadline { day, section: c.section }))
            .min_by_key(|d| d.day)
    }
}

impl Default for ScheduleRules {
    fn default() -> Self {
        ScheduleRules {
            child_hours_from: NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
            child_hours_to: NaiveTime::from_hms_opt(13, 30, 0).unwrap_or_default(),
            max_child_sitting_minutes: 120,
            break_every_minutes: 45,
            break_minutes: 15,
            stagger_gap_minutes: 30,
            door_clearance_minutes: 5,
            slot_step_minutes: 15,
            clocks: vec![
                HearingClock {
                    section: "POCSO Act 2012 s.35(1)",
                    length: Length::Days(30),
                    applies_to: ClockAppliesTo::ChildVictim,
                    child_evidence_only: true,
                    stops_when: ClockStop::ChildEvidenceRecorded,
                },
                HearingClock {
                    section: "POCSO Act 2012 s.35(2)",
                    length: Length::Days(365),
                    applies_to: ClockAppliesTo::All,
                    child_evidence_only: false,
                    stops_when: ClockStop::CaseDisposed,
                },
            ],
            sections: Sections {
                child_hours: "POCSO Act 2012 s.33(4)",
                sitting: "POCSO Act 2012 s.33(3)",
                breaks: "POCSO Act 2012 s.33(3)",
                separation: "POCSO Act 2012 s.36(1)",
                video_link: "POCSO Act 2012 s.36(2)",
                recall: "POCSO Act 2012 s.33(5)",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::profile;

    fn rules(id: &str) -> ScheduleRules {
        ScheduleRules::from_profile(profile(id).unwrap_or_else(|e| panic!("{e}")))
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn facts(child_testifies: bool, child_victim: bool, accused_in_custody: bool) -> ClockFacts {
        ClockFacts {
            cognizance: day(2026, 1, 31),
            child_victim,
            accused_in_custody,
            child_testifies,
            stopped: Stopped::default(),
        }
    }

    #[test]
    fn pk_courts_sit_by_the_anti_rape_rules_not_pocso() {
        let r = rules("pk");
        assert_eq!((r.child_hours_from, r.child_hours_to), (hm(9, 30), hm(13, 0)));
        assert_eq!((r.max_child_sitting_minutes, r.break_every_minutes, r.break_minutes), (120, 30, 15));
        assert_eq!(r.stagger_gap_minutes, 30);
        assert_eq!(r.sections.child_hours, "Anti-Rape (Trial Procedure) Rules 2022");
        assert_eq!(r.sections.separation, "Anti-Rape (Investigation and Trial) Act 2021");
        assert_eq!(r.sections.video_link, "Qanun-e-Shahadat Order 1984 art.164");
        for s in [r.sections.child_hours, r.sections.sitting, r.sections.breaks, r.sections.separation] {
            assert!(!s.contains("POCSO"), "{s}");
        }
    }

    #[test]
    fn pk_the_2016_acts_three_months_bind_every_hearing() {
        let r = rules("pk");
        // three months from 31 January is the last day of April
        let d = r.deadline(&facts(false, false, false));
        assert_eq!(d.map(|d| d.day), Some(day(2026, 4, 30)));
        assert!(d.is_some_and(|d| d.section.contains("2016")));
        assert_eq!(r.deadline(&facts(true, true, true)).map(|d| d.day), Some(day(2026, 4, 30)));
    }

    #[test]
    fn in_courts_cite_pocso_and_the_childs_thirty_days_bind_only_her_evidence() {
        let r = rules("in");
        assert_eq!((r.child_hours_from, r.child_hours_to), (hm(10, 0), hm(13, 0)));
        assert_eq!((r.max_child_sitting_minutes, r.break_every_minutes), (120, 30));
        assert_eq!(r.sections.child_hours, "POCSO Act 2012 s.33(4)");
        assert_eq!(r.sections.breaks, "POCSO Act 2012 s.33(3)");
        assert_eq!(r.sections.separation, "POCSO Act 2012 s.36(1)");
        assert_eq!(r.sections.recall, "POCSO Act 2012 s.33(5)");
        assert_eq!(r.sections.video_link, "POCSO Act 2012 s.36(2)");
        let evidence = r.deadline(&facts(true, true, false));
        assert_eq!(evidence, Some(Deadline { day: day(2026, 3, 2), section: "POCSO Act 2012 s.35(1)" }));
        let other = r.deadline(&facts(false, true, false));
        assert_eq!(other, Some(Deadline { day: day(2027, 1, 31), section: "POCSO Act 2012 s.35(2)" }));
        // both clocks are for child victims
        assert_eq!(r.deadline(&facts(false, false, false)), None);
        // once the child was heard in full, s.35(1) binds no hearing
        let heard =
            ClockFacts { stopped: Stopped { child_evidence: true, ..Stopped::default() }, ..facts(true, true, false) };
        assert_eq!(r.deadline(&heard).map(|d| d.section), Some("POCSO Act 2012 s.35(2)"));
    }

    #[test]
    fn uk_courts_cite_the_ground_rules_and_yjcea_and_question_a_child_for_ninety_minutes() {
        let r = rules("uk");
        assert_eq!(r.max_child_sitting_minutes, 90);
        assert_eq!(r.sections.child_hours, "CrimPR 3.9(7)");
        assert_eq!(r.sections.sitting, "CrimPR 3.9(7)(b)");
        assert_eq!(r.sections.separation, "YJCEA 1999 s.23");
        assert_eq!(r.sections.video_link, "YJCEA 1999 s.24");
        // the custody time limit binds only while the accused is in custody
        assert_eq!(r.deadline(&facts(true, true, false)), None);
        assert_eq!(r.deadline(&facts(true, true, true)).map(|d| d.day), Some(day(2026, 8, 1)));
    }

    #[test]
    fn every_profile_gives_the_scheduler_a_window_a_break_and_a_stagger_it_can_use() {
        for id in crate::rules::profile_ids() {
            let r = rules(id);
            assert!(r.child_hours_from < r.child_hours_to, "{id}");
            assert!(r.break_every_minutes > 0 && r.break_minutes > 0, "{id}");
            assert!(r.max_child_sitting_minutes >= r.min_child_in_court_minutes(), "{id}");
            assert!(r.stagger_gap_minutes > 0, "{id}");
            for s in [
                r.sections.child_hours,
                r.sections.sitting,
                r.sections.breaks,
                r.sections.separation,
                r.sections.video_link,
                r.sections.recall,
            ] {
                assert!(!s.trim().is_empty(), "{id}");
            }
        }
    }
}
