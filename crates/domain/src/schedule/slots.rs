//! Placing one hearing: is a time feasible (and if not, which constraint
//! rules it out), and the feasible slots in a window, earliest first.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::constraints::{self, check_day, check_hours, minute_of, Constraint};
use super::grid::{DayMask, Occupancy, Track};
use super::limits::ScheduleRules;
use super::model::{Booking, Building, CourtCalendar, HearingRequest, RoomInfo, SidePlan};
use super::separation::{self, SideChoice};
use crate::roles::Side;

/// What the rules and the building are, for one court.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub calendar: &'a CourtCalendar,
    pub building: &'a Building,
    pub rules: &'a ScheduleRules,
}

/// A feasible place for a hearing, in the court's local minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub day: NaiveDate,
    pub start: i32,
    pub end: i32,
    pub judge_id: i64,
    pub room_id: i64,
    pub sides: Vec<SideChoice>,
}

/// The days and the first minute a search may use.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from_day: NaiveDate,
    /// Minutes after local midnight on `from_day` before which nobody may
    /// be told to arrive (now, on today's date): a start is offered only
    /// when every side's arrival is at or after it.
    pub from_minute: i32,
    /// The last day searched, inclusive.
    pub until_day: NaiveDate,
}

/// Track numbers looked up once per request, for the hot loop.
struct Resolved<'a> {
    judges: Vec<(i64, Option<usize>)>,
    counsel: Vec<(i64, Option<usize>)>,
    persons: Vec<(i64, Side, Vec<usize>)>,
    rooms: Vec<(&'a RoomInfo, Option<usize>)>,
    needs_video: bool,
}

fn resolve<'a>(req: &HearingRequest, ctx: &Context<'a>, occ: &Occupancy) -> Resolved<'a> {
    let needs_video = req.child_testifies && req.video_link;
    let allowed = |r: &&RoomInfo| req.rooms.is_empty() || req.rooms.contains(&r.id);
    // A hearing without a video link tries the plain rooms first, keeping
    // the few video-link rooms for the children who need them.
    let mut rooms: Vec<&RoomInfo> =
        ctx.building.rooms.iter().filter(allowed).filter(|r| !needs_video || r.video_link).collect();
    rooms.sort_by_key(|r| (r.video_link && !needs_video, r.id));
    Resolved {
        judges: req.judges.iter().map(|j| (*j, occ.find(&Track::Judge(*j)))).collect(),
        counsel: req.counsel.iter().map(|c| (*c, occ.find(&Track::Counsel(*c)))).collect(),
        persons: req
            .persons
            .iter()
            .map(|(p, side)| (*p, *side, occ.person_elsewhere(*p, req.case_id)))
            .filter(|(_, _, tracks)| !tracks.is_empty())
            .collect(),
        rooms: rooms.into_iter().map(|r| (r, occ.find(&Track::Room(r.id)))).collect(),
        needs_video,
    }
}

/// How far a candidate got before it failed: a deeper failure is a better
/// explanation of why a hearing found no slot.
fn depth(c: &Constraint) -> u8 {
    match c {
        Constraint::NotWorkingDay { .. }
        | Constraint::Holiday { .. }
        | Constraint::BeforeEarliest
        | Constraint::ArrivalPassed { .. } => 0,
        Constraint::OutsideCourtHours | Constraint::OutsideChildHours => 1,
        Constraint::JudgeBusy { .. } | Constraint::NoJudge => 2,
        Constraint::CounselBusy { .. } | Constraint::PersonBusy { .. } => 3,
        Constraint::RoomBusy { .. } | Constraint::NoRoom | Constraint::NoVideoLinkRoom => 4,
        Constraint::NoWaitingArea { .. } | Constraint::SidesWouldMeet { .. } => 5,
        _ => 6,
    }
}

fn try_resolved(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    res: &Resolved,
    day: NaiveDate,
    day_index: usize,
    start: i32,
) -> Result<Placement, Constraint> {
    let end = start + req.minutes;
    check_hours(ctx.calendar, ctx.rules, req.child_testifies, start, end)?;
    let g = ctx.rules.stagger_gap_minutes;
    if start - 2 * g < 0 || end + 2 * g > 24 * 60 {
        return Err(Constraint::OutsideCourtHours);
    }
    let sitting = DayMask::span(start, end);
    let judge = res.judges.iter().find(|(_, t)| !occ.busy(*t, day_index, &sitting)).map(|(j, _)| *j).ok_or(
        match res.judges.first() {
            Some((j, _)) => Constraint::JudgeBusy { judge_id: *j },
            None => Constraint::NoJudge,
        },
    )?;
    if let Some((c, _)) = res.counsel.iter().find(|(_, t)| occ.busy(*t, day_index, &sitting)) {
        return Err(Constraint::CounselBusy { counsel_id: *c });
    }
    for (person, side, tracks) in &res.persons {
        let times = separation::side_times(*side, start, end, false, ctx.rules);
        let here = DayMask::span(times.arrival.min(start), times.departure.max(end));
        if tracks.iter().any(|t| occ.busy(Some(*t), day_index, &here)) {
            return Err(Constraint::PersonBusy { person_id: *person, side: *side });
        }
    }
    if res.rooms.is_empty() {
        return Err(if res.needs_video { Constraint::NoVideoLinkRoom } else { Constraint::NoRoom });
    }
    let mut failure = None;
    for (room, track) in &res.rooms {
        if occ.busy(*track, day_index, &sitting) {
            continue;
        }
        let child_in_court = req.child_testifies && !req.video_link;
        match separation::plan_sides(
            ctx.building,
            occ,
            day_index,
            room.id,
            &req.sides,
            start,
            end,
            child_in_court,
            ctx.rules,
        ) {
            Ok(sides) => return Ok(Placement { day, start, end, judge_id: judge, room_id: room.id, sides }),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    Err(failure.unwrap_or(match res.rooms.first() {
        Some(_) if res.needs_video => Constraint::NoVideoLinkRoom,
        Some((r, _)) => Constraint::RoomBusy { room_id: r.id },
        None => Constraint::NoRoom,
    }))
}

/// Is this one time feasible? Every hard constraint, in the order a clerk
/// would check them. The statutory clock is not among them: a late slot is
/// feasible, only flagged.
pub fn check_at(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    day: NaiveDate,
    start: i32,
) -> Result<Placement, Constraint> {
    constraints::check_request(req, ctx.rules)?;
    check_day(ctx.calendar, day)?;
    let day_index = occ.day_index(day).ok_or(Constraint::OutsideCourtHours)?;
    let res = resolve(req, ctx, occ);
    try_resolved(req, ctx, occ, &res, day, day_index, start)
}

/// Walks every candidate time in the window, earliest first, telling
/// `visit` whether it is feasible; `visit` returns false to stop. A day the
/// court does not sit is visited once, with `None` for its minute.
pub fn walk(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
    mut visit: impl FnMut(NaiveDate, Option<i32>, Result<Placement, Constraint>) -> bool,
) {
    if let Err(e) = constraints::check_request(req, ctx.rules) {
        visit(window.from_day, None, Err(e));
        return;
    }
    let res = resolve(req, ctx, occ);
    let step = ctx.rules.slot_step_minutes.max(super::grid::TICK_MINUTES);
    let opens = minute_of(ctx.calendar.opens);
    let closes = minute_of(ctx.calendar.closes);
    let mut day = window.from_day;
    while day <= window.until_day {
        if let Err(e) = check_day(ctx.calendar, day) {
            if !visit(day, None, Err(e)) {
                return;
            }
        } else if let Some(day_index) = occ.day_index(day) {
            let first = if day == window.from_day {
                (window.from_minute + arrival_lead(req, ctx.rules)).max(opens)
            } else {
                opens
            };
            // the first start on the step grid at or after `first`
            let mut start = (first + step - 1).div_euclid(step) * step;
            while start + req.minutes <= closes {
                let outcome = try_resolved(req, ctx, occ, &res, day, day_index, start);
                if !visit(day, Some(start), outcome) {
                    return;
                }
                start += step;
            }
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => return,
        }
    }
}

/// The earliest feasible placement in the window, or the constraint that
/// came closest to letting one through.
pub fn first_fit(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
) -> Result<Placement, Constraint> {
    fit(req, ctx, occ, window, |_, _| 0)
}

/// For the bulk planner: the earliest feasible day (the day is what the
/// statutory clock counts), and on that day the slot that least wastes the
/// child-friendly hours when this hearing needs none of them — a charge
/// hearing at 09:00 would otherwise take the morning a child's evidence
/// needs.
pub fn best_on_earliest_day(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
) -> Result<Placement, Constraint> {
    let from = minute_of(ctx.rules.child_hours_from);
    let to = minute_of(ctx.rules.child_hours_to);
    let child = req.child_testifies;
    fit(req, ctx, occ, window, |start, end| if child { 0 } else { (end.min(to) - start.max(from)).max(0) })
}

/// The feasible placement of least `cost` on the earliest day with any.
fn fit(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
    cost: impl Fn(i32, i32) -> i32,
) -> Result<Placement, Constraint> {
    let mut best: Option<(i32, Placement)> = None;
    let mut closest: Option<Constraint> = None;
    walk(req, ctx, occ, window, |day, _, outcome| {
        if best.as_ref().is_some_and(|(_, p)| p.day != day) {
            return false;
        }
        match outcome {
            Ok(p) => {
                let c = cost(p.start, p.end);
                if best.as_ref().is_none_or(|(b, _)| c < *b) {
                    best = Some((c, p));
                }
                // nothing beats a slot that costs nothing
                c > 0
            }
            Err(e) => {
                if closest.as_ref().is_none_or(|c| depth(&e) > depth(c)) {
                    closest = Some(e);
                }
                true
            }
        }
    });
    best.map(|(_, p)| p).ok_or(closest.unwrap_or(Constraint::NoRoom))
}

/// A feasible slot, flagged when it falls after the statutory clock.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub placement: Placement,
    pub after_deadline: bool,
}

/// A time before the first feasible slot, and what ruled it out. `minute`
/// is None when the whole day was ruled out.
#[derive(Debug, Clone)]
pub struct RuledOut {
    pub day: NaiveDate,
    pub minute: Option<i32>,
    pub constraint: Constraint,
}

#[derive(Debug, Clone, Default)]
pub struct SlotSearch {
    pub slots: Vec<Slot>,
    pub ruled_out: Vec<RuledOut>,
}

/// The feasible slots in the window, earliest first (one per start time),
/// and for the times before the first of them the constraint that ruled
/// each out (at most `max_ruled_out`).
pub fn find(
    req: &HearingRequest,
    ctx: &Context,
    occ: &Occupancy,
    window: Window,
    limit: usize,
    max_ruled_out: usize,
) -> SlotSearch {
    let mut out = SlotSearch::default();
    if limit == 0 {
        return out;
    }
    walk(req, ctx, occ, window, |day, minute, outcome| {
        match outcome {
            Ok(p) => {
                out.slots.push(Slot { after_deadline: constraints::after_deadline(req.deadline, p.day), placement: p })
            }
            Err(constraint) => {
                if out.slots.is_empty() && out.ruled_out.len() < max_ruled_out {
                    out.ruled_out.push(RuledOut { day, minute, constraint });
                }
            }
        }
        out.slots.len() < limit
    });
    out
}

/// How long before the start the first side of this hearing arrives.
pub fn arrival_lead(req: &HearingRequest, rules: &ScheduleRules) -> i32 {
    req.sides
        .iter()
        .map(|s| -separation::side_times(*s, 0, req.minutes, false, rules).arrival)
        .max()
        .unwrap_or(0)
        .max(0)
}

/// Midnight-based local minutes to a local wall-clock time.
pub fn local_at(day: NaiveDate, minute: i32) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute.into())
}

/// A placement as a booking in UTC, with its breaks; None if a time falls
/// in a daylight-saving gap.
pub fn to_booking(req: &HearingRequest, p: &Placement, ctx: &Context) -> Option<Booking> {
    let utc = |m: i32| ctx.calendar.utc(local_at(p.day, m));
    let starts_at = utc(p.start)?;
    let ends_at = utc(p.end)?;
    let mut sides = Vec::with_capacity(p.sides.len());
    for c in &p.sides {
        sides.push(SidePlan {
            side: c.side,
            waiting_area_id: c.area_id,
            entrance: c.entrance.clone(),
            arrives_at: utc(c.times.arrival)?,
            departs_at: utc(c.times.departure)?,
            enters_court_at: match c.times.door_in {
                Some(m) => Some(utc(m)?),
                None => None,
            },
            leaves_court_at: match c.times.door_out {
                Some(m) => Some(utc(m)?),
                None => None,
            },
        });
    }
    let breaks = if req.child_testifies { constraints::plan_breaks(starts_at, ends_at, ctx.rules) } else { Vec::new() };
    Some(Booking {
        hearing_id: req.hearing_id,
        case_id: req.case_id,
        judge_id: p.judge_id,
        room_id: p.room_id,
        starts_at,
        ends_at,
        child_testifies: req.child_testifies,
        video_link: req.video_link,
        counsel: req.counsel.clone(),
        persons: req.persons.clone(),
        child_testified_before: req.child_testified_before,
        reappearance_reason: req.reappearance_reason.clone(),
        witness: None,
        deadline: req.deadline,
        sides,
        breaks,
    })
}

/// Marks what a booking holds: its judge, room and counsel for the sitting,
/// and each side's waiting area, entrance and court-room door passes.
pub fn hold_booking(occ: &mut Occupancy, cal: &CourtCalendar, rules: &ScheduleRules, b: &Booking) {
    occ.hold_utc(cal, Track::Judge(b.judge_id), b.starts_at, b.ends_at);
    occ.hold_utc(cal, Track::Room(b.room_id), b.starts_at, b.ends_at);
    for c in &b.counsel {
        occ.hold_utc(cal, Track::Counsel(*c), b.starts_at, b.ends_at);
    }
    for (person, side) in &b.persons {
        let (from, to) = b.presence(*side);
        occ.hold_utc(cal, Track::Person { person: *person, case: b.case_id }, from, to);
    }
    for s in &b.sides {
        if s.side == Side::Neutral {
            continue;
        }
        hold_side(occ, cal, rules, b.room_id, s);
    }
}

/// Marks one side's never-meet holdings (also used for a hearing whose
/// other fields are not in the window, such as another court's counsel).
pub fn hold_side(occ: &mut Occupancy, cal: &CourtCalendar, rules: &ScheduleRules, room_id: i64, s: &SidePlan) {
    let g = Duration::minutes(rules.stagger_gap_minutes.into());
    let d = Duration::minutes(rules.door_clearance_minutes.into());
    occ.hold_utc(cal, Track::Area(s.waiting_area_id, s.side), s.arrives_at, s.departs_at);
    occ.hold_utc(cal, Track::Entrance(s.entrance.clone(), s.side), s.arrives_at, s.arrives_at + g);
    occ.hold_utc(cal, Track::Entrance(s.entrance.clone(), s.side), s.departs_at, s.departs_at + g);
    for pass in [s.enters_court_at, s.leaves_court_at].into_iter().flatten() {
        occ.hold_utc(cal, Track::Door(room_id, s.side), pass, pass + d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testing::*;

    fn window(d: NaiveDate, days: i64) -> Window {
        Window { from_day: d, from_minute: 0, until_day: d + Duration::days(days - 1) }
    }

    fn setup() -> (CourtCalendar, Building, ScheduleRules) {
        (calendar(), building(), ScheduleRules::default())
    }

    #[test]
    fn slots_come_earliest_first_from_the_courts_opening() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let occ = Occupancy::new(day(2026, 12, 1), 7);
        let found = find(&request(1, 1), &ctx, &occ, window(day(2026, 12, 1), 7), 3, 100);
        let starts: Vec<i32> = found.slots.iter().map(|s| s.placement.start).collect();
        assert_eq!(starts, vec![9 * 60, 9 * 60 + 15, 9 * 60 + 30]);
        assert!(found.ruled_out.is_empty());
    }

    #[test]
    fn a_busy_judge_rules_out_the_times_of_his_other_hearing() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 7);
        occ.hold(Track::Judge(10), 0, 9 * 60, 11 * 60);
        let found = find(&request(1, 1), &ctx, &occ, window(day(2026, 12, 1), 7), 1, 100);
        assert_eq!(found.slots[0].placement.start, 11 * 60);
        assert_eq!(found.ruled_out.len(), 8);
        assert!(found.ruled_out.iter().all(|r| r.constraint == Constraint::JudgeBusy { judge_id: 10 }));
    }

    #[test]
    fn a_taken_room_sends_the_hearing_to_another_room_and_a_full_building_rules_the_time_out() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        occ.hold(Track::Room(2), 0, 9 * 60, 10 * 60);
        let p = check_at(&request(1, 1), &ctx, &occ, day(2026, 12, 1), 9 * 60);
        assert_eq!(p.map(|p| p.room_id), Ok(1));
        for r in [1, 3] {
            occ.hold(Track::Room(r), 0, 9 * 60, 10 * 60);
        }
        assert!(matches!(
            check_at(&request(1, 1), &ctx, &occ, day(2026, 12, 1), 9 * 60),
            Err(Constraint::RoomBusy { .. })
        ));
    }

    #[test]
    fn every_counsel_of_the_case_must_be_free() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        occ.hold(Track::Counsel(501), 0, 10 * 60, 12 * 60);
        let mut req = request(1, 1);
        req.counsel = vec![500, 501];
        assert_eq!(
            check_at(&req, &ctx, &occ, day(2026, 12, 1), 10 * 60),
            Err(Constraint::CounselBusy { counsel_id: 501 })
        );
        assert!(check_at(&req, &ctx, &occ, day(2026, 12, 1), 12 * 60).is_ok());
    }

    #[test]
    fn a_child_on_a_video_link_gets_only_a_video_link_room() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        let mut req = request(1, 1);
        req.child_testifies = true;
        req.video_link = true;
        let p = check_at(&req, &ctx, &occ, day(2026, 12, 1), 10 * 60);
        assert_eq!(p.map(|p| b.room(p.room_id).map(|r| r.video_link)), Ok(Some(true)));
        for r in [1, 3] {
            occ.hold(Track::Room(r), 0, 10 * 60, 11 * 60);
        }
        assert_eq!(check_at(&req, &ctx, &occ, day(2026, 12, 1), 10 * 60), Err(Constraint::NoVideoLinkRoom));
    }

    #[test]
    fn a_child_witness_is_offered_only_child_friendly_hours() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let occ = Occupancy::new(day(2026, 12, 1), 7);
        let mut req = request(1, 1);
        req.child_testifies = true;
        req.minutes = 120;
        let found = find(&req, &ctx, &occ, window(day(2026, 12, 1), 7), 20, 100);
        assert!(!found.slots.is_empty());
        for s in &found.slots {
            assert!(s.placement.start >= 9 * 60 + 30 && s.placement.end <= 13 * 60 + 30);
        }
        assert!(found.ruled_out.iter().all(|r| r.constraint == Constraint::OutsideChildHours));
        assert_eq!(found.ruled_out.len(), 2); // 09:00 and 09:15
    }

    #[test]
    fn weekends_and_holidays_are_ruled_out_as_whole_days() {
        let (mut cal, b, rules) = setup();
        cal.holidays.insert(day(2026, 12, 7), "Test holiday".into());
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let occ = Occupancy::new(day(2026, 12, 5), 7);
        // Saturday 5, Sunday 6, holiday Monday 7 → first slot Tuesday 8
        let found = find(&request(1, 1), &ctx, &occ, window(day(2026, 12, 5), 7), 1, 100);
        assert_eq!(found.slots[0].placement.day, day(2026, 12, 8));
        let reasons: Vec<&str> = found.ruled_out.iter().map(|r| r.constraint.rule()).collect();
        assert_eq!(reasons, vec!["working_day", "working_day", "holiday"]);
    }

    #[test]
    fn a_slot_after_the_statutory_clock_is_flagged() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 7);
        let mut req = request(1, 1);
        req.deadline = Some(day(2026, 12, 1));
        occ.hold(Track::Judge(10), 0, 9 * 60, 16 * 60);
        let found = find(&req, &ctx, &occ, window(day(2026, 12, 1), 7), 1, 0);
        assert_eq!(found.slots[0].placement.day, day(2026, 12, 2));
        assert!(found.slots[0].after_deadline);
    }

    #[test]
    fn a_booking_carries_utc_times_and_the_childs_breaks() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let occ = Occupancy::new(day(2026, 12, 1), 1);
        let mut req = request(1, 1);
        req.child_testifies = true;
        req.minutes = 120;
        let p = check_at(&req, &ctx, &occ, day(2026, 12, 1), 10 * 60).unwrap_or_else(|e| panic!("{e:?}"));
        let booking = to_booking(&req, &p, &ctx).unwrap_or_else(|| panic!("no booking"));
        // Karachi is UTC+5
        assert_eq!(booking.starts_at, at(2026, 12, 1, 5, 0));
        assert_eq!(booking.breaks.len(), 2);
        assert_eq!(booking.side(Side::Child).map(|s| s.arrives_at), Some(at(2026, 12, 1, 4, 30)));
    }

    #[test]
    fn a_person_due_at_another_hearing_rules_the_time_out_whatever_the_case() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let mut occ = Occupancy::new(day(2026, 12, 1), 1);
        // person 77 is at another case's hearing 10:00-11:00 (another court's
        // even: the track is the person's, not the court's)
        occ.hold(Track::Person { person: 77, case: 9 }, 0, 10 * 60, 11 * 60);
        let mut req = request(1, 1);
        req.persons = vec![(77, Side::Child), (8, Side::Accused)];
        assert_eq!(
            check_at(&req, &ctx, &occ, day(2026, 12, 1), 10 * 60),
            Err(Constraint::PersonBusy { person_id: 77, side: Side::Child })
        );
        // the child side arrives a gap before the start: 11:00 is too soon
        // after, 11:30 is free
        assert!(check_at(&req, &ctx, &occ, day(2026, 12, 1), 11 * 60).is_err());
        assert!(check_at(&req, &ctx, &occ, day(2026, 12, 1), 11 * 60 + rules.stagger_gap_minutes).is_ok());
        // The same case's own earlier hearing is no clash: its people stay on.
        let mut own = Occupancy::new(day(2026, 12, 1), 1);
        own.hold(Track::Person { person: 77, case: 1 }, 0, 10 * 60, 11 * 60);
        assert!(check_at(&req, &ctx, &own, day(2026, 12, 1), 11 * 60).is_ok());
    }

    #[test]
    fn today_a_slot_is_offered_only_when_every_side_can_still_arrive() {
        let (cal, b, rules) = setup();
        let ctx = Context { calendar: &cal, building: &b, rules: &rules };
        let occ = Occupancy::new(day(2026, 12, 1), 1);
        let req = request(1, 1);
        // "now" is 10:05: the accused side arrives two gaps before the start
        let now = 10 * 60 + 5;
        let w = Window { from_day: day(2026, 12, 1), from_minute: now, until_day: day(2026, 12, 1) };
        let found = find(&req, &ctx, &occ, w, 1, 0);
        let first = found.slots[0].placement.start;
        assert!(first - 2 * rules.stagger_gap_minutes >= now, "the accused would arrive before now: start {first}");
        assert_eq!(arrival_lead(&req, &rules), 2 * rules.stagger_gap_minutes);
    }
}
