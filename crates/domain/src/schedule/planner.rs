//! Planning many hearings at once: child-victim cases first and, among
//! them, the nearest statutory clock first (see `plan` for the two passes); each hearing then takes the
//! earliest day with a feasible slot, and on it the slot that leaves the
//! child-friendly hours to the children who need them. The same input always gives the same plan (ties
//! are broken by hearing id, and nothing depends on hash order).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::constraints::{after_deadline, Constraint};
use super::grid::Occupancy;
use super::improve;
use super::model::{Booking, HearingRequest};
use super::slots::{self, Context, Window};

#[derive(Debug, Clone, Serialize)]
pub struct Placed {
    pub booking: Booking,
    /// Placed after its statutory clock because no earlier slot was free.
    pub late: bool,
}

#[derive(Debug, Clone)]
pub struct Unplaced {
    pub hearing_id: i64,
    pub why: Constraint,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub placed: Vec<Placed>,
    pub unplaced: Vec<Unplaced>,
}

/// The order hearings are planned in.
pub fn priority_order(requests: &[HearingRequest]) -> Vec<&HearingRequest> {
    let mut order: Vec<&HearingRequest> = requests.iter().collect();
    order.sort_by_key(|r| (!r.child_victim, r.deadline.is_none(), r.deadline, !r.child_testifies, r.hearing_id));
    order
}

/// Plans the requests into the window around what `occ` already holds
/// (and adds what it books to `occ`).
///
/// Child-victim hearings are planned before all others. Within each of the
/// two groups, a first pass places every hearing that can still be heard
/// before its statutory clock, searching only up to the clock; a hearing
/// that cannot is set aside and placed, as early as possible, only after
/// the group's on-time hearings — so a hearing that will be late anyway
/// never takes the last on-time slot of one that need not be.
///
/// The child-victim group's order is then improved (`improve`): a child
/// hearing that missed its clock is moved ahead of one it competes with,
/// and the move kept when more child hearings are then in time.
pub fn plan(requests: &[HearingRequest], ctx: &Context, occ: &mut Occupancy, window: Window) -> Plan {
    let order = priority_order(requests);
    let (children, others): (Vec<&HearingRequest>, Vec<&HearingRequest>) =
        order.into_iter().partition(|r| r.child_victim);
    let evaluate = |group: &[&HearingRequest]| {
        let mut trial = Plan::default();
        plan_group(group, ctx, &mut occ.clone(), window, &mut trial);
        outcome(group, &trial, window.from_day)
    };
    // Which of two child hearings with the same clock goes first decides who
    // gets the scarce video-link room or the shared counsel's morning; the
    // child-victim group is planned under a few fixed tie-breaks and the
    // order with the most on-time hearings kept (the first on a tie, so the
    // result stays deterministic).
    let mut best: Option<(Vec<&HearingRequest>, improve::Outcome, Plan, Occupancy)> = None;
    for tie_break in TIE_BREAKS {
        let mut group = children.clone();
        group.sort_by_key(|a| tie_break(a));
        let mut trial_occ = occ.clone();
        let mut trial = Plan::default();
        plan_group(&group, ctx, &mut trial_occ, window, &mut trial);
        let got = outcome(&group, &trial, window.from_day);
        if best.as_ref().is_none_or(|(_, b, _, _)| got.score > b.score) {
            best = Some((group, got, trial, trial_occ));
        }
    }
    let mut out = Plan::default();
    if let Some((start, first, start_plan, start_occ)) = best {
        let ids = |g: &[&HearingRequest]| g.iter().map(|r| r.hearing_id).collect::<Vec<_>>();
        let (group, _) = improve::improve(start.clone(), first, evaluate, compete, search_budget(children.len()));
        if ids(&group) == ids(&start) {
            // nothing gained: the tie-break's plan stands, not made again
            out = start_plan;
            *occ = start_occ;
        } else {
            plan_group(&group, ctx, occ, window, &mut out);
        }
    }
    plan_group(&others, ctx, occ, window, &mut out);
    out
}

/// Placements the order search may spend: a re-plan of the group costs a
/// placement per hearing, so a large group gets few re-plans (and a group
/// whose every hearing is in time, none).
const SEARCH_PLACEMENTS: usize = 40_000;
const MAX_REPLANS: usize = 400;

/// How many plans the order search may make for a group of `n` hearings.
pub fn search_budget(n: usize) -> usize {
    (SEARCH_PLACEMENTS / n.max(1)).clamp(1, MAX_REPLANS)
}

/// The on-time count of a plan of `group`, and the positions in `group` of
/// the hearings that could have been heard in time (their clock had not
/// run out when the window opened) and were not.
pub fn outcome(group: &[&HearingRequest], plan: &Plan, from_day: NaiveDate) -> improve::Outcome {
    let on_time: BTreeSet<i64> = plan.placed.iter().filter(|p| !p.late).map(|p| p.booking.hearing_id).collect();
    let missed = group
        .iter()
        .enumerate()
        .filter(|(_, r)| r.deadline.is_some_and(|d| d >= from_day) && !on_time.contains(&r.hearing_id))
        .map(|(i, _)| i)
        .collect();
    improve::Outcome { score: on_time.len(), missed }
}

/// Whether two hearings want something only one can have at a time: a
/// judge, counsel, a person, or (both being a child's evidence) the
/// rooms' child-friendly hours.
pub fn compete(a: &HearingRequest, b: &HearingRequest) -> bool {
    let shares = |x: &[i64], y: &[i64]| x.iter().any(|v| y.contains(v));
    shares(&a.judges, &b.judges)
        || shares(&a.counsel, &b.counsel)
        || a.persons.iter().any(|(p, _)| b.persons.iter().any(|(q, _)| p == q))
        || (a.child_testifies && b.child_testifies)
}

type TieKey = (bool, Option<chrono::NaiveDate>, bool, i64, i64);

/// Orders within the priority: clock first always, then a tie-break.
const TIE_BREAKS: [fn(&HearingRequest) -> TieKey; 4] = [
    |r| (r.deadline.is_none(), r.deadline, !r.child_testifies, 0, r.hearing_id),
    |r| (r.deadline.is_none(), r.deadline, !r.child_testifies, i64::from(!r.video_link), r.hearing_id),
    |r| (r.deadline.is_none(), r.deadline, !r.child_testifies, i64::from(r.video_link), r.hearing_id),
    |r| (r.deadline.is_none(), r.deadline, !r.child_testifies, -i64::from(r.minutes), r.hearing_id),
];

/// Two passes over one group: on-time placements first, then the rest.
fn plan_group(group: &[&HearingRequest], ctx: &Context, occ: &mut Occupancy, window: Window, out: &mut Plan) {
    let mut late = Vec::new();
    for req in group {
        let on_time = match req.deadline {
            Some(d) if d >= window.from_day => {
                let until = Window { until_day: d.min(window.until_day), ..window };
                slots::best_on_earliest_day(req, ctx, occ, until).ok()
            }
            _ => None,
        };
        match on_time {
            Some(p) => place(req, p, ctx, occ, out),
            None => late.push(*req),
        }
    }
    for req in late {
        match slots::best_on_earliest_day(req, ctx, occ, window) {
            Ok(p) => place(req, p, ctx, occ, out),
            Err(why) => out.unplaced.push(Unplaced { hearing_id: req.hearing_id, why }),
        }
    }
}

fn place(req: &HearingRequest, p: slots::Placement, ctx: &Context, occ: &mut Occupancy, out: &mut Plan) {
    match slots::to_booking(req, &p, ctx) {
        Some(booking) => {
            slots::hold_booking(occ, ctx.calendar, ctx.rules, &booking);
            let late = after_deadline(req.deadline, p.day);
            out.placed.push(Placed { booking, late });
        }
        None => out.unplaced.push(Unplaced { hearing_id: req.hearing_id, why: Constraint::OutsideCourtHours }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Side;
    use crate::schedule::limits::ScheduleRules;
    use crate::schedule::testing::*;
    use crate::schedule::validator;
    use chrono::NaiveDate;

    fn window() -> Window {
        Window { from_day: day(2026, 12, 1), from_minute: 0, until_day: day(2026, 12, 4) }
    }

    fn many() -> Vec<HearingRequest> {
        (1..=40)
            .map(|i| {
                let mut r = request(i, i);
                r.judges = vec![10 + i % 3];
                r.child_victim = i % 3 == 0;
                if !r.child_victim {
                    r.sides = vec![Side::Accused, Side::Neutral];
                }
                r.child_testifies = i % 6 == 0;
                r.video_link = i % 12 == 0;
                r.minutes = 60 + 30 * (i as i32 % 3);
                r.deadline = Some(day(2026, 12, 1 + (i as u32 % 4)));
                r
            })
            .collect()
    }

    #[test]
    fn child_victim_hearings_with_the_nearest_clock_go_first() {
        let mut reqs = vec![request(1, 1), request(2, 2), request(3, 3)];
        reqs[0].child_victim = false;
        reqs[1].deadline = Some(day(2026, 12, 20));
        reqs[2].deadline = Some(day(2026, 12, 10));
        let order: Vec<i64> = priority_order(&reqs).iter().map(|r| r.hearing_id).collect();
        assert_eq!(order, vec![3, 2, 1]);
    }

    #[test]
    fn the_same_input_gives_the_same_plan() {
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let run = || {
            let mut occ = Occupancy::new(day(2026, 12, 1), 4);
            let p = plan(&many(), &ctx, &mut occ, window());
            (
                p.placed.iter().map(|x| x.booking.clone()).collect::<Vec<_>>(),
                p.unplaced.iter().map(|u| u.hearing_id).collect::<Vec<_>>(),
            )
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_plan_breaks_no_hard_constraint_and_names_why_a_hearing_was_left_out() {
        let (cal, b, rules) = (calendar(), one_gate_building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 4);
        let mut reqs = many();
        let mut recalled = request(99, 6); // case 6's child again, no reason
        recalled.child_testifies = true;
        recalled.child_testified_before = true;
        reqs.push(recalled);
        let p = plan(&reqs, &ctx, &mut occ, window());
        let why: Vec<_> = p.unplaced.iter().map(|u| (u.hearing_id, u.why.detail())).collect();
        assert!(p.placed.len() >= 30, "placed only {}: {why:?}", p.placed.len());
        let bookings: Vec<Booking> = p.placed.iter().map(|x| x.booking.clone()).collect();
        assert_eq!(validator::validate(&bookings, &cal, &b, &rules), vec![]);
        let why = p.unplaced.iter().find(|u| u.hearing_id == 99).map(|u| u.why.rule());
        assert_eq!(why, Some("child_not_recalled"));
    }

    #[test]
    fn a_hearing_that_cannot_meet_its_clock_is_placed_late_and_flagged() {
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 4);
        // the judge is away on the 1st, the clock runs out that day
        occ.hold(crate::schedule::grid::Track::Judge(10), 0, 0, 24 * 60);
        let mut req = request(1, 1);
        req.deadline = Some(day(2026, 12, 1));
        let p = plan(&[req], &ctx, &mut occ, window());
        assert_eq!(p.placed.len(), 1);
        assert!(p.placed[0].late);
    }

    #[test]
    fn a_hearing_that_will_be_late_anyway_does_not_take_an_on_time_slot() {
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 4);
        // judge 10 can hear one child's evidence per morning: 1 and 2 Dec
        for d in 0..2 {
            occ.hold(crate::schedule::grid::Track::Judge(10), d, 9 * 60 + 30, 11 * 60 + 30);
        }
        let evidence = |id: i64, deadline: NaiveDate| {
            let mut r = request(id, id);
            r.child_testifies = true;
            r.minutes = 120;
            r.deadline = Some(deadline);
            r
        };
        // hearing 1's clock ran out before the window; hearing 2's runs
        // out on 1 December: 2 gets the 1st, 1 comes after, late
        let reqs = vec![evidence(1, day(2026, 11, 30)), evidence(2, day(2026, 12, 1))];
        let p = plan(&reqs, &ctx, &mut occ, window());
        let by_id = |id: i64| p.placed.iter().find(|x| x.booking.hearing_id == id).map(|x| x.late);
        assert_eq!(by_id(2), Some(false));
        assert_eq!(by_id(1), Some(true));
    }

    #[test]
    fn one_child_of_two_cases_is_never_planned_into_both_at_once() {
        // Two cases with different judges, no counsel in common, and the
        // same child (person 77): the plan puts them at different times and
        // the validator agrees.
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        let mut first = request(1, 1);
        let mut second = request(2, 2);
        second.judges = vec![11];
        first.persons = vec![(77, Side::Child), (5, Side::Accused)];
        second.persons = vec![(77, Side::Child), (6, Side::Accused)];
        let window = Window { from_day: day(2026, 12, 1), from_minute: 0, until_day: day(2026, 12, 1) };
        let p = plan(&[first, second], &ctx, &mut occ, window);
        assert_eq!(p.placed.len(), 2, "{:?}", p.unplaced);
        let bookings: Vec<Booking> = p.placed.iter().map(|x| x.booking.clone()).collect();
        let (x, y) = (&bookings[0], &bookings[1]);
        let (xa, xd) = x.presence(Side::Child);
        let (ya, yd) = y.presence(Side::Child);
        assert!(xd <= ya || yd <= xa, "the child is due at both: {x:?} {y:?}");
        assert_eq!(validator::validate(&bookings, &cal, &b, &rules), vec![]);
    }

    #[test]
    fn the_search_budget_shrinks_with_the_group_and_never_reaches_zero() {
        assert_eq!(search_budget(0), MAX_REPLANS);
        assert_eq!(search_budget(50), MAX_REPLANS);
        assert_eq!(search_budget(1_000), 40);
        assert_eq!(search_budget(1_000_000), 1);
    }

    #[test]
    fn hearings_compete_for_a_judge_counsel_a_person_or_the_child_hours() {
        let (mut a, mut b) = (request(1, 1), request(2, 2));
        b.judges = vec![11];
        assert!(!compete(&a, &b));
        b.judges = vec![11, 10];
        assert!(compete(&a, &b));
        b.judges = vec![11];
        a.counsel = vec![500];
        b.counsel = vec![501, 500];
        assert!(compete(&a, &b));
        b.counsel = vec![];
        a.persons = vec![(77, Side::Child)];
        b.persons = vec![(77, Side::Child)];
        assert!(compete(&a, &b));
        b.persons = vec![];
        a.child_testifies = true;
        assert!(!compete(&a, &b));
        b.child_testifies = true;
        assert!(compete(&a, &b));
    }

    #[test]
    fn a_missed_hearing_is_one_with_clock_left_not_heard_in_time() {
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 2);
        // judge 10 is away all of both days: everything is late
        for d in 0..2 {
            occ.hold(crate::schedule::grid::Track::Judge(10), d, 0, 24 * 60);
        }
        let mut reqs = vec![request(1, 1), request(2, 2), request(3, 3)];
        reqs[0].deadline = Some(day(2026, 12, 2));
        reqs[1].deadline = Some(day(2026, 11, 30)); // ran out before the window
        let group: Vec<&HearingRequest> = reqs.iter().collect();
        let w = Window { from_day: day(2026, 12, 1), from_minute: 0, until_day: day(2026, 12, 2) };
        let mut p = Plan::default();
        plan_group(&group, &ctx, &mut occ, w, &mut p);
        // hearing 3 has no clock: unplaced, but it missed nothing
        assert_eq!(outcome(&group, &p, w.from_day), improve::Outcome { score: 0, missed: vec![0] });
    }

    #[test]
    fn the_order_search_saves_a_hearing_the_greedy_order_makes_late() {
        let (cal, b, rules) = (calendar(), building(), ScheduleRules::default());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        // judge 10 has one free hour of child hours (09:30-10:30 on 1
        // December); judge 11 is free all day
        let mut occ = Occupancy::new(day(2026, 12, 1), 2);
        occ.hold(crate::schedule::grid::Track::Judge(10), 0, 0, 9 * 60 + 30);
        occ.hold(crate::schedule::grid::Track::Judge(10), 0, 10 * 60 + 30, 24 * 60);
        occ.hold(crate::schedule::grid::Track::Judge(10), 1, 0, 24 * 60);
        let w = Window { from_day: day(2026, 12, 1), from_minute: 0, until_day: day(2026, 12, 2) };
        // hearing 1 may sit before either judge, hearing 2 only before
        // judge 10; both are due on 1 December. Every tie-break puts 1 first.
        let evidence = |id: i64, judges: Vec<i64>| {
            let mut r = request(id, id);
            r.child_testifies = true;
            r.video_link = true;
            r.judges = judges;
            r.deadline = Some(day(2026, 12, 1));
            r
        };
        let reqs = vec![evidence(1, vec![10, 11]), evidence(2, vec![10])];

        let greedy: Vec<&HearingRequest> = reqs.iter().collect();
        let mut first = Plan::default();
        plan_group(&greedy, &ctx, &mut occ.clone(), w, &mut first);
        assert_eq!(first.placed.iter().filter(|p| !p.late).count(), 1, "the greedy order alone saves both");

        let p = plan(&reqs, &ctx, &mut occ, w);
        assert_eq!(p.placed.len(), 2);
        assert!(p.placed.iter().all(|x| !x.late), "{:?}", p.placed);
        let judge_of = |id: i64| p.placed.iter().find(|x| x.booking.hearing_id == id).map(|x| x.booking.judge_id);
        assert_eq!((judge_of(1), judge_of(2)), (Some(11), Some(10)));
        let bookings: Vec<Booking> = p.placed.iter().map(|x| x.booking.clone()).collect();
        assert_eq!(validator::validate(&bookings, &cal, &b, &rules), vec![]);
    }
}
