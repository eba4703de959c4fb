//! Parties: the people in a case, each on a side.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::parties;
use super::DbConn;
use crate::StoreError;
use amaan_domain::roles::PartyRole;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parties)]
pub struct Party {
    pub id: i64,
    pub case_id: i64,
    pub role: String,
    pub side: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub pseudonym: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Party {
    pub fn is_child(&self) -> bool {
        self.role == PartyRole::ChildWitness.as_str()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = parties)]
pub struct NewParty {
    pub case_id: i64,
    pub role: String,
    pub side: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub pseudonym: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, party: &NewParty) -> Result<Party, StoreError> {
    Ok(diesel::insert_into(parties::table).values(party).returning(parties::all_columns).get_result(conn)?)
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
