//! The never-meet plan (POCSO s.36(1)): for each side of a hearing a
//! waiting area, an entrance, an arrival and a departure time, staggered so
//! that the child side and the accused side never hold an entrance, a
//! waiting area or the court-room door at overlapping times — neither in
//! one hearing nor across the day's hearings (another case's accused counts
//! as much as this case's).
//!
//! The timeline of a hearing from S to E, with gap G and door clearance D:
//!
//! ```text
//! accused  arrives S-2G ─ waits ─ enters court S ............ leaves court E-D ─ waits ─ departs E-D+G
//! child    arrives S-G ── waits ─ enters court S+D ─ leaves court E-2D ─ departs E-D
//! neutral  arrives S-G ── waits ─ enters court S ............ leaves court E-D, departs E
//! ```
//!
//! The accused is seated before the child comes in and stays until the
//! child is gone; the child arrives a gap after the accused and is out of
//! the building a gap before he is let go. A child on a video link never
//! passes the court-room door. A group passing an entrance holds it for G;
//! passing the court-room door holds the door for D; a waiting area is held
//! from arrival to departure.

use serde::Serialize;

use super::constraints::Constraint;
use super::grid::{DayMask, Occupancy, Track};
use super::limits::ScheduleRules;
use super::model::{AreaInfo, Building};
use crate::roles::Side;

/// One side's times, in local minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SideTimes {
    pub arrival: i32,
    pub departure: i32,
    pub door_in: Option<i32>,
    pub door_out: Option<i32>,
}

/// The side's timeline for a sitting from `start` to `end`.
pub fn side_times(side: Side, start: i32, end: i32, enters_court: bool, rules: &ScheduleRules) -> SideTimes {
    let g = rules.stagger_gap_minutes;
    let d = rules.door_clearance_minutes;
    match side {
        Side::Accused => {
            SideTimes { arrival: start - 2 * g, departure: end - d + g, door_in: Some(start), door_out: Some(end - d) }
        }
        Side::Child => SideTimes {
            arrival: start - g,
            departure: end - d,
            door_in: enters_court.then_some(start + d),
            door_out: enters_court.then_some(end - 2 * d),
        },
        Side::Neutral => {
            SideTimes { arrival: start - g, departure: end, door_in: Some(start), door_out: Some(end - d) }
        }
    }
}

/// The side a side must never meet.
pub fn opposite(side: Side) -> Option<Side> {
    match side {
        Side::Child => Some(Side::Accused),
        Side::Accused => Some(Side::Child),
        Side::Neutral => None,
    }
}

/// One side's booked place and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideChoice {
    pub side: Side,
    pub area_id: i64,
    pub entrance: String,
    pub times: SideTimes,
}

/// Every resource a side's plan holds, with its minutes.
pub fn holds(choice: &SideChoice, room_id: i64, rules: &ScheduleRules) -> Vec<(Track, i32, i32)> {
    let g = rules.stagger_gap_minutes;
    let d = rules.door_clearance_minutes;
    let t = &choice.times;
    let mut out = vec![
        (Track::Area(choice.area_id, choice.side), t.arrival, t.departure),
        (Track::Entrance(choice.entrance.clone(), choice.side), t.arrival, t.arrival + g),
        (Track::Entrance(choice.entrance.clone(), choice.side), t.departure, t.departure + g),
    ];
    for pass in [t.door_in, t.door_out].into_iter().flatten() {
        out.push((Track::Door(room_id, choice.side), pass, pass + d));
    }
    out
}

/// The areas a side may wait in, in the order they are offered: the child
/// side only in a child-friendly area; the accused side never in one; a
/// neutral party anywhere, the general areas first.
fn areas_for(building: &Building, side: Side) -> Vec<&AreaInfo> {
    match side {
        Side::Child => building.areas.iter().filter(|a| a.child_friendly).collect(),
        Side::Accused => building.areas.iter().filter(|a| !a.child_friendly).collect(),
        Side::Neutral => {
            let mut v: Vec<&AreaInfo> = building.areas.iter().filter(|a| !a.child_friendly).collect();
            v.extend(building.areas.iter().filter(|a| a.child_friendly));
            v
        }
    }
}

/// A booking held by `held`/`pending` on the opposite side's track?
fn clash(occ: &Occupancy, pending: &[(Track, i32, i32)], track: Track, day: usize, from: i32, to: i32) -> bool {
    if occ.is_busy(&track, day, from, to) {
        return true;
    }
    let span = DayMask::span(from, to);
    pending.iter().any(|(t, a, b)| *t == track && DayMask::span(*a, *b).overlaps(&span))
}

/// Chooses each side's waiting area (and so its entrance) for a sitting in
/// `room_id` on day `day` from `start` to `end`, against what the day's
/// other hearings already hold.
#[allow(clippy::too_many_arguments)]
pub fn plan_sides(
    building: &Building,
    occ: &Occupancy,
    day: usize,
    room_id: i64,
    sides: &[Side],
    start: i32,
    end: i32,
    child_in_court: bool,
    rules: &ScheduleRules,
) -> Result<Vec<SideChoice>, Constraint> {
    let g = rules.stagger_gap_minutes;
    let d = rules.door_clearance_minutes;
    let mut ordered: Vec<Side> = sides.to_vec();
    ordered.sort();
    ordered.dedup();
    let mut pending: Vec<(Track, i32, i32)> = Vec::new();
    let mut chosen = Vec::new();
    for side in ordered {
        let times = side_times(side, start, end, side != Side::Child || child_in_court, rules);
        let candidates = areas_for(building, side);
        if candidates.is_empty() {
            return Err(Constraint::NoWaitingArea { side });
        }
        let other = opposite(side);
        if let Some(o) = other {
            for pass in [times.door_in, times.door_out].into_iter().flatten() {
                if clash(occ, &pending, Track::Door(room_id, o), day, pass, pass + d) {
                    return Err(Constraint::SidesWouldMeet { side, place: "the court-room door" });
                }
            }
        }
        let mut failure = "a waiting area";
        let pick = candidates.into_iter().find(|area| {
            let Some(o) = other else { return true };
            if clash(occ, &pending, Track::Area(area.id, o), day, times.arrival, times.departure) {
                failure = "a waiting area";
                return false;
            }
            let gate = Track::Entrance(area.entrance.clone(), o);
            if clash(occ, &pending, gate.clone(), day, times.arrival, times.arrival + g)
                || clash(occ, &pending, gate, day, times.departure, times.departure + g)
            {
                failure = "an entrance";
                return false;
            }
            true
        });
        let area = pick.ok_or(Constraint::SidesWouldMeet { side, place: failure })?;
        let choice = SideChoice { side, area_id: area.id, entrance: area.entrance.clone(), times };
        pending.extend(holds(&choice, room_id, rules));
        chosen.push(choice);
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testing::*;

    const TEN: i32 = 10 * 60;
    const ELEVEN: i32 = 11 * 60;

    fn both() -> Vec<Side> {
        vec![Side::Child, Side::Accused, Side::Neutral]
    }

    #[test]
    fn the_accused_arrives_first_and_leaves_last_a_gap_apart_from_the_child() {
        let rules = ScheduleRules::default();
        let g = rules.stagger_gap_minutes;
        let c = side_times(Side::Child, TEN, ELEVEN, true, &rules);
        let a = side_times(Side::Accused, TEN, ELEVEN, true, &rules);
        assert!(c.arrival - a.arrival >= g);
        assert!(a.departure - c.departure >= g);
        assert!(c.door_in > a.door_in && c.door_out < a.door_out);
    }

    #[test]
    fn the_child_side_waits_in_a_child_friendly_area_and_the_accused_never_does() {
        let rules = ScheduleRules::default();
        let occ = Occupancy::new(day(2026, 12, 1), 1);
        let plan = plan_sides(&building(), &occ, 0, 1, &both(), TEN, ELEVEN, true, &rules).unwrap_or_default();
        let b = building();
        let area = |s: Side| plan.iter().find(|c| c.side == s).and_then(|c| b.area(c.area_id)).cloned();
        assert_eq!(area(Side::Child).map(|a| a.child_friendly), Some(true));
        assert_eq!(area(Side::Accused).map(|a| a.child_friendly), Some(false));
    }

    #[test]
    fn without_a_child_friendly_area_the_child_side_cannot_be_planned() {
        let rules = ScheduleRules::default();
        let mut b = building();
        b.areas.retain(|a| !a.child_friendly);
        let occ = Occupancy::new(day(2026, 12, 1), 1);
        assert_eq!(
            plan_sides(&b, &occ, 0, 1, &both(), TEN, ELEVEN, true, &rules),
            Err(Constraint::NoWaitingArea { side: Side::Child })
        );
    }

    /// Holds everything a hearing's sides hold, as the planner does.
    fn hold_all(occ: &mut Occupancy, room: i64, plan: &[SideChoice], rules: &ScheduleRules) {
        for c in plan {
            if c.side != Side::Neutral {
                for (t, a, b) in holds(c, room, rules) {
                    occ.hold(t, 0, a, b);
                }
            }
        }
    }

    #[test]
    fn another_hearings_accused_at_the_shared_gate_keeps_the_child_out_then() {
        // One gate for everyone: another case's accused leaves through it
        // when this child would arrive.
        let rules = ScheduleRules::default();
        let b = one_gate_building();
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        let first = plan_sides(&b, &occ, 0, 1, &[Side::Accused], 9 * 60, TEN, true, &rules).unwrap_or_default();
        hold_all(&mut occ, 1, &first, &rules);
        // the accused departs 10:25 and holds the gate until 10:55; a child
        // arriving 10:00 for a 10:30 sitting would still be at the gate.
        assert_eq!(
            plan_sides(&b, &occ, 0, 2, &[Side::Child], TEN + 30, ELEVEN + 30, true, &rules),
            Err(Constraint::SidesWouldMeet { side: Side::Child, place: "an entrance" })
        );
        // a child arriving at 11:00 for 11:30 finds the gate clear
        assert!(plan_sides(&b, &occ, 0, 2, &[Side::Child], ELEVEN + 30, ELEVEN + 90, true, &rules).is_ok());
    }

    #[test]
    fn a_waiting_area_is_never_shared_by_the_two_sides_across_hearings() {
        let rules = ScheduleRules::default();
        let b = one_gate_building();
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        // another hearing's accused waits in the general hall (area 3)
        occ.hold(Track::Area(3, Side::Accused), 0, TEN - 60, ELEVEN);
        // so a neutral party may still go there, but no area of ours lets
        // a child in while an accused holds it
        let mut only_general = b.clone();
        for a in &mut only_general.areas {
            a.child_friendly = a.id == 3;
        }
        assert_eq!(
            plan_sides(&only_general, &occ, 0, 2, &[Side::Child], TEN, ELEVEN, true, &rules),
            Err(Constraint::SidesWouldMeet { side: Side::Child, place: "a waiting area" })
        );
    }

    #[test]
    fn the_court_room_door_is_never_passed_by_both_sides_at_once() {
        let rules = ScheduleRules::default();
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        // an accused from an earlier hearing in room 1 is still leaving
        // through its door when this child would walk in
        occ.hold(Track::Door(1, Side::Accused), 0, TEN, TEN + 10);
        assert_eq!(
            plan_sides(&building(), &occ, 0, 1, &[Side::Child], TEN, ELEVEN, true, &rules),
            Err(Constraint::SidesWouldMeet { side: Side::Child, place: "the court-room door" })
        );
        // a child on a video link never passes that door
        assert!(plan_sides(&building(), &occ, 0, 1, &[Side::Child], TEN, ELEVEN, false, &rules).is_ok());
    }

    #[test]
    fn one_hearings_two_sides_never_meet_even_through_one_gate() {
        let rules = ScheduleRules::default();
        let occ = Occupancy::new(day(2026, 12, 1), 1);
        let plan = plan_sides(&one_gate_building(), &occ, 0, 1, &both(), TEN, ELEVEN, true, &rules).unwrap_or_default();
        assert_eq!(plan.len(), 3);
        let holds_of =
            |s: Side| plan.iter().filter(|c| c.side == s).flat_map(|c| holds(c, 1, &rules)).collect::<Vec<_>>();
        for (tc, a, b) in holds_of(Side::Child) {
            for (ta, x, y) in holds_of(Side::Accused) {
                let same_place = match (&tc, &ta) {
                    (Track::Area(p, _), Track::Area(q, _)) | (Track::Door(p, _), Track::Door(q, _)) => p == q,
                    (Track::Entrance(p, _), Track::Entrance(q, _)) => p == q,
                    _ => false,
                };
                assert!(!(same_place && a < y && x < b), "{tc:?} {a}-{b} meets {ta:?} {x}-{y}");
            }
        }
    }
}
