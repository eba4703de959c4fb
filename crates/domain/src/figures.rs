//! The figures of delay, from outcomes: how long children wait to be heard
//! and cases to be decided, how often each clock is kept, why hearings do
//! not take place, and how often a child is brought to court. Pure
//! functions over values the store reads; the monitoring of delay builds
//! on the same numbers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::clocks::{clock_status, stopped_on, CaseFacts, ClockState};
use super::rules::RuleProfile;

/// A distribution of days: how many, the median and the 90th percentile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub cases: usize,
    pub median_days: Option<f64>,
    /// Nearest-rank: the smallest value at or above 90% of the values.
    pub p90_days: Option<i64>,
}

pub fn spread(mut days: Vec<i64>) -> Spread {
    days.sort_unstable();
    let n = days.len();
    if n == 0 {
        return Spread { cases: 0, median_days: None, p90_days: None };
    }
    let median = if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 };
    let rank = (9 * n).div_ceil(10).max(1);
    Spread { cases: n, median_days: Some(median), p90_days: days.get(rank - 1).copied() }
}

/// How one clock fared over the cases whose clock was settled in the
/// period: met or met late on a stop day in it, broken or closed on a
/// deadline in it; a clock still running counts when its deadline is in
/// the period and still ahead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockShare {
    pub id: String,
    pub title: String,
    pub section: String,
    pub met: u64,
    pub met_late: u64,
    pub broken: u64,
    /// The deadline is still ahead on the day the figures are read.
    pub running: u64,
    /// The case left the court before the clock's event.
    pub closed: u64,
    /// Met in time, out of those that came to an end (met, late, broken).
    pub share_within: Option<f64>,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 1000.0).round() / 1000.0)
}

/// Each clock of the profile over the cases whose clock was settled (or
/// falls due) in [from, to], as they stand on `on`.
pub fn clock_shares(
    profile: &RuleProfile,
    cases: &[CaseFacts],
    from: NaiveDate,
    to: NaiveDate,
    on: NaiveDate,
) -> Vec<ClockShare> {
    let mut out = Vec::with_capacity(profile.clocks.len());
    for rule in &profile.clocks {
        let mut row = ClockShare {
            id: rule.id.clone(),
            title: rule.title.clone(),
            section: rule.section.clone(),
            met: 0,
            met_late: 0,
            broken: 0,
            running: 0,
            closed: 0,
            share_within: None,
        };
        for facts in cases {
            if !super::clocks::applies(rule, facts) {
                continue;
            }
            let Some(status) = clock_status(rule, facts, on) else { continue };
            let settled = match status.state {
                ClockState::Met | ClockState::MetLate => stopped_on(rule, facts).unwrap_or(status.deadline),
                _ => status.deadline,
            };
            if settled < from || settled > to {
                continue;
            }
            match status.state {
                ClockState::Met => row.met += 1,
                ClockState::MetLate => row.met_late += 1,
                ClockState::Broken => row.broken += 1,
                ClockState::Running => row.running += 1,
                ClockState::Closed => row.closed += 1,
            }
        }
        row.share_within = share(row.met, row.met + row.met_late + row.broken);
        out.push(row);
    }
    out
}

/// Counts by a key (a cause, a reason code).
pub fn count_by<'a>(keys: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for k in keys {
        *out.entry(k.to_string()).or_insert(0) += 1;
    }
    out
}

/// How often children were brought to court in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppearanceFigures {
    pub children: u64,
    pub appearances: u64,
    pub per_child: Option<f64>,
    pub most: u64,
    /// Children brought more than once.
    pub brought_again: u64,
    /// Appearances at which the child gave no evidence.
    pub without_evidence: u64,
}

/// From (child, gave evidence) pairs, one per appearance.
pub fn appearance_figures(appearances: &[(i64, bool)]) -> AppearanceFigures {
    let mut per: BTreeMap<i64, u64> = BTreeMap::new();
    for (child, _) in appearances {
        *per.entry(*child).or_insert(0) += 1;
    }
    let children = per.len() as u64;
    let total = appearances.len() as u64;
    AppearanceFigures {
        children,
        appearances: total,
        per_child: share(total, children).map(|x| (x * 100.0).round() / 100.0),
        most: per.values().copied().max().unwrap_or(0),
        brought_again: per.values().filter(|n| **n > 1).count() as u64,
        without_evidence: appearances.iter().filter(|(_, evidence)| !evidence).count() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn median_and_90th_percentile_by_nearest_rank() {
        assert_eq!(spread(vec![]), Spread { cases: 0, median_days: None, p90_days: None });
        assert_eq!(spread(vec![7]), Spread { cases: 1, median_days: Some(7.0), p90_days: Some(7) });
        let s = spread(vec![40, 10, 30, 20]);
        assert_eq!((s.median_days, s.p90_days), (Some(25.0), Some(40)));
        let s = spread((1..=10).collect());
        assert_eq!((s.median_days, s.p90_days), (Some(5.5), Some(9)));
        let s = spread((1..=11).collect());
        assert_eq!((s.median_days, s.p90_days), (Some(6.0), Some(10)));
    }

    #[test]
    fn in_pocso_s35_1_share_counts_cases_whose_deadline_fell_in_the_period() {
        let p = profile("in").unwrap();
        let case = |cognizance, heard: Option<NaiveDate>| CaseFacts {
            child_evidence_on: heard,
            ..CaseFacts::new(cognizance, true, false)
        };
        let cases = [
            case(d(2026, 1, 1), Some(d(2026, 1, 20))), // met
            case(d(2026, 1, 2), Some(d(2026, 2, 20))), // late
            case(d(2026, 1, 3), None),                 // broken
            case(d(2026, 3, 20), None),                // still running on 1 April
            case(d(2025, 6, 1), Some(d(2025, 6, 5))),  // deadline before the period
        ];
        let shares = clock_shares(p, &cases, d(2026, 1, 1), d(2026, 4, 30), d(2026, 4, 1));
        let s35_1 = shares.iter().find(|s| s.id == "pocso_s35_1_child_evidence").unwrap();
        assert_eq!((s35_1.met, s35_1.met_late, s35_1.broken, s35_1.running), (1, 1, 1, 1));
        assert_eq!(s35_1.share_within, Some(0.333));
        let s35_2 = shares.iter().find(|s| s.id == "pocso_s35_2_trial").unwrap();
        assert_eq!(s35_2.met + s35_2.broken + s35_2.running, 0, "no trial deadline in the period");
        assert_eq!(s35_2.share_within, None);
    }

    #[test]
    fn appearances_per_child_and_how_many_came_for_nothing() {
        let f = appearance_figures(&[(1, false), (1, true), (2, true), (3, false), (3, false), (3, true)]);
        assert_eq!((f.children, f.appearances, f.most, f.brought_again, f.without_evidence), (3, 6, 3, 2, 3));
        assert_eq!(f.per_child, Some(2.0));
        assert_eq!(appearance_figures(&[]).per_child, None);
        let by = count_by(["court", "defence", "court"]);
        assert_eq!(by.get("court"), Some(&2));
    }
}
