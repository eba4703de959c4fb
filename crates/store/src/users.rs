//! Staff accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::users;
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub court_id: Option<i64>,
    pub active: bool,
    pub token_version: i64,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// What an account looks like to the API and the audit trail: never the
/// password hash.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub court_id: Option<i64>,
    pub active: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            court_id: u.court_id,
            active: u.active,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub court_id: Option<i64>,
    pub active: bool,
    pub token_version: i64,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, user: &NewUser) -> Result<User, StoreError> {
    diesel::insert_into(users::table).values(user).returning(users::all_columns).get_result(conn).map_err(|e| match e {
        e if super::is_unique_violation(&e) => {
            StoreError::conflict(format!("the username `{}` is taken", user.username))
        }
        e => e.into(),
    })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<User>, StoreError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

/// The display names of `ids`, by id.
pub fn display_names(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i64, String)> =
            users::table.filter(users::id.eq_any(chunk)).select((users::id, users::display_name)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table.filter(users::username.eq(username)).select(User::as_select()).first(conn).optional()?)
}

pub fn list(conn: &mut DbConn, court: Option<i64>, offset: i64, limit: i64) -> Result<(Vec<User>, i64), StoreError> {
    let mut q = users::table.into_boxed();
    let mut c = users::table.into_boxed();
    if let Some(court) = court {
        q = q.filter(users::court_id.eq(court));
        c = c.filter(users::court_id.eq(court));
    }
    let total = c.count().get_result(conn)?;
    let rows = q.order(users::id).offset(offset).limit(limit).select(User::as_select()).load(conn)?;
    Ok((rows, total))
}

/// Adds one failed login in a single statement and returns the count now:
/// concurrent failures each add one, none is lost to a read and write-back.
pub fn count_failure(conn: &mut DbConn, id: i64) -> Result<i32, StoreError> {
    Ok(diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(conn)?)
}

/// Rests the account until `until` (a lock already running longer stays).
pub fn lock_until(conn: &mut DbConn, id: i64, until: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .filter(users::locked_until.is_null().or(users::locked_until.lt(until)))
        .set(users::locked_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

pub fn record_success(conn: &mut DbConn, id: i64) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((users::failed_logins.eq(0), users::locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Invalidates every token issued so far (logout, disabling, role change).
pub fn bump_token_version(conn: &mut DbConn, id: i64) -> Result<(), StoreError> {
    diesel::update(users::table.find(id)).set(users::token_version.eq(users::token_version + 1)).execute(conn)?;
    Ok(())
}

pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> Result<User, StoreError> {
    Ok(diesel::update(users::table.find(id))
        .set((users::active.eq(active), users::token_version.eq(users::token_version + 1)))
        .returning(users::all_columns)
        .get_result(conn)?)
}

pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::token_version.eq(users::token_version + 1)))
        .execute(conn)?;
    Ok(())
}
