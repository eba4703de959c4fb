//! Parties: the people in a case, each on a side. A party's name and date
//! of birth are sealed at rest (see `identity`): read through `Party` they
//! come back plain; the name is searched only through its blind index.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{cases, parties};
use super::DbConn;
use crate::identity::{self, SealedBirth, SealedName};
use crate::StoreError;
use amaan_domain::roles::PartyRole;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parties)]
pub struct Party {
    pub id: i64,
    pub case_id: i64,
    pub role: String,
    pub side: String,
    #[diesel(deserialize_as = SealedName)]
    pub name: String,
    #[diesel(column_name = birth_sealed, deserialize_as = SealedBirth)]
    pub date_of_birth: Option<NaiveDate>,
    pub pseudonym: Option<String>,
    pub created_at: NaiveDateTime,
    /// The first party row of the same person in another case; None for a
    /// person of their own.
    pub person_id: Option<i64>,
}

impl Party {
    pub fn is_child(&self) -> bool {
        self.role == PartyRole::ChildWitness.as_str()
    }

    /// The person this party is: one track across every case they are in.
    pub fn person(&self) -> i64 {
        self.person_id.unwrap_or(self.id)
    }
}

/// A party to register, in plaintext: `create` seals it.
#[derive(Debug, Clone)]
pub struct NewParty {
    pub case_id: i64,
    pub role: String,
    pub side: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub pseudonym: Option<String>,
    pub created_at: NaiveDateTime,
    pub person_id: Option<i64>,
}

pub fn create(conn: &mut DbConn, party: &NewParty) -> Result<Party, StoreError> {
    let id: i64 = diesel::insert_into(parties::table)
        .values((
            parties::case_id.eq(party.case_id),
            parties::role.eq(&party.role),
            parties::side.eq(&party.side),
            parties::name.eq(identity::seal(identity::PARTY_NAME, &party.name)?),
            parties::name_index.eq(identity::name_index(&party.name)?),
            parties::birth_sealed.eq(identity::seal_date(party.date_of_birth)?),
            parties::pseudonym.eq(&party.pseudonym),
            parties::created_at.eq(party.created_at),
            parties::person_id.eq(party.person_id),
        ))
        .returning(parties::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Party, StoreError> {
    parties::table
        .find(id)
        .select(Party::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("party {id}")))
}

pub fn count_children(conn: &mut DbConn, case_id: i64) -> Result<i64, StoreError> {
    Ok(parties::table
        .filter(parties::case_id.eq(case_id))
        .filter(parties::role.eq(PartyRole::ChildWitness.as_str()))
        .count()
        .get_result(conn)?)
}

pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<Party>, StoreError> {
    Ok(parties::table.filter(parties::case_id.eq(case_id)).order(parties::id).select(Party::as_select()).load(conn)?)
}

pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> Result<Vec<Party>, StoreError> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(parties::table
        .filter(parties::case_id.eq_any(case_ids))
        .order(parties::id)
        .select(Party::as_select())
        .load(conn)?)
}

/// The blind index of a child's name: its case and the entries of its parts.
pub type NameIndex = (i64, Vec<String>);

fn indexes(rows: Vec<(i64, String)>) -> Vec<NameIndex> {
    rows.into_iter().map(|(case, index)| (case, identity::index_entries(&index))).collect()
}

/// The blind index of every child's name registered in a court's cases,
/// with the case: what free text written in that court is checked against.
pub fn child_names_of_court(conn: &mut DbConn, court_id: i64) -> Result<Vec<NameIndex>, StoreError> {
    Ok(indexes(
        parties::table
            .inner_join(cases::table)
            .filter(cases::court_id.eq(court_id))
            .filter(parties::role.eq(PartyRole::ChildWitness.as_str()))
            .select((parties::case_id, parties::name_index))
            .load(conn)?,
    ))
}

/// The blind index of every child's name registered anywhere, for the few
/// texts that belong to no court yet (a new court's name, a system
/// administrator).
pub fn child_names_everywhere(conn: &mut DbConn) -> Result<Vec<NameIndex>, StoreError> {
    Ok(indexes(
        parties::table
            .filter(parties::role.eq(PartyRole::ChildWitness.as_str()))
            .select((parties::case_id, parties::name_index))
            .load(conn)?,
    ))
}
