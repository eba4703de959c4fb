//! An escalation report's account of delay: from a case's hearings and its
//! adjournments, who caused each hearing that did not go ahead and how many
//! days each party's adjournments cost. The report itself (dates, hearings,
//! adjournments) is assembled above; this is the rule that attributes delay.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A listed hearing of the case, as its outcome left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HearingEntry {
    pub day: Option<NaiveDate>,
    /// `held`, `not_held`, `adjourned` (by an adjournment), or `pending`
    /// (listed, no outcome yet).
    pub result: HearingResult,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HearingResult {
    Held,
    /// Not held; who caused it when the court said (a reason of the
    /// profile names its cause; `other` may leave it unsaid).
    NotHeld {
        caused_by: Option<String>,
    },
    Adjourned,
    Pending,
    Cancelled,
}

/// An adjournment of the case as decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjournmentEntry {
    /// `prosecution`, `defence`, `court` or `child_side`.
    pub requested_by: String,
    pub granted: bool,
    /// Days the granted adjournment put the hearing back, when known.
    pub delay_days: Option<i64>,
}

/// The delay one cause accounts for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayOfCause {
    pub cause: String,
    pub hearings_not_held: u32,
    pub adjournments_granted: u32,
    pub days_adjourned: i64,
}

/// A not-held hearing whose cause was not recorded.
pub const UNKNOWN_CAUSE: &str = "unknown";

/// Every cause of delay in the case, by name: hearings not held by who
/// caused them, and granted adjournments by who asked, with the days they
/// cost. Refused requests cost nothing and are not counted.
pub fn delays_by_cause(hearings: &[HearingEntry], adjournments: &[AdjournmentEntry]) -> Vec<DelayOfCause> {
    fn of<'a>(by: &'a mut BTreeMap<String, DelayOfCause>, cause: &str) -> &'a mut DelayOfCause {
        by.entry(cause.to_string()).or_insert_with(|| DelayOfCause { cause: cause.to_string(), ..Default::default() })
    }
    let mut by: BTreeMap<String, DelayOfCause> = BTreeMap::new();
    for h in hearings {
        if let HearingResult::NotHeld { caused_by } = &h.result {
            of(&mut by, caused_by.as_deref().unwrap_or(UNKNOWN_CAUSE)).hearings_not_held += 1;
        }
    }
    for a in adjournments.iter().filter(|a| a.granted) {
        let d = of(&mut by, &a.requested_by);
        d.adjournments_granted += 1;
        d.days_adjourned += a.delay_days.unwrap_or(0).max(0);
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_held(cause: Option<&str>) -> HearingEntry {
        HearingEntry { day: None, result: HearingResult::NotHeld { caused_by: cause.map(str::to_string) } }
    }

    fn adjourned(by: &str, granted: bool, days: i64) -> AdjournmentEntry {
        AdjournmentEntry { requested_by: by.into(), granted, delay_days: Some(days) }
    }

    #[test]
    fn each_hearing_not_held_counts_against_whoever_caused_it() {
        let hearings = [
            not_held(Some("defence")),
            not_held(Some("defence")),
            not_held(Some("state_custody")),
            not_held(None),
            HearingEntry { day: None, result: HearingResult::Held },
        ];
        let d = delays_by_cause(&hearings, &[]);
        let pairs: Vec<(&str, u32)> = d.iter().map(|c| (c.cause.as_str(), c.hearings_not_held)).collect();
        assert_eq!(pairs, [("defence", 2), ("state_custody", 1), ("unknown", 1)]);
    }

    #[test]
    fn a_granted_adjournment_costs_its_days_to_whoever_asked_and_a_refused_one_nothing() {
        let d = delays_by_cause(
            &[not_held(Some("defence"))],
            &[adjourned("defence", true, 21), adjourned("defence", false, 30), adjourned("court", true, 14)],
        );
        assert_eq!(
            d,
            [
                DelayOfCause {
                    cause: "court".into(),
                    hearings_not_held: 0,
                    adjournments_granted: 1,
                    days_adjourned: 14
                },
                DelayOfCause {
                    cause: "defence".into(),
                    hearings_not_held: 1,
                    adjournments_granted: 1,
                    days_adjourned: 21
                },
            ]
        );
    }
}
