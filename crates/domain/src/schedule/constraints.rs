//! The hard constraints on a hearing, each a decision that names its rule
//! and the statute section (or the court's own calendar) behind it.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use super::limits::ScheduleRules;
use super::model::{CourtCalendar, HearingRequest};
use crate::roles::Side;

/// Why a hearing cannot be placed at a time (or at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    NotWorkingDay {
        day: NaiveDate,
    },
    Holiday {
        day: NaiveDate,
        name: String,
    },
    OutsideCourtHours,
    OutsideChildHours,
    SittingTooLong {
        minutes: i32,
        max: i32,
    },
    TooShort {
        minutes: i32,
        min: i32,
    },
    NoJudge,
    JudgeBusy {
        judge_id: i64,
    },
    NoRoom,
    RoomBusy {
        room_id: i64,
    },
    NoVideoLinkRoom,
    CounselBusy {
        counsel_id: i64,
    },
    /// A party of the case is in another hearing then (of any case, in any
    /// court): one person, one place.
    PersonBusy {
        person_id: i64,
        side: Side,
    },
    SecondAppearanceWithoutReason,
    NoWaitingArea {
        side: Side,
    },
    SidesWouldMeet {
        side: Side,
        place: &'static str,
    },
    AfterStatutoryClock {
        deadline: NaiveDate,
        section: &'static str,
    },
    BeforeEarliest,
    /// The start is ahead, but a side would be told to arrive at a time
    /// that has already passed.
    ArrivalPassed {
        side: Side,
    },
}

/// A constraint as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub rule: &'static str,
    pub section: &'static str,
    pub detail: String,
}

const CALENDAR: &str = "the court's calendar";
const LISTING: &str = "one judge, room and counsel per sitting";
pub const PERSON: &str = "one person in one place at a time";

impl Constraint {
    pub fn rule(&self) -> &'static str {
        match self {
            Constraint::NotWorkingDay { .. } => "working_day",
            Constraint::Holiday { .. } => "holiday",
            Constraint::OutsideCourtHours => "court_hours",
            Constraint::OutsideChildHours => "child_friendly_hours",
            Constraint::SittingTooLong { .. } => "max_child_sitting",
            Constraint::TooShort { .. } => "min_child_sitting",
            Constraint::NoJudge => "judge_available",
            Constraint::JudgeBusy { .. } => "judge_free",
            Constraint::NoRoom => "room_available",
            Constraint::RoomBusy { .. } => "room_free",
            Constraint::NoVideoLinkRoom => "video_link_room",
            Constraint::CounselBusy { .. } => "counsel_free",
            Constraint::PersonBusy { .. } => "person_free",
            Constraint::SecondAppearanceWithoutReason => "child_not_recalled",
            Constraint::NoWaitingArea { .. } => "waiting_area",
            Constraint::SidesWouldMeet { .. } => "never_meet",
            Constraint::AfterStatutoryClock { .. } => "statutory_clock",
            Constraint::BeforeEarliest | Constraint::ArrivalPassed { .. } => "not_in_the_past",
        }
    }

    /// The provision the court's rule profile cites for this rule (or the
    /// court's own calendar and listing).
    pub fn section(&self, rules: &ScheduleRules) -> &'static str {
        let s = &rules.sections;
        match self {
            Constraint::NotWorkingDay { .. }
            | Constraint::Holiday { .. }
            | Constraint::OutsideCourtHours
            | Constraint::BeforeEarliest
            | Constraint::ArrivalPassed { .. } => CALENDAR,
            Constraint::OutsideChildHours => s.child_hours,
            Constraint::SittingTooLong { .. } | Constraint::TooShort { .. } => s.sitting,
            Constraint::NoJudge
            | Constraint::JudgeBusy { .. }
            | Constraint::NoRoom
            | Constraint::RoomBusy { .. }
            | Constraint::CounselBusy { .. } => LISTING,
            Constraint::PersonBusy { .. } => PERSON,
            Constraint::NoVideoLinkRoom => s.video_link,
            Constraint::SecondAppearanceWithoutReason => s.recall,
            Constraint::NoWaitingArea { .. } | Constraint::SidesWouldMeet { .. } => s.separation,
            Constraint::AfterStatutoryClock { section, .. } => section,
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Constraint::NotWorkingDay { day } => format!("the court does not sit on {}", day.format("%A %-d %B %Y")),
            Constraint::Holiday { day, name } => format!("{} is a court holiday ({name})", day.format("%-d %B %Y")),
            Constraint::OutsideCourtHours => "the hearing would run outside the court's hours".into(),
            Constraint::OutsideChildHours => "a child testifies only within the child-friendly hours".into(),
            Constraint::SittingTooLong { minutes, max } => {
                format!("a child's sitting may last at most {max} minutes with its breaks; {minutes} were asked")
            }
            Constraint::TooShort { minutes, min } => {
                format!("{minutes} minutes leave the child no time in court once the accused is seated; ask for at least {min}")
            }
            Constraint::NoJudge => "no judge of this court may take the hearing".into(),
            Constraint::JudgeBusy { judge_id } => format!("judge {judge_id} sits in another hearing then"),
            Constraint::NoRoom => "the court has no court room to offer".into(),
            Constraint::RoomBusy { room_id } => format!("court room {room_id} is taken then"),
            Constraint::NoVideoLinkRoom => {
                "the child testifies by video link, and no free court room then has one".into()
            }
            Constraint::CounselBusy { counsel_id } => format!("counsel {counsel_id} appears in another hearing then"),
            Constraint::PersonBusy { person_id, side } => match side {
                Side::Child => format!(
                    "a person on the child's side (person {person_id}) is due at another hearing then, in this or another case"
                ),
                _ => format!("a party of the case (person {person_id}) is due at another hearing then, in this or another case"),
            },
            Constraint::SecondAppearanceWithoutReason => {
                "the child's evidence in this case is already recorded in full, or another hearing for it is listed; \
                 calling the child again needs a recorded reason"
                    .into()
            }
            Constraint::NoWaitingArea { side } => match side {
                Side::Child => "the building has no child-friendly waiting area".into(),
                _ => format!("the building has no waiting area the {side} side may use"),
            },
            Constraint::SidesWouldMeet { side, place } => {
                format!("the {side} side would share {place} with the other side at overlapping times")
            }
            Constraint::AfterStatutoryClock { deadline, .. } => {
                format!("the statutory clock runs out on {}", deadline.format("%-d %B %Y"))
            }
            Constraint::BeforeEarliest => "that time has passed".into(),
            Constraint::ArrivalPassed { side } => {
                format!("the {side} side would have to arrive before now; choose a later start")
            }
        }
    }

    pub fn refusal(&self, rules: &ScheduleRules) -> Refusal {
        Refusal { rule: self.rule(), section: self.section(rules), detail: self.detail() }
    }

    /// A clash with another booking (someone else holds the resource), as
    /// opposed to a rule the time itself breaks.
    pub fn is_clash(&self) -> bool {
        matches!(
            self,
            Constraint::JudgeBusy { .. }
                | Constraint::RoomBusy { .. }
                | Constraint::CounselBusy { .. }
                | Constraint::PersonBusy { .. }
                | Constraint::SidesWouldMeet { .. }
        )
    }
}

/// What a request breaks wherever it is put: its length and the child's
/// second appearance.
pub fn check_request(req: &HearingRequest, rules: &ScheduleRules) -> Result<(), Constraint> {
    if req.child_testifies {
        if req.minutes > rules.max_child_sitting_minutes {
            return Err(Constraint::SittingTooLong { minutes: req.minutes, max: rules.max_child_sitting_minutes });
        }
        let min = rules.min_child_in_court_minutes();
        if !req.video_link && req.minutes < min {
            return Err(Constraint::TooShort { minutes: req.minutes, min });
        }
        let reason_given = req.reappearance_reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        if req.child_testified_before && !reason_given {
            return Err(Constraint::SecondAppearanceWithoutReason);
        }
    }
    if req.judges.is_empty() {
        return Err(Constraint::NoJudge);
    }
    Ok(())
}

/// The court sits that day.
pub fn check_day(cal: &CourtCalendar, day: NaiveDate) -> Result<(), Constraint> {
    if !cal.is_working_day(day) {
        return Err(Constraint::NotWorkingDay { day });
    }
    if let Some(name) = cal.holiday(day) {
        return Err(Constraint::Holiday { day, name: name.to_string() });
    }
    Ok(())
}

pub fn minute_of(t: NaiveTime) -> i32 {
    use chrono::Timelike;
    (t.hour() * 60 + t.minute()) as i32
}

/// A sitting from `start` to `end` (local minutes after midnight) lies in
/// the court's hours and, for a child witness, the child-friendly hours.
pub fn check_hours(
    cal: &CourtCalendar,
    rules: &ScheduleRules,
    child_testifies: bool,
    start: i32,
    end: i32,
) -> Result<(), Constraint> {
    if start < minute_of(cal.opens) || end > minute_of(cal.closes) || end > 24 * 60 {
        return Err(Constraint::OutsideCourtHours);
    }
    if child_testifies && (start < minute_of(rules.child_hours_from) || end > minute_of(rules.child_hours_to)) {
        return Err(Constraint::OutsideChildHours);
    }
    Ok(())
}

/// A hearing held on `day` is after its statutory clock: allowed, but
/// flagged, and booked only with a reason when an earlier slot was free.
pub fn after_deadline(deadline: Option<NaiveDate>, day: NaiveDate) -> bool {
    deadline.is_some_and(|d| day > d)
}

/// The breaks in a child's sitting: no stretch of questioning longer than
/// `break_every_minutes`, each followed by a break of `break_minutes`. A
/// sitting that would end in a break simply ends early for the child.
pub fn plan_breaks(
    start: NaiveDateTime,
    end: NaiveDateTime,
    rules: &ScheduleRules,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let mut breaks = Vec::new();
    if rules.break_every_minutes <= 0 || rules.break_minutes <= 0 {
        return breaks;
    }
    let every = Duration::minutes(rules.break_every_minutes.into());
    let pause = Duration::minutes(rules.break_minutes.into());
    let mut cursor = start;
    while end - cursor > every {
        let b = cursor + every;
        breaks.push((b, (b + pause).min(end)));
        cursor = b + pause;
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testing::*;

    #[test]
    fn a_child_sitting_longer_than_the_maximum_is_refused() {
        let rules = ScheduleRules::default();
        let mut req = request(1, 1);
        req.child_testifies = true;
        req.minutes = rules.max_child_sitting_minutes + 15;
        assert!(matches!(check_request(&req, &rules), Err(Constraint::SittingTooLong { .. })));
        req.minutes = rules.max_child_sitting_minutes;
        assert_eq!(check_request(&req, &rules), Ok(()));
    }

    #[test]
    fn a_second_appearance_of_the_child_needs_a_recorded_reason() {
        let rules = ScheduleRules::default();
        let mut req = request(1, 1);
        req.child_testifies = true;
        req.child_testified_before = true;
        assert_eq!(check_request(&req, &rules), Err(Constraint::SecondAppearanceWithoutReason));
        req.reappearance_reason = Some("   ".into());
        assert_eq!(check_request(&req, &rules), Err(Constraint::SecondAppearanceWithoutReason));
        req.reappearance_reason = Some("fresh evidence under s.33(5), order of 3 Dec".into());
        assert_eq!(check_request(&req, &rules), Ok(()));
    }

    #[test]
    fn the_court_does_not_sit_on_weekends_or_holidays() {
        let mut cal = calendar();
        cal.holidays.insert(day(2026, 12, 25), "Quaid-e-Azam Day".into());
        assert_eq!(check_day(&cal, day(2026, 12, 1)), Ok(()));
        assert!(matches!(check_day(&cal, day(2026, 12, 5)), Err(Constraint::NotWorkingDay { .. })));
        assert!(matches!(check_day(&cal, day(2026, 12, 25)), Err(Constraint::Holiday { .. })));
    }

    #[test]
    fn hearings_stay_in_court_hours_and_children_in_child_friendly_hours() {
        let cal = calendar();
        let rules = ScheduleRules::default();
        assert_eq!(check_hours(&cal, &rules, false, 9 * 60, 10 * 60), Ok(()));
        assert_eq!(check_hours(&cal, &rules, false, 8 * 60, 9 * 60), Err(Constraint::OutsideCourtHours));
        assert_eq!(check_hours(&cal, &rules, false, 15 * 60, 17 * 60), Err(Constraint::OutsideCourtHours));
        assert_eq!(check_hours(&cal, &rules, true, 9 * 60, 10 * 60), Err(Constraint::OutsideChildHours));
        assert_eq!(check_hours(&cal, &rules, true, 10 * 60, 11 * 60), Ok(()));
        assert_eq!(check_hours(&cal, &rules, true, 14 * 60, 15 * 60), Err(Constraint::OutsideChildHours));
    }

    #[test]
    fn a_hearing_after_the_statutory_clock_is_flagged() {
        assert!(!after_deadline(Some(day(2026, 12, 10)), day(2026, 12, 10)));
        assert!(after_deadline(Some(day(2026, 12, 10)), day(2026, 12, 11)));
        assert!(!after_deadline(None, day(2030, 1, 1)));
    }

    #[test]
    fn a_two_hour_sitting_has_a_break_after_every_45_minutes() {
        let rules = ScheduleRules::default();
        let s = at(2026, 12, 1, 10, 0);
        let breaks = plan_breaks(s, s + Duration::minutes(120), &rules);
        assert_eq!(
            breaks,
            vec![(at(2026, 12, 1, 10, 45), at(2026, 12, 1, 11, 0)), (at(2026, 12, 1, 11, 45), at(2026, 12, 1, 12, 0))]
        );
        assert!(plan_breaks(s, s + Duration::minutes(45), &rules).is_empty());
    }

    #[test]
    fn every_constraint_names_a_rule_and_a_section() {
        let rules = ScheduleRules::default();
        let all = [
            Constraint::OutsideChildHours,
            Constraint::SecondAppearanceWithoutReason,
            Constraint::SidesWouldMeet { side: Side::Child, place: "an entrance" },
            Constraint::AfterStatutoryClock { deadline: day(2026, 1, 1), section: "s.35" },
        ];
        for c in all {
            assert!(!c.rule().is_empty() && !c.section(&rules).is_empty() && !c.detail().is_empty());
        }
        assert_eq!(Constraint::SecondAppearanceWithoutReason.section(&rules), "POCSO Act 2012 s.33(5)");
    }

    #[test]
    fn each_profile_cites_its_own_sections_for_the_same_refusal() {
        use crate::rules::profile;
        let cite = |id: &str, c: &Constraint| {
            let p = profile(id).unwrap_or_else(|e| panic!("{e}"));
            c.section(&ScheduleRules::from_profile(p))
        };
        let hours = Constraint::OutsideChildHours;
        assert_eq!(cite("pk", &hours), "Anti-Rape (Trial Procedure) Rules 2022");
        assert_eq!(cite("in", &hours), "POCSO Act 2012 s.33(4)");
        assert_eq!(cite("uk", &hours), "CrimPR 3.9(7)");
        let meet = Constraint::SidesWouldMeet { side: Side::Child, place: "an entrance" };
        assert_eq!(cite("pk", &meet), "Anti-Rape (Investigation and Trial) Act 2021");
        assert_eq!(cite("in", &meet), "POCSO Act 2012 s.36(1)");
        assert_eq!(cite("uk", &meet), "YJCEA 1999 s.23");
        // the court's own calendar is the same everywhere
        assert_eq!(cite("pk", &Constraint::OutsideCourtHours), cite("uk", &Constraint::OutsideCourtHours));
    }
}
