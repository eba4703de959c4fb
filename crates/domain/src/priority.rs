//! The docket's priority score: a pure function of a case summary, its
//! clocks, the court's rule profile and a date. It returns the score and its
//! parts, each with the sentence a judge reads under "why first".
//!
//! The weights are a court policy, chosen so that:
//! - a broken clock outranks every case without one (`BROKEN_BASE` is above
//!   the most any unbroken case can score, a unit test holds this);
//! - among the rest, a child victim, a young child and a near deadline count
//!   far more than the plain age of a case.

use std::cmp::Ordering;

use chrono::NaiveDate;
use serde::Serialize;

use super::clocks::{nearest_running, ClockStatus};
use super::rules::RuleProfile;

pub const BROKEN_BASE: i64 = 10_000;
pub const BROKEN_PER_DAY_OVERDUE: i64 = 10;
pub const BROKEN_MAX_DAYS_COUNTED: i64 = 365;
pub const BROKEN_PER_EXTRA_CLOCK: i64 = 500;
pub const CHILD_VICTIM: i64 = 1_000;
pub const PER_YEAR_YOUNGER: i64 = 40;
/// A running deadline starts to count `DEADLINE_HORIZON_DAYS` before it
/// falls due, and counts `PER_DAY_NEARER` more each day after.
pub const DEADLINE_HORIZON_DAYS: i64 = 180;
pub const PER_DAY_NEARER: i64 = 10;
pub const PER_ADJOURNMENT: i64 = 50;
pub const MAX_ADJOURNMENTS_COUNTED: i64 = 10;
pub const IN_CUSTODY: i64 = 300;
/// Half a point per day since cognizance, for at most two years.
pub const MAX_DAYS_WAITING_COUNTED: i64 = 730;

/// What the score needs of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub case_id: i64,
    pub child_victim: bool,
    pub youngest_child_age: Option<i32>,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
    pub adjournments: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    BrokenClock,
    ChildVictim,
    YoungestChild,
    NearestDeadline,
    Adjournments,
    AccusedInCustody,
    DaysSinceCognizance,
}

/// A part of the score: its factor, its points and the figures behind
/// them. The pages make the sentence from the factor and the figures in
/// the reader's language; `sentence` makes the English one, for logs and
/// tests, only when asked (a docket of hundreds of cases sends none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScorePart {
    pub factor: Factor,
    pub points: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The numbers and ids a part's sentence needs; only those that apply are
/// sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// The clock concerned (the worst broken one, or the nearest running).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Days overdue, days left, or days since cognizance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// The date concerned: a deadline, or the cognizance date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// Other broken clocks besides the worst.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub others: Option<i64>,
    /// The youngest child's age, the age under which one is a child, and
    /// the section saying so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Adjournments so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Whether the factor holds (a child victim, the accused in custody).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Priority {
    pub score: i64,
    pub parts: Vec<ScorePart>,
}

fn part(factor: Factor, points: i64, figures: Figures) -> ScorePart {
    ScorePart { factor, points, figures }
}

fn applies(yes: bool) -> Figures {
    Figures { applies: Some(yes), ..Figures::default() }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl ScorePart {
    /// The English sentence a judge reads under "why first", from the
    /// part's figures and the profile its clocks are named in (the pages
    /// write the same from the same figures, in English or Urdu).
    pub fn sentence(&self, profile: &RuleProfile) -> String {
        let f = &self.figures;
        let clock = || {
            let rule = f.clock.as_deref().and_then(|id| profile.clocks.iter().find(|c| c.id == id));
            rule.map_or_else(
                || (f.clock.clone().unwrap_or_default(), String::new()),
                |c| (c.title.clone(), c.section.clone()),
            )
        };
        let days = f.days.unwrap_or(0);
        match self.factor {
            Factor::BrokenClock if self.points == 0 => "No statutory deadline is broken.".into(),
            Factor::BrokenClock => {
                let (title, section) = clock();
                let others = match f.others.unwrap_or(0) {
                    0 => String::new(),
                    n => format!(" and {}", plural(n, "other clock is", "other clocks are")),
                };
                format!(
                    "A statutory deadline is broken: {title} ({section}) passed {} ago{others}; broken clocks come \
                     before everything else.",
                    plural(days, "day", "days")
                )
            }
            Factor::ChildVictim if f.applies == Some(true) => {
                "A child is a victim or witness: child cases come first.".into()
            }
            Factor::ChildVictim => "No child is a victim or witness in this case.".into(),
            Factor::YoungestChild => match (f.age, f.under) {
                (Some(age), Some(under)) => format!(
                    "The youngest child is {}, {} under {under} ({}): the younger the child, the sooner.",
                    plural(i64::from(age), "year old", "years old"),
                    plural(i64::from((under - age).max(0)), "year", "years"),
                    f.section.as_deref().unwrap_or_default()
                ),
                _ => "No child's age counts.".into(),
            },
            Factor::NearestDeadline if f.clock.is_none() => "No statutory deadline is running.".into(),
            Factor::NearestDeadline => {
                let (title, section) = clock();
                if self.points == 0 {
                    format!(
                        "The nearest deadline, {title} ({section}), is {} away: not yet pressing.",
                        plural(days, "day", "days")
                    )
                } else {
                    format!(
                        "The nearest deadline, {title} ({section}), is {} away (on {}).",
                        plural(days, "day", "days"),
                        f.on.map(|d| d.to_string()).unwrap_or_default()
                    )
                }
            }
            Factor::Adjournments => match f.count.unwrap_or(0) {
                0 => "Never adjourned.".into(),
                n => {
                    format!("Adjourned {} already: each one the child has waited through.", plural(n, "time", "times"))
                }
            },
            Factor::AccusedInCustody if f.applies == Some(true) => "The accused is in custody awaiting trial.".into(),
            Factor::AccusedInCustody => "The accused is not in custody.".into(),
            Factor::DaysSinceCognizance => format!(
                "Cognizance was taken {} ago ({}).",
                plural(days, "day", "days"),
                f.on.map(|d| d.to_string()).unwrap_or_default()
            ),
        }
    }
}

pub fn score(case: &CaseSummary, clocks: &[ClockStatus], profile: &RuleProfile, on: NaiveDate) -> Priority {
    let mut parts = Vec::with_capacity(7);

    let broken: Vec<&ClockStatus> = clocks.iter().filter(|c| c.is_broken()).collect();
    parts.push(match broken.iter().min_by_key(|c| c.days_left) {
        Some(worst) => {
            let overdue = (-worst.days_left).clamp(0, BROKEN_MAX_DAYS_COUNTED);
            let extra = (broken.len() as i64 - 1) * BROKEN_PER_EXTRA_CLOCK;
            let points = BROKEN_BASE + overdue * BROKEN_PER_DAY_OVERDUE + extra;
            part(
                Factor::BrokenClock,
                points,
                Figures {
                    clock: Some(worst.id.clone()),
                    days: Some(-worst.days_left),
                    on: Some(worst.deadline),
                    others: Some(broken.len() as i64 - 1),
                    ..Figures::default()
                },
            )
        }
        None => part(Factor::BrokenClock, 0, Figures::default()),
    });

    parts.push(if case.child_victim {
        part(Factor::ChildVictim, CHILD_VICTIM, applies(true))
    } else {
        part(Factor::ChildVictim, 0, applies(false))
    });

    let under = profile.child.under_age.value;
    parts.push(match case.youngest_child_age.filter(|_| case.child_victim) {
        Some(age) => {
            let years = i64::from((under - age).max(0));
            part(
                Factor::YoungestChild,
                years * PER_YEAR_YOUNGER,
                Figures {
                    age: Some(age),
                    under: Some(under),
                    section: Some(profile.child.under_age.section.clone()),
                    ..Figures::default()
                },
            )
        }
        None => part(Factor::YoungestChild, 0, Figures::default()),
    });

    parts.push(match nearest_running(clocks) {
        Some(c) => {
            let nearer = (DEADLINE_HORIZON_DAYS - c.days_left.max(0)).max(0);
            let figures = Figures {
                clock: Some(c.id.clone()),
                days: Some(c.days_left),
                on: Some(c.deadline),
                ..Figures::default()
            };
            part(Factor::NearestDeadline, nearer * PER_DAY_NEARER, figures)
        }
        None => part(Factor::NearestDeadline, 0, Figures::default()),
    });

    let adjournments = i64::from(case.adjournments);
    parts.push(part(
        Factor::Adjournments,
        adjournments.min(MAX_ADJOURNMENTS_COUNTED) * PER_ADJOURNMENT,
        Figures { count: Some(adjournments), ..Figures::default() },
    ));

    parts.push(if case.accused_in_custody {
        part(Factor::AccusedInCustody, IN_CUSTODY, applies(true))
    } else {
        part(Factor::AccusedInCustody, 0, applies(false))
    });

    let waiting = (on - case.cognizance_date).num_days().max(0);
    parts.push(part(
        Factor::DaysSinceCognizance,
        waiting.min(MAX_DAYS_WAITING_COUNTED) / 2,
        Figures { days: Some(waiting), on: Some(case.cognizance_date), ..Figures::default() },
    ));

    Priority { score: parts.iter().map(|p| p.points).sum(), parts }
}

/// Docket order: the higher score first; equal scores by case id, so a
/// list never reshuffles between two loads.
pub fn docket_order(a: (&Priority, i64), b: (&Priority, i64)) -> Ordering {
    b.0.score.cmp(&a.0.score).then(a.1.cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::{case_clocks, CaseFacts};
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    struct Case {
        summary: CaseSummary,
        facts: CaseFacts,
    }

    fn case(id: i64, child_age: Option<i32>, cognizance: NaiveDate) -> Case {
        Case {
            summary: CaseSummary {
                case_id: id,
                child_victim: child_age.is_some(),
                youngest_child_age: child_age,
                cognizance_date: cognizance,
                accused_in_custody: false,
                adjournments: 0,
            },
            facts: CaseFacts::new(cognizance, child_age.is_some(), false),
        }
    }

    fn ranked(profile_id: &str, cases: &[Case], on: NaiveDate) -> Vec<(i64, Priority)> {
        let p = profile(profile_id).unwrap();
        let mut out: Vec<(i64, Priority)> = cases
            .iter()
            .map(|c| (c.summary.case_id, score(&c.summary, &case_clocks(p, &c.facts, on), p, on)))
            .collect();
        out.sort_by(|a, b| docket_order((&a.1, a.0), (&b.1, b.0)));
        out
    }

    fn ids(r: &[(i64, Priority)]) -> Vec<i64> {
        r.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn a_seven_year_olds_case_ten_days_from_its_deadline_outranks_an_adult_case_filed_a_year_earlier() {
        let today = d(2026, 6, 30);
        // POCSO s.35(1): 30 days from cognizance on 2026-06-10 is 2026-07-10, ten days away.
        let child = case(2, Some(7), d(2026, 6, 10));
        let mut adult = case(1, None, d(2025, 6, 10));
        adult.summary.accused_in_custody = true;
        adult.summary.adjournments = 6;
        let r = ranked("in", &[adult, child], today);
        assert_eq!(ids(&r), vec![2, 1]);
        let deadline = r[0].1.parts.iter().find(|p| p.factor == Factor::NearestDeadline).unwrap();
        let said = deadline.sentence(profile("in").unwrap());
        assert!(said.contains("10 days away"), "{said}");
    }

    #[test]
    fn a_broken_clock_outranks_everything_else() {
        let today = d(2026, 6, 30);
        // pk: the 2016 Act's three months from 2026-03-20 ended 2026-06-20.
        let broken_adult = case(9, None, d(2026, 3, 20));
        let mut worst_unbroken = case(1, Some(3), d(2026, 4, 5));
        worst_unbroken.summary.accused_in_custody = true;
        worst_unbroken.summary.adjournments = 40;
        let r = ranked("pk", &[worst_unbroken, broken_adult], today);
        assert_eq!(ids(&r), vec![9, 1]);
        let said = r[0].1.parts[0].sentence(profile("pk").unwrap());
        assert!(said.contains("is broken") && said.contains("passed"), "{said}");
    }

    #[test]
    fn no_unbroken_case_can_reach_the_broken_tier() {
        let max_unbroken = CHILD_VICTIM
            + 25 * PER_YEAR_YOUNGER
            + DEADLINE_HORIZON_DAYS * PER_DAY_NEARER
            + MAX_ADJOURNMENTS_COUNTED * PER_ADJOURNMENT
            + IN_CUSTODY
            + MAX_DAYS_WAITING_COUNTED / 2;
        assert!(max_unbroken < BROKEN_BASE, "{max_unbroken}");
    }

    #[test]
    fn equal_cases_keep_a_stable_order_by_case_id() {
        let today = d(2026, 6, 30);
        let cases: Vec<Case> = [31, 7, 19].iter().map(|id| case(*id, Some(9), d(2026, 6, 1))).collect();
        let r = ranked("in", &cases, today);
        assert_eq!(ids(&r), vec![7, 19, 31]);
        assert!(r.windows(2).all(|w| w[0].1.score == w[1].1.score));
    }

    #[test]
    fn a_younger_child_comes_before_an_older_one_with_the_same_deadline() {
        let today = d(2026, 6, 30);
        let r = ranked("in", &[case(1, Some(15), d(2026, 6, 20)), case(2, Some(6), d(2026, 6, 20))], today);
        assert_eq!(ids(&r), vec![2, 1]);
    }

    #[test]
    fn the_nearer_deadline_comes_first() {
        let today = d(2026, 6, 30);
        let r = ranked("in", &[case(1, Some(10), d(2026, 6, 25)), case(2, Some(10), d(2026, 6, 5))], today);
        assert_eq!(ids(&r), vec![2, 1]);
    }

    #[test]
    fn adjournments_and_custody_raise_a_case_and_say_so() {
        let today = d(2026, 6, 30);
        let plain = case(1, None, d(2026, 1, 1));
        let mut pressed = case(2, None, d(2026, 1, 1));
        pressed.summary.adjournments = 3;
        pressed.summary.accused_in_custody = true;
        let r = ranked("in", &[plain, pressed], today);
        assert_eq!(ids(&r), vec![2, 1]);
        assert_eq!(r[0].1.score - r[1].1.score, 3 * PER_ADJOURNMENT + IN_CUSTODY);
        assert!(r[0].1.parts.iter().any(|p| p.sentence(profile("in").unwrap()).contains("Adjourned 3 times")));
        // The answer carries the figures, not the sentence.
        let part = r[0].1.parts.iter().find(|p| p.factor == Factor::Adjournments).unwrap();
        assert_eq!(part.figures.count, Some(3));
        let sent = serde_json::to_value(part).unwrap();
        assert_eq!(sent, serde_json::json!({"factor": "adjournments", "points": 3 * PER_ADJOURNMENT, "count": 3}));
    }

    #[test]
    fn the_parts_add_up_to_the_score_and_each_has_a_sentence() {
        let today = d(2026, 6, 30);
        for (id, p) in ranked("pk", &[case(1, Some(8), d(2026, 2, 1)), case(2, None, d(2026, 6, 1))], today) {
            assert_eq!(p.parts.iter().map(|x| x.points).sum::<i64>(), p.score, "case {id}");
            assert_eq!(p.parts.len(), 7);
            let pk = profile("pk").unwrap();
            assert!(p.parts.iter().all(|x| x.sentence(pk).ends_with('.')), "{:?}", p.parts);
        }
    }
}
