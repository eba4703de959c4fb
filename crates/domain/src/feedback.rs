//! Families' feedback on a hearing: the few questions a guardian (or an
//! older child with the guardian) answers, what an answer must hold, and
//! what a court may read of the answers (counts of five or more only).

use std::collections::BTreeMap;

use serde::Serialize;

use super::oversight::{shown, shown_group};
use super::roles::string_enum;

string_enum! {
    /// Did you see the accused or his people?
    SawAccusedSide {
        No => "no",
        SawFromAfar => "saw_from_afar",
        CameClose => "came_close",
    }
}

string_enum! {
    /// How long did you wait before the hearing began?
    Waited {
        UnderHalfHour => "under_half_hour",
        HalfHourToHour => "half_hour_to_hour",
        OneToTwoHours => "one_to_two_hours",
        OverTwoHours => "over_two_hours",
    }
}

string_enum! {
    /// Were you treated with respect?
    Respected {
        Yes => "yes",
        Partly => "partly",
        No => "no",
    }
}

/// The longest "anything to report" a response may carry.
pub const MAX_REPORT_CHARS: usize = 1000;

/// What the family wrote, trimmed; empty is no report. Refused when too long.
pub fn report_text(text: Option<&str>) -> Result<Option<String>, (&'static str, String)> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if t.chars().count() > MAX_REPORT_CHARS {
        return Err(("report", format!("at most {MAX_REPORT_CHARS} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(("report", "control characters are not text".into()));
    }
    Ok(Some(t.to_string()))
}

/// One answer, as the counts take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub saw: SawAccusedSide,
    pub waited: Waited,
    pub respected: Respected,
    pub reported: bool,
}

/// The answers as a court reads them: how many, and each question's
/// answers counted, every count under five withheld (None), and within a
/// question one more when a single withheld count could be worked back.
/// Under five answers in all, nothing but that there were few.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub responses: Option<u64>,
    pub saw_accused_side: BTreeMap<String, Option<u64>>,
    pub waited: BTreeMap<String, Option<u64>>,
    pub respected: BTreeMap<String, Option<u64>>,
    pub with_report: Option<u64>,
}

pub fn aggregate(answers: &[Answer]) -> Aggregate {
    fn counts<T: Copy + Eq>(
        all: &[T],
        answers: &[Answer],
        pick: impl Fn(&Answer) -> T,
        name: impl Fn(T) -> &'static str,
    ) -> BTreeMap<String, Option<u64>> {
        let pairs: Vec<(String, u64)> = all
            .iter()
            .map(|v| (name(*v).to_string(), answers.iter().filter(|a| pick(a) == *v).count() as u64))
            .collect();
        shown_group(&pairs).into_iter().collect()
    }
    let total = answers.len() as u64;
    if shown(total).is_none() {
        let none = |names: &[&str]| names.iter().map(|n| (n.to_string(), None)).collect();
        return Aggregate {
            responses: None,
            saw_accused_side: none(&SawAccusedSide::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            waited: none(&Waited::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            respected: none(&Respected::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            with_report: None,
        };
    }
    let reported = answers.iter().filter(|a| a.reported).count() as u64;
    Aggregate {
        responses: Some(total),
        saw_accused_side: counts(SawAccusedSide::ALL, answers, |a| a.saw, SawAccusedSide::as_str),
        waited: counts(Waited::ALL, answers, |a| a.waited, Waited::as_str),
        respected: counts(Respected::ALL, answers, |a| a.respected, Respected::as_str),
        // With its rest (the answers without a report), so neither gives the other away.
        with_report: shown(reported).filter(|_| shown(total - reported).is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(saw: SawAccusedSide, respected: Respected) -> Answer {
        Answer { saw, waited: Waited::UnderHalfHour, respected, reported: false }
    }

    #[test]
    fn under_five_answers_a_court_learns_nothing_but_that_there_were_few() {
        let a = aggregate(&[answer(SawAccusedSide::CameClose, Respected::No); 4]);
        assert_eq!(a.responses, None);
        assert!(a.saw_accused_side.values().all(Option::is_none));
        assert!(a.respected.values().all(Option::is_none));
    }

    #[test]
    fn counts_under_five_are_withheld_and_so_is_the_one_that_would_give_them_away() {
        let mut answers = vec![answer(SawAccusedSide::No, Respected::Yes); 7];
        answers.extend([answer(SawAccusedSide::CameClose, Respected::No); 2]);
        let a = aggregate(&answers);
        assert_eq!(a.responses, Some(9));
        // "came close" is 2 and "saw from afar" 0: both under five, so the 7 may show.
        assert_eq!(a.saw_accused_side["no"], Some(7));
        assert_eq!(a.saw_accused_side["came_close"], None);
        // "no" respect is 2, "partly" 0; yes shows 7.
        assert_eq!(a.respected["yes"], Some(7));
        assert_eq!(a.respected["no"], None);
        assert_eq!(a.waited["under_half_hour"], Some(9));
        assert_eq!(a.with_report, None);
    }

    #[test]
    fn a_report_is_trimmed_bounded_and_text() {
        assert_eq!(report_text(Some("  ")), Ok(None));
        assert_eq!(report_text(Some(" They shouted at us. ")), Ok(Some("They shouted at us.".into())));
        assert!(report_text(Some(&"x".repeat(MAX_REPORT_CHARS + 1))).is_err());
        assert!(report_text(Some("a\u{0}b")).is_err());
    }
}
