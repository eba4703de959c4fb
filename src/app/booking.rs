//! Booking a hearing: the one transaction every path that gives a hearing
//! a time shares (the scheduler's booking, an accepted plan, a hearing made
//! with its times, the new date of a granted adjournment), and the court's
//! scheduling setup it reads. Handlers call it; it never sees HTTP.
//!
//! Every booking re-checks every constraint inside `db::court_tx` (or
//! `db::write_tx`), which holds the chain rows of every court of the
//! building (SQLite: the one write lock), and locks the rows of the counsel
//! and people it checks in other courts: so of two clerks racing for one
//! room, gate, counsel or child the second sees the first's booking and is
//! refused.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::free_text::ChildNames;
use crate::api::cases::visible_case;
use crate::api::{input, views};
use crate::auth::AuthUser;
use crate::db::{self, audit, audit::Change, courts::Court, hearings::Hearing, schedule as store, DbConn};
use crate::domain::hearing::HearingStatus;
use crate::domain::roles::Side;
use crate::domain::schedule::constraints::{after_deadline, Constraint};
use crate::domain::schedule::grid::{self, Occupancy, Track};
use crate::domain::schedule::model::{Booking, Building, CourtCalendar, HearingRequest};
use crate::domain::schedule::slots::{self, Context, Window};
use crate::domain::schedule::ScheduleRules;
use crate::error::{AppError, RuleRef};

/// The scheduling numbers of a court, and the sections its refusals cite,
/// from the court's rule profile (as the docket and adjournments read it).
pub fn rules_for(court: &Court) -> Result<ScheduleRules, AppError> {
    crate::domain::rules::profile(&court.rule_profile).map(ScheduleRules::from_profile).map_err(AppError::internal)
}

/// A court's calendar, building and judges, loaded once per request.
pub(crate) struct CourtSetup {
    pub court: Court,
    pub calendar: CourtCalendar,
    pub building: Building,
    pub judges: Vec<i64>,
    pub rules: ScheduleRules,
}

impl CourtSetup {
    pub fn load(c: &mut DbConn, court: Court) -> Result<CourtSetup, AppError> {
        Ok(CourtSetup {
            calendar: store::calendar_of(c, &court)?,
            building: store::building_of(c, court.id)?,
            judges: store::judges_of(c, court.id)?,
            rules: rules_for(&court)?,
            court,
        })
    }

    pub fn ctx(&self) -> Context<'_> {
        Context { calendar: &self.calendar, building: &self.building, rules: &self.rules }
    }

    pub fn today(&self) -> NaiveDate {
        self.calendar.local(Utc::now().naive_utc()).date()
    }

    /// What the court's bookings (and its counsel's sittings elsewhere, and
    /// the sittings anywhere of the people of the hearing being placed)
    /// hold over `days` days from `first_day`, leaving out `except`.
    pub fn occupancy(
        &self,
        c: &mut DbConn,
        first_day: NaiveDate,
        days: usize,
        except: Option<i64>,
        counsel: &[i64],
        persons: &[i64],
    ) -> Result<(Occupancy, Vec<Booking>), AppError> {
        let mut occ = Occupancy::new(first_day, days);
        // A day a day before and after, from where each day really begins
        // (a day whose midnight a clock change skips included): a window
        // that cannot come out empty.
        let from = self.calendar.day_start_utc(first_day) - Duration::days(1);
        let last = first_day + Duration::days(days as i64);
        let to = self.calendar.day_start_utc(last) + Duration::days(1);
        let bookings = store::bookings_between(c, self.court.id, from, to, except, &self.rules)?;
        for b in &bookings {
            slots::hold_booking(&mut occ, &self.calendar, &self.rules, b);
        }
        for (counsel_id, s, e) in store::counsel_sittings(c, counsel, from, to, except)? {
            occ.hold_utc(&self.calendar, Track::Counsel(counsel_id), s, e);
        }
        for (person, case, s, e) in store::person_sittings(c, persons, from, to, except)? {
            occ.hold_utc(&self.calendar, Track::Person { person, case }, s, e);
        }
        Ok((occ, bookings))
    }

    pub fn check_judge(&self, judge_id: Option<i64>) -> Result<(), AppError> {
        match judge_id {
            Some(j) if !self.judges.contains(&j) => {
                Err(AppError::invalid("judge_id", "that user is not an active judge of this court"))
            }
            _ => Ok(()),
        }
    }

    pub fn check_room(&self, room_id: Option<i64>) -> Result<(), AppError> {
        match room_id {
            Some(r) if self.building.room(r).is_none() => Err(AppError::not_found(format!("court room {r}"))),
            _ => Ok(()),
        }
    }
}

/// A constraint as an HTTP error: a clash with another booking is a 409
/// (someone else holds it), a rule the time itself breaks is a 422 that
/// names the rule and the section the court's profile cites for it.
pub(crate) fn refused(c: &Constraint, rules: &ScheduleRules) -> AppError {
    if c.is_clash() {
        AppError::conflict(format!("{} ({}): {}", c.detail(), c.rule(), c.section(rules)))
    } else {
        AppError::RuleRefused {
            rule: RuleRef { rule: c.rule().into(), section: c.section(rules).into() },
            detail: c.detail(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SideView {
    side: Side,
    waiting_area_id: i64,
    waiting_area: String,
    entrance: String,
    arrives_at: DateTime<Utc>,
    departs_at: DateTime<Utc>,
    enters_court_at: Option<DateTime<Utc>>,
    leaves_court_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Span {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BookingView {
    hearing_id: i64,
    case_id: i64,
    judge_id: i64,
    room_id: i64,
    room: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// The court's wall-clock start, for a clerk reading the plan.
    local_start: String,
    deadline: Option<NaiveDate>,
    after_deadline: bool,
    sides: Vec<SideView>,
    breaks: Vec<Span>,
}

pub(crate) fn booking_view(b: &Booking, setup: &CourtSetup) -> BookingView {
    let local = setup.calendar.local(b.starts_at);
    BookingView {
        hearing_id: b.hearing_id,
        case_id: b.case_id,
        judge_id: b.judge_id,
        room_id: b.room_id,
        room: setup.building.room(b.room_id).map(|r| r.name.clone()).unwrap_or_default(),
        starts_at: views::utc(b.starts_at),
        ends_at: views::utc(b.ends_at),
        local_start: local.format("%Y-%m-%d %H:%M").to_string(),
        deadline: b.deadline,
        after_deadline: after_deadline(b.deadline, local.date()),
        sides: b
            .sides
            .iter()
            .map(|s| SideView {
                side: s.side,
                waiting_area_id: s.waiting_area_id,
                waiting_area: setup.building.area(s.waiting_area_id).map(|a| a.name.clone()).unwrap_or_default(),
                entrance: s.entrance.clone(),
                arrives_at: views::utc(s.arrives_at),
                departs_at: views::utc(s.departs_at),
                enters_court_at: s.enters_court_at.map(views::utc),
                leaves_court_at: s.leaves_court_at.map(views::utc),
            })
            .collect(),
        breaks: b.breaks.iter().map(|(f, t)| Span { from: views::utc(*f), to: views::utc(*t) }).collect(),
    }
}

/// The people a request must find free.
pub(crate) fn persons_of(req: &HearingRequest) -> Vec<i64> {
    let mut v: Vec<i64> = req.persons.iter().map(|(p, _)| *p).collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub(crate) fn minutes_of(field: &str, minutes: i32) -> Result<i32, AppError> {
    if !(15..=600).contains(&minutes) || minutes % grid::TICK_MINUTES != 0 {
        return Err(AppError::invalid(field, "`minutes` must be a multiple of 5 between 15 and 600"));
    }
    Ok(minutes)
}

/// Nothing more is listed in a case the court has decided or disposed of:
/// its clocks are closed and no child is to be brought for it again.
pub(crate) fn ensure_listable(case: &db::cases::Case) -> Result<(), AppError> {
    let stage = super::course::stage_of(case);
    if stage.is_pending() {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "case {} is {stage}: nothing is listed in a decided or disposed case",
            case.number
        )))
    }
}

/// What to book: a hearing, a start, a length, and optionally the judge
/// and room; reasons where a rule asks for one.
pub(crate) struct BookOrder {
    pub hearing_id: i64,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub reappearance_reason: Option<String>,
    pub delay_reason: Option<String>,
    /// What caused the booking, for the audit trail ("booking", "plan",
    /// "direct", "adjournment").
    pub source: &'static str,
}

/// A booked hearing, as the booking endpoints answer it.
#[derive(Serialize)]
pub(crate) struct Booked {
    #[serde(skip)]
    pub stored: Hearing,
    hearing: views::HearingView,
    booking: BookingView,
}

pub(crate) fn optional_text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    value.map(|v| input::text(field, &v, max)).transpose()
}

/// The length of a sitting from `starts` to `ends`, as the scheduler's
/// grid takes it; `field` names the end in a refusal.
pub(crate) fn sitting_minutes(field: &str, starts: NaiveDateTime, ends: NaiveDateTime) -> Result<i32, AppError> {
    crate::domain::hearing::check_times(starts, ends).map_err(|m| AppError::invalid(field, m))?;
    minutes_of(field, (ends - starts).num_minutes() as i32)
}

/// Books one hearing: re-checks every hard constraint of the court's rule
/// profile against what the store holds now (inside the caller's write
/// transaction), writes the hearing, its never-meet plan and notes, and
/// audits it. Every path that gives a hearing a time comes through here:
/// the scheduler's booking, an accepted plan, a hearing made with its
/// times, and the new date of a granted adjournment.
pub(crate) fn book_in_tx(c: &mut DbConn, user: &AuthUser, order: &BookOrder) -> Result<Booked, AppError> {
    let before = db::hearings::find(c, order.hearing_id)?;
    let (case, court) = visible_case(c, user, before.case_id)
        .map_err(|_| AppError::not_found(format!("hearing {}", order.hearing_id)))?;
    ensure_listable(&case)?;
    if before.status != HearingStatus::Unscheduled.as_str() && before.status != HearingStatus::Scheduled.as_str() {
        return Err(AppError::conflict(format!("a hearing that is {} cannot be booked", before.status)));
    }
    let names = ChildNames::of_case(c, case.id, court.id)?;
    names.prose_opt("reappearance_reason", order.reappearance_reason.as_deref())?;
    names.prose_opt("delay_reason", order.delay_reason.as_deref())?;
    let setup = CourtSetup::load(c, court)?;
    let judge_id = order.judge_id.or(before.judge_id.filter(|j| setup.judges.contains(j)));
    setup.check_judge(judge_id)?;
    setup.check_room(order.room_id)?;
    let spec = store::RequestSpec {
        minutes: order.minutes,
        child_testifies: before.child_testifies,
        video_link: store::is_video_link(&before),
        judge_id,
        room_id: order.room_id,
        reappearance_reason: order.reappearance_reason.clone(),
        witness: db::witnesses::witness_party(c, before.id)?,
    };
    let req = store::request_for(c, &case, Some(before.id), &spec, &setup.judges, &setup.rules)?;
    let now = Utc::now().naive_utc();
    if order.starts_at <= now {
        return Err(refused(&Constraint::BeforeEarliest, &setup.rules));
    }
    let local = setup.calendar.local(order.starts_at);
    let (day, start) = (local.date(), grid::minute(local));
    if chrono::Timelike::second(&local) != 0 {
        return Err(AppError::invalid("starts_at", "start on a whole minute"));
    }
    let persons = persons_of(&req);
    store::lock_people(c, &req.counsel, &persons)?;
    let (occ, _) = setup.occupancy(c, day, 1, Some(before.id), &req.counsel, &persons)?;
    let placement = slots::check_at(&req, &setup.ctx(), &occ, day, start).map_err(|e| refused(&e, &setup.rules))?;
    let booking = slots::to_booking(&req, &placement, &setup.ctx())
        .ok_or_else(|| AppError::invalid("starts_at", "that time does not exist on the court's clock"))?;
    // The start is ahead; so must every side's arrival be, or the notice
    // would tell the child to come at a time already gone.
    if let Some(first) = booking.sides.iter().min_by_key(|s| s.arrives_at).filter(|s| s.arrives_at <= now) {
        return Err(refused(&Constraint::ArrivalPassed { side: first.side }, &setup.rules));
    }
    let late = after_deadline(req.deadline, day);
    // A delay reason explains a late hearing; on a hearing in time it says nothing.
    let delay_reason = order.delay_reason.as_deref().filter(|_| late);
    if late && delay_reason.is_none() {
        if let Some(earlier) = earlier_in_time(c, &setup, &req, Some(before.id))? {
            let c = Constraint::AfterStatutoryClock {
                deadline: req.deadline.unwrap_or(day),
                section: req.deadline_section.unwrap_or_default(),
            };
            return Err(AppError::RuleRefused {
                rule: RuleRef { rule: c.rule().into(), section: c.section(&setup.rules).into() },
                detail: format!(
                    "{}; a slot before it is free ({}), so booking later needs a recorded `delay_reason`",
                    c.detail(),
                    earlier.format("%Y-%m-%d %H:%M")
                ),
            });
        }
    }
    let hearing = store::save_booking(c, setup.court.id, &booking, day, late, delay_reason, Some(user.id), now)?;
    // Each party is told in this transaction: a booking refused later in it
    // queues nothing.
    let kind = super::notices::kind_of_booking(order.source, before.starts_at);
    super::notices::queue_for_booking(c, &setup, &case.number, &booking, kind)?;
    let view = booking_view(&booking, &setup);
    let reason = match (&order.reappearance_reason, delay_reason) {
        (Some(r), Some(d)) => Some(format!("child recalled: {r}; after the statutory clock: {d}")),
        (Some(r), None) => Some(format!("child recalled: {r}")),
        (None, Some(d)) => Some(format!("after the statutory clock: {d}")),
        (None, None) => None,
    };
    audit::append(
        c,
        &user.actor(),
        Change::new("book", "hearing", hearing.id)
            .court(Some(setup.court.id))
            .before(&views::hearing(&before))
            .after(&serde_json::json!({ "hearing": views::hearing(&hearing), "plan": &view, "via": order.source }))
            .reason(reason),
    )?;
    Ok(Booked { hearing: views::hearing(&hearing), booking: view, stored: hearing })
}

/// The earliest feasible local start on or before the hearing's clock, if
/// any: a late booking is allowed without a reason only when there is none.
pub(crate) fn earlier_in_time(
    c: &mut DbConn,
    setup: &CourtSetup,
    req: &HearingRequest,
    except: Option<i64>,
) -> Result<Option<NaiveDateTime>, AppError> {
    let Some(deadline) = req.deadline else { return Ok(None) };
    let now = setup.calendar.local(Utc::now().naive_utc());
    if deadline < now.date() {
        return Ok(None);
    }
    let days = (deadline - now.date()).num_days() as usize + 1;
    let (occ, _) = setup.occupancy(c, now.date(), days, except, &req.counsel, &persons_of(req))?;
    let window = Window { from_day: now.date(), from_minute: grid::minute(now), until_day: deadline };
    Ok(slots::first_fit(req, &setup.ctx(), &occ, window).ok().map(|p| slots::local_at(p.day, p.start)))
}

/// The first day after `after`, within `horizon_days`, on which the
/// hearing could be booked for `minutes` with its judge and room: the same
/// feasibility a booking checks (holidays, counsel, the child's hours, each
/// side's separation), not a look at the judge's and room's diaries alone.
pub(crate) fn earliest_day(
    c: &mut DbConn,
    user: &AuthUser,
    h: &Hearing,
    minutes: i32,
    after: NaiveDate,
    horizon_days: u64,
) -> Result<Option<NaiveDate>, AppError> {
    let (case, court) =
        visible_case(c, user, h.case_id).map_err(|_| AppError::not_found(format!("hearing {}", h.id)))?;
    let setup = CourtSetup::load(c, court)?;
    let spec = store::RequestSpec {
        minutes,
        child_testifies: h.child_testifies,
        video_link: store::is_video_link(h),
        judge_id: h.judge_id.filter(|j| setup.judges.contains(j)),
        room_id: h.room_id,
        // A recall already reasoned for this hearing is not asked for again.
        reappearance_reason: store::booking_row(c, h.id)?.and_then(|b| b.reappearance_reason),
        witness: db::witnesses::witness_party(c, h.id)?,
    };
    let req = store::request_for(c, &case, Some(h.id), &spec, &setup.judges, &setup.rules)?;
    let Some(first_day) = after.succ_opt() else { return Ok(None) };
    let until_day = after + chrono::Days::new(horizon_days);
    let days = usize::try_from((until_day - first_day).num_days() + 1).unwrap_or(0);
    let (occ, _) = setup.occupancy(c, first_day, days, Some(h.id), &req.counsel, &persons_of(&req))?;
    let window = Window { from_day: first_day, from_minute: 0, until_day };
    Ok(slots::first_fit(&req, &setup.ctx(), &occ, window).ok().map(|p| p.day))
}

/// The first feasible placement of an unscheduled hearing from `from_day`
/// on, over `days` days, by the same search the slot finder uses; as a
/// booking order (its own judge preferred), or None when nothing is free.
pub(crate) fn first_slot(
    c: &mut DbConn,
    user: &AuthUser,
    h: &Hearing,
    from_day: NaiveDate,
    days: usize,
    source: &'static str,
) -> Result<Option<BookOrder>, AppError> {
    let (case, court) =
        visible_case(c, user, h.case_id).map_err(|_| AppError::not_found(format!("hearing {}", h.id)))?;
    let setup = CourtSetup::load(c, court)?;
    let minutes = store::default_minutes(&h.kind, h.child_testifies, &setup.rules);
    let spec = store::RequestSpec {
        minutes,
        child_testifies: h.child_testifies,
        video_link: store::is_video_link(h),
        judge_id: h.judge_id.filter(|j| setup.judges.contains(j)),
        room_id: None,
        reappearance_reason: None,
        witness: db::witnesses::witness_party(c, h.id)?,
    };
    let req = store::request_for(c, &case, Some(h.id), &spec, &setup.judges, &setup.rules)?;
    let (occ, _) = setup.occupancy(c, from_day, days, Some(h.id), &req.counsel, &persons_of(&req))?;
    let now = setup.calendar.local(Utc::now().naive_utc());
    let from_minute = if from_day == now.date() { grid::minute(now) } else { 0 };
    let until_day = from_day + Duration::days(days as i64 - 1);
    let window = Window { from_day, from_minute, until_day };
    let Ok(p) = slots::first_fit(&req, &setup.ctx(), &occ, window) else { return Ok(None) };
    let Some(starts_at) = setup.calendar.utc(slots::local_at(p.day, p.start)) else { return Ok(None) };
    Ok(Some(BookOrder {
        hearing_id: h.id,
        starts_at,
        minutes,
        judge_id: Some(p.judge_id),
        room_id: Some(p.room_id),
        reappearance_reason: None,
        delay_reason: Some("the first slot free when it was listed".into()),
        source,
    }))
}

/// The first day after `after` on which the hearing's court sits.
pub(crate) fn first_sitting_day_after(
    c: &mut DbConn,
    h: &Hearing,
    after: NaiveDate,
) -> Result<Option<NaiveDate>, AppError> {
    let case = db::cases::find(c, h.case_id)?;
    let court = db::courts::find(c, case.court_id)?;
    let calendar = store::calendar_of(c, &court)?;
    Ok((1..=366)
        .filter_map(|n| after.checked_add_days(chrono::Days::new(n)))
        .find(|d| calendar.is_working_day(*d) && calendar.holiday(*d).is_none()))
}
