//! Planning every child's single sitting in a set of linked cases (a
//! mass-victim trial: hundreds of children, dozens of accused): each child
//! heard once, within the child's clock where capacity allows, children of
//! one guardian on the same day one after another, the youngest earliest
//! when not all fit, in the building's video-link rooms and child hours,
//! every child-side group kept apart from every accused-side group.
//!
//! The search is the single-hearing one (`slots`), so every hard constraint
//! and the never-meet plan are the same as for any booking; what is new is
//! the order (families, clocks, ages) and keeping siblings together.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::constraints::Constraint;
use super::grid::{Occupancy, Track};
use super::limits::ScheduleRules;
use super::model::{Booking, Building, CourtCalendar, HearingRequest, SidePlan};
use super::slots::{self, Context, Placement, Window};
use crate::roles::Side;

/// A child to be heard once, with whom the sitting brings together.
#[derive(Debug, Clone, Serialize)]
pub struct ChildToHear {
    /// The child's person id (one person across every linked case).
    pub child: i64,
    /// The guardian's person id: children who share it are siblings, and
    /// the guardian brings them on one day.
    pub guardian: i64,
    pub born: NaiveDate,
    /// The case the evidence is recorded in; the profile decides whether
    /// it is read in the other linked cases.
    pub case_id: i64,
    /// The last day the child's evidence should be taken, and the section.
    pub deadline: Option<NaiveDate>,
    pub deadline_section: Option<&'static str>,
    pub minutes: i32,
    /// Judges who may hear the child: the judges of the court trying the case.
    pub judges: Vec<i64>,
    /// The accused of every linked case the child is a witness in: each
    /// attends, and none can be in two sittings at once. Named associates
    /// are not called: if they come, they come with the accused side, by
    /// its gate and to its waiting area, so they hold no one's time here.
    pub accused: Vec<i64>,
    /// Prosecutor and defence: the case's sittings never overlap.
    pub counsel: Vec<i64>,
    /// The video-link rooms the child may be heard in (the court's that
    /// tries the case, where its judge sits); empty: any of the building's.
    #[serde(default)]
    pub rooms: Vec<i64>,
}

/// What the planner has to work with.
#[derive(Debug, Clone)]
pub struct TestimonyInput {
    pub calendar: CourtCalendar,
    /// Every court of the building: rooms and waiting areas are shared.
    pub building: Building,
    pub rules: ScheduleRules,
    pub children: Vec<ChildToHear>,
    /// Weekdays on which the video-link rooms sit.
    pub video_days: Vec<Weekday>,
    /// What the building already has booked.
    pub existing: Vec<Booking>,
    pub from_day: NaiveDate,
    pub until_day: NaiveDate,
}

/// One child's planned sitting.
#[derive(Debug, Clone, Serialize)]
pub struct Sitting {
    pub child: i64,
    pub guardian: i64,
    pub case_id: i64,
    pub booking: Booking,
    /// Days after the child's clock (0 when in time).
    pub days_late: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotPlaced {
    pub child: i64,
    /// The rule that left no slot, and its detail.
    pub rule: &'static str,
    pub detail: String,
}

impl NotPlaced {
    fn new(child: i64, why: &Constraint) -> NotPlaced {
        NotPlaced { child, rule: why.rule(), detail: why.detail() }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TestimonyPlan {
    pub sittings: Vec<Sitting>,
    pub not_placed: Vec<NotPlaced>,
}

impl TestimonyPlan {
    /// Children heard within their clock.
    pub fn in_time(&self) -> usize {
        self.sittings.iter().filter(|s| s.days_late == 0).count()
    }

    /// The children who would be late, and by how many days, most late first.
    pub fn late(&self) -> Vec<(i64, i64)> {
        let mut v: Vec<(i64, i64)> =
            self.sittings.iter().filter(|s| s.days_late > 0).map(|s| (s.child, s.days_late)).collect();
        v.sort_by_key(|(child, days)| (-days, *child));
        v
    }

    pub fn bookings(&self) -> Vec<Booking> {
        self.sittings.iter().map(|s| s.booking.clone()).collect()
    }
}

/// Where and when a named associate of the accused comes to one sitting:
/// with the accused side, by its gate, to its waiting area, at its times.
#[derive(Debug, Clone, Serialize)]
pub struct AssociateArrival {
    pub associate: i64,
    pub child: i64,
    pub plan: SidePlan,
}

/// Every associate's arrival at every sitting of the linked cases: the
/// accused side's plan, which the never-meet plan keeps apart from every
/// child-side group of the building. An associate is never called, so
/// holds no one's time; if one comes, this is where and when.
pub fn associate_arrivals(plan: &TestimonyPlan, associates: &[i64]) -> Vec<AssociateArrival> {
    let mut out = Vec::with_capacity(plan.sittings.len() * associates.len());
    for s in &plan.sittings {
        if let Some(accused) = s.booking.side(Side::Accused) {
            for a in associates {
                out.push(AssociateArrival { associate: *a, child: s.child, plan: accused.clone() });
            }
        }
    }
    out
}

/// The hearing one child's sitting asks for. Sittings of one case follow
/// each other with its accused staying on; they never overlap, because the
/// case's counsel attend each.
fn request(c: &ChildToHear, video_rooms: &[i64]) -> HearingRequest {
    // The slot search keeps a child on a video link to video-link rooms,
    // so a child kept to rooms none of which has one is not placed.
    let rooms = if c.rooms.is_empty() { video_rooms.to_vec() } else { c.rooms.clone() };
    let mut persons = vec![(c.child, Side::Child), (c.guardian, Side::Child)];
    persons.extend(c.accused.iter().map(|a| (*a, Side::Accused)));
    HearingRequest {
        hearing_id: c.child,
        case_id: c.case_id,
        minutes: c.minutes,
        child_testifies: true,
        video_link: true,
        sides: vec![Side::Child, Side::Accused, Side::Neutral],
        judges: c.judges.clone(),
        rooms,
        counsel: c.counsel.clone(),
        persons,
        child_victim: true,
        deadline: c.deadline,
        deadline_section: c.deadline_section,
        child_testified_before: false,
        reappearance_reason: None,
    }
}

/// Younger first: the later birth date sorts first.
fn youngest_first(c: &ChildToHear) -> (std::cmp::Reverse<NaiveDate>, i64) {
    (std::cmp::Reverse(c.born), c.child)
}

/// The children grouped by guardian (in guardian order), each family
/// youngest first.
fn by_family<'a>(children: impl Iterator<Item = &'a ChildToHear>) -> Vec<Vec<&'a ChildToHear>> {
    let mut by_guardian: BTreeMap<i64, Vec<&ChildToHear>> = BTreeMap::new();
    for c in children {
        by_guardian.entry(c.guardian).or_default().push(c);
    }
    let mut families: Vec<Vec<&ChildToHear>> = by_guardian.into_values().collect();
    for f in &mut families {
        f.sort_by_key(|c| youngest_first(c));
    }
    families
}

/// Plans every child's sitting. The same input always gives the same plan.
///
/// Families are taken nearest clock first, then the family with the
/// youngest child. A first pass places each family on one day before its
/// clock, siblings one after another, youngest first; a family that cannot
/// all come in time on one day waits for the second pass, which places the
/// late families, youngest first, as early as the building allows — so a
/// child who will be late anyway never takes the in-time sitting of one
/// who need not be. Only a family too large for any one day is split.
pub fn plan(input: &TestimonyInput) -> TestimonyPlan {
    let days = (input.until_day - input.from_day).num_days().max(0) as usize + 1;
    let mut occ = Occupancy::new(input.from_day, days);
    let ctx = Context { calendar: &input.calendar, building: &input.building, rules: &input.rules };
    for b in &input.existing {
        slots::hold_booking(&mut occ, &input.calendar, &input.rules, b);
    }
    let video_rooms: Vec<i64> = input.building.rooms.iter().filter(|r| r.video_link).map(|r| r.id).collect();
    close_video_rooms_off_their_days(&mut occ, input, &video_rooms);
    let window = Window { from_day: input.from_day, from_minute: 0, until_day: input.until_day };

    let mut families = by_family(input.children.iter());
    families.sort_by_key(|f| {
        let clock = f.iter().filter_map(|c| c.deadline).min();
        (clock.is_none(), clock, f.first().map(|c| youngest_first(c)))
    });

    let mut out = TestimonyPlan::default();
    let mut late: Vec<&ChildToHear> = Vec::new();
    for family in &families {
        let clock = family.iter().filter_map(|c| c.deadline).min();
        let until = match clock {
            Some(d) if d >= window.from_day => Window { until_day: d.min(window.until_day), ..window },
            _ => {
                late.extend(family.iter().copied());
                continue;
            }
        };
        match family_on_one_day(family, &ctx, &occ, until, &video_rooms) {
            Some(placed) => {
                for (c, p) in placed {
                    commit(c, &p, &ctx, &mut occ, &video_rooms, &mut out);
                }
            }
            // Siblings come together even if that makes them late: the
            // guardian brings them once.
            None => late.extend(family.iter().copied()),
        }
    }

    // Late children: siblings still together where the building allows.
    let mut late_families = by_family(late.into_iter());
    late_families.sort_by_key(|f| f.first().map(|c| youngest_first(c)));
    for family in &late_families {
        if let Some(placed) = family_on_one_day(family, &ctx, &occ, window, &video_rooms) {
            for (c, p) in placed {
                commit(c, &p, &ctx, &mut occ, &video_rooms, &mut out);
            }
            continue;
        }
        for c in family {
            match slots::best_on_earliest_day(&request(c, &video_rooms), &ctx, &occ, window) {
                Ok(p) => commit(c, &p, &ctx, &mut occ, &video_rooms, &mut out),
                Err(why) => out.not_placed.push(NotPlaced::new(c.child, &why)),
            }
        }
    }
    out.sittings.sort_by_key(|s| (s.booking.starts_at, s.child));
    out
}

/// The video-link rooms are held all day on the weekdays they do not sit.
fn close_video_rooms_off_their_days(occ: &mut Occupancy, input: &TestimonyInput, rooms: &[i64]) {
    let mut day = input.from_day;
    while day <= input.until_day {
        if !input.video_days.contains(&day.weekday()) {
            if let Some(i) = occ.day_index(day) {
                for r in rooms {
                    occ.hold(Track::Room(*r), i, 0, 24 * 60);
                }
            }
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
}

/// The earliest day in `window` on which every child of the family can be
/// heard one after another (each starting after the one before has
/// finished), or None. Nothing is held: the caller commits.
fn family_on_one_day<'a>(
    family: &[&'a ChildToHear],
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
    video_rooms: &[i64],
) -> Option<Vec<(&'a ChildToHear, Placement)>> {
    let first = family.first()?;
    let mut from = window;
    while from.from_day <= window.until_day {
        let p = slots::best_on_earliest_day(&request(first, video_rooms), ctx, occ, from).ok()?;
        let day = p.day;
        if family.len() == 1 {
            return Some(vec![(first, p)]);
        }
        let mut trial = occ.clone();
        let mut placed = Vec::with_capacity(family.len());
        let mut last_end = p.end;
        hold(first, &p, ctx, &mut trial, video_rooms);
        placed.push((*first, p));
        let mut all = true;
        for c in &family[1..] {
            let same_day = Window { from_day: day, from_minute: last_end, until_day: day };
            match slots::first_fit(&request(c, video_rooms), ctx, &trial, same_day) {
                Ok(q) => {
                    last_end = q.end;
                    hold(c, &q, ctx, &mut trial, video_rooms);
                    placed.push((*c, q));
                }
                Err(_) => {
                    all = false;
                    break;
                }
            }
        }
        if all {
            return Some(placed);
        }
        from = Window { from_day: day.succ_opt()?, from_minute: 0, ..window };
    }
    None
}

fn hold(c: &ChildToHear, p: &Placement, ctx: &Context, occ: &mut Occupancy, video_rooms: &[i64]) {
    if let Some(b) = slots::to_booking(&request(c, video_rooms), p, ctx) {
        slots::hold_booking(occ, ctx.calendar, ctx.rules, &b);
    }
}

fn commit(
    c: &ChildToHear,
    p: &Placement,
    ctx: &Context,
    occ: &mut Occupancy,
    video_rooms: &[i64],
    out: &mut TestimonyPlan,
) {
    let req = request(c, video_rooms);
    match slots::to_booking(&req, p, ctx) {
        Some(mut booking) => {
            slots::hold_booking(occ, ctx.calendar, ctx.rules, &booking);
            booking.case_id = c.case_id;
            booking.witness = Some(c.child);
            let days_late = c.deadline.map_or(0, |d| (p.day - d).num_days().max(0));
            out.sittings.push(Sitting { child: c.child, guardian: c.guardian, case_id: c.case_id, booking, days_late });
        }
        None => out.not_placed.push(NotPlaced::new(c.child, &Constraint::OutsideCourtHours)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::instances::{linked_cases, LinkedShape};
    use crate::schedule::validator;

    fn small() -> TestimonyInput {
        linked_cases(&LinkedShape {
            children: 24,
            cases: 4,
            accused: 6,
            courts: 1,
            video_rooms: 2,
            ..LinkedShape::kasur()
        })
    }

    #[test]
    fn each_child_is_placed_once_and_the_plan_breaks_no_rule() {
        let input = small();
        let plan = plan(&input);
        assert_eq!(plan.not_placed.len(), 0, "{:?}", plan.not_placed);
        let mut children: Vec<i64> = plan.sittings.iter().map(|s| s.child).collect();
        children.sort();
        children.dedup();
        assert_eq!(children.len(), input.children.len());
        assert_eq!(plan.sittings.len(), input.children.len());
        assert_eq!(validator::validate(&plan.bookings(), &input.calendar, &input.building, &input.rules), vec![]);
    }

    #[test]
    fn siblings_come_on_one_day_one_after_another_youngest_first() {
        let input = small();
        let plan = plan(&input);
        let born: BTreeMap<i64, NaiveDate> = input.children.iter().map(|c| (c.child, c.born)).collect();
        let mut by_family: BTreeMap<i64, Vec<&Sitting>> = BTreeMap::new();
        for s in &plan.sittings {
            by_family.entry(s.guardian).or_default().push(s);
        }
        let families_of_two = by_family.values().filter(|f| f.len() > 1).count();
        assert!(families_of_two >= 2, "the fixture has siblings");
        for f in by_family.values().filter(|f| f.len() > 1) {
            let day = input.calendar.local(f[0].booking.starts_at).date();
            for pair in f.windows(2) {
                assert_eq!(input.calendar.local(pair[1].booking.starts_at).date(), day, "siblings on one day");
                assert!(pair[1].booking.starts_at >= pair[0].booking.ends_at, "one after another");
                assert!(born[&pair[0].child] >= born[&pair[1].child], "the youngest first");
            }
        }
    }

    #[test]
    fn when_not_all_fit_the_youngest_are_heard_in_time() {
        // One case, one court, one video room: most children will be late,
        // and any sitting would do for any child. Those in time are the
        // youngest of their clock.
        let mut input = linked_cases(&LinkedShape {
            children: 30,
            cases: 1,
            accused: 3,
            courts: 1,
            video_rooms: 1,
            siblings_every: 0,
            ..LinkedShape::kasur()
        });
        let clock = input.from_day + chrono::Duration::days(6);
        for c in &mut input.children {
            c.deadline = Some(clock);
        }
        let plan = plan(&input);
        assert!(plan.in_time() > 0 && plan.in_time() < input.children.len(), "in time: {}", plan.in_time());
        let born: BTreeMap<i64, NaiveDate> = input.children.iter().map(|c| (c.child, c.born)).collect();
        let youngest_late =
            plan.sittings.iter().filter(|s| s.days_late > 0).map(|s| born[&s.child]).max().unwrap_or(NaiveDate::MIN);
        let oldest_in_time =
            plan.sittings.iter().filter(|s| s.days_late == 0).map(|s| born[&s.child]).min().unwrap_or(NaiveDate::MAX);
        assert!(oldest_in_time >= youngest_late, "an older child was heard in time before a younger one");
        let late = plan.late();
        assert_eq!(late.len(), input.children.len() - plan.in_time());
        assert!(late.windows(2).all(|w| w[0].1 >= w[1].1), "most late first");
    }

    #[test]
    fn no_person_is_due_at_two_sittings_at_once() {
        let input = small();
        let plan = plan(&input);
        let mut by_person: BTreeMap<i64, Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)>> = BTreeMap::new();
        for s in &plan.sittings {
            for (p, _) in &s.booking.persons {
                by_person.entry(*p).or_default().push((s.booking.starts_at, s.booking.ends_at));
            }
        }
        for (p, mut spans) in by_person {
            spans.sort();
            assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "person {p} in two sittings at once: {spans:?}");
        }
    }

    #[test]
    fn the_video_rooms_sit_only_on_their_days() {
        let mut input = small();
        input.video_days = vec![Weekday::Tue, Weekday::Thu];
        let plan = plan(&input);
        assert!(!plan.sittings.is_empty());
        for s in &plan.sittings {
            let wd = input.calendar.local(s.booking.starts_at).date().weekday();
            assert!(matches!(wd, Weekday::Tue | Weekday::Thu), "a sitting on {wd}");
        }
    }

    #[test]
    fn the_same_input_gives_the_same_plan() {
        let input = small();
        let a: Vec<Booking> = plan(&input).bookings();
        let b: Vec<Booking> = plan(&input).bookings();
        assert_eq!(a, b);
    }

    #[test]
    fn a_child_kept_to_its_courts_rooms_is_heard_only_there() {
        let mut input = small();
        for c in &mut input.children {
            c.rooms = vec![2];
        }
        let p = plan(&input);
        assert_eq!(p.sittings.len(), input.children.len(), "{:?}", p.not_placed);
        assert!(p.sittings.iter().all(|s| s.booking.room_id == 2));
        // a court with no video-link room of its own: its children are
        // not placed in another court's
        for c in &mut input.children {
            c.rooms = vec![7];
        }
        let p = plan(&input);
        assert!(p.sittings.is_empty());
        assert!(p.not_placed.iter().all(|n| n.rule == Constraint::NoVideoLinkRoom.rule()), "{:?}", p.not_placed);
    }
}
