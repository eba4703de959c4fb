//! Storage for scheduling: the court calendar's holidays, counsel, booked
//! hearings with their never-meet plans, and proposed bulk plans; and the
//! loaders that turn stored rows into the domain's values.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::cases::Case;
use super::courts::Court;
use super::hearings::Hearing;
use super::schema::{
    case_counsel, cases, counsel, court_holidays, court_rooms, hearing_bookings, hearing_side_plans, hearings, parties,
    schedule_plans, users, waiting_areas,
};
use super::DbConn;
use crate::StoreError;
use amaan_domain::calendar;
use amaan_domain::hearing::{HearingMode, HearingStatus};
use amaan_domain::roles::{PartyRole, Side, StaffRole};
use amaan_domain::schedule::constraints::plan_breaks;
use amaan_domain::schedule::limits::{ClockFacts, Stopped};
use amaan_domain::schedule::model::{AreaInfo, Booking, Building, CourtCalendar, HearingRequest, RoomInfo, SidePlan};
use amaan_domain::schedule::ScheduleRules;

// ---------------------------------------------------------------- holidays

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = court_holidays)]
pub struct Holiday {
    pub id: i64,
    pub court_id: i64,
    pub day: NaiveDate,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn holidays(conn: &mut DbConn, court_id: i64) -> Result<Vec<Holiday>, StoreError> {
    Ok(court_holidays::table
        .filter(court_holidays::court_id.eq(court_id))
        .order(court_holidays::day)
        .select(Holiday::as_select())
        .load(conn)?)
}

pub fn add_holiday(
    conn: &mut DbConn,
    court_id: i64,
    day: NaiveDate,
    name: &str,
    now: NaiveDateTime,
) -> Result<Holiday, StoreError> {
    diesel::insert_into(court_holidays::table)
        .values((
            court_holidays::court_id.eq(court_id),
            court_holidays::day.eq(day),
            court_holidays::name.eq(name),
            court_holidays::created_at.eq(now),
        ))
        .returning(court_holidays::all_columns)
        .get_result(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("{day} is already a holiday of this court"))
            }
            e => e.into(),
        })
}

pub fn remove_holiday(conn: &mut DbConn, court_id: i64, day: NaiveDate) -> Result<Option<Holiday>, StoreError> {
    let found = court_holidays::table
        .filter(court_holidays::court_id.eq(court_id))
        .filter(court_holidays::day.eq(day))
        .select(Holiday::as_select())
        .first(conn)
        .optional()?;
    if let Some(h) = &found {
        diesel::delete(court_holidays::table.find(h.id)).execute(conn)?;
    }
    Ok(found)
}

// ----------------------------------------------------------------- counsel

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = counsel)]
pub struct Counsel {
    pub id: i64,
    pub name: String,
    pub enrolment_number: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseCounsel {
    pub counsel: Counsel,
    pub role: String,
}

/// The counsel with this enrolment number, made if new.
pub fn counsel_by_enrolment(
    conn: &mut DbConn,
    name: &str,
    enrolment: &str,
    now: NaiveDateTime,
) -> Result<Counsel, StoreError> {
    if let Some(c) = counsel::table
        .filter(counsel::enrolment_number.eq(enrolment))
        .select(Counsel::as_select())
        .first(conn)
        .optional()?
    {
        return Ok(c);
    }
    Ok(diesel::insert_into(counsel::table)
        .values((counsel::name.eq(name), counsel::enrolment_number.eq(enrolment), counsel::created_at.eq(now)))
        .returning(counsel::all_columns)
        .get_result(conn)?)
}

pub fn link_counsel(
    conn: &mut DbConn,
    case_id: i64,
    counsel_id: i64,
    role: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(case_counsel::table)
        .values((
            case_counsel::case_id.eq(case_id),
            case_counsel::counsel_id.eq(counsel_id),
            case_counsel::role.eq(role),
            case_counsel::created_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => StoreError::conflict("that counsel is already on this case"),
            e => e.into(),
        })?;
    Ok(())
}

pub fn counsel_of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<CaseCounsel>, StoreError> {
    let rows: Vec<(Counsel, String)> = case_counsel::table
        .inner_join(counsel::table)
        .filter(case_counsel::case_id.eq(case_id))
        .order(counsel::id)
        .select((Counsel::as_select(), case_counsel::role))
        .load(conn)?;
    Ok(rows.into_iter().map(|(counsel, role)| CaseCounsel { counsel, role }).collect())
}

fn counsel_by_case(conn: &mut DbConn, case_ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in case_ids.chunks(500) {
        let rows: Vec<(i64, i64)> = case_counsel::table
            .filter(case_counsel::case_id.eq_any(chunk))
            .order((case_counsel::case_id, case_counsel::counsel_id))
            .select((case_counsel::case_id, case_counsel::counsel_id))
            .load(conn)?;
        for (case, c) in rows {
            out.entry(case).or_default().push(c);
        }
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct LockedId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    #[allow(dead_code)]
    id: i64,
}

/// On PostgreSQL, takes for writing the rows of the counsel and of the
/// people (each person's first party row) a booking checks in every court,
/// in id order, before their sittings are read: a booking holds only its
/// own building's chain rows (`locks::court_tx`), so without this two
/// clerks of different buildings could both place one counsel or one child
/// at the same hour. On SQLite the caller's write transaction is the one
/// writer already.
pub fn lock_people(conn: &mut DbConn, counsel_ids: &[i64], persons: &[i64]) -> Result<(), StoreError> {
    let DbConn::Pg(pg) = conn else { return Ok(()) };
    let mut counsel_ids = counsel_ids.to_vec();
    counsel_ids.sort_unstable();
    counsel_ids.dedup();
    let mut persons = persons.to_vec();
    persons.sort_unstable();
    persons.dedup();
    if !counsel_ids.is_empty() {
        let _: Vec<LockedId> = diesel::sql_query("SELECT id FROM counsel WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&counsel_ids)
            .load(pg)?;
    }
    if !persons.is_empty() {
        let _: Vec<LockedId> = diesel::sql_query("SELECT id FROM parties WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&persons)
            .load(pg)?;
    }
    Ok(())
}

/// When each of these counsel is already in court (any court), overlapping
/// the window: (counsel, starts, ends).
pub fn counsel_sittings(
    conn: &mut DbConn,
    counsel_ids: &[i64],
    from: NaiveDateTime,
    to: NaiveDateTime,
    except_hearing: Option<i64>,
) -> Result<Vec<(i64, NaiveDateTime, NaiveDateTime)>, StoreError> {
    let mut out = Vec::new();
    for chunk in counsel_ids.chunks(500) {
        let rows: Vec<(i64, i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> = hearings::table
            .inner_join(case_counsel::table.on(case_counsel::case_id.eq(hearings::case_id)))
            .filter(case_counsel::counsel_id.eq_any(chunk))
            .filter(hearings::status.eq(HearingStatus::Scheduled.as_str()))
            .filter(hearings::starts_at.lt(to))
            .filter(hearings::ends_at.gt(from))
            .select((case_counsel::counsel_id, hearings::id, hearings::starts_at, hearings::ends_at))
            .load(conn)?;
        for (c, h, s, e) in rows {
            if Some(h) == except_hearing {
                continue;
            }
            if let (Some(s), Some(e)) = (s, e) {
                out.push((c, s, e));
            }
        }
    }
    Ok(out)
}

// ----------------------------------------------------------------- persons

/// Each case's people: the person of every party (one child in many cases
/// is one person) and the side they stand on.
pub fn persons_by_case(conn: &mut DbConn, case_ids: &[i64]) -> Result<HashMap<i64, Vec<(i64, Side)>>, StoreError> {
    let mut out: HashMap<i64, Vec<(i64, Side)>> = HashMap::new();
    for chunk in case_ids.chunks(500) {
        let rows: Vec<(i64, i64, Option<i64>, String)> = parties::table
            .filter(parties::case_id.eq_any(chunk))
            .order(parties::id)
            .select((parties::case_id, parties::id, parties::person_id, parties::side))
            .load(conn)?;
        for (case, id, person, side) in rows {
            let side: Side = side.parse().map_err(StoreError::internal)?;
            out.entry(case).or_default().push((person.unwrap_or(id), side));
        }
    }
    Ok(out)
}

/// When each of these people is due at a hearing (of any case, in any
/// court) overlapping the window: (person, case, from, to), from their
/// side's arrival to its departure (the sitting when there is no plan).
pub fn person_sittings(
    conn: &mut DbConn,
    persons: &[i64],
    from: NaiveDateTime,
    to: NaiveDateTime,
    except_hearing: Option<i64>,
) -> Result<Vec<(i64, i64, NaiveDateTime, NaiveDateTime)>, StoreError> {
    let mut out = Vec::new();
    for chunk in persons.chunks(500) {
        // Every party row that is one of these people, in any case.
        let rows: Vec<(i64, Option<i64>, i64, String)> = parties::table
            .filter(parties::id.eq_any(chunk).or(parties::person_id.eq_any(chunk)))
            .select((parties::id, parties::person_id, parties::case_id, parties::side))
            .load(conn)?;
        let mut cases: Vec<i64> = rows.iter().map(|r| r.2).collect();
        cases.sort_unstable();
        cases.dedup();
        let sittings: Vec<(i64, i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> = hearings::table
            .filter(hearings::case_id.eq_any(&cases))
            .filter(hearings::status.eq(HearingStatus::Scheduled.as_str()))
            .filter(hearings::starts_at.lt(to))
            .filter(hearings::ends_at.gt(from))
            .select((hearings::id, hearings::case_id, hearings::starts_at, hearings::ends_at))
            .load(conn)?;
        let ids: Vec<i64> = sittings.iter().map(|s| s.0).collect();
        let plans: Vec<(i64, String, NaiveDateTime, NaiveDateTime)> = hearing_side_plans::table
            .filter(hearing_side_plans::hearing_id.eq_any(&ids))
            .select((
                hearing_side_plans::hearing_id,
                hearing_side_plans::side,
                hearing_side_plans::arrives_at,
                hearing_side_plans::departs_at,
            ))
            .load(conn)?;
        for (hearing, case, starts, ends) in sittings {
            if Some(hearing) == except_hearing {
                continue;
            }
            let (Some(starts), Some(ends)) = (starts, ends) else { continue };
            for (id, person, _, side) in rows.iter().filter(|r| r.2 == case) {
                let plan = plans.iter().find(|p| p.0 == hearing && p.1 == *side);
                let (a, d) = plan.map_or((starts, ends), |p| (p.2.min(starts), p.3.max(ends)));
                out.push((person.unwrap_or(*id), case, a, d));
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------- court and building

pub fn calendar_of(conn: &mut DbConn, court: &Court) -> Result<CourtCalendar, StoreError> {
    let time_zone = calendar::parse_time_zone(&court.time_zone).map_err(StoreError::internal)?;
    let working_days = calendar::parse_working_days(&court.working_days).map_err(StoreError::internal)?;
    let holidays: BTreeMap<NaiveDate, String> =
        holidays(conn, court.id)?.into_iter().map(|h| (h.day, h.name)).collect();
    Ok(CourtCalendar { time_zone, opens: court.opens_at, closes: court.closes_at, working_days, holidays })
}

/// What a court's hearings are placed in: its own court rooms, and the
/// waiting areas of every court in its building (the gates and corridors
/// are the building's, so the never-meet plan shares them).
pub fn building_of(conn: &mut DbConn, court_id: i64) -> Result<Building, StoreError> {
    let courts = super::linked::building_courts(conn, court_id)?;
    let mut b = rooms_and_areas(conn, &[court_id], &courts)?;
    b.areas.sort_by_key(|a| a.id);
    Ok(b)
}

/// Every court room and waiting area of a court's building: what the
/// validator and the testimony planner of linked cases look at.
pub fn whole_building_of(conn: &mut DbConn, court_id: i64) -> Result<Building, StoreError> {
    let courts = super::linked::building_courts(conn, court_id)?;
    rooms_and_areas(conn, &courts, &courts)
}

fn rooms_and_areas(conn: &mut DbConn, room_courts: &[i64], area_courts: &[i64]) -> Result<Building, StoreError> {
    let rooms: Vec<(i64, String, bool)> = court_rooms::table
        .filter(court_rooms::court_id.eq_any(room_courts))
        .order(court_rooms::id)
        .select((court_rooms::id, court_rooms::name, court_rooms::video_link))
        .load(conn)?;
    let areas: Vec<(i64, String, bool, String)> = waiting_areas::table
        .filter(waiting_areas::court_id.eq_any(area_courts))
        .order(waiting_areas::id)
        .select((waiting_areas::id, waiting_areas::name, waiting_areas::child_friendly, waiting_areas::entrance))
        .load(conn)?;
    Ok(Building {
        rooms: rooms.into_iter().map(|(id, name, video_link)| RoomInfo { id, name, video_link }).collect(),
        areas: areas
            .into_iter()
            .map(|(id, name, child_friendly, entrance)| AreaInfo { id, name, child_friendly, entrance })
            .collect(),
    })
}

/// The court's active judges, by id.
pub fn judges_of(conn: &mut DbConn, court_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(users::table
        .filter(users::court_id.eq(court_id))
        .filter(users::role.eq(StaffRole::Judge.as_str()))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::id)
        .load(conn)?)
}

// ---------------------------------------------------------------- requests

/// What a clerk asks for, beyond what the case says.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub minutes: i32,
    pub child_testifies: bool,
    pub video_link: bool,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub reappearance_reason: Option<String>,
    /// The child party who testifies, where the hearing is one child's of
    /// several (a booked testimony plan): a recall is then this child's
    /// second sitting, not another child's first.
    pub witness: Option<i64>,
}

/// The length a hearing of this kind is given when nobody says otherwise.
pub fn default_minutes(kind: &str, child_testifies: bool, rules: &ScheduleRules) -> i32 {
    let m = match kind {
        "evidence" => 120,
        "cross_examination" => 90,
        "charge" | "arguments" => 60,
        _ => 30,
    };
    if child_testifies {
        m.clamp(rules.min_child_in_court_minutes(), rules.max_child_sitting_minutes)
    } else {
        m
    }
}

/// A hearing request from the case's parties, counsel and history.
pub fn request_for(
    conn: &mut DbConn,
    case: &Case,
    hearing_id: Option<i64>,
    spec: &RequestSpec,
    court_judges: &[i64],
    rules: &ScheduleRules,
) -> Result<HearingRequest, StoreError> {
    let party_rows: Vec<(String, String)> =
        parties::table.filter(parties::case_id.eq(case.id)).select((parties::role, parties::side)).load(conn)?;
    let persons = persons_by_case(conn, &[case.id])?.remove(&case.id).unwrap_or_default();
    let mut sides: Vec<Side> = party_rows.iter().filter_map(|(_, s)| s.parse().ok()).collect();
    sides.sort();
    sides.dedup();
    let child_victim = party_rows.iter().any(|(r, _)| r == PartyRole::ChildWitness.as_str());
    let counsel = counsel_by_case(conn, &[case.id])?.remove(&case.id).unwrap_or_default();
    // The child is called again when the child's evidence is already
    // recorded in full (real appearances, kept on the case's facts) or
    // another hearing for it is already listed.
    let mut listed = hearings::table
        .filter(hearings::case_id.eq(case.id))
        .filter(hearings::child_testifies.eq(true))
        .filter(hearings::status.eq(HearingStatus::Scheduled.as_str()))
        .into_boxed();
    if let Some(id) = hearing_id {
        listed = listed.filter(hearings::id.ne(id));
    }
    let facts = super::course::facts_of(conn, case.id)?;
    let stopped = Stopped {
        child_evidence: facts.as_ref().is_some_and(|f| f.child_evidence_on.is_some()),
        trial_started: facts.as_ref().is_some_and(|f| f.trial_started_on.is_some()),
        trial_concluded: facts.as_ref().is_some_and(|f| f.trial_concluded_on.is_some()),
        decided: facts.as_ref().is_some_and(|f| f.decided_on.is_some()),
    };
    let child_testified_before = match spec.witness {
        Some(party) => spec.child_testifies && super::witnesses::heard_or_listed(conn, party, hearing_id)?,
        None => spec.child_testifies && (stopped.child_evidence || listed.count().get_result::<i64>(conn)? > 0),
    };
    let deadline = rules.deadline(&ClockFacts {
        cognizance: case.cognizance_date,
        child_victim,
        accused_in_custody: case.accused_in_custody,
        child_testifies: spec.child_testifies,
        stopped,
    });
    Ok(HearingRequest {
        hearing_id: hearing_id.unwrap_or(0),
        case_id: case.id,
        minutes: spec.minutes,
        child_testifies: spec.child_testifies,
        video_link: spec.video_link,
        sides,
        judges: match spec.judge_id {
            Some(j) => vec![j],
            None => court_judges.to_vec(),
        },
        rooms: spec.room_id.into_iter().collect(),
        counsel,
        persons,
        child_victim,
        deadline: deadline.map(|d| d.day),
        deadline_section: deadline.map(|d| d.section),
        child_testified_before,
        reappearance_reason: spec.reappearance_reason.clone(),
    })
}

/// The court's hearings waiting for a slot.
pub fn unscheduled(conn: &mut DbConn, court_id: i64) -> Result<Vec<(Hearing, Case)>, StoreError> {
    Ok(hearings::table
        .inner_join(cases::table)
        .filter(cases::court_id.eq(court_id))
        .filter(hearings::status.eq(HearingStatus::Unscheduled.as_str()))
        .order(hearings::id)
        .select((Hearing::as_select(), Case::as_select()))
        .load(conn)?)
}

pub fn is_video_link(h: &Hearing) -> bool {
    h.mode == HearingMode::VideoLink.as_str()
}

// ---------------------------------------------------------------- bookings

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = hearing_side_plans)]
pub struct SidePlanRow {
    pub id: i64,
    pub hearing_id: i64,
    pub court_id: i64,
    pub local_day: NaiveDate,
    pub side: String,
    pub waiting_area_id: i64,
    pub entrance: String,
    pub arrives_at: NaiveDateTime,
    pub departs_at: NaiveDateTime,
    pub enters_court_at: Option<NaiveDateTime>,
    pub leaves_court_at: Option<NaiveDateTime>,
}

impl SidePlanRow {
    pub fn plan(&self) -> Option<SidePlan> {
        Some(SidePlan {
            side: self.side.parse().ok()?,
            waiting_area_id: self.waiting_area_id,
            entrance: self.entrance.clone(),
            arrives_at: self.arrives_at,
            departs_at: self.departs_at,
            enters_court_at: self.enters_court_at,
            leaves_court_at: self.leaves_court_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = hearing_bookings)]
pub struct BookingRow {
    pub hearing_id: i64,
    pub court_id: i64,
    pub local_day: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub after_deadline: bool,
    pub delay_reason: Option<String>,
    pub reappearance_reason: Option<String>,
    pub booked_by: Option<i64>,
    pub booked_at: NaiveDateTime,
}

pub fn side_plans(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<SidePlanRow>, StoreError> {
    Ok(hearing_side_plans::table
        .filter(hearing_side_plans::hearing_id.eq(hearing_id))
        .order(hearing_side_plans::id)
        .select(SidePlanRow::as_select())
        .load(conn)?)
}

pub fn booking_row(conn: &mut DbConn, hearing_id: i64) -> Result<Option<BookingRow>, StoreError> {
    Ok(hearing_bookings::table.find(hearing_id).select(BookingRow::as_select()).first(conn).optional()?)
}

/// The scheduled hearings of the court's building (every court that shares
/// its gates and waiting areas) overlapping [from, to), as bookings with
/// their side plans and counsel; `except` leaves one hearing out (the one
/// being re-booked).
pub fn bookings_between(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    except: Option<i64>,
    rules: &ScheduleRules,
) -> Result<Vec<Booking>, StoreError> {
    let courts = super::linked::building_courts(conn, court_id)?;
    let mut q = hearings::table
        .inner_join(cases::table)
        .filter(cases::court_id.eq_any(courts))
        .filter(hearings::status.eq(HearingStatus::Scheduled.as_str()))
        .filter(hearings::starts_at.lt(to))
        .filter(hearings::ends_at.gt(from))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(hearings::id.ne(id));
    }
    let rows: Vec<Hearing> = q.order(hearings::id).select(Hearing::as_select()).load(conn)?;
    as_bookings(conn, rows, rules)
}

/// The scheduled hearings of other courts overlapping [from, to) at which
/// any of these people is due, as bookings: what the validator needs to
/// see one person in two courts at once.
pub fn bookings_of_persons_elsewhere(
    conn: &mut DbConn,
    court_id: i64,
    persons: &[i64],
    from: NaiveDateTime,
    to: NaiveDateTime,
    rules: &ScheduleRules,
) -> Result<Vec<Booking>, StoreError> {
    let mut rows: Vec<Hearing> = Vec::new();
    for chunk in persons.chunks(500) {
        let cases: Vec<i64> = parties::table
            .filter(parties::id.eq_any(chunk).or(parties::person_id.eq_any(chunk)))
            .select(parties::case_id)
            .distinct()
            .load(conn)?;
        let found: Vec<Hearing> = hearings::table
            .inner_join(cases::table)
            .filter(cases::id.eq_any(&cases))
            .filter(cases::court_id.ne(court_id))
            .filter(hearings::status.eq(HearingStatus::Scheduled.as_str()))
            .filter(hearings::starts_at.lt(to))
            .filter(hearings::ends_at.gt(from))
            .select(Hearing::as_select())
            .load(conn)?;
        rows.extend(found);
    }
    rows.sort_by_key(|h| h.id);
    rows.dedup_by_key(|h| h.id);
    as_bookings(conn, rows, rules)
}

/// Stored hearings as bookings, with their side plans, notes, counsel and
/// people.
fn as_bookings(conn: &mut DbConn, rows: Vec<Hearing>, rules: &ScheduleRules) -> Result<Vec<Booking>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|h| h.id).collect();
    let mut plans: HashMap<i64, Vec<SidePlan>> = HashMap::new();
    let mut notes: HashMap<i64, BookingRow> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<SidePlanRow> = hearing_side_plans::table
            .filter(hearing_side_plans::hearing_id.eq_any(chunk))
            .order(hearing_side_plans::id)
            .select(SidePlanRow::as_select())
            .load(conn)?;
        for r in found {
            if let Some(p) = r.plan() {
                plans.entry(r.hearing_id).or_default().push(p);
            }
        }
        let found: Vec<BookingRow> = hearing_bookings::table
            .filter(hearing_bookings::hearing_id.eq_any(chunk))
            .select(BookingRow::as_select())
            .load(conn)?;
        for r in found {
            notes.insert(r.hearing_id, r);
        }
    }
    let case_ids: Vec<i64> = {
        let mut v: Vec<i64> = rows.iter().map(|h| h.case_id).collect();
        v.sort();
        v.dedup();
        v
    };
    let counsel = counsel_by_case(conn, &case_ids)?;
    let persons = persons_by_case(conn, &case_ids)?;
    let witnesses = super::witnesses::witnesses_of(conn, &ids)?;
    let mut out = Vec::with_capacity(rows.len());
    for h in rows {
        let (Some(judge_id), Some(room_id), Some(starts_at), Some(ends_at)) =
            (h.judge_id, h.room_id, h.starts_at, h.ends_at)
        else {
            continue;
        };
        let note = notes.remove(&h.id);
        out.push(Booking {
            hearing_id: h.id,
            case_id: h.case_id,
            judge_id,
            room_id,
            starts_at,
            ends_at,
            child_testifies: h.child_testifies,
            video_link: is_video_link(&h),
            counsel: counsel.get(&h.case_id).cloned().unwrap_or_default(),
            persons: persons.get(&h.case_id).cloned().unwrap_or_default(),
            child_testified_before: false,
            reappearance_reason: note.as_ref().and_then(|n| n.reappearance_reason.clone()),
            witness: witnesses.get(&h.id).copied(),
            deadline: note.as_ref().and_then(|n| n.deadline),
            sides: plans.remove(&h.id).unwrap_or_default(),
            // derived, not stored: the same rule always gives the same breaks
            breaks: if h.child_testifies { plan_breaks(starts_at, ends_at, rules) } else { Vec::new() },
        });
    }
    Ok(out)
}

/// Writes a booking: the hearing's judge, room and times, its side plans
/// and its notes, replacing any earlier booking of the same hearing. Call
/// inside `db::write_tx`, after every constraint was re-checked there.
#[allow(clippy::too_many_arguments)]
pub fn save_booking(
    conn: &mut DbConn,
    court_id: i64,
    b: &Booking,
    local_day: NaiveDate,
    after_deadline: bool,
    delay_reason: Option<&str>,
    booked_by: Option<i64>,
    now: NaiveDateTime,
) -> Result<Hearing, StoreError> {
    let h: Hearing = diesel::update(hearings::table.find(b.hearing_id))
        .set((
            hearings::judge_id.eq(Some(b.judge_id)),
            hearings::room_id.eq(Some(b.room_id)),
            hearings::starts_at.eq(Some(b.starts_at)),
            hearings::ends_at.eq(Some(b.ends_at)),
            hearings::status.eq(HearingStatus::Scheduled.as_str()),
        ))
        .returning(hearings::all_columns)
        .get_result(conn)?;
    diesel::delete(hearing_side_plans::table.filter(hearing_side_plans::hearing_id.eq(b.hearing_id))).execute(conn)?;
    diesel::delete(hearing_bookings::table.filter(hearing_bookings::hearing_id.eq(b.hearing_id))).execute(conn)?;
    for s in &b.sides {
        diesel::insert_into(hearing_side_plans::table)
            .values((
                hearing_side_plans::hearing_id.eq(b.hearing_id),
                hearing_side_plans::court_id.eq(court_id),
                hearing_side_plans::local_day.eq(local_day),
                hearing_side_plans::side.eq(s.side.as_str()),
                hearing_side_plans::waiting_area_id.eq(s.waiting_area_id),
                hearing_side_plans::entrance.eq(&s.entrance),
                hearing_side_plans::arrives_at.eq(s.arrives_at),
                hearing_side_plans::departs_at.eq(s.departs_at),
                hearing_side_plans::enters_court_at.eq(s.enters_court_at),
                hearing_side_plans::leaves_court_at.eq(s.leaves_court_at),
            ))
            .execute(conn)?;
    }
    diesel::insert_into(hearing_bookings::table)
        .values((
            hearing_bookings::hearing_id.eq(b.hearing_id),
            hearing_bookings::court_id.eq(court_id),
            hearing_bookings::local_day.eq(local_day),
            hearing_bookings::deadline.eq(b.deadline),
            hearing_bookings::after_deadline.eq(after_deadline),
            hearing_bookings::delay_reason.eq(delay_reason),
            hearing_bookings::reappearance_reason.eq(b.reappearance_reason.as_deref()),
            hearing_bookings::booked_by.eq(booked_by),
            hearing_bookings::booked_at.eq(now),
        ))
        .execute(conn)?;
    Ok(h)
}

// ------------------------------------------------------------------- plans

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = schedule_plans)]
pub struct PlanRow {
    pub id: i64,
    pub court_id: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub from_day: NaiveDate,
    pub until_day: NaiveDate,
    pub proposal: String,
}

pub fn save_plan(
    conn: &mut DbConn,
    court_id: i64,
    created_by: Option<i64>,
    now: NaiveDateTime,
    from_day: NaiveDate,
    until_day: NaiveDate,
    proposal: &str,
) -> Result<PlanRow, StoreError> {
    Ok(diesel::insert_into(schedule_plans::table)
        .values((
            schedule_plans::court_id.eq(court_id),
            schedule_plans::created_by.eq(created_by),
            schedule_plans::created_at.eq(now),
            schedule_plans::from_day.eq(from_day),
            schedule_plans::until_day.eq(until_day),
            schedule_plans::proposal.eq(proposal),
        ))
        .returning(schedule_plans::all_columns)
        .get_result(conn)?)
}

pub fn find_plan(conn: &mut DbConn, id: i64) -> Result<PlanRow, StoreError> {
    schedule_plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("plan {id}")))
}
