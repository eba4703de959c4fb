//! An independent check of any set of bookings against every hard
//! constraint and every never-meet rule. It shares no code with the
//! planner's search (no tick masks, no slot walk): it reads the bookings'
//! own times, in exact minutes, and compares every pair that could clash.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::limits::ScheduleRules;
use super::model::{Booking, Building, CourtCalendar, SidePlan};
use crate::roles::Side;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: &'static str,
    pub section: &'static str,
    pub hearings: Vec<i64>,
    pub detail: String,
}

fn violation(rule: &'static str, section: &'static str, hearings: Vec<i64>, detail: String) -> Violation {
    Violation { rule, section, hearings, detail }
}

/// Checks each booking on its own, then every pair that shares a judge, a
/// room, counsel, a person (a child, a guardian, the accused: any party,
/// across cases), or a place in the building.
pub fn validate(
    bookings: &[Booking],
    cal: &CourtCalendar,
    building: &Building,
    rules: &ScheduleRules,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for b in bookings {
        check_one(b, cal, building, rules, &mut out);
    }
    check_exclusive(bookings, &mut out);
    check_persons(bookings, &mut out);
    check_recalls(bookings, rules, &mut out);
    check_never_meet(bookings, cal, rules, &mut out);
    out
}

fn check_one(b: &Booking, cal: &CourtCalendar, building: &Building, rules: &ScheduleRules, out: &mut Vec<Violation>) {
    let id = vec![b.hearing_id];
    let (s, e) = (cal.local(b.starts_at), cal.local(b.ends_at));
    let day = s.date();
    if e <= s || e.date() != day {
        out.push(violation(
            "court_hours",
            "the court's calendar",
            id.clone(),
            "a sitting must end after it starts, the same day".into(),
        ));
    }
    if !cal.working_days.contains(&chrono::Datelike::weekday(&day)) {
        out.push(violation("working_day", "the court's calendar", id.clone(), format!("{day} is not a working day")));
    }
    if cal.holidays.contains_key(&day) {
        out.push(violation("holiday", "the court's calendar", id.clone(), format!("{day} is a holiday")));
    }
    if s.time() < cal.opens || e.time() > cal.closes {
        out.push(violation("court_hours", "the court's calendar", id.clone(), "outside the court's hours".into()));
    }
    let room = building.room(b.room_id);
    if room.is_none() {
        out.push(violation(
            "room_available",
            "one judge, room and counsel per sitting",
            id.clone(),
            format!("room {} is not in the building", b.room_id),
        ));
    }
    if b.child_testifies {
        if s.time() < rules.child_hours_from || e.time() > rules.child_hours_to {
            out.push(violation(
                "child_friendly_hours",
                rules.sections.child_hours,
                id.clone(),
                "a child testifies outside child-friendly hours".into(),
            ));
        }
        let length = (b.ends_at - b.starts_at).num_minutes();
        if length > i64::from(rules.max_child_sitting_minutes) {
            out.push(violation(
                "max_child_sitting",
                rules.sections.sitting,
                id.clone(),
                format!("a child's sitting of {length} minutes"),
            ));
        }
        // no stretch of questioning longer than the break interval
        let mut cursor = b.starts_at;
        let mut stretches = Vec::new();
        for (from, to) in &b.breaks {
            if (*to - *from).num_minutes() < i64::from(rules.break_minutes) && *to < b.ends_at {
                out.push(violation(
                    "child_breaks",
                    rules.sections.breaks,
                    id.clone(),
                    "a break shorter than the rule's".into(),
                ));
            }
            stretches.push(*from - cursor);
            cursor = *to;
        }
        stretches.push(b.ends_at - cursor);
        if stretches.iter().any(|d| *d > Duration::minutes(rules.break_every_minutes.into()) || *d < Duration::zero()) {
            out.push(violation(
                "child_breaks",
                rules.sections.breaks,
                id.clone(),
                "the child would be questioned too long without a break".into(),
            ));
        }
        if b.video_link && !room.is_some_and(|r| r.video_link) {
            out.push(violation(
                "video_link_room",
                rules.sections.video_link,
                id.clone(),
                "the child testifies by video link from a room without one".into(),
            ));
        }
    }
    for p in &b.sides {
        let Some(area) = building.area(p.waiting_area_id) else {
            out.push(violation(
                "waiting_area",
                rules.sections.separation,
                id.clone(),
                format!("waiting area {} is not in the building", p.waiting_area_id),
            ));
            continue;
        };
        if area.entrance != p.entrance {
            out.push(violation(
                "waiting_area",
                rules.sections.separation,
                id.clone(),
                "a side is sent to a gate its waiting area does not use".into(),
            ));
        }
        match p.side {
            Side::Child if !area.child_friendly => out.push(violation(
                "waiting_area",
                rules.sections.separation,
                id.clone(),
                "the child side waits in an area that is not child-friendly".into(),
            )),
            Side::Accused if area.child_friendly => out.push(violation(
                "waiting_area",
                rules.sections.separation,
                id.clone(),
                "the accused side waits in a child-friendly area".into(),
            )),
            _ => {}
        }
        if p.arrives_at > b.starts_at || p.departs_at <= b.starts_at || p.departs_at < p.arrives_at {
            out.push(violation(
                "never_meet",
                rules.sections.separation,
                id.clone(),
                format!("the {} side's arrival and departure do not frame the sitting", p.side),
            ));
        }
    }
    if let (Some(c), Some(a)) = (b.side(Side::Child), b.side(Side::Accused)) {
        let gap = Duration::minutes(rules.stagger_gap_minutes.into());
        if (c.arrives_at - a.arrives_at).abs() < gap || (c.departs_at - a.departs_at).abs() < gap {
            out.push(violation(
                "stagger",
                rules.sections.separation,
                id.clone(),
                "the two sides arrive or leave less than the gap apart".into(),
            ));
        }
        if c.departs_at > a.departs_at {
            out.push(violation(
                "stagger",
                rules.sections.separation,
                id.clone(),
                "the accused is let go before the child has left".into(),
            ));
        }
        if let (Some(ci), Some(co), Some(ai), Some(ao)) =
            (c.enters_court_at, c.leaves_court_at, a.enters_court_at, a.leaves_court_at)
        {
            if ci <= ai || co >= ao {
                out.push(violation(
                    "stagger",
                    rules.sections.separation,
                    id,
                    "the child must enter after the accused is seated and leave before he rises".into(),
                ));
            }
        }
    }
}

/// A judge, a room and a counsel hold one sitting at a time.
fn check_exclusive(bookings: &[Booking], out: &mut Vec<Violation>) {
    let mut by: BTreeMap<(&'static str, i64), Vec<&Booking>> = BTreeMap::new();
    for b in bookings {
        by.entry(("judge_free", b.judge_id)).or_default().push(b);
        by.entry(("room_free", b.room_id)).or_default().push(b);
        for c in &b.counsel {
            by.entry(("counsel_free", *c)).or_default().push(b);
        }
    }
    for ((rule, who), mut list) in by {
        list.sort_by_key(|b| (b.starts_at, b.hearing_id));
        for (i, x) in list.iter().enumerate() {
            for y in &list[i + 1..] {
                if y.starts_at >= x.ends_at {
                    break;
                }
                out.push(violation(
                    rule,
                    "one judge, room and counsel per sitting",
                    vec![x.hearing_id, y.hearing_id],
                    format!("{} {who} is booked twice at once", rule.trim_end_matches("_free")),
                ));
            }
        }
    }
}

/// Only the one-person-one-place check, over bookings of several courts
/// (each court's own rules are `validate`'s, with that court's calendar).
pub fn person_clashes(bookings: &[Booking]) -> Vec<Violation> {
    let mut out = Vec::new();
    check_persons(bookings, &mut out);
    out
}

/// A person is at one hearing at a time: from the arrival to the departure
/// their side is given, across every case they are a party of.
fn check_persons(bookings: &[Booking], out: &mut Vec<Violation>) {
    let mut by: BTreeMap<i64, Vec<(NaiveDateTime, NaiveDateTime, &Booking)>> = BTreeMap::new();
    for b in bookings {
        for (person, side) in &b.persons {
            let (from, to) = b.presence(*side);
            by.entry(*person).or_default().push((from, to, b));
        }
    }
    for (person, mut list) in by {
        list.sort_by_key(|(from, _, b)| (*from, b.hearing_id));
        for (i, (_, x_to, x)) in list.iter().enumerate() {
            for (y_from, _, y) in &list[i + 1..] {
                if *y_from >= *x_to {
                    break;
                }
                // One case's hearings may follow each other with its people
                // staying on; the clash is one person due in two cases.
                if x.hearing_id == y.hearing_id || x.case_id == y.case_id {
                    continue;
                }
                out.push(violation(
                    "person_free",
                    super::constraints::PERSON,
                    vec![x.hearing_id, y.hearing_id],
                    format!(
                        "person {person} is due at hearing {} (case {}) and hearing {} (case {}) at once",
                        x.hearing_id, x.case_id, y.hearing_id, y.case_id
                    ),
                ));
            }
        }
    }
}

/// A child is called again only with a recorded reason.
fn check_recalls(bookings: &[Booking], rules: &ScheduleRules, out: &mut Vec<Violation>) {
    // The same child: the named witness where a sitting names one, else
    // the case's child.
    let mut by_child: BTreeMap<(bool, i64), Vec<&Booking>> = BTreeMap::new();
    for b in bookings.iter().filter(|b| b.child_testifies) {
        let key = match b.witness {
            Some(person) => (true, person),
            None => (false, b.case_id),
        };
        by_child.entry(key).or_default().push(b);
    }
    for (_, mut list) in by_child {
        list.sort_by_key(|b| (b.starts_at, b.hearing_id));
        for (i, b) in list.iter().enumerate() {
            let again = i > 0 || b.child_testified_before;
            let reason = b.reappearance_reason.as_deref().is_some_and(|r| !r.trim().is_empty());
            if again && !reason {
                out.push(violation(
                    "child_not_recalled",
                    rules.sections.recall,
                    vec![b.hearing_id],
                    "the child is called again without a recorded reason".into(),
                ));
            }
        }
    }
}

/// One place held by one side over an interval.
struct Use {
    hearing: i64,
    side: Side,
    from: NaiveDateTime,
    to: NaiveDateTime,
}

/// The child side and the accused side never hold one entrance, waiting
/// area or court-room door at overlapping times, across all hearings.
fn check_never_meet(bookings: &[Booking], cal: &CourtCalendar, rules: &ScheduleRules, out: &mut Vec<Violation>) {
    let gap = Duration::minutes(rules.stagger_gap_minutes.into());
    let door = Duration::minutes(rules.door_clearance_minutes.into());
    let mut places: BTreeMap<(String, chrono::NaiveDate), Vec<Use>> = BTreeMap::new();
    let mut add = |place: String, side_plan: &SidePlan, hearing: i64, from: NaiveDateTime, to: NaiveDateTime| {
        places.entry((place, cal.local(from).date())).or_default().push(Use {
            hearing,
            side: side_plan.side,
            from,
            to,
        });
    };
    for b in bookings {
        for p in b.sides.iter().filter(|p| p.side != Side::Neutral) {
            add(format!("waiting area {}", p.waiting_area_id), p, b.hearing_id, p.arrives_at, p.departs_at);
            add(format!("entrance `{}`", p.entrance), p, b.hearing_id, p.arrives_at, p.arrives_at + gap);
            add(format!("entrance `{}`", p.entrance), p, b.hearing_id, p.departs_at, p.departs_at + gap);
            for pass in [p.enters_court_at, p.leaves_court_at].into_iter().flatten() {
                add(format!("the door of court room {}", b.room_id), p, b.hearing_id, pass, pass + door);
            }
        }
    }
    for ((place, day), uses) in places {
        let children: Vec<&Use> = uses.iter().filter(|u| u.side == Side::Child).collect();
        let accused: Vec<&Use> = uses.iter().filter(|u| u.side == Side::Accused).collect();
        for c in &children {
            for a in &accused {
                if c.from < a.to && a.from < c.to {
                    out.push(violation(
                        "never_meet",
                        rules.sections.separation,
                        vec![c.hearing, a.hearing],
                        format!(
                            "the child side of hearing {} and the accused side of hearing {} share {place} on {day}",
                            c.hearing, a.hearing
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testing::*;

    fn rules() -> ScheduleRules {
        ScheduleRules::default()
    }

    fn side(side: Side, area: i64, gate: &str, arrive: (u32, u32), depart: (u32, u32)) -> SidePlan {
        SidePlan {
            side,
            waiting_area_id: area,
            entrance: gate.into(),
            arrives_at: at(2026, 12, 1, arrive.0, arrive.1),
            departs_at: at(2026, 12, 1, depart.0, depart.1),
            enters_court_at: None,
            leaves_court_at: None,
        }
    }

    /// A clean one-hour hearing 10:00–11:00 local (05:00–06:00 UTC), both
    /// sides planned through separate gates.
    fn booking(id: i64) -> Booking {
        Booking {
            hearing_id: id,
            case_id: id,
            judge_id: 10,
            room_id: 2,
            starts_at: at(2026, 12, 1, 5, 0),
            ends_at: at(2026, 12, 1, 6, 0),
            child_testifies: false,
            video_link: false,
            counsel: vec![],
            persons: vec![],
            child_testified_before: false,
            reappearance_reason: None,
            witness: None,
            deadline: None,
            sides: vec![
                side(Side::Accused, 4, "Lock-up Gate", (4, 0), (6, 25)),
                side(Side::Child, 1, "East Gate", (4, 30), (5, 55)),
            ],
            breaks: vec![],
        }
    }

    fn rules_hit(v: &[Violation]) -> Vec<&'static str> {
        let mut r: Vec<&'static str> = v.iter().map(|x| x.rule).collect();
        r.dedup();
        r
    }

    #[test]
    fn a_clean_booking_passes() {
        assert_eq!(validate(&[booking(1)], &calendar(), &building(), &rules()), vec![]);
    }

    #[test]
    fn a_double_booked_judge_room_or_counsel_is_caught() {
        let mut a = booking(1);
        let mut b = booking(2);
        a.counsel = vec![7];
        b.counsel = vec![7];
        b.sides.clear();
        let v = validate(&[a, b], &calendar(), &building(), &rules());
        let hit = rules_hit(&v);
        assert!(hit.contains(&"judge_free") && hit.contains(&"room_free") && hit.contains(&"counsel_free"), "{hit:?}");
    }

    #[test]
    fn one_child_in_two_cases_at_one_time_is_caught_and_named() {
        // Two cases, no counsel, judge or room in common; the same child
        // (person 77) is a party of both.
        let mut a = booking(1);
        let mut b = booking(2);
        b.case_id = 20;
        b.judge_id = 11;
        b.room_id = 1;
        b.sides.clear();
        a.persons = vec![(77, Side::Child), (5, Side::Accused)];
        b.persons = vec![(77, Side::Child), (6, Side::Accused)];
        let v = validate(&[a.clone(), b.clone()], &calendar(), &building(), &rules());
        let clash: Vec<&Violation> = v.iter().filter(|x| x.rule == "person_free").collect();
        assert_eq!(clash.len(), 1, "{v:?}");
        assert_eq!(clash[0].hearings, vec![1, 2]);
        assert!(clash[0].detail.contains("person 77"), "{}", clash[0].detail);
        // An hour later, after the child's side has left, there is no clash.
        b.starts_at = at(2026, 12, 1, 7, 0);
        b.ends_at = at(2026, 12, 1, 8, 0);
        let v = validate(&[a, b], &calendar(), &building(), &rules());
        assert!(!v.iter().any(|x| x.rule == "person_free"), "{v:?}");
    }

    #[test]
    fn a_sitting_on_a_holiday_weekend_or_after_hours_is_caught() {
        let mut cal = calendar();
        cal.holidays.insert(day(2026, 12, 1), "Test".into());
        assert_eq!(rules_hit(&validate(&[booking(1)], &cal, &building(), &rules())), vec!["holiday"]);
        let mut late = booking(1);
        late.starts_at = at(2026, 12, 1, 10, 30); // 15:30 local
        late.ends_at = at(2026, 12, 1, 11, 30);
        late.sides.clear();
        assert_eq!(rules_hit(&validate(&[late], &calendar(), &building(), &rules())), vec!["court_hours"]);
        let mut sunday = booking(1);
        sunday.starts_at = at(2026, 12, 6, 5, 0);
        sunday.ends_at = at(2026, 12, 6, 6, 0);
        sunday.sides.clear();
        assert_eq!(rules_hit(&validate(&[sunday], &calendar(), &building(), &rules())), vec!["working_day"]);
    }

    #[test]
    fn a_childs_sitting_is_checked_for_hours_length_breaks_and_video_link() {
        let mut b = booking(1);
        b.child_testifies = true;
        b.video_link = true; // room 2 has no video link
        b.starts_at = at(2026, 12, 1, 4, 0); // 09:00 local, before child hours
        b.ends_at = at(2026, 12, 1, 6, 30); // 150 minutes, no breaks
        b.sides.clear();
        let hit = rules_hit(&validate(&[b], &calendar(), &building(), &rules()));
        for rule in ["child_friendly_hours", "max_child_sitting", "child_breaks", "video_link_room"] {
            assert!(hit.contains(&rule), "{rule} missing from {hit:?}");
        }
    }

    #[test]
    fn a_second_appearance_without_a_reason_is_caught() {
        let mut first = booking(1);
        let mut second = booking(2);
        for b in [&mut first, &mut second] {
            b.child_testifies = true;
            b.sides.clear();
        }
        second.case_id = 1;
        second.judge_id = 11;
        second.room_id = 1;
        second.starts_at = at(2026, 12, 2, 5, 0);
        second.ends_at = at(2026, 12, 2, 5, 45);
        first.ends_at = at(2026, 12, 1, 5, 45);
        let v = validate(&[first.clone(), second.clone()], &calendar(), &building(), &rules());
        assert_eq!(rules_hit(&v), vec!["child_not_recalled"]);
        second.reappearance_reason = Some("court order of 2 Dec".into());
        assert_eq!(validate(&[first, second], &calendar(), &building(), &rules()), vec![]);
    }

    #[test]
    fn sides_in_the_wrong_kind_of_waiting_area_are_caught() {
        let mut b = booking(1);
        b.sides[0].waiting_area_id = 2; // the accused in a family room
        b.sides[0].entrance = "East Gate".into();
        b.sides[1].waiting_area_id = 3; // the child in the main hall
        b.sides[1].entrance = "Main Gate".into();
        let v = validate(&[b], &calendar(), &building(), &rules());
        assert_eq!(v.iter().filter(|x| x.rule == "waiting_area").count(), 2);
    }

    #[test]
    fn sides_of_one_hearing_arriving_together_are_caught() {
        let mut b = booking(1);
        b.sides[1].arrives_at = at(2026, 12, 1, 4, 10);
        assert_eq!(rules_hit(&validate(&[b], &calendar(), &building(), &rules())), vec!["stagger"]);
    }

    #[test]
    fn two_hearings_sides_sharing_a_gate_at_once_are_caught() {
        // hearing 2's accused (another case) comes through the East Gate
        // while hearing 1's child arrives there.
        let first = booking(1);
        let mut second = booking(2);
        second.judge_id = 11;
        second.room_id = 1;
        second.sides = vec![SidePlan {
            entrance: "East Gate".into(),
            waiting_area_id: 3,
            ..side(Side::Accused, 3, "", (4, 40), (6, 25))
        }];
        let mut b = building();
        b.areas[2].entrance = "East Gate".into(); // the main hall opens on the East Gate too
        let v = validate(&[first, second], &calendar(), &b, &rules());
        assert!(v.iter().any(|x| x.rule == "never_meet" && x.hearings == vec![1, 2]), "{v:?}");
    }

    #[test]
    fn two_hearings_sides_at_one_court_room_door_at_once_are_caught() {
        let first = booking(1);
        let mut second = booking(2);
        second.judge_id = 11;
        second.room_id = 2;
        second.starts_at = at(2026, 12, 1, 6, 0);
        second.ends_at = at(2026, 12, 1, 7, 0);
        // second hearing's child walks into room 2 as the first's accused leaves
        second.sides = vec![SidePlan {
            enters_court_at: Some(at(2026, 12, 1, 5, 56)),
            ..side(Side::Child, 1, "East Gate", (4, 59), (6, 55))
        }];
        let mut first = first;
        first.sides[0].enters_court_at = Some(at(2026, 12, 1, 5, 0));
        first.sides[0].leaves_court_at = Some(at(2026, 12, 1, 5, 55));
        first.sides[0].waiting_area_id = 4;
        let mut b = building();
        b.areas[0].child_friendly = true;
        let v = validate(&[first, second], &calendar(), &b, &rules());
        assert!(v.iter().any(|x| x.rule == "never_meet" && x.detail.contains("door")), "{v:?}");
    }

    #[test]
    fn two_hearings_sides_in_one_waiting_area_at_once_are_caught() {
        let first = booking(1);
        let mut second = booking(2);
        second.judge_id = 11;
        second.room_id = 1;
        // another case's accused put in the family room the child waits in
        second.sides = vec![side(Side::Accused, 1, "East Gate", (3, 0), (4, 0))];
        second.sides[0].departs_at = at(2026, 12, 1, 6, 25);
        let v = validate(&[first, second], &calendar(), &building(), &rules());
        assert!(v.iter().any(|x| x.rule == "never_meet" && x.detail.contains("waiting area 1")), "{v:?}");
    }
}
