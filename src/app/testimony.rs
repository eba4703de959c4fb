//! A linked group of cases as one: its cases, its children (one person
//! each across the cases), the accused's associates, and the plan of every
//! child's single sitting with the what-if answers on capacity. Reads
//! only: the plan is a proposal the clerk books hearing by hearing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, Weekday};
use serde::Serialize;

use super::booking::{booking_view, rules_for, BookingView, CourtSetup};
use crate::api::views::{self, PartyView};
use crate::auth::AuthUser;
use crate::db::{self, cases::Case, linked, parties::Party, schedule as store, DbConn};
use crate::domain::roles::{PartyRole, Side};
use crate::domain::rules;
use crate::domain::schedule::capacity::{self, Limits, WhatIf};
use crate::domain::schedule::testimony::{ChildToHear, TestimonyInput};
use crate::error::AppError;

/// The largest group planned on request: the Kasur trials had 280 children.
const MAX_CHILDREN: usize = 1000;
/// The longest a plan may look ahead.
const MAX_DAYS: i64 = 366;

#[derive(Serialize)]
struct CaseRef {
    id: i64,
    number: String,
    court_id: i64,
}

/// One child of the group: one person across the linked cases.
#[derive(Serialize)]
struct GroupChild {
    person: i64,
    /// The child as the caller may see it (pseudonym and age where the
    /// caller may not see names, or the case is another court's).
    party: PartyView,
    /// Every linked case the child is a witness in.
    cases: Vec<i64>,
    /// The guardian who brings the child: children with one are siblings.
    family: i64,
}

pub(crate) struct Group {
    pub(crate) cases: Vec<Case>,
    pub(crate) parties: Vec<Party>,
    /// Person → the child's first party row and every case it is in.
    pub(crate) children: BTreeMap<i64, (Party, Vec<i64>)>,
    /// Child party → the guardian party named at its registration.
    pub(crate) guardians: std::collections::HashMap<i64, i64>,
    /// Child parties whose evidence is recorded in full (child_facts, from
    /// the recorded outcomes and appearances).
    pub(crate) heard: BTreeSet<i64>,
}

pub(crate) fn load_group(c: &mut DbConn, case_id: i64) -> Result<Group, AppError> {
    let ids = linked::group_of(c, case_id)?;
    let mut cases = Vec::with_capacity(ids.len());
    for id in &ids {
        cases.push(db::cases::find(c, *id)?);
    }
    let parties = db::parties::of_cases(c, &ids)?;
    let mut children: BTreeMap<i64, (Party, Vec<i64>)> = BTreeMap::new();
    for p in parties.iter().filter(|p| p.is_child()) {
        let entry = children.entry(p.person()).or_insert_with(|| (p.clone(), Vec::new()));
        entry.1.push(p.case_id);
    }
    let child_ids: Vec<i64> = parties.iter().filter(|p| p.is_child()).map(|p| p.id).collect();
    let guardians = db::witnesses::guardians_of(c, &child_ids)?;
    let heard = db::course::child_facts_of(c, &ids)?
        .into_iter()
        .filter(|f| f.evidence_complete_on.is_some())
        .map(|f| f.party_id)
        .collect();
    Ok(Group { cases, parties, children, guardians, heard })
}

impl Group {
    /// The cases in which this child (a person) still has evidence to give:
    /// none once it is recorded in any of them, where the profile lets one
    /// testimony be read in each; otherwise the cases without it.
    pub(crate) fn cases_to_hear(&self, person: i64, shared: bool) -> Vec<i64> {
        let rows: Vec<&Party> = self.parties.iter().filter(|p| p.is_child() && p.person() == person).collect();
        if shared && rows.iter().any(|p| self.heard.contains(&p.id)) {
            return Vec::new();
        }
        rows.iter().filter(|p| !self.heard.contains(&p.id)).map(|p| p.case_id).collect()
    }
}

/// The family a child comes with: the person of the guardian named at
/// the registration of any of the child's party rows (children with one
/// are siblings); a child with none named comes as a family of its own.
fn family_of(group: &Group, child: &Party) -> i64 {
    let person = child.person();
    group
        .parties
        .iter()
        .filter(|p| p.is_child() && p.person() == person)
        .find_map(|p| group.guardians.get(&p.id))
        .and_then(|g| group.parties.iter().find(|p| p.id == *g))
        .map_or(-person, |g| g.person())
}

fn child_view(
    viewer: &AuthUser,
    own_court: Option<i64>,
    case: Option<&Case>,
    p: &Party,
    today: NaiveDate,
) -> PartyView {
    // A child of a case of another court in the building is shown by
    // pseudonym to everyone here.
    let may_see = case.is_some_and(|k| own_court == Some(k.court_id) || viewer.is_system_admin());
    views::party(p, if may_see { Some(viewer.role) } else { None }, today)
}

/// The group a case belongs to: its cases, children and associates.
pub(crate) fn group_view(c: &mut DbConn, viewer: &AuthUser, case_id: i64) -> Result<serde_json::Value, AppError> {
    let group = load_group(c, case_id)?;
    let first = group.cases.first().ok_or_else(|| AppError::not_found(format!("case {case_id}")))?;
    let court = db::courts::find(c, first.court_id)?;
    let today = crate::domain::calendar::local_date(&court.time_zone, chrono::Utc::now());
    let children: Vec<GroupChild> = group
        .children
        .iter()
        .map(|(person, (p, cases))| GroupChild {
            person: *person,
            party: child_view(viewer, viewer.court_id, group.cases.iter().find(|k| k.id == p.case_id), p, today),
            cases: cases.clone(),
            family: family_of(&group, p),
        })
        .collect();
    let ids: Vec<i64> = group.cases.iter().map(|k| k.id).collect();
    let associates = linked::associates_of(c, &ids)?;
    let mut accused: BTreeSet<i64> = BTreeSet::new();
    for p in group.parties.iter().filter(|p| p.side == Side::Accused.as_str() && p.role == PartyRole::Accused.as_str())
    {
        accused.insert(p.person());
    }
    Ok(serde_json::json!({
        "id": first.id,
        "cases": group.cases.iter().map(|k| CaseRef { id: k.id, number: k.number.clone(), court_id: k.court_id }).collect::<Vec<_>>(),
        "children": children,
        "accused": accused.len(),
        "associates": associates,
    }))
}

/// What the clerk asks of a plan; None takes the default.
pub(crate) struct PlanAsk {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub video_days: Option<Vec<Weekday>>,
}

#[derive(Serialize)]
struct PlannedSitting {
    child: PartyView,
    /// The child's party in the case the evidence is taken in: what
    /// booking the plan names.
    party_id: i64,
    family: i64,
    case_id: i64,
    /// The linked cases the evidence is read in (all of the child's cases
    /// when the profile lets one testimony serve them).
    read_in: Vec<i64>,
    deadline: Option<NaiveDate>,
    days_late: i64,
    booking: BookingView,
}

#[derive(Serialize)]
struct LateChild {
    child: PartyView,
    days_late: i64,
}

#[derive(Serialize)]
struct Unplaced {
    child: PartyView,
    rule: &'static str,
    detail: String,
}

#[derive(Serialize)]
struct AssociateRef {
    id: i64,
    case_id: i64,
    name: String,
    relation: String,
    /// Associates come, if they come, with the accused side of every
    /// sitting: by its gate, to its waiting area, at its times.
    side: Side,
}

/// Plans every child's single sitting in the group of `case_id`.
pub(crate) fn plan_group(
    c: &mut DbConn,
    viewer: &AuthUser,
    case_id: i64,
    ask: &PlanAsk,
) -> Result<serde_json::Value, AppError> {
    let group = load_group(c, case_id)?;
    let first = group.cases.first().ok_or_else(|| AppError::not_found(format!("case {case_id}")))?;
    if group.children.is_empty() {
        return Err(AppError::conflict("the linked cases have no child witness to plan"));
    }
    if group.children.len() > MAX_CHILDREN {
        return Err(AppError::conflict(format!("a group of more than {MAX_CHILDREN} children is planned in parts")));
    }
    // The building's calendar is its first case's court's: linked cases
    // are tried in one building.
    let court = db::courts::find(c, first.court_id)?;
    let profile = rules::profile(&court.rule_profile).map_err(AppError::internal)?;
    let setup = CourtSetup::load(c, court)?;
    let today = setup.today();
    let from = ask.from.unwrap_or(today + Duration::days(1));
    if from <= today {
        return Err(AppError::invalid("from", "a plan starts after today"));
    }
    let until = ask.until.unwrap_or(from + Duration::days(180));
    if until < from || (until - from).num_days() > MAX_DAYS {
        return Err(AppError::invalid("until", format!("`until` must be on or after `from`, within {MAX_DAYS} days")));
    }
    let shared = profile.sitting.linked_evidence_read_in_each.as_ref().is_some_and(|r| r.value);
    let base_minutes = ask.minutes.unwrap_or_else(|| store::default_minutes("evidence", true, &setup.rules));
    let building = store::whole_building_of(c, setup.court.id)?;

    // Each case's clock, counsel and accused, as a hearing of it would be asked for.
    let mut per_case: BTreeMap<i64, (Option<NaiveDate>, Option<&'static str>, Vec<i64>, Vec<i64>, Vec<i64>)> =
        BTreeMap::new();
    let mut judges_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    // A child is heard in a video room of the court trying the case, where
    // its judge sits and where a booking of that court may go.
    let mut rooms_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for case in &group.cases {
        if let std::collections::btree_map::Entry::Vacant(e) = judges_of.entry(case.court_id) {
            e.insert(store::judges_of(c, case.court_id)?);
            let own = store::building_of(c, case.court_id)?;
            rooms_of.insert(case.court_id, own.rooms.iter().filter(|r| r.video_link).map(|r| r.id).collect());
        }
        let court_rules = rules_for(&db::courts::find(c, case.court_id)?)?;
        let spec =
            store::RequestSpec { minutes: base_minutes, child_testifies: true, video_link: true, ..Default::default() };
        let req = store::request_for(c, case, None, &spec, &judges_of[&case.court_id], &court_rules)?;
        let accused: Vec<i64> = req.persons.iter().filter(|(_, s)| *s == Side::Accused).map(|(p, _)| *p).collect();
        per_case.insert(case.id, (req.deadline, req.deadline_section, req.counsel, accused, req.judges));
    }

    let mut children = Vec::with_capacity(group.children.len());
    let mut heard: Vec<i64> = Vec::new();
    for (person, (party, _)) in &group.children {
        // A child whose evidence is recorded is not called again by a plan.
        let cases = group.cases_to_hear(*person, shared);
        if cases.is_empty() {
            heard.push(*person);
            continue;
        }
        let cases = &cases;
        let mut accused = Vec::new();
        let mut counsel = Vec::new();
        let mut deadline: Option<(NaiveDate, &'static str)> = None;
        for k in cases {
            if let Some((d, sec, co, acc, _)) = per_case.get(k) {
                accused.extend(acc.iter().copied());
                counsel.extend(co.iter().copied());
                if let (Some(d), Some(sec)) = (d, sec) {
                    if deadline.is_none_or(|(x, _)| *d < x) {
                        deadline = Some((*d, *sec));
                    }
                }
            }
        }
        accused.sort_unstable();
        accused.dedup();
        counsel.sort_unstable();
        counsel.dedup();
        // One appearance either way; without the profile's leave the
        // evidence is given in each case, one after another, in it.
        let minutes = if shared { base_minutes } else { base_minutes * cases.len() as i32 };
        // The evidence is taken in the first case it is still owed in.
        let case_id = if cases.contains(&party.case_id) { party.case_id } else { cases[0] };
        let judges = per_case.get(&case_id).map(|x| x.4.clone()).unwrap_or_default();
        children.push(ChildToHear {
            child: *person,
            guardian: family_of(&group, party),
            born: party.date_of_birth.unwrap_or(NaiveDate::MIN),
            case_id,
            deadline: deadline.map(|d| d.0),
            deadline_section: deadline.map(|d| d.1),
            minutes,
            judges,
            accused,
            counsel,
            rooms: group
                .cases
                .iter()
                .find(|k| k.id == case_id)
                .and_then(|k| rooms_of.get(&k.court_id))
                .cloned()
                .unwrap_or_default(),
        });
    }

    let from_utc = setup.calendar.day_start_utc(from);
    let to_utc = setup.calendar.day_start_utc(until + Duration::days(1));
    let existing = store::bookings_between(c, setup.court.id, from_utc, to_utc, None, &setup.rules)?;
    let video_days = ask.video_days.clone().unwrap_or_else(|| setup.calendar.working_days.clone());
    let input = TestimonyInput {
        calendar: setup.calendar.clone(),
        building: building.clone(),
        rules: setup.rules.clone(),
        children,
        video_days,
        existing,
        from_day: from,
        until_day: until,
    };
    let limits = Limits {
        latest_child_hours_to: profile
            .sitting
            .child_hours_latest
            .as_ref()
            .map_or(setup.rules.child_hours_to, |r| r.value.max(setup.rules.child_hours_to)),
    };
    let (plan, what_if): (_, Vec<WhatIf>) = capacity::what_if(&input, limits);

    let whole = CourtSetup { building, ..setup };
    let case_of = |id: i64| group.cases.iter().find(|k| k.id == id);
    let view_of = |person: i64| -> Option<PartyView> {
        let (p, _) = group.children.get(&person)?;
        Some(child_view(viewer, viewer.court_id, case_of(p.case_id), p, today))
    };
    let sittings: Vec<PlannedSitting> = plan
        .sittings
        .iter()
        .filter_map(|s| {
            let (_, cases) = group.children.get(&s.child)?;
            let party =
                group.parties.iter().find(|p| p.is_child() && p.person() == s.child && p.case_id == s.case_id)?;
            Some(PlannedSitting {
                child: view_of(s.child)?,
                party_id: party.id,
                family: s.guardian,
                case_id: s.case_id,
                read_in: if shared { cases.clone() } else { vec![s.case_id] },
                deadline: s.booking.deadline,
                days_late: s.days_late,
                booking: booking_view(&s.booking, &whole),
            })
        })
        .collect();
    let late: Vec<LateChild> = plan
        .late()
        .into_iter()
        .filter_map(|(child, days_late)| Some(LateChild { child: view_of(child)?, days_late }))
        .collect();
    let not_placed: Vec<Unplaced> = plan
        .not_placed
        .iter()
        .filter_map(|n| Some(Unplaced { child: view_of(n.child)?, rule: n.rule, detail: n.detail.clone() }))
        .collect();
    let ids: Vec<i64> = group.cases.iter().map(|k| k.id).collect();
    let associates: Vec<AssociateRef> = linked::associates_of(c, &ids)?
        .into_iter()
        .map(|a| AssociateRef { id: a.id, case_id: a.case_id, name: a.name, relation: a.relation, side: Side::Accused })
        .collect();
    let already_heard: Vec<PartyView> = heard.iter().filter_map(|p| view_of(*p)).collect();
    Ok(serde_json::json!({
        "group": ids,
        "from": from,
        "until": until,
        "minutes": base_minutes,
        "evidence_read_in_each": shared,
        "children": group.children.len(),
        // Children whose evidence is already recorded in full: not planned.
        "already_heard": { "count": already_heard.len(), "children": already_heard },
        "in_time": plan.in_time(),
        "late": late,
        "not_placed": not_placed,
        "sittings": sittings,
        "what_if": what_if,
        "associates": associates,
    }))
}
