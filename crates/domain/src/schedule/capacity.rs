//! Capacity a clerk can plan with: when the children of linked cases cannot
//! all be heard within their clocks, what one more piece of capacity would
//! change. Each answer is the testimony plan made again with that capacity
//! added, so it is exactly what the clerk would get by adding it.

use chrono::{Duration, NaiveTime, Weekday};
use serde::Serialize;

use super::model::RoomInfo;
use super::testimony::{self, TestimonyInput, TestimonyPlan};

/// One piece of capacity a court can add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extra {
    /// The video-link rooms sit one more weekday.
    VideoSitting,
    /// One more video-link room.
    VideoRoom,
    /// A second court in the building: one more judge with a video-link
    /// court room, who may hear any of the children.
    Court,
    /// Child-friendly hours an hour longer, within the profile's limit.
    LongerChildHours,
}

pub const EXTRAS: [Extra; 4] = [Extra::VideoSitting, Extra::VideoRoom, Extra::Court, Extra::LongerChildHours];

/// How far a court may stretch: the latest the child-friendly hours may
/// end (the profile's limit, never after the court closes).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub latest_child_hours_to: NaiveTime,
}

/// An answer: codes and numbers, for the page to put into words.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub extra: Extra,
    /// What exactly is added: the weekday, the room or judge id, the new
    /// end of the child hours.
    pub detail: String,
    pub in_time: usize,
    /// Children heard in time beyond the plan as it stands.
    pub gained: i64,
    pub late: usize,
    pub not_placed: usize,
}

/// The input with one piece of capacity added; None when it cannot be
/// (every weekday already sits, the hours are at their limit).
pub fn with_extra(input: &TestimonyInput, extra: Extra, limits: Limits) -> Option<(TestimonyInput, String)> {
    let mut next = input.clone();
    match extra {
        Extra::VideoSitting => {
            let day = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat]
                .into_iter()
                .find(|d| !next.video_days.contains(d))?;
            next.video_days.push(day);
            if !next.calendar.working_days.contains(&day) {
                next.calendar.working_days.push(day);
            }
            Some((next, format!("{day:?}")))
        }
        Extra::VideoRoom => {
            let id = next_room_id(&next);
            next.building.rooms.push(RoomInfo { id, name: format!("Video Room {id}"), video_link: true });
            open_to_every_child(&mut next, id);
            Some((next, format!("room {id}")))
        }
        Extra::Court => {
            let judge = next.children.iter().flat_map(|c| c.judges.iter()).max().copied().unwrap_or(0) + 1;
            for c in &mut next.children {
                c.judges.push(judge);
            }
            let id = next_room_id(&next);
            next.building.rooms.push(RoomInfo { id, name: format!("Court Room {id}"), video_link: true });
            open_to_every_child(&mut next, id);
            Some((next, format!("judge {judge}, room {id}")))
        }
        Extra::LongerChildHours => {
            let to = next.rules.child_hours_to + Duration::hours(1);
            let limit = limits.latest_child_hours_to.min(next.calendar.closes);
            let to = to.min(limit);
            if to <= next.rules.child_hours_to {
                return None;
            }
            next.rules.child_hours_to = to;
            Some((next, to.format("%H:%M").to_string()))
        }
    }
}

/// A room added for the what-if may be used by any child, whichever court's
/// rooms the child is otherwise kept to.
fn open_to_every_child(input: &mut TestimonyInput, room: i64) {
    for c in input.children.iter_mut().filter(|c| !c.rooms.is_empty()) {
        c.rooms.push(room);
    }
}

fn next_room_id(input: &TestimonyInput) -> i64 {
    input.building.rooms.iter().map(|r| r.id).max().unwrap_or(0) + 1
}

/// The plan as it stands, and each piece of capacity's answer.
pub fn what_if(input: &TestimonyInput, limits: Limits) -> (TestimonyPlan, Vec<WhatIf>) {
    let base = testimony::plan(input);
    let base_in_time = base.in_time() as i64;
    let answers = EXTRAS
        .iter()
        .filter_map(|extra| {
            let (bigger, detail) = with_extra(input, *extra, limits)?;
            let plan = testimony::plan(&bigger);
            Some(WhatIf {
                extra: *extra,
                detail,
                in_time: plan.in_time(),
                gained: plan.in_time() as i64 - base_in_time,
                late: plan.late().len(),
                not_placed: plan.not_placed.len(),
            })
        })
        .collect();
    (base, answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::instances::{linked_cases, LinkedShape};
    use crate::schedule::validator;

    fn limits() -> Limits {
        Limits { latest_child_hours_to: NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default() }
    }

    /// The instance: 280 children, 20 linked cases, 25 accused, 40
    /// associates, three courts in one building with ten video rooms.
    #[test]
    fn the_kasur_instance_places_every_child_once_and_capacity_never_hurts() {
        let input = linked_cases(&LinkedShape::kasur());
        assert_eq!(input.children.len(), 280);
        let (base, answers) = what_if(&input, limits());

        // each child once, no rule broken
        assert_eq!(base.not_placed.len(), 0, "{:?}", base.not_placed);
        let mut seen: Vec<i64> = base.sittings.iter().map(|s| s.child).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 280);
        assert_eq!(validator::validate(&base.bookings(), &input.calendar, &input.building, &input.rules), vec![]);
        // 40 named associates of the accused: on the accused side of every
        // sitting, by its gate and to its waiting area, never a child's
        let associates: Vec<i64> = (0..40).map(|i| 30_000 + i).collect();
        let child_side: std::collections::BTreeSet<i64> =
            input.children.iter().flat_map(|c| [c.child, c.guardian]).collect();
        assert!(associates.iter().all(|a| !child_side.contains(a)));
        let arrivals = testimony::associate_arrivals(&base, &associates);
        assert_eq!(arrivals.len(), 40 * 280);
        for a in &arrivals {
            assert_eq!(a.plan.side, crate::roles::Side::Accused);
            let area = input.building.area(a.plan.waiting_area_id);
            assert_eq!(area.map(|x| x.child_friendly), Some(false), "{a:?}");
            let sitting = base.sittings.iter().find(|s| s.child == a.child);
            assert_eq!(sitting.and_then(|s| s.booking.side(crate::roles::Side::Accused)), Some(&a.plan));
        }
        // the plan says how many are in time, and the rest are late by days
        assert_eq!(base.in_time() + base.late().len(), 280);
        assert!(base.in_time() < 280, "the instance is meant to be short of capacity");

        assert_eq!(answers.len(), EXTRAS.len());
        for a in &answers {
            assert!(a.gained >= 0, "adding {:?} lost children in time: {a:?}", a.extra);
        }
        assert!(answers.iter().any(|a| a.gained > 0), "some capacity helps: {answers:?}");

        // each answer agrees with planning again with that capacity, added
        // here by hand rather than through `with_extra`
        let by = |e: Extra| answers.iter().find(|a| a.extra == e).map(|a| a.in_time);
        let mut court = input.clone();
        for c in &mut court.children {
            c.judges.push(999);
        }
        court.building.rooms.push(RoomInfo { id: 99, name: "Court 4".into(), video_link: true });
        assert_eq!(by(Extra::Court), Some(testimony::plan(&court).in_time()));

        let mut sitting = input.clone();
        sitting.video_days.push(Weekday::Tue);
        assert_eq!(by(Extra::VideoSitting), Some(testimony::plan(&sitting).in_time()));

        let mut hours = input.clone();
        hours.rules.child_hours_to = NaiveTime::from_hms_opt(14, 30, 0).unwrap_or_default();
        assert_eq!(by(Extra::LongerChildHours), Some(testimony::plan(&hours).in_time()));
    }

    #[test]
    fn the_hours_stop_at_the_profiles_limit() {
        let input = linked_cases(&LinkedShape { children: 4, ..LinkedShape::kasur() });
        let at_limit = Limits { latest_child_hours_to: input.rules.child_hours_to };
        assert!(with_extra(&input, Extra::LongerChildHours, at_limit).is_none());
        let mut every_day = input.clone();
        every_day.video_days = vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat];
        assert!(with_extra(&every_day, Extra::VideoSitting, limits()).is_none());
    }

    #[test]
    fn a_saturday_sitting_opens_the_court_that_day() {
        let mut input = linked_cases(&LinkedShape { children: 4, ..LinkedShape::kasur() });
        input.video_days = vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        let (next, detail) =
            with_extra(&input, Extra::VideoSitting, limits()).unwrap_or_else(|| (input.clone(), String::new()));
        assert_eq!(detail, "Sat");
        assert!(next.calendar.working_days.contains(&Weekday::Sat));
    }
}
