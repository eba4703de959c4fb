//! Planning many hearings at once: child-victim cases first and, among
//! them, the nearest statutory clock first; each hearing then takes its
//! earliest feasible slot. The same input always gives the same plan (ties
//! are broken by hearing id, and nothing depends on hash order).

use serde::Serialize;

use super::constraints::{check_deadline, Constraint};
use super::grid::Occupancy;
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
pub fn plan(requests: &[HearingRequest], ctx: &Context, occ: &mut Occupancy, window: Window) -> Plan {
    let mut out = Plan::default();
    for req in priority_order(requests) {
        let placement = slots::first_fit(req, ctx, occ, window);
        match placement.map(|p| slots::to_booking(req, &p, ctx).map(|b| (b, p))) {
            Ok(Some((booking, p))) => {
                slots::hold_booking(occ, ctx.calendar, ctx.rules, &booking);
                let late = check_deadline(req.deadline, p.day).is_err();
                out.placed.push(Placed { booking, late });
            }
            Ok(None) => out.unplaced.push(Unplaced { hearing_id: req.hearing_id, why: Constraint::OutsideCourtHours }),
            Err(why) => out.unplaced.push(Unplaced { hearing_id: req.hearing_id, why }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Side;
    use crate::domain::schedule::limits::ScheduleRules;
    use crate::domain::schedule::testing::*;
    use crate::domain::schedule::validator;

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
        occ.hold(crate::domain::schedule::grid::Track::Judge(10), 0, 0, 24 * 60);
        let mut req = request(1, 1);
        req.deadline = Some(day(2026, 12, 1));
        let p = plan(&[req], &ctx, &mut occ, window());
        assert_eq!(p.placed.len(), 1);
        assert!(p.placed[0].late);
    }
}
