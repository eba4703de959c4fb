//! Courts and their buildings: court rooms and waiting areas.

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{court_rooms, courts, waiting_areas};
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = courts)]
pub struct Court {
    pub id: i64,
    pub name: String,
    pub rule_profile: String,
    pub time_zone: String,
    pub opens_at: NaiveTime,
    pub closes_at: NaiveTime,
    pub working_days: String,
    pub created_at: NaiveDateTime,
    /// Where the court sits, as oversight groups courts.
    pub province: Option<String>,
    pub district: Option<String>,
}

#[derive(Debug, Clone, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = courts)]
pub struct CourtForm {
    pub name: String,
    pub rule_profile: String,
    pub time_zone: String,
    pub opens_at: NaiveTime,
    pub closes_at: NaiveTime,
    pub working_days: String,
    pub province: Option<String>,
    pub district: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = court_rooms)]
pub struct Room {
    pub id: i64,
    pub court_id: i64,
    pub name: String,
    pub video_link: bool,
    pub capacity: i32,
}

#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = court_rooms)]
pub struct NewRoom {
    pub court_id: i64,
    pub name: String,
    pub video_link: bool,
    pub capacity: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = waiting_areas)]
pub struct WaitingArea {
    pub id: i64,
    pub court_id: i64,
    pub name: String,
    pub child_friendly: bool,
    pub entrance: String,
    pub capacity: i32,
}

#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = waiting_areas)]
pub struct NewWaitingArea {
    pub court_id: i64,
    pub name: String,
    pub child_friendly: bool,
    pub entrance: String,
    pub capacity: i32,
}

pub fn create(conn: &mut DbConn, form: &CourtForm, now: NaiveDateTime) -> Result<Court, StoreError> {
    Ok(diesel::insert_into(courts::table)
        .values((form, courts::created_at.eq(now)))
        .returning(courts::all_columns)
        .get_result(conn)?)
}

pub fn update(conn: &mut DbConn, id: i64, form: &CourtForm) -> Result<Court, StoreError> {
    Ok(diesel::update(courts::table.find(id)).set(form).returning(courts::all_columns).get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Court, StoreError> {
    courts::table
        .find(id)
        .select(Court::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("court {id}")))
}

/// Courts visible to a user: one court for court staff, all for a system
/// administrator (`only` = None).
pub fn list(conn: &mut DbConn, only: Option<i64>, offset: i64, limit: i64) -> Result<(Vec<Court>, i64), StoreError> {
    let mut q = courts::table.into_boxed();
    let mut c = courts::table.into_boxed();
    if let Some(id) = only {
        q = q.filter(courts::id.eq(id));
        c = c.filter(courts::id.eq(id));
    }
    let total = c.count().get_result(conn)?;
    let rows = q.order(courts::id).offset(offset).limit(limit).select(Court::as_select()).load(conn)?;
    Ok((rows, total))
}

pub fn add_room(conn: &mut DbConn, room: &NewRoom) -> Result<Room, StoreError> {
    diesel::insert_into(court_rooms::table).values(room).returning(court_rooms::all_columns).get_result(conn).map_err(
        |e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("the court already has a room named `{}`", room.name))
            }
            e => e.into(),
        },
    )
}

pub fn rooms(conn: &mut DbConn, court_id: i64, offset: i64, limit: i64) -> Result<(Vec<Room>, i64), StoreError> {
    let total = court_rooms::table.filter(court_rooms::court_id.eq(court_id)).count().get_result(conn)?;
    let rows = court_rooms::table
        .filter(court_rooms::court_id.eq(court_id))
        .order(court_rooms::id)
        .offset(offset)
        .limit(limit)
        .select(Room::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find_room(conn: &mut DbConn, id: i64) -> Result<Room, StoreError> {
    court_rooms::table
        .find(id)
        .select(Room::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("court room {id}")))
}

pub fn add_waiting_area(conn: &mut DbConn, area: &NewWaitingArea) -> Result<WaitingArea, StoreError> {
    diesel::insert_into(waiting_areas::table)
        .values(area)
        .returning(waiting_areas::all_columns)
        .get_result(conn)
        .map_err(|e| match e {
            e if super::is_unique_violation(&e) => {
                StoreError::conflict(format!("the court already has a waiting area named `{}`", area.name))
            }
            e => e.into(),
        })
}

pub fn waiting_areas(
    conn: &mut DbConn,
    court_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<WaitingArea>, i64), StoreError> {
    let total = waiting_areas::table.filter(waiting_areas::court_id.eq(court_id)).count().get_result(conn)?;
    let rows = waiting_areas::table
        .filter(waiting_areas::court_id.eq(court_id))
        .order(waiting_areas::id)
        .offset(offset)
        .limit(limit)
        .select(WaitingArea::as_select())
        .load(conn)?;
    Ok((rows, total))
}
