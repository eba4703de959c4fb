//! The mark of a database `amaan demo` made: one row in `demo_marker`. The
//! demo replaces only a marked database, never a court's.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Timestamp};
use diesel::{RunQueryDsl, SqliteConnection};

use crate::{DbConn, StoreError};

/// Marks this database as a demo's; inside the seeding transaction.
pub fn mark(conn: &mut DbConn, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::sql_query("INSERT INTO demo_marker (id, created_at) VALUES (1, $1)")
        .bind::<Timestamp, _>(at)
        .execute(conn)?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// True only if the SQLite database holds the mark; a database without the
/// table (an older one, another program's) is not a demo.
pub fn is_demo_sqlite(conn: &mut SqliteConnection) -> bool {
    let rows: Result<Vec<Count>, _> = diesel::sql_query("SELECT COUNT(*) AS n FROM demo_marker").load(conn);
    matches!(rows.as_deref(), Ok([Count { n }]) if *n > 0)
}

/// How many events the audit trail holds: every write leaves one, so a
/// database with none has never held a court's data.
pub fn audit_events(conn: &mut DbConn) -> Result<i64, StoreError> {
    let rows: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM audit_events").load(conn)?;
    Ok(rows.first().map(|r| r.n).unwrap_or(0))
}
