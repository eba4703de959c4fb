//! The numbers scheduling needs from a jurisdiction's rule profile.
//!
//! The rule profiles (`domain::rules`) will carry these per jurisdiction;
//! until they are wired in, `ScheduleRules::default()` stands in with the
//! Indian POCSO Act 2012 figures, each citing the section it serves.

use chrono::NaiveTime;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRules {
    /// POCSO s.33(4) (a child-friendly atmosphere): a child testifies in the
    /// morning, rested, not at the end of a long court day.
    pub child_hours_from: NaiveTime,
    pub child_hours_to: NaiveTime,
    /// POCSO s.33(3) (frequent breaks) and s.33(5) (not called repeatedly):
    /// the longest sitting a child is asked to give, breaks included.
    pub max_child_sitting_minutes: i32,
    /// POCSO s.33(3): the child rests after this much questioning ...
    pub break_every_minutes: i32,
    /// ... for this long.
    pub break_minutes: i32,
    /// POCSO s.36(1) (the child not exposed to the accused): the two sides
    /// arrive and leave this far apart, and a group passing an entrance
    /// holds it for this long (the walk to and from the gate and car park).
    pub stagger_gap_minutes: i32,
    /// How long a group takes to pass the court-room door and clear the
    /// corridor outside it.
    pub door_clearance_minutes: i32,
    /// Slots start on multiples of this many minutes past midnight.
    pub slot_step_minutes: i32,
    /// POCSO s.35(1): the child's evidence within 30 days of cognizance.
    pub child_evidence_days: i64,
    /// POCSO s.35(2): the trial completed, as far as possible, within a year
    /// of cognizance.
    pub trial_days: i64,
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
            child_evidence_days: 30,
            trial_days: 365,
        }
    }
}

impl ScheduleRules {
    /// The shortest hearing in which a child who walks in after the accused
    /// and leaves before him still has a quarter of an hour in the room.
    pub fn min_child_in_court_minutes(&self) -> i32 {
        3 * self.door_clearance_minutes + 15
    }
}
