//! Each court's figures of delay by calendar month, kept as JSON rows that
//! every write changing them replaces in its own transaction; and the few
//! dated reads the figures are made from that other modules do not have.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{court_figures, courts, incidents, video_sessions, video_state_changes};
use super::DbConn;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = court_figures)]
pub struct CourtFiguresRow {
    pub court_id: i64,
    /// `YYYY-MM`, or `pending`.
    pub month: String,
    pub figures: String,
    pub updated_at: NaiveDateTime,
}

/// Replaces the court's rows with `rows`.
pub fn replace(conn: &mut DbConn, court_id: i64, rows: &[CourtFiguresRow]) -> Result<(), StoreError> {
    diesel::delete(court_figures::table.filter(court_figures::court_id.eq(court_id))).execute(conn)?;
    for row in rows {
        diesel::insert_into(court_figures::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn of_court(conn: &mut DbConn, court_id: i64) -> Result<Vec<CourtFiguresRow>, StoreError> {
    Ok(court_figures::table
        .filter(court_figures::court_id.eq(court_id))
        .order(court_figures::month)
        .select(CourtFiguresRow::as_select())
        .load(conn)?)
}

/// The rows of `courts` for the months `from..=to` (`YYYY-MM`), with each
/// court's `pending` row: (court, month, figures).
pub fn of_courts(
    conn: &mut DbConn,
    courts: &[i64],
    from: &str,
    to: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in courts.chunks(1000) {
        let rows: Vec<(i64, String, String)> = court_figures::table
            .filter(court_figures::court_id.eq_any(chunk))
            .filter(court_figures::month.between(from, to).or(court_figures::month.eq("pending")))
            .select((court_figures::court_id, court_figures::month, court_figures::figures))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Every court's id.
pub fn court_ids(conn: &mut DbConn) -> Result<Vec<i64>, StoreError> {
    Ok(courts::table.select(courts::id).order(courts::id).load(conn)?)
}

/// The days (UTC) the court's video sessions were opened, and the days
/// breaks were called in them.
pub fn video_days(conn: &mut DbConn, court_id: i64) -> Result<(Vec<NaiveDate>, Vec<NaiveDate>), StoreError> {
    let opened: Vec<NaiveDateTime> = video_sessions::table
        .filter(video_sessions::court_id.eq(court_id))
        .select(video_sessions::created_at)
        .load(conn)?;
    let breaks: Vec<NaiveDateTime> = video_state_changes::table
        .inner_join(video_sessions::table)
        .filter(video_sessions::court_id.eq(court_id))
        .filter(video_state_changes::to_state.eq("break"))
        .select(video_state_changes::at)
        .load(conn)?;
    Ok((opened.iter().map(NaiveDateTime::date).collect(), breaks.iter().map(NaiveDateTime::date).collect()))
}

/// The day (UTC) and kind of each of the court's incidents.
pub fn incident_days(conn: &mut DbConn, court_id: i64) -> Result<Vec<(NaiveDate, String)>, StoreError> {
    let rows: Vec<(NaiveDateTime, String)> = incidents::table
        .filter(incidents::court_id.eq(court_id))
        .select((incidents::occurred_at, incidents::kind))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, kind)| (at.date(), kind)).collect())
}
