//! Statutory clocks: for one case, each deadline its court's rule profile
//! sets, how many days are left on a given date, and which are broken.

use chrono::NaiveDate;
use serde::Serialize;

use super::rules::{Basis, Breach, ClockAppliesTo, ClockRule, ClockStart, ClockStop, RuleProfile};

/// What a clock needs to know about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub cognizance_date: NaiveDate,
    pub child_victim: bool,
    pub accused_in_custody: bool,
    /// The case is decided or disposed of: it no longer runs here.
    pub disposed: bool,
    /// The day every child's evidence was recorded in full.
    pub child_evidence_on: Option<NaiveDate>,
    /// The first day evidence was taken at a held hearing.
    pub trial_started_on: Option<NaiveDate>,
    /// Judgment reserved, or a decision that ended the trial without it.
    pub trial_concluded_on: Option<NaiveDate>,
    /// A decision that ended the trial here.
    pub decided_on: Option<NaiveDate>,
}

impl CaseFacts {
    /// A case as registered: nothing has happened yet.
    pub fn new(cognizance_date: NaiveDate, child_victim: bool, accused_in_custody: bool) -> CaseFacts {
        CaseFacts {
            cognizance_date,
            child_victim,
            accused_in_custody,
            disposed: false,
            child_evidence_on: None,
            trial_started_on: None,
            trial_concluded_on: None,
            decided_on: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// The deadline is today or later and the event has not happened.
    Running,
    /// The deadline has passed and the event has not happened.
    Broken,
    /// The event happened on or before the deadline.
    Met,
    /// The event happened, after the deadline.
    MetLate,
    /// The case left the court (decided, transferred, abated, disposed)
    /// before the clock's event; the clock no longer runs.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    pub id: String,
    pub title: String,
    pub title_ur: String,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    pub starts_on: NaiveDate,
    pub deadline: NaiveDate,
    /// Days from the date asked about to the deadline; negative once broken.
    pub days_left: i64,
    pub state: ClockState,
    pub on_breach: Breach,
    pub escalate_to: Option<String>,
    pub breach_duty: String,
}

impl ClockStatus {
    pub fn is_broken(&self) -> bool {
        self.state == ClockState::Broken
    }

    pub fn is_running(&self) -> bool {
        self.state == ClockState::Running
    }

    /// One line for a docket: "POCSO Act 2012 s.35(1) Child's evidence
    /// recorded: 12 days left (deadline 2026-12-05)".
    pub fn sentence(&self) -> String {
        let what = format!("{} {}", self.section, self.title);
        match self.state {
            ClockState::Running if self.days_left == 0 => format!("{what}: the deadline is today ({})", self.deadline),
            ClockState::Running => format!("{what}: {} left (deadline {})", days(self.days_left), self.deadline),
            ClockState::Broken => format!("{what}: broken {} ago (deadline {})", days(-self.days_left), self.deadline),
            ClockState::Met => format!("{what}: met (deadline {})", self.deadline),
            ClockState::MetLate => format!("{what}: met late (deadline {})", self.deadline),
            ClockState::Closed => format!("{what}: closed with the case"),
        }
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

pub(crate) fn applies(rule: &ClockRule, facts: &CaseFacts) -> bool {
    match rule.applies_to {
        ClockAppliesTo::All => true,
        ClockAppliesTo::ChildVictim => facts.child_victim,
        ClockAppliesTo::AccusedInCustody => facts.accused_in_custody,
    }
}

/// The day the clock's stop event happened, if it did.
pub fn stopped_on(rule: &ClockRule, facts: &CaseFacts) -> Option<NaiveDate> {
    match rule.stops_when {
        ClockStop::CaseDisposed | ClockStop::CaseDecided => facts.decided_on,
        ClockStop::ChildEvidenceRecorded => facts.child_evidence_on,
        ClockStop::TrialStarted => facts.trial_started_on,
        ClockStop::TrialConcluded => facts.trial_concluded_on.or(facts.decided_on),
    }
}

/// The state of one clock on `on`. None when the profile's clock has no
/// computable deadline (a profile that passed its checks always has one).
pub fn clock_status(rule: &ClockRule, facts: &CaseFacts, on: NaiveDate) -> Option<ClockStatus> {
    let starts_on = match rule.starts {
        ClockStart::Cognizance => facts.cognizance_date,
    };
    let deadline = rule.deadline(starts_on)?;
    let stopped_on = stopped_on(rule, facts);
    let days_left = (deadline - on).num_days();
    let state = match stopped_on {
        Some(day) if day <= deadline => ClockState::Met,
        Some(_) => ClockState::MetLate,
        None if facts.disposed => ClockState::Closed,
        None if days_left < 0 => ClockState::Broken,
        None => ClockState::Running,
    };
    Some(ClockStatus {
        id: rule.id.clone(),
        title: rule.title.clone(),
        title_ur: rule.title_ur.clone(),
        section: rule.section.clone(),
        basis: rule.basis,
        verified: rule.verified,
        starts_on,
        deadline,
        days_left,
        state,
        on_breach: rule.on_breach,
        escalate_to: rule.escalate_to.clone(),
        breach_duty: rule.breach_duty.clone(),
    })
}

/// Every clock the profile runs for this case, in the profile's order.
pub fn case_clocks(profile: &RuleProfile, facts: &CaseFacts, on: NaiveDate) -> Vec<ClockStatus> {
    profile.clocks.iter().filter(|rule| applies(rule, facts)).filter_map(|rule| clock_status(rule, facts, on)).collect()
}

/// The running clock with the fewest days left.
pub fn nearest_running(clocks: &[ClockStatus]) -> Option<&ClockStatus> {
    clocks.iter().filter(|c| c.is_running()).min_by_key(|c| c.days_left)
}

/// Days to the nearest deadline for sorting lists: a broken clock counts
/// by how long ago it broke (negative), so the longest-broken comes first;
/// a case with no live clock sorts last (None).
pub fn days_to_deadline(clocks: &[ClockStatus]) -> Option<i64> {
    clocks.iter().filter(|c| c.is_running() || c.is_broken()).map(|c| c.days_left).min()
}

/// Something a broken clock requires of someone outside the trial court,
/// shown to the judge and the court administrator until the case moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub clock_id: String,
    pub section: String,
    pub escalate_to: String,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
    pub action: String,
}

pub fn escalations(clocks: &[ClockStatus]) -> Vec<Escalation> {
    clocks
        .iter()
        .filter(|c| c.is_broken() && c.on_breach == Breach::Escalate)
        .map(|c| {
            let to = c.escalate_to.clone().unwrap_or_else(|| "the supervising court".into());
            Escalation {
                clock_id: c.id.clone(),
                section: c.section.clone(),
                escalate_to: to.clone(),
                deadline: c.deadline,
                days_overdue: -c.days_left,
                action: format!("{} ran out on {}, {} ago: {}", c.title, c.deadline, days(-c.days_left), c.breach_duty),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn child_case(cognizance: NaiveDate) -> CaseFacts {
        CaseFacts::new(cognizance, true, false)
    }

    fn clock<'a>(clocks: &'a [ClockStatus], id: &str) -> &'a ClockStatus {
        clocks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no clock {id} in {clocks:?}"))
    }

    #[test]
    fn in_pocso_s35_1_childs_evidence_within_30_days_of_cognizance() {
        let p = profile("in").unwrap();
        let facts = child_case(d(2026, 1, 1));
        let on_day_20 = case_clocks(p, &facts, d(2026, 1, 21));
        let c = clock(&on_day_20, "pocso_s35_1_child_evidence");
        assert_eq!(c.deadline, d(2026, 1, 31));
        assert_eq!((c.days_left, c.state), (10, ClockState::Running));
        assert_eq!(c.section, "POCSO Act 2012 s.35(1)");

        let on_deadline = case_clocks(p, &facts, d(2026, 1, 31));
        assert_eq!(clock(&on_deadline, "pocso_s35_1_child_evidence").state, ClockState::Running);
        let day_after = case_clocks(p, &facts, d(2026, 2, 1));
        let c = clock(&day_after, "pocso_s35_1_child_evidence");
        assert_eq!((c.days_left, c.state), (-1, ClockState::Broken));
        assert_eq!(c.on_breach, Breach::Flag);
        assert!(escalations(&day_after).is_empty(), "s.35(1) asks for reasons, not a report upward");
    }

    #[test]
    fn in_pocso_s35_1_stops_when_the_child_has_testified() {
        let p = profile("in").unwrap();
        let in_time = CaseFacts { child_evidence_on: Some(d(2026, 1, 20)), ..child_case(d(2026, 1, 1)) };
        let clocks = case_clocks(p, &in_time, d(2026, 3, 1));
        assert_eq!(clock(&clocks, "pocso_s35_1_child_evidence").state, ClockState::Met);
        let late = CaseFacts { child_evidence_on: Some(d(2026, 2, 5)), ..child_case(d(2026, 1, 1)) };
        let clocks = case_clocks(p, &late, d(2026, 3, 1));
        assert_eq!(clock(&clocks, "pocso_s35_1_child_evidence").state, ClockState::MetLate);
    }

    #[test]
    fn in_pocso_s35_2_trial_within_one_year_of_cognizance() {
        let p = profile("in").unwrap();
        let facts = child_case(d(2026, 3, 10));
        let clocks = case_clocks(p, &facts, d(2026, 3, 10));
        let c = clock(&clocks, "pocso_s35_2_trial");
        assert_eq!(c.deadline, d(2027, 3, 10));
        assert_eq!(c.days_left, 365);
        let disposed = CaseFacts { disposed: true, ..facts };
        let clocks = case_clocks(p, &disposed, d(2028, 1, 1));
        assert_eq!(clock(&clocks, "pocso_s35_2_trial").state, ClockState::Closed);
    }

    #[test]
    fn in_pocso_clocks_run_only_for_a_child_victim() {
        let p = profile("in").unwrap();
        let adult = CaseFacts { child_victim: false, ..child_case(d(2026, 1, 1)) };
        assert!(case_clocks(p, &adult, d(2027, 6, 1)).is_empty());
    }

    #[test]
    fn pk_rape_act_2016_trial_in_three_months_then_report_to_the_chief_justice() {
        let p = profile("pk").unwrap();
        let facts = child_case(d(2026, 1, 10));
        let before = case_clocks(p, &facts, d(2026, 4, 10));
        assert_eq!(clock(&before, "rape2016_trial_three_months").days_left, 0);
        assert!(escalations(&before).is_empty());

        let after = case_clocks(p, &facts, d(2026, 4, 13));
        let c = clock(&after, "rape2016_trial_three_months");
        assert_eq!((c.deadline, c.state, c.days_left), (d(2026, 4, 10), ClockState::Broken, -3));
        let items = escalations(&after);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].escalate_to, "Chief Justice of the High Court");
        assert_eq!(items[0].days_overdue, 3);
        assert!(items[0].action.contains("Chief Justice"), "{}", items[0].action);
    }

    #[test]
    fn pk_anti_rape_act_2021_s16_decision_within_four_months_is_flagged_not_escalated() {
        let p = profile("pk").unwrap();
        let facts = child_case(d(2026, 1, 31));
        let clocks = case_clocks(p, &facts, d(2026, 6, 1));
        let c = clock(&clocks, "ar2021_s16_decision");
        assert_eq!(c.deadline, d(2026, 5, 31));
        assert!(c.is_broken());
        assert_eq!(c.on_breach, Breach::Flag);
        assert!(escalations(&clocks).iter().all(|e| e.clock_id != "ar2021_s16_decision"));
    }

    #[test]
    fn pk_clocks_run_for_adult_victims_too_because_the_acts_cover_women() {
        let p = profile("pk").unwrap();
        let adult = CaseFacts { child_victim: false, ..child_case(d(2026, 1, 1)) };
        assert_eq!(case_clocks(p, &adult, d(2026, 2, 1)).len(), 2);
    }

    #[test]
    fn uk_custody_time_limits_reg5_182_days_only_while_the_accused_is_in_custody() {
        let p = profile("uk").unwrap();
        let on_bail = child_case(d(2026, 1, 1));
        assert!(case_clocks(p, &on_bail, d(2026, 3, 1)).is_empty());
        let in_custody = CaseFacts { accused_in_custody: true, ..on_bail };
        let clocks = case_clocks(p, &in_custody, d(2026, 3, 1));
        let c = clock(&clocks, "ctl_crown_court_182_days");
        assert_eq!(c.deadline, d(2026, 7, 2));
        let started = CaseFacts { trial_started_on: Some(d(2026, 6, 1)), ..in_custody };
        let clocks = case_clocks(p, &started, d(2026, 8, 1));
        assert_eq!(clock(&clocks, "ctl_crown_court_182_days").state, ClockState::Met);
    }

    #[test]
    fn a_decision_stops_the_clocks_that_wait_for_it_and_a_transfer_closes_them() {
        let p = profile("pk").unwrap();
        let facts = child_case(d(2026, 1, 10));
        let decided = CaseFacts { disposed: true, decided_on: Some(d(2026, 3, 1)), ..facts.clone() };
        let clocks = case_clocks(p, &decided, d(2026, 8, 1));
        assert!(clocks.iter().all(|c| c.state == ClockState::Met), "{clocks:?}");
        assert!(escalations(&clocks).is_empty());
        let late = CaseFacts { disposed: true, decided_on: Some(d(2026, 5, 5)), ..facts.clone() };
        let clocks = case_clocks(p, &late, d(2026, 8, 1));
        assert_eq!(clock(&clocks, "rape2016_trial_three_months").state, ClockState::MetLate);
        assert_eq!(clock(&clocks, "ar2021_s16_decision").state, ClockState::Met);
        let transferred = CaseFacts { disposed: true, ..facts };
        let clocks = case_clocks(p, &transferred, d(2026, 8, 1));
        assert!(clocks.iter().all(|c| c.state == ClockState::Closed), "{clocks:?}");
        assert!(escalations(&clocks).is_empty(), "a case that left the court is escalated no more");
    }

    #[test]
    fn a_trial_concluded_clock_stops_when_judgment_is_reserved() {
        let mut rule = profile("in").unwrap().clock("pocso_s35_2_trial").unwrap().clone();
        rule.stops_when = ClockStop::TrialConcluded;
        let reserved = CaseFacts { trial_concluded_on: Some(d(2026, 6, 1)), ..child_case(d(2026, 1, 1)) };
        assert_eq!(clock_status(&rule, &reserved, d(2027, 6, 1)).unwrap().state, ClockState::Met);
        let decided = CaseFacts { decided_on: Some(d(2027, 2, 1)), ..child_case(d(2026, 1, 1)) };
        assert_eq!(clock_status(&rule, &decided, d(2027, 6, 1)).unwrap().state, ClockState::MetLate);
    }

    #[test]
    fn the_nearest_deadline_is_the_running_clock_with_fewest_days() {
        let p = profile("pk").unwrap();
        let clocks = case_clocks(p, &child_case(d(2026, 1, 1)), d(2026, 2, 1));
        let nearest = nearest_running(&clocks).unwrap();
        assert_eq!(nearest.id, "rape2016_trial_three_months");
        assert_eq!(days_to_deadline(&clocks), Some(nearest.days_left));
        assert!(nearest.sentence().contains("59 days left"), "{}", nearest.sentence());
    }
}
