//! What the API shows of stored rows, with a child's identity withheld
//! from every role that may not see it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::db::cases::Case;
use crate::db::hearings::Hearing;
use crate::db::parties::Party;
use crate::domain::privacy;
use crate::domain::roles::StaffRole;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[derive(Debug, Clone, Serialize)]
pub struct PartyView {
    pub id: i64,
    pub case_id: i64,
    pub role: String,
    pub side: String,
    /// The real name, or the pseudonym where the viewer may not see it.
    pub name: String,
    pub pseudonym: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub identity_withheld: bool,
}

pub fn party(p: &Party, viewer: Option<StaffRole>, today: NaiveDate) -> PartyView {
    let age = p.date_of_birth.map(|dob| privacy::age_in_years(dob, today));
    let may_see = viewer.is_some_and(privacy::may_see_child_identity);
    if p.is_child() && !may_see {
        PartyView {
            id: p.id,
            case_id: p.case_id,
            role: p.role.clone(),
            side: p.side.clone(),
            name: p.pseudonym.clone().unwrap_or_else(|| "Child".into()),
            pseudonym: p.pseudonym.clone(),
            date_of_birth: None,
            age,
            identity_withheld: true,
        }
    } else {
        PartyView {
            id: p.id,
            case_id: p.case_id,
            role: p.role.clone(),
            side: p.side.clone(),
            name: p.name.clone(),
            pseudonym: p.pseudonym.clone(),
            date_of_birth: p.date_of_birth,
            age,
            identity_withheld: false,
        }
    }
}

/// The audit trail's copy of a party: never the child's name or birth date.
pub fn party_for_audit(p: &Party) -> serde_json::Value {
    if p.is_child() {
        serde_json::json!({
            "id": p.id, "case_id": p.case_id, "role": p.role, "side": p.side,
            "pseudonym": p.pseudonym, "name": "[withheld]", "date_of_birth": "[withheld]",
        })
    } else {
        serde_json::json!({
            "id": p.id, "case_id": p.case_id, "role": p.role, "side": p.side, "name": p.name,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildSummary {
    pub pseudonym: String,
    pub age: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub court_id: i64,
    pub number: String,
    pub offence: String,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
    pub status: String,
    pub child_victim: bool,
    pub children: Vec<ChildSummary>,
    pub created_at: DateTime<Utc>,
}

pub fn case(c: &Case, parties: &[Party], today: NaiveDate) -> CaseView {
    let children: Vec<ChildSummary> = parties
        .iter()
        .filter(|p| p.case_id == c.id && p.is_child())
        .map(|p| ChildSummary {
            pseudonym: p.pseudonym.clone().unwrap_or_else(|| "Child".into()),
            age: p.date_of_birth.map(|dob| privacy::age_in_years(dob, today)),
        })
        .collect();
    CaseView {
        id: c.id,
        court_id: c.court_id,
        number: c.number.clone(),
        offence: c.offence.clone(),
        cognizance_date: c.cognizance_date,
        accused_in_custody: c.accused_in_custody,
        status: c.status.clone(),
        child_victim: !children.is_empty(),
        children,
        created_at: utc(c.created_at),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HearingView {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub child_testifies: bool,
    pub mode: String,
    pub status: String,
}

pub fn hearing(h: &Hearing) -> HearingView {
    HearingView {
        id: h.id,
        case_id: h.case_id,
        kind: h.kind.clone(),
        judge_id: h.judge_id,
        room_id: h.room_id,
        starts_at: h.starts_at.map(utc),
        ends_at: h.ends_at.map(utc),
        child_testifies: h.child_testifies,
        mode: h.mode.clone(),
        status: h.status.clone(),
    }
}
