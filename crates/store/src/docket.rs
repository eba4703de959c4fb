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

/// A docket line's columns, as `HearingRow` reads them. `docket_lines`
/// keeps one row per hearing with its case, the case's facts and its current
/// outcome (triggers write it with every change to those), so a judge's week
/// is one index range scan.
const LINE_COLUMNS: &str =
    "l.hearing_id, l.case_id, l.kind, l.judge_id, l.room_id, l.room_name, l.starts_at, l.ends_at, \
l.child_testifies, l.mode, l.status, l.number, l.offence, l.cognizance_date, l.accused_in_custody, l.case_status, \
l.adjournments, l.child_evidence_on, l.trial_started_on, l.trial_concluded_on, l.decided_on, \
l.outcome_kind, l.outcome_reason, l.outcome_cause, l.outcome_child_evidence, l.outcome_proceedings, l.children";

/// The hearing statuses a list shows.
const LISTED_STATUSES: [&str; 3] = ["scheduled", "held", "not_held"];
/// The stages of a case still tried here; a decided or disposed case leaves
/// the docket, the child-cases list and the escalations.
const PENDING_STATUSES: [&str; 4] = ["open", "evidence", "arguments", "judgment_reserved"];

/// `column IN ('a', 'b')` for the SQL text; the values are the constants
/// above, never input.
fn one_of(column: &str, values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    format!("{column} IN ({})", quoted.join(", "))
}

const CHILD_COLUMNS: &str = "p.id, p.case_id, p.name, p.birth_sealed, p.pseudonym, \
COALESCE(cf.brought, 0) AS brought, COALESCE(cf.testified, 0) AS testified";

/// A judge's hearings from $2 (inclusive) to $3 (exclusive), UTC.
pub fn judge_hearings_sql() -> String {
    format!(
        "SELECT {LINE_COLUMNS} FROM docket_lines l \
         WHERE l.judge_id = $1 AND l.starts_at >= $2 AND l.starts_at < $3 AND {} AND {} \
         ORDER BY l.starts_at, l.hearing_id",
        one_of("l.status", &LISTED_STATUSES),
        one_of("l.case_status", &PENDING_STATUSES)
    )
}

/// A line as the docket reads it. Loaded by position (`Queryable`) from
/// `docket_lines`: a week is hundreds of rows, and looking each of ~30
/// columns up by name in every row cost as much as the statement itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::docket_lines)]
pub struct HearingRow {
    pub hearing_id: i64,
    pub case_id: i64,
    pub kind: String,
    pub judge_id: Option<i64>,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub child_testifies: bool,
    pub mode: String,
    pub status: String,
    #[diesel(embed)]
    pub case: CaseRow,
    #[diesel(embed)]
    pub outcome: OutcomeCols,
    /// The case's children as the line keeps them (JSON, sealed); read
    /// once per case by `children_of_lines`.
    pub children: String,
}

/// The hearing's current outcome, in brief; all None when none is recorded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::docket_lines)]
pub struct OutcomeCols {
    pub outcome_kind: Option<String>,
    pub outcome_reason: Option<String>,
    pub outcome_cause: Option<String>,
    pub outcome_child_evidence: Option<String>,
    pub outcome_proceedings: Option<String>,
}

/// A case with the facts its clocks need.
#[derive(Debug, Clone, QueryableByName, Queryable, Selectable)]
#[diesel(table_name = super::schema::docket_lines)]
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

/// One child as a docket line keeps it: party id, pseudonym, sealed name,
/// sealed birth date, times brought, times heard. The sealed fields are hex
/// and borrowed from the line's text as they are opened.
type LineChild<'a> = (i64, Option<String>, &'a str, Option<&'a str>, i32, i32);

/// The children of the lines' cases, each case once. Birth dates are opened
/// (ages weigh in the score); names only when the reader may see them.
fn children_of_lines(lines: &[HearingRow], names: bool) -> Result<Vec<ChildRow>, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in lines.iter().filter(|l| l.children != "[]") {
        if !seen.insert(line.case.case_id) {
            continue;
        }
        let kids: Vec<LineChild> = serde_json::from_str(&line.children)
            .map_err(|e| StoreError::internal(format!("docket line {}: children: {e}", line.hearing_id)))?;
        for (id, pseudonym, name, birth, brought, testified) in kids {
            out.push(ChildRow {
                id,
                case_id: line.case.case_id,
                name: if names { crate::identity::open(crate::identity::PARTY_NAME, name)? } else { String::new() },
                date_of_birth: birth.map(crate::identity::open_date).transpose()?,
                pseudonym,
                brought,
                testified,
            });
        }
    }
    out.sort_by_key(|c| (c.case_id, c.id));
    Ok(out)
}

type Lines<'a> = super::schema::docket_lines::BoxedQuery<'a, super::MultiBackend>;

/// The listed lines of `lines` in [from, to) in order of time, and the
/// children of their cases; names opened only when `names`.
fn listed_lines(
    conn: &mut DbConn,
    lines: Lines<'_>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    names: bool,
) -> Result<(Vec<HearingRow>, Vec<ChildRow>), StoreError> {
    use super::schema::docket_lines as l;
    let started = std::time::Instant::now();
    let hearings: Vec<HearingRow> = lines
        .filter(l::starts_at.ge(from))
        .filter(l::starts_at.lt(to))
        .filter(l::status.eq_any(LISTED_STATUSES))
        .order((l::starts_at, l::hearing_id))
        .select(HearingRow::as_select())
        .load(conn)?;
    let loaded = started.elapsed();
    let children = children_of_lines(&hearings, names)?;
    tracing::debug!(
        lines = hearings.len(),
        children = children.len(),
        load_ms = loaded.as_secs_f64() * 1e3,
        children_ms = (started.elapsed() - loaded).as_secs_f64() * 1e3,
        "docket lines read"
    );
    Ok((hearings, children))
}

/// A judge's listed hearings of pending cases in [from, to) and the
/// children of their cases; the children's names are opened only when
/// `names`. The same statement as `judge_hearings_sql`, built by diesel.
pub fn judge_docket(
    conn: &mut DbConn,
    judge_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    names: bool,
) -> Result<(Vec<HearingRow>, Vec<ChildRow>), StoreError> {
    use super::schema::docket_lines as l;
    let lines = l::table.filter(l::judge_id.eq(judge_id)).filter(l::case_status.eq_any(PENDING_STATUSES)).into_boxed();
    listed_lines(conn, lines, from, to, names)
}

/// A court's listed hearings in [from, to), whatever became of their cases
/// since (the day's cause list shows what happened), and the children of
/// their cases (pseudonyms, ages and counts; no names).
pub fn court_hearings(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(Vec<HearingRow>, Vec<ChildRow>), StoreError> {
    use super::schema::docket_lines as l;
    listed_lines(conn, l::table.filter(l::court_id.eq(court_id)).into_boxed(), from, to, false)
}

/// The court's docket version: raised by the commit of every write that
/// changes a line of its docket (triggers, migration
/// `2026-12-03-950000_docket_versions`); 0 for a court nothing has changed
/// since the table began.
pub fn court_version(conn: &mut DbConn, court_id: i64) -> Result<i64, StoreError> {
    use super::schema::docket_versions as v;
    Ok(v::table.find(court_id).select(v::version).first::<i64>(conn).optional()?.unwrap_or(0))
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
    let pending = one_of("c.status", &PENDING_STATUSES);
    let sql = format!(
        "SELECT c.id AS case_id, c.number, c.offence, c.cognizance_date, c.accused_in_custody, c.status AS case_status, \
         {CASE_FACTS}, \
         (SELECT MIN(n.starts_at) FROM hearings n WHERE n.case_id = c.id AND n.status = 'scheduled' AND n.starts_at >= $1) AS next_hearing_at \
         FROM cases c {FACTS_JOIN} WHERE c.court_id = $2 AND {pending}{child_filter} ORDER BY c.id"
    );
    let cases: Vec<OpenCaseRow> =
        diesel::sql_query(sql).bind::<Timestamp, _>(now).bind::<BigInt, _>(court_id).load(conn)?;
    let children: Vec<ChildRow> = diesel::sql_query(format!(
        "SELECT {CHILD_COLUMNS} FROM parties p JOIN cases c ON c.id = p.case_id LEFT JOIN child_facts cf ON cf.party_id = p.id \
         WHERE c.court_id = $1 AND {pending} AND p.role = 'child_witness' ORDER BY p.case_id, p.id"
    ))
    .bind::<BigInt, _>(court_id)
    .load(conn)?;
    Ok((cases, children))
}

#[derive(Debug, Clone, QueryableByName)]
struct LineId {
    #[diesel(sql_type = BigInt)]
    hearing_id: i64,
    #[diesel(sql_type = BigInt)]
    case_id: i64,
}

/// A docket line that is not what the tables say it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutOfStep {
    pub hearing_id: i64,
    pub case_id: i64,
    /// The kept table has a row for the hearing.
    pub kept: bool,
    /// The tables give a row for it.
    pub computed: bool,
}

fn lines_only_in(conn: &mut DbConn, first: &str, second: &str, from: i64, to: i64) -> Result<Vec<LineId>, StoreError> {
    let sql = format!(
        "SELECT hearing_id, case_id FROM (SELECT * FROM {first} WHERE case_id >= $1 AND case_id <= $2 \
         EXCEPT SELECT * FROM {second} WHERE case_id >= $1 AND case_id <= $2) x ORDER BY hearing_id"
    );
    Ok(diesel::sql_query(sql).bind::<BigInt, _>(from).bind::<BigInt, _>(to).load(conn)?)
}

/// The docket lines of cases `from..=to` that differ from the lines the
/// tables give (`docket_line_source`): what the triggers should have kept.
pub fn lines_out_of_step(conn: &mut DbConn, from: i64, to: i64) -> Result<Vec<LineOutOfStep>, StoreError> {
    let kept = lines_only_in(conn, "docket_lines", "docket_line_source", from, to)?;
    let computed = lines_only_in(conn, "docket_line_source", "docket_lines", from, to)?;
    let mut out: Vec<LineOutOfStep> = kept
        .iter()
        .map(|k| LineOutOfStep {
            hearing_id: k.hearing_id,
            case_id: k.case_id,
            kept: true,
            computed: computed.iter().any(|c| c.hearing_id == k.hearing_id),
        })
        .collect();
    out.extend(computed.iter().filter(|c| !kept.iter().any(|k| k.hearing_id == c.hearing_id)).map(|c| LineOutOfStep {
        hearing_id: c.hearing_id,
        case_id: c.case_id,
        kept: false,
        computed: true,
    }));
    Ok(out)
}

/// Writes every docket line again from the tables: after a bulk load that
/// ran without the triggers, or to repair what the facts check found.
pub fn rebuild_lines(conn: &mut DbConn) -> Result<usize, StoreError> {
    diesel::sql_query("DELETE FROM docket_lines").execute(conn)?;
    Ok(diesel::sql_query("INSERT INTO docket_lines SELECT * FROM docket_line_source").execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_lists_name_the_same_statuses_as_the_dsl() {
        assert_eq!(one_of("l.status", &LISTED_STATUSES), "l.status IN ('scheduled', 'held', 'not_held')");
        assert!(
            judge_hearings_sql().contains("l.case_status IN ('open', 'evidence', 'arguments', 'judgment_reserved')")
        );
    }
}
