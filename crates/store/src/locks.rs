//! The locks a write transaction takes first, so that writes of different
//! courts do not wait on each other on PostgreSQL.
//!
//! - `write_tx` (lib.rs): the one `audit_head` row FOR UPDATE. Every other
//!   writer waits; for writes that are not one court's (users, courts,
//!   rooms, buildings, keys), and on SQLite for every write, where the
//!   database has one writer anyway.
//! - `court_tx`: the head FOR SHARE (so it waits for, and holds off, the
//!   writes of `write_tx`), then the audit chain rows of the court and of
//!   every court of its building FOR UPDATE, in chain-id order. A booking
//!   and a never-meet plan look at the whole building (its rooms, gates and
//!   waiting areas, the sittings of people shared between linked cases), so
//!   two writers of one building are serialised as one court's are; two
//!   writers of different buildings hold disjoint rows and run together.
//! - `background_tx`: no head lock on PostgreSQL. For the workers (notices,
//!   video recordings), whose row updates are guarded by their own
//!   conditions and whose audit events (if any) lock their own chain row in
//!   `audit::append`. If they took the head FOR UPDATE, one held court
//!   transaction would queue them on it, and PostgreSQL's fair lock queue
//!   would then queue every new court writer's FOR SHARE behind them.
//!
//! Lock order, to keep deadlocks out: head, then chain rows ascending, then
//! the rows of the change. Every `court_tx` of a building takes the same
//! set of chain rows, so the court's own rows are only written under it.

use diesel::prelude::*;

use crate::schema::{adjournments, cases, court_buildings, hearings};
use crate::{audit, DbConn, StoreError};

/// Which court a write belongs to, by what the request names; resolved to
/// the court inside the transaction (a case never changes court).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Court(i64),
    Case(i64),
    Hearing(i64),
    Adjournment(i64),
}

/// A write of one court's; see the module's comment. When the scope names
/// nothing that exists, it is a `write_tx`, so the caller's own lookup
/// inside `f` refuses it as it would have.
pub fn court_tx<T, E, F>(conn: &mut DbConn, scope: Scope, f: F) -> Result<T, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
    F: FnOnce(&mut DbConn) -> Result<T, E>,
{
    if matches!(conn, DbConn::Sqlite(_)) || audit::one_chain_for_benchmark() {
        return crate::write_tx(conn, f);
    }
    conn.transaction(|c| {
        lock_court(c, scope)?;
        f(c)
    })
}

/// A write of a background worker: no head lock on PostgreSQL (see the
/// module's comment); on SQLite a `write_tx`, whose first write takes the
/// database's write lock up front where the busy timeout applies.
pub fn background_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
    F: FnOnce(&mut DbConn) -> Result<T, E>,
{
    if matches!(conn, DbConn::Sqlite(_)) {
        return crate::write_tx(conn, f);
    }
    conn.transaction(f)
}

#[derive(QueryableByName)]
struct ChainId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chain_id: i64,
}

fn lock_court(conn: &mut DbConn, scope: Scope) -> Result<(), StoreError> {
    let DbConn::Pg(pg) = conn else { return audit::lock_head(conn) };
    // First, so that what is read next (the court's building) cannot change
    // until the commit: buildings change only under `write_tx`.
    diesel::sql_query("SELECT 1 FROM audit_head WHERE id = 1 FOR SHARE").execute(pg)?;
    // A scope that names nothing: `f` refuses it, and any event it still
    // appends locks its own chain row.
    let Some(court) = court_of(conn, scope)? else { return Ok(()) };
    let chains = chains_to_lock(court, &building_courts(conn, court)?);
    let DbConn::Pg(pg) = conn else { return Ok(()) };
    audit::ensure_chains_pg(pg, &chains)?;
    let locked: Vec<ChainId> =
        diesel::sql_query("SELECT chain_id FROM audit_chains WHERE chain_id = ANY($1) ORDER BY chain_id FOR UPDATE")
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&chains)
            .load(pg)?;
    if locked.iter().map(|r| r.chain_id).ne(chains.iter().copied()) {
        return Err(StoreError::internal("an audit chain row of the court's building is missing"));
    }
    Ok(())
}

fn court_of(conn: &mut DbConn, scope: Scope) -> Result<Option<i64>, StoreError> {
    let case = match scope {
        Scope::Court(id) => return Ok(Some(id)),
        Scope::Adjournment(id) => {
            return Ok(adjournments::table.find(id).select(adjournments::court_id).first(conn).optional()?)
        }
        Scope::Case(id) => Some(id),
        Scope::Hearing(id) => hearings::table.find(id).select(hearings::case_id).first(conn).optional()?,
    };
    let Some(case) = case else { return Ok(None) };
    Ok(cases::table.find(case).select(cases::court_id).first(conn).optional()?)
}

/// The courts that share the court's building, itself among them.
fn building_courts(conn: &mut DbConn, court: i64) -> Result<Vec<i64>, StoreError> {
    let building: Option<i64> =
        court_buildings::table.find(court).select(court_buildings::building_id).first(conn).optional()?;
    match building {
        Some(b) => Ok(court_buildings::table
            .filter(court_buildings::building_id.eq(b))
            .select(court_buildings::court_id)
            .load(conn)?),
        None => Ok(Vec::new()),
    }
}

/// The chain rows a court's write locks: its own and its building's
/// courts', each once, ascending (the one order every writer takes them in).
pub fn chains_to_lock(court: i64, building: &[i64]) -> Vec<i64> {
    let mut chains: Vec<i64> =
        std::iter::once(court).chain(building.iter().copied()).map(|c| audit::chain_of(Some(c))).collect();
    chains.sort_unstable();
    chains.dedup();
    chains
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_court_alone_locks_its_own_chain() {
        assert_eq!(chains_to_lock(7, &[]), vec![7]);
    }

    #[test]
    fn a_building_locks_every_court_in_it_once_in_ascending_order() {
        assert_eq!(chains_to_lock(7, &[9, 3, 7]), vec![3, 7, 9]);
        assert_eq!(chains_to_lock(3, &[9, 3, 7]), chains_to_lock(9, &[7, 9, 3]));
    }
}
