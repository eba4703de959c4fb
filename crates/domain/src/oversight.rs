//! Oversight: the figures a monitoring cell reads across many courts, and
//! the rules that keep a child from being singled out in them. Pure
//! functions over values the store reads, built on `figures`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::figures::{ClockShare, Spread};
use super::outcome::{Appearance, ChildEvidence};

/// The smallest count open data shows; every count below it is withheld,
/// and so is every median, percentile or share taken over fewer cases.
pub const SMALLEST_SHOWN: u64 = 5;

/// A count as open data shows it: the number, or withheld.
pub fn shown(count: u64) -> Option<u64> {
    (count >= SMALLEST_SHOWN).then_some(count)
}

/// Withholds the counts of a group whose total is shown: every count under
/// the threshold, and, when that leaves exactly one withheld, the smallest
/// shown one besides, so that no withheld count is the total minus the
/// others. Keys keep their order.
pub fn shown_group(counts: &[(String, u64)]) -> Vec<(String, Option<u64>)> {
    let mut out: Vec<(String, Option<u64>)> = counts.iter().map(|(k, n)| (k.clone(), shown(*n))).collect();
    let withheld = out.iter().filter(|(_, v)| v.is_none()).count();
    if withheld == 1 {
        let smallest = out.iter().enumerate().filter_map(|(i, (_, v))| v.map(|n| (n, i))).min().map(|(_, i)| i);
        if let Some(i) = smallest {
            out[i].1 = None;
        }
    }
    out
}

/// Merges the clocks of several courts' figures by clock id: counts add
/// up, the share is taken again over the sum.
pub fn merge_clocks(parts: &[Vec<ClockShare>]) -> Vec<ClockShare> {
    let mut merged: Vec<ClockShare> = Vec::new();
    for part in parts {
        for c in part {
            match merged.iter_mut().find(|m| m.id == c.id) {
                Some(m) => {
                    m.met += c.met;
                    m.met_late += c.met_late;
                    m.broken += c.broken;
                    m.running += c.running;
                    m.closed += c.closed;
                }
                None => merged.push(c.clone()),
            }
        }
    }
    for m in &mut merged {
        m.share_within = ratio(m.met, m.met + m.met_late + m.broken);
    }
    merged
}

/// `part / whole` to three places; None over nothing.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 1000.0).round() / 1000.0)
}

/// Times from `from` on that a child was brought back to court after the
/// child's evidence was recorded in full (on any day before): the recalls
/// POCSO s.33(5) and its like forbid without a reason.
pub fn recalls(appearances: &[Appearance], from: NaiveDate) -> u64 {
    let mut full_on: BTreeMap<i64, NaiveDate> = BTreeMap::new();
    for a in appearances.iter().filter(|a| a.evidence == ChildEvidence::Full) {
        full_on.entry(a.party_id).and_modify(|d| *d = (*d).min(a.on)).or_insert(a.on);
    }
    appearances.iter().filter(|a| a.on >= from && full_on.get(&a.party_id).is_some_and(|first| a.on > *first)).count()
        as u64
}

/// A judge's adjournment decisions: how many, and how many overrode a
/// refusal by the rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JudgeOverrides {
    pub decided: u64,
    pub overridden: u64,
    pub override_rate: Option<f64>,
}

impl JudgeOverrides {
    pub fn add(&mut self, overridden: bool) {
        self.decided += 1;
        self.overridden += u64::from(overridden);
        self.override_rate = ratio(self.overridden, self.decided);
    }
}

/// The calendar months a period covers, each as its first and last day
/// clipped to the period.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let next = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        };
        let Some(next) = next else { break };
        let end = next.pred_opt().unwrap_or(next).min(to);
        out.push((start, end));
        start = next;
    }
    out
}

/// A spread as open data shows it: withheld over fewer than five cases.
pub fn shown_spread(s: &Spread) -> Spread {
    if (s.cases as u64) < SMALLEST_SHOWN {
        Spread { cases: s.cases, median_days: None, p90_days: None }
    } else {
        s.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn counts_under_five_are_withheld_and_one_withheld_cell_takes_the_next_smallest_with_it() {
        assert_eq!((shown(0), shown(4), shown(5)), (None, None, Some(5)));
        let group = |v: &[(&str, u64)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect::<Vec<_>>();
        let g = shown_group(&group(&[("court", 3), ("defence", 9), ("prosecution", 12)]));
        assert_eq!(g, vec![("court".into(), None), ("defence".into(), None), ("prosecution".into(), Some(12))]);
        let g = shown_group(&group(&[("court", 2), ("defence", 1), ("prosecution", 12)]));
        assert_eq!(g[2].1, Some(12), "two withheld already hide each other");
        let g = shown_group(&group(&[("court", 7), ("defence", 9)]));
        assert_eq!(g, vec![("court".into(), Some(7)), ("defence".into(), Some(9))]);
    }

    #[test]
    fn clocks_merge_by_id_and_the_share_is_taken_over_the_sum() {
        let c = |id: &str, met, late, broken| ClockShare {
            id: id.into(),
            title: id.into(),
            section: String::new(),
            met,
            met_late: late,
            broken,
            running: 1,
            closed: 0,
            share_within: None,
        };
        let merged = merge_clocks(&[vec![c("a", 1, 0, 1)], vec![c("a", 2, 1, 0), c("b", 0, 0, 2)]]);
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].met, merged[0].met_late, merged[0].broken, merged[0].running), (3, 1, 1, 2));
        assert_eq!(merged[0].share_within, Some(0.6));
        assert_eq!(merged[1].share_within, Some(0.0));
    }

    #[test]
    fn a_recall_is_an_appearance_after_the_childs_evidence_was_recorded_in_full() {
        let a = |party_id, on, evidence| Appearance { party_id, on, evidence };
        let seen = [
            a(1, d(2026, 1, 5), ChildEvidence::Part),
            a(1, d(2026, 1, 9), ChildEvidence::Full),
            a(1, d(2026, 2, 1), ChildEvidence::None),
            a(2, d(2026, 1, 9), ChildEvidence::None),
            a(2, d(2026, 1, 19), ChildEvidence::None),
        ];
        assert_eq!(recalls(&seen, d(2026, 1, 1)), 1);
        assert_eq!(recalls(&seen, d(2026, 2, 2)), 0, "the recall fell before the period");
    }

    #[test]
    fn a_period_splits_into_its_calendar_months() {
        let m = months(d(2026, 11, 15), d(2027, 1, 10));
        assert_eq!(
            m,
            vec![
                (d(2026, 11, 15), d(2026, 11, 30)),
                (d(2026, 12, 1), d(2026, 12, 31)),
                (d(2027, 1, 1), d(2027, 1, 10))
            ]
        );
        assert_eq!(months(d(2026, 3, 1), d(2026, 3, 1)).len(), 1);
    }

    #[test]
    fn a_judges_override_rate_is_over_the_decisions() {
        let mut j = JudgeOverrides::default();
        for o in [true, false, false, false] {
            j.add(o);
        }
        assert_eq!((j.decided, j.overridden, j.override_rate), (4, 1, Some(0.25)));
    }
}
