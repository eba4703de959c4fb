//! Booking a linked group's testimony plan: the clerk books the planned
//! sittings in one request, all or nothing. Each sitting becomes an
//! evidence hearing of its case, named for its child, and is booked by
//! `booking::book_in_tx` — the same checks as a booking by hand (never-meet
//! plan, double booking, the child's recall) — so one refusal leaves
//! nothing written.

use std::collections::BTreeSet;

use chrono::{NaiveDateTime, Utc};
use serde::Serialize;

use super::booking::{self, BookOrder, Booked};
use super::testimony::load_group;
use crate::api::cases::visible_case;
use crate::auth::AuthUser;
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::hearing::{HearingMode, HearingStatus};
use crate::domain::rules;
use crate::error::AppError;

/// The largest plan booked in one request (the Kasur trials had 280 children).
pub(crate) const MAX_SITTINGS: usize = 1000;

/// One planned sitting as the clerk books it: the child's party (the plan's
/// `party_id`) and the sitting's time, judge and room.
pub(crate) struct SittingOrder {
    pub party_id: i64,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub judge_id: i64,
    pub room_id: i64,
}

#[derive(Serialize)]
pub(crate) struct BookedPlan {
    group: Vec<i64>,
    booked: usize,
    hearings: Vec<i64>,
    sittings: Vec<Booked>,
}

/// Sittings named twice in one request: each child is heard once.
pub(crate) fn repeated_parties(orders: &[SittingOrder]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for o in orders {
        if !seen.insert(o.party_id) {
            twice.insert(o.party_id);
        }
    }
    twice.into_iter().collect()
}

/// Books every sitting of `orders` for the linked group of `case_id`,
/// inside the caller's write transaction: any refusal is returned and the
/// caller's transaction writes nothing.
pub(crate) fn book_plan(
    c: &mut DbConn,
    viewer: &AuthUser,
    case_id: i64,
    orders: &[SittingOrder],
    delay_reason: Option<String>,
) -> Result<BookedPlan, AppError> {
    if orders.is_empty() {
        return Err(AppError::invalid("sittings", "name at least one planned sitting to book"));
    }
    if let Some(p) = repeated_parties(orders).first() {
        return Err(AppError::invalid("sittings", format!("party {p} is named twice: each child is heard once")));
    }
    let group = load_group(c, case_id)?;
    let first = group.cases.first().ok_or_else(|| AppError::not_found(format!("case {case_id}")))?;
    let court = db::courts::find(c, first.court_id)?;
    let profile = rules::profile(&court.rule_profile).map_err(AppError::internal)?;
    let shared = profile.sitting.linked_evidence_read_in_each.as_ref().is_some_and(|r| r.value);
    let mut hearings = Vec::with_capacity(orders.len());
    let mut sittings = Vec::with_capacity(orders.len());
    for (i, o) in orders.iter().enumerate() {
        let field = format!("sittings[{i}]");
        let party = group.parties.iter().find(|p| p.id == o.party_id && p.is_child()).ok_or_else(|| {
            AppError::invalid(&field, format!("party {} is not a child witness of these linked cases", o.party_id))
        })?;
        let (case, _) = visible_case(c, viewer, party.case_id).map_err(|_| {
            AppError::invalid(
                &field,
                format!("case {} is another court's: its own clerk books its sittings", party.case_id),
            )
        })?;
        let pseudonym = party.pseudonym.clone().unwrap_or_else(|| "the child".into());
        if !group.cases_to_hear(party.person(), shared).contains(&party.case_id) {
            return Err(AppError::conflict(format!(
                "{pseudonym} of case {}: the evidence is already recorded; the child is not called again by a plan",
                case.number
            )));
        }
        if let Some(h) = db::witnesses::listed_for(c, party.person(), None)?.first() {
            return Err(AppError::conflict(format!(
                "{pseudonym} of case {} already has a sitting listed (hearing {h}): a plan is booked once",
                case.number
            )));
        }
        booking::minutes_of(&field, o.minutes)?;
        let h = db::hearings::create(
            c,
            &db::hearings::NewHearing {
                case_id: case.id,
                kind: "evidence".into(),
                judge_id: Some(o.judge_id),
                room_id: Some(o.room_id),
                starts_at: None,
                ends_at: None,
                child_testifies: true,
                mode: HearingMode::VideoLink.as_str().into(),
                status: HearingStatus::Unscheduled.as_str().into(),
                created_at: Utc::now().naive_utc(),
            },
        )?;
        db::witnesses::set_witness(c, h.id, party.id)?;
        audit::append(
            c,
            &viewer.actor(),
            Change::new("create", "hearing", h.id)
                .court(Some(case.court_id))
                .after(&serde_json::json!({ "hearing": &h, "witness_party_id": party.id, "via": "testimony_plan" })),
        )?;
        let order = BookOrder {
            hearing_id: h.id,
            starts_at: o.starts_at,
            minutes: o.minutes,
            judge_id: Some(o.judge_id),
            room_id: Some(o.room_id),
            reappearance_reason: None,
            delay_reason: delay_reason.clone(),
            source: "plan",
        };
        hearings.push(h.id);
        sittings.push(booking::book_in_tx(c, viewer, &order)?);
    }
    let ids: Vec<i64> = group.cases.iter().map(|k| k.id).collect();
    audit::append(
        c,
        &viewer.actor(),
        Change::new("book_plan", "case", case_id)
            .court(Some(court.id))
            .after(&serde_json::json!({ "group": &ids, "hearings": &hearings })),
    )?;
    Ok(BookedPlan { group: ids, booked: hearings.len(), hearings, sittings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(party_id: i64) -> SittingOrder {
        SittingOrder { party_id, starts_at: NaiveDateTime::default(), minutes: 60, judge_id: 1, room_id: 1 }
    }

    #[test]
    fn a_child_named_twice_in_one_request_is_found() {
        assert_eq!(repeated_parties(&[order(1), order(2), order(3)]), Vec::<i64>::new());
        assert_eq!(repeated_parties(&[order(4), order(2), order(4), order(2), order(4)]), vec![2, 4]);
    }
}
