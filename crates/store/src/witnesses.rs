//! Who brings a child and who testifies: a child witness's guardian
//! (children of one guardian are siblings, heard on one day), and the
//! child a hearing is for where a case has several children.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{child_facts, child_guardians, hearing_witnesses, hearings, parties};
use super::DbConn;
use crate::StoreError;
use amaan_domain::hearing::HearingStatus;

pub fn set_guardian(conn: &mut DbConn, party_id: i64, guardian_party_id: i64) -> Result<(), StoreError> {
    diesel::insert_into(child_guardians::table)
        .values((child_guardians::party_id.eq(party_id), child_guardians::guardian_party_id.eq(guardian_party_id)))
        .execute(conn)?;
    Ok(())
}

/// Child party → its guardian's party, for these children.
pub fn guardians_of(conn: &mut DbConn, party_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in party_ids.chunks(500) {
        let rows: Vec<(i64, i64)> = child_guardians::table
            .filter(child_guardians::party_id.eq_any(chunk))
            .select((child_guardians::party_id, child_guardians::guardian_party_id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

pub fn set_witness(conn: &mut DbConn, hearing_id: i64, party_id: i64) -> Result<(), StoreError> {
    diesel::insert_into(hearing_witnesses::table)
        .values((hearing_witnesses::hearing_id.eq(hearing_id), hearing_witnesses::party_id.eq(party_id)))
        .execute(conn)?;
    Ok(())
}

/// Hearing → the person of the child it is for, for these hearings.
pub fn witnesses_of(conn: &mut DbConn, hearing_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in hearing_ids.chunks(500) {
        let rows: Vec<(i64, i64, Option<i64>)> = hearing_witnesses::table
            .inner_join(parties::table.on(parties::id.eq(hearing_witnesses::party_id)))
            .filter(hearing_witnesses::hearing_id.eq_any(chunk))
            .select((hearing_witnesses::hearing_id, parties::id, parties::person_id))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(h, p, person)| (h, person.unwrap_or(p))));
    }
    Ok(out)
}

/// The scheduled hearings at which this person (a child) is the named
/// witness, leaving out `except`.
pub fn listed_for(conn: &mut DbConn, person: i64, except: Option<i64>) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64, String)> = hearing_witnesses::table
        .inner_join(parties::table.on(parties::id.eq(hearing_witnesses::party_id)))
        .inner_join(hearings::table.on(hearings::id.eq(hearing_witnesses::hearing_id)))
        .filter(parties::id.eq(person).or(parties::person_id.eq(person)))
        .select((hearings::id, hearings::status))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(id, status)| Some(*id) != except && status == HearingStatus::Scheduled.as_str())
        .map(|(id, _)| id)
        .collect())
}

/// Whether the child of this party (as one person across cases) has given
/// evidence in full, or is already listed to testify at another hearing
/// than `except`: a further sitting is then a recall.
pub fn heard_or_listed(conn: &mut DbConn, party_id: i64, except: Option<i64>) -> Result<bool, StoreError> {
    let person = super::parties::find(conn, party_id)?.person();
    if !listed_for(conn, person, except)?.is_empty() {
        return Ok(true);
    }
    let rows: Vec<i64> = parties::table
        .filter(parties::id.eq(person).or(parties::person_id.eq(person)))
        .select(parties::id)
        .load(conn)?;
    let complete: i64 = child_facts::table
        .filter(child_facts::party_id.eq_any(&rows))
        .filter(child_facts::evidence_complete_on.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(complete > 0)
}

/// The child party a hearing is for, if it names one.
pub fn witness_party(conn: &mut DbConn, hearing_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(hearing_witnesses::table.find(hearing_id).select(hearing_witnesses::party_id).first(conn).optional()?)
}
