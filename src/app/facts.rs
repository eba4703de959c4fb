//! The facts check: every case's kept facts (`case_facts`, `child_facts`)
//! recomputed from its hearings, outcomes, appearances and steps, its
//! docket lines (`docket_lines`) against the tables, and any difference
//! named. The docket trusts the kept facts instead of counting
//! hearings on each read; this is how an operator learns that something
//! wrote hearings behind the application's back (a hand-run UPDATE, a bad
//! restore, an import) before a judge reads a wrong score.

use std::fmt;

use chrono::NaiveDate;
use diesel::Connection;

use super::course::compute_facts;
use crate::db::course::{CaseFactsRow, ChildFactsRow};
use crate::db::{self, DbConn};
use crate::error::AppError;

/// Cases read and recomputed per transaction.
const BATCH: i64 = 500;

/// One fact of one case (or of one child of it) that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub case_id: i64,
    /// The child's party id when the fact is a child's.
    pub party_id: Option<i64>,
    pub fact: &'static str,
    pub kept: String,
    pub recomputed: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.party_id {
            Some(p) => write!(f, "case {} child {}: {}", self.case_id, p, self.fact)?,
            None => write!(f, "case {}: {}", self.case_id, self.fact)?,
        }
        write!(f, " kept {}, recomputed {}", self.kept, self.recomputed)
    }
}

#[derive(Debug, Default)]
pub struct FactsReport {
    pub cases: usize,
    pub differences: Vec<Difference>,
}

fn shown<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "none".to_string(), ToString::to_string)
}

/// What a case with no kept row is taken to have: nothing happened yet.
fn nothing_yet(case_id: i64, court_id: i64, at: chrono::NaiveDateTime) -> CaseFactsRow {
    CaseFactsRow {
        case_id,
        court_id,
        child_evidence_on: None,
        trial_started_on: None,
        trial_concluded_on: None,
        decided_on: None,
        decision: None,
        closed_on: None,
        disposed_on: None,
        appearances: 0,
        testimonies: 0,
        updated_at: at,
        adjournments: 0,
    }
}

/// The facts of one case that differ, kept against recomputed.
pub fn compare_case(kept: &CaseFactsRow, now: &CaseFactsRow) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut diff = |fact: &'static str, a: String, b: String| {
        if a != b {
            out.push(Difference { case_id: now.case_id, party_id: None, fact, kept: a, recomputed: b });
        }
    };
    let dates: [(&'static str, Option<NaiveDate>, Option<NaiveDate>); 6] = [
        ("child_evidence_on", kept.child_evidence_on, now.child_evidence_on),
        ("trial_started_on", kept.trial_started_on, now.trial_started_on),
        ("trial_concluded_on", kept.trial_concluded_on, now.trial_concluded_on),
        ("decided_on", kept.decided_on, now.decided_on),
        ("closed_on", kept.closed_on, now.closed_on),
        ("disposed_on", kept.disposed_on, now.disposed_on),
    ];
    for (fact, a, b) in dates {
        diff(fact, shown(&a), shown(&b));
    }
    diff("decision", shown(&kept.decision), shown(&now.decision));
    diff("appearances", kept.appearances.to_string(), now.appearances.to_string());
    diff("testimonies", kept.testimonies.to_string(), now.testimonies.to_string());
    diff("adjournments", kept.adjournments.to_string(), now.adjournments.to_string());
    out
}

/// The children's facts that differ; a child with no kept row has been
/// brought and heard no times.
pub fn compare_children(case_id: i64, kept: &[ChildFactsRow], now: &[ChildFactsRow]) -> Vec<Difference> {
    let mut out = Vec::new();
    for n in now {
        let k = kept.iter().find(|k| k.party_id == n.party_id);
        let pairs = [
            ("brought", k.map_or(0, |k| k.brought).to_string(), n.brought.to_string()),
            ("testified", k.map_or(0, |k| k.testified).to_string(), n.testified.to_string()),
            ("evidence_complete_on", shown(&k.and_then(|k| k.evidence_complete_on)), shown(&n.evidence_complete_on)),
        ];
        for (fact, a, b) in pairs {
            if a != b {
                out.push(Difference { case_id, party_id: Some(n.party_id), fact, kept: a, recomputed: b });
            }
        }
    }
    for k in kept.iter().filter(|k| !now.iter().any(|n| n.party_id == k.party_id)) {
        out.push(Difference {
            case_id,
            party_id: Some(k.party_id),
            fact: "child",
            kept: "a row".into(),
            recomputed: "no such child".into(),
        });
    }
    out
}

/// A docket line the triggers did not keep as the tables say.
fn line_difference(l: &db::docket::LineOutOfStep) -> Difference {
    let side = |present: bool, what: &str| if present { what.to_string() } else { "no line".to_string() };
    Difference {
        case_id: l.case_id,
        party_id: None,
        fact: "docket line",
        kept: format!("hearing {}: {}", l.hearing_id, side(l.kept, "a line")),
        recomputed: side(l.computed, if l.kept { "a different line" } else { "a line" }),
    }
}

/// Recomputes every case's facts and compares them with the kept ones.
/// Reads only; each batch of cases in one transaction, so a case is never
/// compared half-written.
pub fn check(conn: &mut DbConn) -> Result<FactsReport, AppError> {
    let mut report = FactsReport::default();
    let mut after = 0;
    loop {
        let ids = db::course::case_ids_after(conn, after, BATCH)?;
        let Some(last) = ids.last().copied() else { break };
        let found = conn.transaction(|c| {
            let mut found = Vec::new();
            for id in &ids {
                let case = db::cases::find(c, *id)?;
                let (now, children, _) = compute_facts(c, &case)?;
                let kept =
                    db::course::facts_of(c, *id)?.unwrap_or_else(|| nothing_yet(*id, case.court_id, now.updated_at));
                found.extend(compare_case(&kept, &now));
                found.extend(compare_children(*id, &db::course::child_facts_of_case(c, *id)?, &children));
            }
            let first = ids.first().copied().unwrap_or(last);
            found.extend(db::docket::lines_out_of_step(c, first, last)?.iter().map(line_difference));
            Ok::<_, AppError>(found)
        })?;
        report.cases += ids.len();
        report.differences.extend(found);
        after = last;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp(0, 0).unwrap_or_default().naive_utc()
    }

    #[test]
    fn an_adjournment_counted_nowhere_is_named() {
        let kept = nothing_yet(7, 1, at());
        let now = CaseFactsRow { adjournments: 1, ..nothing_yet(7, 1, at()) };
        let d = compare_case(&kept, &now);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to_string(), "case 7: adjournments kept 0, recomputed 1");
        assert!(compare_case(&now, &now).is_empty());
    }

    #[test]
    fn a_child_without_a_row_is_one_never_brought() {
        let child = |brought| ChildFactsRow {
            party_id: 3,
            case_id: 7,
            brought,
            testified: 0,
            evidence_complete_on: None,
            updated_at: at(),
        };
        assert!(compare_children(7, &[], &[child(0)]).is_empty());
        let d = compare_children(7, &[], &[child(2)]);
        assert_eq!(d[0].to_string(), "case 7 child 3: brought kept 0, recomputed 2");
    }
}
