//! The typed shape of a rule profile and the checks a profile file must pass
//! before any court relies on it.

use chrono::{Months, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::course::Decision;
use crate::outcome::Cause;

/// Where a number comes from. A policy number is a court's default in the
/// service of the named provision; it is never "verified" because no text
/// says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Statute,
    CaseLaw,
    Policy,
}

/// One number or switch with its authority.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule<T> {
    pub value: T,
    pub section: String,
    pub basis: Basis,
    /// The provision's text was read and says this (see `checked`).
    pub verified: bool,
    /// What was read, when verified.
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRules {
    /// A person below this age is a child.
    pub under_age: Rule<i32>,
    /// Lists and orders name a child only by pseudonym or acronym.
    pub identity_withheld: Rule<bool>,
    pub in_camera: Rule<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    /// The court took cognizance of the offence.
    Cognizance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockAppliesTo {
    All,
    ChildVictim,
    AccusedInCustody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStop {
    /// The case is disposed of by a decision that ends the trial
    /// (judgment, acquittal, lawful compounding or withdrawal).
    CaseDisposed,
    /// A hearing at which the child testified was held.
    ChildEvidenceRecorded,
    /// Evidence was first taken at a held hearing (or the court moved
    /// the case to evidence).
    TrialStarted,
    /// The trial's hearing ended: judgment reserved, or a decision that
    /// ended the trial without reserving it.
    TrialConcluded,
    /// The court decided the case (judgment, or a lawful compounding or
    /// withdrawal); a transfer or abatement closes the clock unmet.
    CaseDecided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breach {
    /// Shown on the docket; the court records its reasons.
    Flag,
    /// Also goes to someone outside the court (e.g. the High Court's Chief
    /// Justice) and is listed for the judge and the court administrator.
    Escalate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    Days(u32),
    Months(u32),
}

impl Length {
    /// The day this long after `start`. Months are calendar months: 31
    /// January plus one month is the last day of February.
    pub fn after(&self, start: NaiveDate) -> Option<NaiveDate> {
        match *self {
            Length::Days(d) => start.checked_add_days(chrono::Days::new(u64::from(d))),
            Length::Months(m) => start.checked_add_months(Months::new(m)),
        }
    }
}

/// A statutory deadline: from a start event, a length, and what a breach
/// sets off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRule {
    pub id: String,
    pub title: String,
    /// The title in Urdu, for the pages and notices read in Urdu.
    pub title_ur: String,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub starts: ClockStart,
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub months: Option<u32>,
    pub applies_to: ClockAppliesTo,
    pub stops_when: ClockStop,
    pub on_breach: Breach,
    #[serde(default)]
    pub escalate_to: Option<String>,
    pub breach_duty: String,
}

impl ClockRule {
    pub fn length(&self) -> Option<Length> {
        match (self.days, self.months) {
            (Some(d), None) if d > 0 => Some(Length::Days(d)),
            (None, Some(m)) if m > 0 => Some(Length::Months(m)),
            _ => None,
        }
    }

    /// The last day the clock allows.
    pub fn deadline(&self, start: NaiveDate) -> Option<NaiveDate> {
        self.length()?.after(start)
    }
}

/// A reason a party may give for an adjournment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonRule {
    pub code: String,
    pub label: String,
    pub allowed_in_child_cases: bool,
    /// Asked for the child's sake: passes the child-present rule.
    pub child_welfare: bool,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjournmentRules {
    pub reasons_in_writing: Rule<bool>,
    /// No adjournment sine die: the order names the next date.
    pub fixed_date_required: Rule<bool>,
    pub max_remand_days: Rule<u32>,
    pub max_per_case: Rule<u32>,
    pub max_per_party: Rule<u32>,
    /// A party's request on a day the child attends to testify is refused
    /// unless it is for the child's welfare.
    pub child_present_rule: Rule<bool>,
    pub same_reason_twice_refused: Rule<bool>,
    pub reasons: Vec<ReasonRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SittingRules {
    /// The window in the court's local time in which a child testifies.
    pub child_hours_from: Rule<NaiveTime>,
    pub child_hours_until: Rule<NaiveTime>,
    pub max_sitting_minutes: Rule<u32>,
    pub break_every_minutes: Rule<u32>,
    /// Minutes between the two sides' arrival times.
    pub arrival_stagger_minutes: Rule<u32>,
    /// How long each break in a child's sitting lasts.
    pub break_minutes: Rule<u32>,
    /// A child testifying by video link is listed only in a court room that
    /// has one.
    pub video_link_room: Rule<bool>,
    /// A child who has testified in the case is called again only with a
    /// recorded reason.
    pub child_not_recalled: Rule<bool>,
    /// A child's evidence, taken once in one of several linked cases (one
    /// occurrence, consolidated or tried together), is read in each of
    /// them; without it the child gives it in each case, in one appearance.
    #[serde(default)]
    pub linked_evidence_read_in_each: Option<Rule<bool>>,
    /// The latest the child-friendly hours may be stretched to when a court
    /// adds capacity for many children; without it, the hours as they are.
    #[serde(default)]
    pub child_hours_latest: Option<Rule<NaiveTime>>,
}

/// Why a listed hearing was not held, as the court records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotHeldReason {
    pub code: String,
    pub label: String,
    /// The label in Urdu, for the judge's board.
    pub label_ur: String,
    /// Who usually causes it; None when the court must say (`other`).
    #[serde(default)]
    pub cause: Option<Cause>,
    /// The reason needs the details written out.
    #[serde(default)]
    pub needs_details: bool,
    /// The child was not brought (the child was unwell).
    #[serde(default)]
    pub child_absent: bool,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRules {
    #[serde(default)]
    pub not_held: Vec<NotHeldReason>,
}

/// A way a case may be decided, and whether the law allows it where the
/// victim is a child.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRule {
    pub code: Decision,
    pub label: String,
    pub label_ur: String,
    pub allowed_in_child_cases: bool,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseRules {
    #[serde(default)]
    pub decisions: Vec<DecisionRule>,
}

/// A protection the law gives a child witness, for pages and checklists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protection {
    pub id: String,
    pub title: String,
    pub title_ur: String,
    pub section: String,
    pub basis: Basis,
    pub verified: bool,
    #[serde(default)]
    pub checked: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleProfile {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub child: ChildRules,
    #[serde(default)]
    pub clocks: Vec<ClockRule>,
    pub adjournment: AdjournmentRules,
    pub sitting: SittingRules,
    #[serde(default)]
    pub protections: Vec<Protection>,
    #[serde(default)]
    pub outcomes: OutcomeRules,
    #[serde(default)]
    pub course: CourseRules,
}

impl RuleProfile {
    /// Parses and checks a profile file.
    pub fn parse(text: &str) -> Result<RuleProfile, String> {
        let profile: RuleProfile = toml::from_str(text).map_err(|e| e.to_string())?;
        profile.check()?;
        Ok(profile)
    }

    pub fn clock(&self, id: &str) -> Option<&ClockRule> {
        self.clocks.iter().find(|c| c.id == id)
    }

    pub fn reason(&self, code: &str) -> Option<&ReasonRule> {
        self.adjournment.reasons.iter().find(|r| r.code == code)
    }

    pub fn not_held_reason(&self, code: &str) -> Option<&NotHeldReason> {
        self.outcomes.not_held.iter().find(|r| r.code == code)
    }

    pub fn protection(&self, id: &str) -> Option<&Protection> {
        self.protections.iter().find(|p| p.id == id)
    }

    /// Every rule's name and section, for audits of the profile itself.
    pub fn sections(&self) -> Vec<(String, &str)> {
        let a = &self.adjournment;
        let s = &self.sitting;
        let mut out: Vec<(String, &str)> = vec![
            ("child.under_age".into(), &self.child.under_age.section),
            ("child.identity_withheld".into(), &self.child.identity_withheld.section),
            ("child.in_camera".into(), &self.child.in_camera.section),
            ("adjournment.reasons_in_writing".into(), &a.reasons_in_writing.section),
            ("adjournment.fixed_date_required".into(), &a.fixed_date_required.section),
            ("adjournment.max_remand_days".into(), &a.max_remand_days.section),
            ("adjournment.max_per_case".into(), &a.max_per_case.section),
            ("adjournment.max_per_party".into(), &a.max_per_party.section),
            ("adjournment.child_present_rule".into(), &a.child_present_rule.section),
            ("adjournment.same_reason_twice_refused".into(), &a.same_reason_twice_refused.section),
            ("sitting.child_hours_from".into(), &s.child_hours_from.section),
            ("sitting.child_hours_until".into(), &s.child_hours_until.section),
            ("sitting.max_sitting_minutes".into(), &s.max_sitting_minutes.section),
            ("sitting.break_every_minutes".into(), &s.break_every_minutes.section),
            ("sitting.arrival_stagger_minutes".into(), &s.arrival_stagger_minutes.section),
            ("sitting.break_minutes".into(), &s.break_minutes.section),
            ("sitting.video_link_room".into(), &s.video_link_room.section),
            ("sitting.child_not_recalled".into(), &s.child_not_recalled.section),
        ];
        out.extend(self.clocks.iter().map(|c| (format!("clock.{}", c.id), c.section.as_str())));
        out.extend(a.reasons.iter().map(|r| (format!("reason.{}", r.code), r.section.as_str())));
        out.extend(self.protections.iter().map(|p| (format!("protection.{}", p.id), p.section.as_str())));
        out.extend(
            self.outcomes.not_held.iter().map(|r| (format!("outcomes.not_held.{}", r.code), r.section.as_str())),
        );
        out.extend(self.course.decisions.iter().map(|d| (format!("course.decisions.{}", d.code), d.section.as_str())));
        out
    }

    fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("the profile has no id".into());
        }
        for (name, section) in self.sections() {
            if section.trim().is_empty() {
                return Err(format!("{name} names no section"));
            }
        }
        let authorities: Vec<(String, Basis, bool, bool)> = self.authorities();
        for (name, basis, verified, has_checked) in authorities {
            if basis == Basis::Policy && verified {
                return Err(format!("{name} is policy and cannot be verified against a text"));
            }
            if verified && !has_checked {
                return Err(format!("{name} is verified but does not say what was read (`checked`)"));
            }
        }
        let mut ids: Vec<&str> = self.clocks.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err("two clocks share an id".into());
        }
        for c in &self.clocks {
            if c.length().is_none() {
                return Err(format!("clock {} needs exactly one positive `days` or `months`", c.id));
            }
            if c.on_breach == Breach::Escalate && c.escalate_to.as_deref().is_none_or(|s| s.trim().is_empty()) {
                return Err(format!("clock {} escalates but names no one in `escalate_to`", c.id));
            }
        }
        let mut codes: Vec<&str> = self.adjournment.reasons.iter().map(|r| r.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) {
            return Err("two adjournment reasons share a code".into());
        }
        let mut codes: Vec<&str> = self.outcomes.not_held.iter().map(|r| r.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) {
            return Err("two reasons for a hearing not held share a code".into());
        }
        for r in &self.outcomes.not_held {
            if r.cause.is_none() && !r.needs_details {
                return Err(format!("outcomes.not_held.{} names no usual cause, so it needs `needs_details`", r.code));
            }
            if r.label_ur.trim().is_empty() {
                return Err(format!("outcomes.not_held.{} has no Urdu label", r.code));
            }
        }
        let mut decisions: Vec<Decision> = self.course.decisions.iter().map(|d| d.code).collect();
        decisions.sort_unstable();
        if decisions.windows(2).any(|w| w[0] == w[1]) {
            return Err("two course decisions share a code".into());
        }
        if !self.adjournment.reasons.iter().any(|r| r.child_welfare && r.allowed_in_child_cases) {
            return Err("no adjournment reason serves the child's welfare".into());
        }
        let s = &self.sitting;
        if s.child_hours_from.value >= s.child_hours_until.value {
            return Err("sitting.child_hours_from must be before child_hours_until".into());
        }
        if s.max_sitting_minutes.value == 0 || s.break_every_minutes.value == 0 || s.break_minutes.value == 0 {
            return Err("sitting minutes must be positive".into());
        }
        if self.child.under_age.value <= 0 {
            return Err("child.under_age must be positive".into());
        }
        Ok(())
    }

    fn authorities(&self) -> Vec<(String, Basis, bool, bool)> {
        fn of<T>(name: &str, r: &Rule<T>) -> (String, Basis, bool, bool) {
            (name.to_string(), r.basis, r.verified, r.checked.is_some())
        }
        let a = &self.adjournment;
        let s = &self.sitting;
        let mut out = vec![
            of("child.under_age", &self.child.under_age),
            of("child.identity_withheld", &self.child.identity_withheld),
            of("child.in_camera", &self.child.in_camera),
            of("adjournment.reasons_in_writing", &a.reasons_in_writing),
            of("adjournment.fixed_date_required", &a.fixed_date_required),
            of("adjournment.max_remand_days", &a.max_remand_days),
            of("adjournment.max_per_case", &a.max_per_case),
            of("adjournment.max_per_party", &a.max_per_party),
            of("adjournment.child_present_rule", &a.child_present_rule),
            of("adjournment.same_reason_twice_refused", &a.same_reason_twice_refused),
            of("sitting.child_hours_from", &s.child_hours_from),
            of("sitting.child_hours_until", &s.child_hours_until),
            of("sitting.max_sitting_minutes", &s.max_sitting_minutes),
            of("sitting.break_every_minutes", &s.break_every_minutes),
            of("sitting.arrival_stagger_minutes", &s.arrival_stagger_minutes),
            of("sitting.break_minutes", &s.break_minutes),
            of("sitting.video_link_room", &s.video_link_room),
            of("sitting.child_not_recalled", &s.child_not_recalled),
        ];
        out.extend(self.clocks.iter().map(|c| (format!("clock.{}", c.id), c.basis, c.verified, c.checked.is_some())));
        out.extend(a.reasons.iter().map(|r| (format!("reason.{}", r.code), r.basis, r.verified, r.checked.is_some())));
        out.extend(
            self.outcomes
                .not_held
                .iter()
                .map(|r| (format!("outcomes.not_held.{}", r.code), r.basis, r.verified, r.checked.is_some())),
        );
        out.extend(
            self.course
                .decisions
                .iter()
                .map(|d| (format!("course.decisions.{}", d.code), d.basis, d.verified, d.checked.is_some())),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "zz"
name = "Test"
summary = "A test profile"
[child]
under_age = { value = 18, section = "s.1", basis = "statute", verified = false }
identity_withheld = { value = true, section = "s.2", basis = "statute", verified = false }
in_camera = { value = true, section = "s.3", basis = "statute", verified = false }
[[clocks]]
id = "c1"
title = "Clock"
title_ur = "گھڑی"
section = "s.4"
basis = "statute"
verified = false
starts = "cognizance"
days = 30
applies_to = "child_victim"
stops_when = "case_disposed"
on_breach = "flag"
breach_duty = "Record reasons."
[adjournment]
reasons_in_writing = { value = true, section = "s.5", basis = "statute", verified = false }
fixed_date_required = { value = true, section = "s.5", basis = "statute", verified = false }
max_remand_days = { value = 15, section = "s.5", basis = "statute", verified = false }
max_per_case = { value = 2, section = "s.5", basis = "policy", verified = false }
max_per_party = { value = 1, section = "s.5", basis = "policy", verified = false }
child_present_rule = { value = true, section = "s.5", basis = "policy", verified = false }
same_reason_twice_refused = { value = true, section = "s.5", basis = "policy", verified = false }
[[adjournment.reasons]]
code = "child_unwell_certified"
label = "Unwell"
allowed_in_child_cases = true
child_welfare = true
section = "s.6"
basis = "policy"
verified = false
[sitting]
child_hours_from = { value = "10:00", section = "s.7", basis = "policy", verified = false }
child_hours_until = { value = "13:00", section = "s.7", basis = "policy", verified = false }
max_sitting_minutes = { value = 120, section = "s.7", basis = "policy", verified = false }
break_every_minutes = { value = 30, section = "s.7", basis = "policy", verified = false }
arrival_stagger_minutes = { value = 30, section = "s.7", basis = "policy", verified = false }
break_minutes = { value = 15, section = "s.7", basis = "policy", verified = false }
video_link_room = { value = true, section = "s.8", basis = "policy", verified = false }
child_not_recalled = { value = true, section = "s.9", basis = "policy", verified = false }
"#;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_minimal_profile_parses() {
        let p = RuleProfile::parse(MINIMAL).unwrap();
        assert_eq!(p.clocks[0].length(), Some(Length::Days(30)));
        assert_eq!(p.sitting.child_hours_from.value, NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    }

    #[test]
    fn a_clock_needs_exactly_one_length() {
        let both = MINIMAL.replace("days = 30", "days = 30\nmonths = 1");
        assert!(RuleProfile::parse(&both).unwrap_err().contains("exactly one"));
        let none = MINIMAL.replace("days = 30\n", "");
        assert!(RuleProfile::parse(&none).is_err());
    }

    #[test]
    fn an_escalating_clock_names_whom_it_reaches() {
        let p = MINIMAL.replace("on_breach = \"flag\"", "on_breach = \"escalate\"");
        assert!(RuleProfile::parse(&p).unwrap_err().contains("escalate_to"));
    }

    #[test]
    fn policy_cannot_claim_to_be_verified() {
        let p = MINIMAL.replace(
            "max_per_case = { value = 2, section = \"s.5\", basis = \"policy\", verified = false }",
            "max_per_case = { value = 2, section = \"s.5\", basis = \"policy\", verified = true, checked = \"x\" }",
        );
        assert!(RuleProfile::parse(&p).unwrap_err().contains("policy"));
    }

    #[test]
    fn a_verified_rule_says_what_was_read() {
        let p = MINIMAL.replace(
            "under_age = { value = 18, section = \"s.1\", basis = \"statute\", verified = false }",
            "under_age = { value = 18, section = \"s.1\", basis = \"statute\", verified = true }",
        );
        assert!(RuleProfile::parse(&p).unwrap_err().contains("checked"));
    }

    #[test]
    fn unknown_fields_are_refused_so_typos_do_not_pass_silently() {
        let p = MINIMAL.replace("breach_duty", "breach_dutty");
        assert!(RuleProfile::parse(&p).is_err());
    }

    #[test]
    fn month_clocks_end_on_the_same_day_or_the_months_last_day() {
        let p = RuleProfile::parse(&MINIMAL.replace("days = 30", "months = 1")).unwrap();
        assert_eq!(p.clocks[0].deadline(d(2026, 1, 31)), Some(d(2026, 2, 28)));
        assert_eq!(p.clocks[0].deadline(d(2026, 3, 15)), Some(d(2026, 4, 15)));
    }
}
