//! Mass-victim cases: buildings that several courts share, links between
//! cases of one occurrence, and the persons beyond the parties the child
//! side must never meet (the accused's associates).

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{buildings, case_associates, case_links, court_buildings};
use super::DbConn;
use crate::StoreError;

// --------------------------------------------------------------- buildings

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = buildings)]
pub struct BuildingRow {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn create_building(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> Result<BuildingRow, StoreError> {
    diesel::insert_into(buildings::table)
        .values((buildings::name.eq(name), buildings::created_at.eq(now)))
        .returning(buildings::all_columns)
        .get_result(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => StoreError::conflict(format!("a building named {name} exists")),
            e => e.into(),
        })
}

pub fn buildings(conn: &mut DbConn) -> Result<Vec<BuildingRow>, StoreError> {
    Ok(buildings::table.order(buildings::id).select(BuildingRow::as_select()).load(conn)?)
}

pub fn find_building(conn: &mut DbConn, id: i64) -> Result<BuildingRow, StoreError> {
    buildings::table
        .find(id)
        .select(BuildingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("building {id}")))
}

/// Puts a court in a building (or moves it to another).
pub fn place_court(conn: &mut DbConn, court_id: i64, building_id: i64) -> Result<(), StoreError> {
    diesel::delete(court_buildings::table.find(court_id)).execute(conn)?;
    diesel::insert_into(court_buildings::table)
        .values((court_buildings::court_id.eq(court_id), court_buildings::building_id.eq(building_id)))
        .execute(conn)?;
    Ok(())
}

/// The building a court is in, if it was put in one.
pub fn building_of_court(conn: &mut DbConn, court_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(court_buildings::table.find(court_id).select(court_buildings::building_id).first(conn).optional()?)
}

/// Every court of a building, by id.
pub fn courts_in_building(conn: &mut DbConn, building_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(court_buildings::table
        .filter(court_buildings::building_id.eq(building_id))
        .order(court_buildings::court_id)
        .select(court_buildings::court_id)
        .load(conn)?)
}

/// The courts that share a court's building, itself included; a court in
/// no building shares it with nobody.
pub fn building_courts(conn: &mut DbConn, court_id: i64) -> Result<Vec<i64>, StoreError> {
    match building_of_court(conn, court_id)? {
        Some(b) => courts_in_building(conn, b),
        None => Ok(vec![court_id]),
    }
}

// ------------------------------------------------------------------- links

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = case_links)]
pub struct CaseLink {
    pub id: i64,
    pub case_id: i64,
    pub linked_case_id: i64,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl CaseLink {
    /// The other case of the link, seen from `case_id`.
    pub fn other(&self, case_id: i64) -> i64 {
        if self.case_id == case_id {
            self.linked_case_id
        } else {
            self.case_id
        }
    }
}

/// Links two cases; the pair is stored lower id first, once.
pub fn add_link(
    conn: &mut DbConn,
    a: i64,
    b: i64,
    reason: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<CaseLink, StoreError> {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    diesel::insert_into(case_links::table)
        .values((
            case_links::case_id.eq(lo),
            case_links::linked_case_id.eq(hi),
            case_links::reason.eq(reason),
            case_links::created_by.eq(by),
            case_links::created_at.eq(now),
        ))
        .returning(case_links::all_columns)
        .get_result(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("cases {lo} and {hi} are already linked"))
            }
            e => e.into(),
        })
}

pub fn remove_link(conn: &mut DbConn, a: i64, b: i64) -> Result<Option<CaseLink>, StoreError> {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    let found = case_links::table
        .filter(case_links::case_id.eq(lo))
        .filter(case_links::linked_case_id.eq(hi))
        .select(CaseLink::as_select())
        .first(conn)
        .optional()?;
    if let Some(l) = &found {
        diesel::delete(case_links::table.find(l.id)).execute(conn)?;
    }
    Ok(found)
}

pub fn links_of(conn: &mut DbConn, case_id: i64) -> Result<Vec<CaseLink>, StoreError> {
    Ok(case_links::table
        .filter(case_links::case_id.eq(case_id).or(case_links::linked_case_id.eq(case_id)))
        .order(case_links::id)
        .select(CaseLink::as_select())
        .load(conn)?)
}

/// Every case linked to `case_id`, directly or through other links, with
/// itself, in id order: the group that is tried as one.
pub fn group_of(conn: &mut DbConn, case_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut seen: BTreeSet<i64> = BTreeSet::from([case_id]);
    let mut frontier = vec![case_id];
    while !frontier.is_empty() {
        let rows: Vec<(i64, i64)> = case_links::table
            .filter(case_links::case_id.eq_any(&frontier).or(case_links::linked_case_id.eq_any(&frontier)))
            .select((case_links::case_id, case_links::linked_case_id))
            .load(conn)?;
        frontier = rows.into_iter().flat_map(|(a, b)| [a, b]).filter(|c| seen.insert(*c)).collect();
    }
    Ok(seen.into_iter().collect())
}

// -------------------------------------------------------------- associates

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = case_associates)]
pub struct Associate {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    pub relation: String,
    /// The party this person already is in some case (an accused of a
    /// linked case named again), if the prosecution says so.
    pub party_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_associates)]
pub struct NewAssociate {
    pub case_id: i64,
    pub name: String,
    pub relation: String,
    pub party_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn add_associate(conn: &mut DbConn, new: &NewAssociate) -> Result<Associate, StoreError> {
    Ok(diesel::insert_into(case_associates::table)
        .values(new)
        .returning(case_associates::all_columns)
        .get_result(conn)?)
}

pub fn associates_of(conn: &mut DbConn, case_ids: &[i64]) -> Result<Vec<Associate>, StoreError> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(500) {
        let found: Vec<Associate> = case_associates::table
            .filter(case_associates::case_id.eq_any(chunk))
            .order(case_associates::id)
            .select(Associate::as_select())
            .load(conn)?;
        out.extend(found);
    }
    out.sort_by_key(|a| a.id);
    Ok(out)
}
