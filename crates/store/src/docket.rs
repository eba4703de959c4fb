//! The reads behind the docket, the child-cases list, the cause list and
//! escalations. Written as SQL text, one string for both backends, so the
//! benchmark can run the very same statements raw through the driver.
//!
//! `$n` parameters: PostgreSQL numbers them as written; SQLite treats `$n`
//! as a name and numbers names in order of FIRST APPEARANCE in the text. The
//! two agree only if `$1, $2, …` first appear in that order, so each
//! statement here is written that way (a subquery in the select list comes
//! before the WHERE clause).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use crate::StoreError;

/// Per case, what its clocks and score need, all kept on its `case_facts`
/// row (written in the transaction of each outcome, step and adjournment),
/// so the docket aggregates none of the case's hearings. A case nothing
/// has happened to yet has no row.
const CASE_FACTS: &str = "\
CAST(COALESCE(f.adjournments, 0) AS BIGINT) AS adjournments, \
f.child_evidence_on, f.trial_started_on, f.trial_concluded_on, f.decided_on";

const FACTS_JOIN: &str = "LEFT JOIN case_facts f ON f.case_id = c.id";

/// What happened at a hearing, from its current outcome.
const OUTCOME: &str = "o.kind AS outcome_kind, o.reason_code AS outcome_reason, o.caused_by AS outcome_cause, \
o.child_evidence AS outcome_child_evidence, o.proceedings AS outcome_proceedings";

const OUTCOME_JOIN: &str = "LEFT JOIN hearing_outcomes o ON o.hearing_id = h.id AND o.is_current";

const LISTED: &str = "h.status IN ('scheduled', 'held', 'not_held')";

/// A case still tried here; a decided or disposed case leaves the docket,
/// the child-cases list and the escalations.
const PENDING: &str = "c.status IN ('open', 'evidence', 'arguments', 'judgment_reserved')";

const CHILD_COLUMNS: &str = "p.id, p.case_id, p.name, p.birth_sealed, p.pseudonym, \
COALESCE(cf.brought, 0) AS brought, COALESCE(cf.testified, 0) AS testified";

/// A judge's hearings from $2 (inclusive) to $3 (exclusive), UTC.
pub fn judge_hearings_sql() -> String {
    format!(
        "SELECT h.id AS hearing_id, h.case_id, h.kind, h.judge_id, h.room_id, r.name AS room_name, h.starts_at, h.ends_at, \
         h.child_testifies, h.mode, h.status, c.number, c.offence, c.cognizance_date, c.accused_in_custody, c.status AS case_status, \
         {CASE_FACTS}, {OUTCOME} \
         FROM hearings h JOIN cases c ON c.id = h.case_id LEFT JOIN court_rooms r ON r.id = h.room_id {FACTS_JOIN} {OUTCOME_JOIN} \
         WHERE h.judge_id = $1 AND h.starts_at >= $2 AND h.starts_at < $3 AND {LISTED} AND {PENDING} \
         ORDER BY h.starts_at, h.id"
    )
}

/// The children of the cases `judge_hearings_sql` returns, same parameters.
pub fn judge_children_sql() -> String {
    format!(
        "SELECT {CHILD_COLUMNS} FROM parties p LEFT JOIN child_facts cf ON cf.party_id = p.id \
         WHERE p.role = 'child_witness' AND p.case_id IN \
         (SELECT h.case_id FROM hearings h WHERE h.judge_id = $1 AND h.starts_at >= $2 AND h.starts_at < $3 AND {LISTED}) \
         ORDER BY p.case_id, p.id"
    )
}

/// A court's hearings from $2 to $3, UTC, whatever became of their cases
/// since (the day's cause list shows what happened).
fn court_hearings_sql() -> String {
    format!(
        "SELECT h.id AS hearing_id, h.case_id, h.kind, h.judge_id, h.room_id, r.name AS room_name, h.starts_at, h.ends_at, \
         h.child_testifies, h.mode, h.status, c.number, c.offence, c.cognizance_date, c.accused_in_custody, c.status AS case_status, \
         {CASE_FACTS}, {OUTCOME} \
         FROM hearings h JOIN cases c ON c.id = h.case_id LEFT JOIN court_rooms r ON r.id = h.room_id {FACTS_JOIN} {OUTCOME_JOIN} \
         WHERE c.court_id = $1 AND h.starts_at >= $2 AND h.starts_at < $3 AND {LISTED} \
         ORDER BY h.starts_at, h.id"
    )
}

fn court_children_sql() -> String {
    format!(
        "SELECT {CHILD_COLUMNS} FROM parties p LEFT JOIN child_facts cf ON cf.party_id = p.id \
         WHERE p.role = 'child_witness' AND p.case_id IN \
         (SELECT h.case_id FROM hearings h JOIN cases c ON c.id = h.case_id \
          WHERE c.court_id = $1 AND h.starts_at >= $2 AND h.starts_at < $3 AND {LISTED}) \
         ORDER BY p.case_id, p.id"
    )
}

#[derive(Debug, Clone, QueryableByName)]
pub struct HearingRow {
    #[diesel(sql_type = BigInt)]
    pub hearing_id: i64,
    #[diesel(sql_type = BigInt)]
    pub case_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub judge_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub room_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub room_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub starts_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub ends_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Bool)]
    pub child_testifies: bool,
    #[diesel(sql_type = Text)]
    pub mode: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(embed)]
    pub case: CaseRow,
    #[diesel(embed)]
    pub outcome: OutcomeCols,
}

/// The hearing's current outcome, in brief; all None when none is recorded.
#[derive(Debug, Clone, QueryableByName)]
pub struct OutcomeCols {
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome_kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome_cause: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome_child_evidence: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome_proceedings: Option<String>,
}

/// A case with the facts its clocks need.
#[derive(Debug, Clone, QueryableByName)]
pub struct CaseRow {
    #[diesel(sql_type = BigInt)]
    pub case_id: i64,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub offence: String,
    #[diesel(sql_type = Date)]
    pub cognizance_date: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub accused_in_custody: bool,
    #[diesel(sql_type = Text)]
    pub case_status: String,
    #[diesel(sql_type = BigInt)]
    pub adjournments: i64,
    #[diesel(sql_type = Nullable<Date>)]
    pub child_evidence_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub trial_started_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub trial_concluded_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub decided_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ChildRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub case_id: i64,
    /// Sealed at rest; opened as it is read.
    #[diesel(sql_type = Text, deserialize_as = crate::identity::SealedName)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>, column_name = birth_sealed, deserialize_as = crate::identity::SealedBirth)]
    pub date_of_birth: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub pseudonym: Option<String>,
    /// Times brought to court, and times heard.
    #[diesel(sql_type = Integer)]
    pub brought: i32,
    #[diesel(sql_type = Integer)]
    pub testified: i32,
}

fn ranged<T: QueryableByName<super::MultiBackend> + 'static>(
    conn: &mut DbConn,
    sql: &str,
    owner: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<T>, StoreError> {
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(owner)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load::<T>(conn)?)
}

/// A judge's listed hearings in [from, to) and the children of their cases.
pub fn judge_docket(
    conn: &mut DbConn,
    judge_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(Vec<HearingRow>, Vec<ChildRow>), StoreError> {
    let hearings = ranged(conn, &judge_hearings_sql(), judge_id, from, to)?;
    let children =
        if hearings.is_empty() { Vec::new() } else { ranged(conn, &judge_children_sql(), judge_id, from, to)? };
    Ok((hearings, children))
}

/// A court's listed hearings in [from, to) and the children of their cases.
pub fn court_hearings(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(Vec<HearingRow>, Vec<ChildRow>), StoreError> {
    let hearings = ranged(conn, &court_hearings_sql(), court_id, from, to)?;
    let children =
        if hearings.is_empty() { Vec::new() } else { ranged(conn, &court_children_sql(), court_id, from, to)? };
    Ok((hearings, children))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OpenCaseRow {
    #[diesel(embed)]
    pub case: CaseRow,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub next_hearing_at: Option<NaiveDateTime>,
}

/// Pending cases of a court with their next scheduled hearing at or after
/// `now`; only those with a child witness when `children_only`.
pub fn open_cases(
    conn: &mut DbConn,
    court_id: i64,
    now: NaiveDateTime,
    children_only: bool,
) -> Result<(Vec<OpenCaseRow>, Vec<ChildRow>), StoreError> {
    let child_filter = if children_only {
        " AND EXISTS (SELECT 1 FROM parties x WHERE x.case_id = c.id AND x.role = 'child_witness')"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.id AS case_id, c.number, c.offence, c.cognizance_date, c.accused_in_custody, c.status AS case_status, \
         {CASE_FACTS}, \
         (SELECT MIN(n.starts_at) FROM hearings n WHERE n.case_id = c.id AND n.status = 'scheduled' AND n.starts_at >= $1) AS next_hearing_at \
         FROM cases c {FACTS_JOIN} WHERE c.court_id = $2 AND {PENDING}{child_filter} ORDER BY c.id"
    );
    let cases: Vec<OpenCaseRow> =
        diesel::sql_query(sql).bind::<Timestamp, _>(now).bind::<BigInt, _>(court_id).load(conn)?;
    let children: Vec<ChildRow> = diesel::sql_query(format!(
        "SELECT {CHILD_COLUMNS} FROM parties p JOIN cases c ON c.id = p.case_id LEFT JOIN child_facts cf ON cf.party_id = p.id \
         WHERE c.court_id = $1 AND {PENDING} AND p.role = 'child_witness' ORDER BY p.case_id, p.id"
    ))
    .bind::<BigInt, _>(court_id)
    .load(conn)?;
    Ok((cases, children))
}
