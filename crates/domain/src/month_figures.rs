//! A court's figures of one calendar month, kept so that a province's
//! dashboard adds a few thousand rows instead of recounting a million cases
//! on every read.
//!
//! Every figure kept here adds up across months and courts exactly:
//! counts add; the days from cognizance to the child's evidence and to
//! decision are kept as histograms with one bucket per whole day, so the
//! median and the 90th percentile taken over merged histograms are those
//! of the pooled days (no loss of resolution); a clock neither met nor
//! closed is kept by its deadline day, so it reads as running or broken on
//! the day the figures are read, and one closed is kept by its deadline day
//! too, as the period's last day may cut a month.
//!
//! Two figures are of a month and do not pool across months: a child is
//! counted once in each month it was brought (`children` over a period is
//! child-months), and `brought_again` and `most` are within one month.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::clocks::{applies, clock_status, stopped_on, CaseFacts, ClockState};
use super::figures::{ClockShare, Spread};
use super::outcome::{Appearance, ChildEvidence};
use super::oversight::{self, JudgeOverrides};
use super::rules::{ClockRule, RuleProfile};

/// The key of a month's row: `YYYY-MM`.
pub fn month_key(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// One clock of a month: met and met late by the month of their stop day;
/// closed and still open by their deadline day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockCounts {
    #[serde(default)]
    pub met: u64,
    #[serde(default)]
    pub met_late: u64,
    #[serde(default)]
    pub closed: BTreeMap<NaiveDate, u64>,
    #[serde(default)]
    pub open: BTreeMap<NaiveDate, u64>,
}

/// A judge's adjournment decisions in a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeCount {
    pub decided: u64,
    pub overridden: u64,
}

/// One court's figures of one month (or of several added up).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonthFigures {
    /// Child cases pending on the day the row was kept: only in the
    /// court's `pending` row, not in a month's.
    pub pending: u64,
    pub decided: u64,
    /// Days from cognizance → cases.
    pub days_to_evidence: BTreeMap<i64, u64>,
    pub days_to_decision: BTreeMap<i64, u64>,
    pub clocks: BTreeMap<String, ClockCounts>,
    pub requested: u64,
    pub refused_by_rule: u64,
    pub granted: u64,
    pub refused: u64,
    pub overridden: u64,
    pub judges: BTreeMap<i64, JudgeCount>,
    pub held: u64,
    pub not_held: BTreeMap<String, u64>,
    pub children: u64,
    pub appearances: u64,
    pub without_evidence: u64,
    pub brought_again: u64,
    pub most: u64,
    pub recalls: u64,
    pub video_sessions: u64,
    pub breaks: u64,
    pub incidents: BTreeMap<String, u64>,
}

fn add_map<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_insert(0) += n;
    }
}

impl MonthFigures {
    pub fn add(&mut self, o: &MonthFigures) {
        self.pending += o.pending;
        self.decided += o.decided;
        add_map(&mut self.days_to_evidence, &o.days_to_evidence);
        add_map(&mut self.days_to_decision, &o.days_to_decision);
        for (id, c) in &o.clocks {
            let mine = self.clocks.entry(id.clone()).or_default();
            mine.met += c.met;
            mine.met_late += c.met_late;
            add_map(&mut mine.closed, &c.closed);
            add_map(&mut mine.open, &c.open);
        }
        self.requested += o.requested;
        self.refused_by_rule += o.refused_by_rule;
        self.granted += o.granted;
        self.refused += o.refused;
        self.overridden += o.overridden;
        for (judge, j) in &o.judges {
            let mine = self.judges.entry(*judge).or_default();
            mine.decided += j.decided;
            mine.overridden += j.overridden;
        }
        self.held += o.held;
        add_map(&mut self.not_held, &o.not_held);
        self.children += o.children;
        self.appearances += o.appearances;
        self.without_evidence += o.without_evidence;
        self.brought_again += o.brought_again;
        self.most = self.most.max(o.most);
        self.recalls += o.recalls;
        self.video_sessions += o.video_sessions;
        self.breaks += o.breaks;
        add_map(&mut self.incidents, &o.incidents);
    }

    /// Each clock of `rules` as it stands on `on`, its closed and open
    /// clocks counted up to `to`.
    pub fn clock_shares<'a>(
        &self,
        rules: impl IntoIterator<Item = &'a ClockRule>,
        to: NaiveDate,
        on: NaiveDate,
    ) -> Vec<ClockShare> {
        rules
            .into_iter()
            .map(|rule| {
                let c = self.clocks.get(&rule.id).cloned().unwrap_or_default();
                let up_to = |m: &BTreeMap<NaiveDate, u64>, keep: &dyn Fn(NaiveDate) -> bool| -> u64 {
                    m.range(..=to).filter(|(d, _)| keep(**d)).map(|(_, n)| n).sum()
                };
                let broken = up_to(&c.open, &|d| d < on);
                let running = up_to(&c.open, &|d| d >= on);
                ClockShare {
                    id: rule.id.clone(),
                    title: rule.title.clone(),
                    section: rule.section.clone(),
                    met: c.met,
                    met_late: c.met_late,
                    broken,
                    running,
                    closed: up_to(&c.closed, &|_| true),
                    share_within: oversight::ratio(c.met, c.met + c.met_late + broken),
                }
            })
            .collect()
    }

    pub fn judge_overrides(&self) -> BTreeMap<i64, JudgeOverrides> {
        self.judges
            .iter()
            .map(|(id, j)| {
                let o = JudgeOverrides {
                    decided: j.decided,
                    overridden: j.overridden,
                    override_rate: oversight::ratio(j.overridden, j.decided),
                };
                (*id, o)
            })
            .collect()
    }
}

/// The median and nearest-rank 90th percentile of a histogram of days:
/// the same as `figures::spread` over the days it counts.
pub fn spread_of(histogram: &BTreeMap<i64, u64>) -> Spread {
    let n: u64 = histogram.values().sum();
    if n == 0 {
        return Spread { cases: 0, median_days: None, p90_days: None };
    }
    // The value at 1-based rank r.
    let at = |r: u64| -> i64 {
        let mut seen = 0;
        for (days, count) in histogram {
            seen += count;
            if seen >= r {
                return *days;
            }
        }
        histogram.keys().next_back().copied().unwrap_or(0)
    };
    let median = if n % 2 == 1 { at(n / 2 + 1) as f64 } else { (at(n / 2) + at(n / 2 + 1)) as f64 / 2.0 };
    let rank = (9 * n).div_ceil(10).max(1);
    Spread { cases: n as usize, median_days: Some(median), p90_days: Some(at(rank)) }
}

/// A current outcome of a hearing, as the figures count it.
#[derive(Debug, Clone)]
pub struct OutcomeFact {
    pub on: NaiveDate,
    pub held: bool,
    pub caused_by: Option<String>,
}

/// An adjournment request, as the figures count it.
#[derive(Debug, Clone)]
pub struct AdjournmentFact {
    /// The day it was recorded (UTC).
    pub on: NaiveDate,
    pub refused_by_rule: bool,
    pub granted: bool,
    pub refused: bool,
    pub overridden: bool,
    pub decided_by: Option<i64>,
}

/// Everything of one court the figures are made from.
#[derive(Debug, Clone, Default)]
pub struct CourtRecord {
    pub cases: Vec<CaseFacts>,
    pub outcomes: Vec<OutcomeFact>,
    pub adjournments: Vec<AdjournmentFact>,
    pub appearances: Vec<Appearance>,
    /// Days (UTC) video sessions were opened and breaks called.
    pub video_sessions: Vec<NaiveDate>,
    pub breaks: Vec<NaiveDate>,
    /// Day (UTC) and kind of each incident.
    pub incidents: Vec<(NaiveDate, String)>,
}

/// The key of the court's row that holds what is not of a month.
pub const PENDING_ROW: &str = "pending";

/// A court's rows: one per month in which anything was counted, and the
/// `pending` row. Independent of the day it is computed: what depends on
/// it (a clock running or broken) is kept by day and decided on reading.
pub fn court_rows(profile: &RuleProfile, r: &CourtRecord) -> BTreeMap<String, MonthFigures> {
    fn month(rows: &mut BTreeMap<String, MonthFigures>, day: NaiveDate) -> &mut MonthFigures {
        rows.entry(month_key(day)).or_default()
    }
    let mut rows: BTreeMap<String, MonthFigures> = BTreeMap::new();
    for f in &r.cases {
        if let Some(d) = f.decided_on {
            let m = month(&mut rows, d);
            m.decided += 1;
            *m.days_to_decision.entry((d - f.cognizance_date).num_days()).or_insert(0) += 1;
        }
        if let Some(d) = f.child_evidence_on {
            *month(&mut rows, d).days_to_evidence.entry((d - f.cognizance_date).num_days()).or_insert(0) += 1;
        }
        for rule in profile.clocks.iter().filter(|rule| applies(rule, f)) {
            // The day only splits running from broken, which is kept open.
            let Some(status) = clock_status(rule, f, f.cognizance_date) else { continue };
            let (day, state) = match status.state {
                ClockState::Met | ClockState::MetLate => (stopped_on(rule, f).unwrap_or(status.deadline), status.state),
                other => (status.deadline, other),
            };
            let c = month(&mut rows, day).clocks.entry(rule.id.clone()).or_default();
            match state {
                ClockState::Met => c.met += 1,
                ClockState::MetLate => c.met_late += 1,
                ClockState::Closed => *c.closed.entry(day).or_insert(0) += 1,
                ClockState::Broken | ClockState::Running => *c.open.entry(day).or_insert(0) += 1,
            }
        }
    }
    for o in &r.outcomes {
        let m = month(&mut rows, o.on);
        if o.held {
            m.held += 1;
        } else {
            *m.not_held.entry(o.caused_by.clone().unwrap_or_else(|| "unknown".into())).or_insert(0) += 1;
        }
    }
    for a in &r.adjournments {
        let m = month(&mut rows, a.on);
        m.requested += 1;
        m.refused_by_rule += u64::from(a.refused_by_rule);
        m.granted += u64::from(a.granted);
        m.refused += u64::from(a.refused);
        m.overridden += u64::from(a.overridden);
        if let Some(judge) = a.decided_by {
            let j = m.judges.entry(judge).or_default();
            j.decided += 1;
            j.overridden += u64::from(a.overridden);
        }
    }
    // Appearances by month and child; a recall is an appearance after the
    // child's evidence was first recorded in full, on any earlier day.
    let mut full_on: BTreeMap<i64, NaiveDate> = BTreeMap::new();
    for a in r.appearances.iter().filter(|a| a.evidence == ChildEvidence::Full) {
        full_on.entry(a.party_id).and_modify(|d| *d = (*d).min(a.on)).or_insert(a.on);
    }
    let mut per_child: BTreeMap<(String, i64), u64> = BTreeMap::new();
    for a in &r.appearances {
        let m = month(&mut rows, a.on);
        m.appearances += 1;
        m.without_evidence += u64::from(!a.evidence.taken());
        m.recalls += u64::from(full_on.get(&a.party_id).is_some_and(|first| a.on > *first));
        *per_child.entry((month_key(a.on), a.party_id)).or_insert(0) += 1;
    }
    for ((key, _), n) in per_child {
        let m = rows.entry(key).or_default();
        m.children += 1;
        m.brought_again += u64::from(n > 1);
        m.most = m.most.max(n);
    }
    for d in &r.video_sessions {
        month(&mut rows, *d).video_sessions += 1;
    }
    for d in &r.breaks {
        month(&mut rows, *d).breaks += 1;
    }
    for (d, kind) in &r.incidents {
        *month(&mut rows, *d).incidents.entry(kind.clone()).or_insert(0) += 1;
    }
    let pending = r.cases.iter().filter(|f| !f.disposed).count() as u64;
    rows.insert(PENDING_ROW.into(), MonthFigures { pending, ..MonthFigures::default() });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{clock_shares, spread};
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn percentiles_of_merged_histograms_are_those_of_the_pooled_days() {
        let parts: [Vec<i64>; 3] = [vec![40, 10, 30, 20, 10], vec![7], (1..=11).chain([300, 300]).collect()];
        let mut merged = MonthFigures::default();
        let mut pooled = Vec::new();
        for p in &parts {
            let mut m = MonthFigures::default();
            for days in p {
                *m.days_to_evidence.entry(*days).or_insert(0) += 1;
            }
            merged.add(&m);
            pooled.extend(p);
            assert_eq!(spread_of(&m.days_to_evidence), spread(p.clone()));
        }
        assert_eq!(spread_of(&merged.days_to_evidence), spread(pooled));
        assert_eq!(spread_of(&BTreeMap::new()), spread(vec![]));
    }

    #[test]
    fn kept_clocks_read_as_the_clocks_do_on_any_later_day() {
        let p = profile("in").unwrap();
        let case = |cognizance, heard: Option<NaiveDate>| CaseFacts {
            child_evidence_on: heard,
            ..CaseFacts::new(cognizance, true, false)
        };
        let cases = vec![
            case(d(2026, 1, 1), Some(d(2026, 1, 20))),
            case(d(2026, 1, 2), Some(d(2026, 2, 20))),
            case(d(2026, 1, 3), None),
            case(d(2026, 3, 20), None),
            case(d(2025, 6, 1), Some(d(2025, 6, 5))),
        ];
        let rows = court_rows(p, &CourtRecord { cases: cases.clone(), ..CourtRecord::default() });
        let (from, to) = (d(2026, 1, 1), d(2026, 4, 30));
        for on in [d(2026, 4, 1), d(2026, 4, 19), d(2026, 4, 20), d(2026, 5, 30)] {
            let mut period = MonthFigures::default();
            for (key, m) in &rows {
                if key.as_str() >= "2026-01" && key.as_str() <= "2026-04" {
                    period.add(m);
                }
            }
            assert_eq!(period.clock_shares(&p.clocks, to, on), clock_shares(p, &cases, from, to, on), "on {on}");
        }
        assert_eq!(rows[PENDING_ROW].pending, 5);
    }

    #[test]
    fn a_month_counts_its_children_once_and_recalls_after_full_evidence() {
        let a = |party_id, on, evidence| Appearance { party_id, on, evidence };
        let r = CourtRecord {
            appearances: vec![
                a(1, d(2026, 1, 5), ChildEvidence::Part),
                a(1, d(2026, 1, 9), ChildEvidence::Full),
                a(1, d(2026, 2, 1), ChildEvidence::None),
                a(2, d(2026, 1, 9), ChildEvidence::None),
            ],
            ..CourtRecord::default()
        };
        let rows = court_rows(profile("in").unwrap(), &r);
        let jan = &rows["2026-01"];
        assert_eq!((jan.children, jan.appearances, jan.brought_again, jan.most, jan.without_evidence), (2, 3, 1, 2, 1));
        let feb = &rows["2026-02"];
        assert_eq!((feb.children, feb.recalls, jan.recalls), (1, 1, 0));
        let mut both = jan.clone();
        both.add(feb);
        assert_eq!((both.children, both.most, both.recalls), (3, 2, 1), "children are child-months");
    }
}
