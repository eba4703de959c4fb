//! Adjournment control: whether a request may go to the judge, decided by
//! the court's rule profile. A refusal names the profile's rule and the
//! provision it comes from, so the clerk, the judge and the audit trail all
//! read the same reason.
//!
//! The rule ids are the profile's own keys (`adjournment.max_per_case`,
//! `adjournment.reasons.<code>`, `clock.<id>`), so a reader can find the
//! number and its section in `rules/<id>.toml`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::clocks::{ClockState, ClockStatus};
use super::roles::string_enum;
use super::rules::{ReasonRule, RuleProfile};

string_enum! {
    /// Who asks for the adjournment. The court is not a party: its own
    /// adjournments (a judge on leave) count for the case, not for a party.
    Requester {
        Prosecution => "prosecution",
        Defence => "defence",
        Court => "court",
        ChildSide => "child_side",
    }
}

impl Requester {
    pub fn is_party(self) -> bool {
        self != Requester::Court
    }
}

string_enum! {
    /// Where a request stands. `refused_by_rule` waits only for a judge's
    /// override; `granted` and `refused` are final.
    AdjournmentStatus {
        Pending => "pending",
        RefusedByRule => "refused_by_rule",
        Granted => "granted",
        Refused => "refused",
    }
}

impl AdjournmentStatus {
    pub fn is_decided(self) -> bool {
        matches!(self, AdjournmentStatus::Granted | AdjournmentStatus::Refused)
    }
}

/// One rule that refused a request. `detail` is the English sentence;
/// `code` and `params` let a page say it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub rule: String,
    pub section: String,
    pub detail: String,
    /// What the sentence says: `reason_not_for_child`, `no_fixed_date`,
    /// `remand_too_long`, `child_present`, `same_reason_twice`,
    /// `party_limit`, `case_limit`, `past_deadline`, `broken_not_earliest`.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub params: RefusalParams,
}

/// The request, in the court's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub requested_by: Requester,
    pub reason_code: &'a str,
    /// The party says it asks for the child's sake. The judge sees the claim;
    /// it passes the child-present rule as a reason marked `child_welfare` does.
    pub for_child_welfare: bool,
    /// The court-local date of the proposed next hearing; None is sine die.
    pub new_date: Option<NaiveDate>,
    pub remand_days: Option<u32>,
    /// The court-local date of the hearing to be adjourned.
    pub hearing_date: NaiveDate,
    pub child_testifies: bool,
    /// The court-local date the request is made.
    pub today: NaiveDate,
}

/// An adjournment the case already had (granted, overrides included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastAdjournment {
    pub requested_by: Requester,
    pub reason_code: String,
}

/// What the rules need to know of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseContext<'a> {
    pub child_victim: bool,
    /// Granted adjournments, oldest first.
    pub granted: &'a [PastAdjournment],
    /// The case's clocks on `today`.
    pub clocks: &'a [ClockStatus],
    /// The first day after the hearing on which the court sits and the judge
    /// and the room are free (see `earliest_feasible`).
    pub earliest_feasible: NaiveDate,
}

/// The reason code as the profile defines it; an unknown code is a
/// mistake in the request, not a refusal.
pub fn reason<'p>(profile: &'p RuleProfile, code: &str) -> Result<&'p ReasonRule, String> {
    profile.reason(code).ok_or_else(|| {
        let known: Vec<&str> = profile.adjournment.reasons.iter().map(|r| r.code.as_str()).collect();
        format!(
            "`{code}` is not an adjournment reason of the `{}` profile; use one of {}",
            profile.id,
            known.join(", ")
        )
    })
}

/// The figures and codes a refusal's sentence needs; only those that
/// apply are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalParams {
    /// The adjournment reason's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who asked: prosecution, defence, court, child_side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<NaiveDate>,
    /// The clock, by id and by its titles in both languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_title_ur: Option<String>,
}

fn refusal(rule: impl Into<String>, section: &str, code: &str, params: RefusalParams, detail: String) -> Refusal {
    Refusal { rule: rule.into(), section: section.to_string(), detail, code: code.into(), params }
}

/// Every rule the request breaks, most specific first; empty means it goes
/// to the judge as pending. The first refusal is the one the clerk is shown.
pub fn check(profile: &RuleProfile, req: &Request, case: &CaseContext) -> Result<Vec<Refusal>, String> {
    let rules = &profile.adjournment;
    let why = reason(profile, req.reason_code)?;
    let mut out = Vec::new();

    if case.child_victim && !why.allowed_in_child_cases {
        out.push(refusal(
            format!("adjournment.reasons.{}", why.code),
            &why.section,
            "reason_not_for_child",
            RefusalParams { reason: Some(why.code.clone()), ..RefusalParams::default() },
            format!("“{}” is not a ground for adjourning a case with a child victim.", why.label),
        ));
    }

    match req.new_date {
        None if rules.fixed_date_required.value => out.push(refusal(
            "adjournment.fixed_date_required",
            &rules.fixed_date_required.section,
            "no_fixed_date",
            RefusalParams::default(),
            "An adjournment must fix the next date; it cannot be sine die.".into(),
        )),
        _ => {}
    }

    if let Some(days) = req.remand_days {
        let max = rules.max_remand_days.value;
        if days > max {
            out.push(refusal(
                "adjournment.max_remand_days",
                &rules.max_remand_days.section,
                "remand_too_long",
                RefusalParams { days: Some(i64::from(days)), max: Some(i64::from(max)), ..RefusalParams::default() },
                format!("A remand of {days} days is longer than the {max} days allowed at a time."),
            ));
        }
    }

    let child_present = req.child_testifies && req.today == req.hearing_date;
    let for_welfare = why.child_welfare || req.for_child_welfare;
    if rules.child_present_rule.value && child_present && req.requested_by.is_party() && !for_welfare {
        out.push(refusal(
            "adjournment.child_present_rule",
            &rules.child_present_rule.section,
            "child_present",
            RefusalParams { party: Some(req.requested_by.as_str().into()), ..RefusalParams::default() },
            format!(
                "The child is in court today to testify; the {} may ask to adjourn only for the child's welfare.",
                party_name(req.requested_by)
            ),
        ));
    }

    let own: Vec<&PastAdjournment> = case.granted.iter().filter(|p| p.requested_by == req.requested_by).collect();
    if rules.same_reason_twice_refused.value && req.requested_by.is_party() {
        if let Some(last) = own.last().filter(|last| last.reason_code == why.code) {
            out.push(refusal(
                "adjournment.same_reason_twice_refused",
                &rules.same_reason_twice_refused.section,
                "same_reason_twice",
                RefusalParams {
                    party: Some(req.requested_by.as_str().into()),
                    reason: Some(last.reason_code.clone()),
                    ..RefusalParams::default()
                },
                format!(
                    "The {} was last granted an adjournment for the same reason (“{}”).",
                    party_name(req.requested_by),
                    profile.reason(&last.reason_code).map_or(last.reason_code.as_str(), |r| r.label.as_str())
                ),
            ));
        }
    }

    let max_party = rules.max_per_party.value as usize;
    if req.requested_by.is_party() && own.len() >= max_party {
        out.push(refusal(
            "adjournment.max_per_party",
            &rules.max_per_party.section,
            "party_limit",
            RefusalParams {
                party: Some(req.requested_by.as_str().into()),
                count: Some(own.len() as i64),
                max: Some(max_party as i64),
                ..RefusalParams::default()
            },
            format!(
                "The {} has had {} of the {max_party} adjournments a party may have.",
                party_name(req.requested_by),
                own.len()
            ),
        ));
    }

    let max_case = rules.max_per_case.value as usize;
    if case.granted.len() >= max_case {
        out.push(refusal(
            "adjournment.max_per_case",
            &rules.max_per_case.section,
            "case_limit",
            RefusalParams {
                count: Some(case.granted.len() as i64),
                max: Some(max_case as i64),
                ..RefusalParams::default()
            },
            format!("The case has had {} of the {max_case} adjournments allowed.", case.granted.len()),
        ));
    }

    if let Some(new_date) = req.new_date {
        out.extend(clock_refusals(case.clocks, new_date, case.earliest_feasible));
    }
    Ok(out)
}

/// A running clock refuses a date past its deadline. A broken one can no
/// longer be kept, so it asks only that no day be lost: the next hearing is
/// the earliest feasible one.
fn clock_refusals(clocks: &[ClockStatus], new_date: NaiveDate, earliest: NaiveDate) -> Vec<Refusal> {
    let params = |c: &ClockStatus| RefusalParams {
        new_date: Some(new_date),
        deadline: Some(c.deadline),
        clock: Some(c.id.clone()),
        clock_title: Some(c.title.clone()),
        clock_title_ur: Some(c.title_ur.clone()),
        ..RefusalParams::default()
    };
    clocks
        .iter()
        .filter_map(|c| match c.state {
            ClockState::Running if new_date > c.deadline => Some(refusal(
                format!("clock.{}", c.id),
                &c.section,
                "past_deadline",
                params(c),
                format!("{new_date} is after the deadline of {} ({}).", c.deadline, c.title),
            )),
            ClockState::Broken if new_date > earliest => Some(refusal(
                format!("clock.{}", c.id),
                &c.section,
                "broken_not_earliest",
                RefusalParams { earliest: Some(earliest), ..params(c) },
                format!(
                    "The deadline of {} ({}) has passed; the next date must be the earliest feasible one, {earliest}, not {new_date}.",
                    c.deadline, c.title
                ),
            )),
            _ => None,
        })
        .collect()
}

fn party_name(r: Requester) -> &'static str {
    match r {
        Requester::Prosecution => "prosecution",
        Requester::Defence => "defence",
        Requester::Court => "court",
        Requester::ChildSide => "child's side",
    }
}

/// The fewest words an override's reasons may have.
pub const MIN_OVERRIDE_WORDS: usize = 8;

/// A judge overrides a rule only in writing: at least one full sentence, so
/// that the order says *why*, not just "granted". Urdu (۔) and Hindi (।)
/// full stops end a sentence too.
pub fn written_reasons(text: &str) -> Result<String, String> {
    let text = text.trim();
    let words = text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    if words < MIN_OVERRIDE_WORDS {
        return Err(format!(
            "the reasons have {words} words; an override needs at least one full sentence of {MIN_OVERRIDE_WORDS} words or more"
        ));
    }
    if !text.ends_with(['.', '!', '?', '۔', '।']) {
        return Err("the reasons must end as a sentence does, with a full stop".into());
    }
    Ok(text.to_string())
}

/// Whether free text names a child; the rule is the privacy module's.
pub use crate::privacy::mentions_name;

/// What one recorded request contributes to the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub requested_by: String,
    pub reason_code: String,
    pub status: AdjournmentStatus,
    /// A rule refused it (when asked, or when the judge decided).
    pub refused_by_rule: bool,
    pub overridden: bool,
    /// Days between the adjourned hearing and the new one, once granted.
    pub delay_days: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub requests: u64,
    pub refused_by_rule: u64,
    pub granted: u64,
    pub overridden: u64,
    pub refused_by_judge: u64,
    pub pending: u64,
}

impl Tally {
    fn add(&mut self, r: &Recorded) {
        self.requests += 1;
        self.refused_by_rule += u64::from(r.refused_by_rule);
        self.overridden += u64::from(r.overridden);
        match r.status {
            AdjournmentStatus::Granted => self.granted += 1,
            AdjournmentStatus::Refused => self.refused_by_judge += 1,
            AdjournmentStatus::Pending => self.pending += 1,
            AdjournmentStatus::RefusedByRule => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    #[serde(flatten)]
    pub totals: Tally,
    pub by_reason: BTreeMap<String, Tally>,
    pub by_party: BTreeMap<String, Tally>,
    /// Mean days added per granted adjournment; None when none was granted.
    pub average_delay_days: Option<f64>,
}

pub fn figures(rows: &[Recorded]) -> Figures {
    let mut totals = Tally::default();
    let mut by_reason: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_party: BTreeMap<String, Tally> = BTreeMap::new();
    let mut delays = Vec::new();
    for r in rows {
        totals.add(r);
        by_reason.entry(r.reason_code.clone()).or_default().add(r);
        by_party.entry(r.requested_by.clone()).or_default().add(r);
        if r.status == AdjournmentStatus::Granted {
            delays.extend(r.delay_days);
        }
    }
    let average_delay_days = if delays.is_empty() {
        None
    } else {
        let sum: i64 = delays.iter().sum();
        Some(((sum as f64 / delays.len() as f64) * 10.0).round() / 10.0)
    };
    Figures { totals, by_reason, by_party, average_delay_days }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::{case_clocks, CaseFacts};
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 23);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    /// A defence request to move next week's hearing by a fortnight.
    fn req(code: &str) -> Request<'_> {
        Request {
            requested_by: Requester::Defence,
            reason_code: code,
            for_child_welfare: false,
            new_date: Some(d(2026, 12, 14)),
            remand_days: None,
            hearing_date: d(2026, 11, 30),
            child_testifies: true,
            today: today(),
        }
    }

    fn clocks_for(profile_id: &str, cognizance: NaiveDate) -> Vec<ClockStatus> {
        let facts = CaseFacts::new(cognizance, true, true);
        case_clocks(profile(profile_id).unwrap(), &facts, today())
    }

    fn rules_of(refusals: &[Refusal]) -> Vec<&str> {
        refusals.iter().map(|r| r.rule.as_str()).collect()
    }

    fn run(p: &RuleProfile, r: &Request, granted: &[PastAdjournment], clocks: &[ClockStatus]) -> Vec<Refusal> {
        let ctx = CaseContext { child_victim: true, granted, clocks, earliest_feasible: d(2026, 12, 1) };
        check(p, r, &ctx).unwrap()
    }

    fn past(by: Requester, code: &str) -> PastAdjournment {
        PastAdjournment { requested_by: by, reason_code: code.into() }
    }

    /// A pk profile with room for a party's second request, so the
    /// same-reason rule is seen alone.
    fn roomy_pk() -> RuleProfile {
        let mut p = profile("pk").unwrap().clone();
        p.adjournment.max_per_party.value = 5;
        p.adjournment.max_per_case.value = 9;
        p
    }

    #[test]
    fn a_proper_request_goes_to_the_judge() {
        let p = profile("pk").unwrap();
        let clocks = clocks_for("pk", d(2026, 11, 1));
        assert_eq!(run(p, &req("witness_not_served"), &[], &clocks), vec![]);
    }

    #[test]
    fn an_unknown_reason_is_a_mistake_not_a_refusal() {
        let p = profile("pk").unwrap();
        let ctx = CaseContext { child_victim: true, granted: &[], clocks: &[], earliest_feasible: today() };
        let err = check(p, &req("tired"), &ctx).unwrap_err();
        assert!(err.contains("witness_not_served"), "{err}");
    }

    #[test]
    fn pk_crpc_s344_counsel_engaged_elsewhere_is_refused_in_a_child_case_only() {
        let p = profile("pk").unwrap();
        let refused = run(p, &req("counsel_engaged_elsewhere"), &[], &[]);
        assert_eq!(rules_of(&refused), ["adjournment.reasons.counsel_engaged_elsewhere"]);
        assert_eq!(refused[0].section, "CrPC 1898 s.344(1)");
        let adult = CaseContext { child_victim: false, granted: &[], clocks: &[], earliest_feasible: today() };
        assert_eq!(check(p, &req("counsel_engaged_elsewhere"), &adult).unwrap(), vec![]);
    }

    #[test]
    fn pk_policy_max_three_per_case_counts_every_party_and_the_court() {
        let p = profile("pk").unwrap();
        let two = [past(Requester::Prosecution, "witness_not_served"), past(Requester::Court, "judge_on_leave")];
        assert_eq!(run(p, &req("witness_not_served"), &two, &[]), vec![]);
        let three = [
            past(Requester::Prosecution, "witness_not_served"),
            past(Requester::Court, "judge_on_leave"),
            past(Requester::ChildSide, "child_unwell_certified"),
        ];
        let refused = run(p, &req("witness_not_served"), &three, &[]);
        assert_eq!(rules_of(&refused), ["adjournment.max_per_case"]);
        assert!(refused[0].detail.contains("3 of the 3"), "{}", refused[0].detail);
    }

    #[test]
    fn pk_policy_one_per_party_but_the_court_is_not_a_party() {
        let p = profile("pk").unwrap();
        let defence_once = [past(Requester::Defence, "judge_on_leave")];
        let refused = run(p, &req("witness_not_served"), &defence_once, &[]);
        assert_eq!(rules_of(&refused), ["adjournment.max_per_party"]);
        let prosecution = Request { requested_by: Requester::Prosecution, ..req("witness_not_served") };
        assert_eq!(run(p, &prosecution, &defence_once, &[]), vec![]);
        let court_once = [past(Requester::Court, "judge_on_leave")];
        let court = Request { requested_by: Requester::Court, ..req("judge_on_leave") };
        assert_eq!(run(p, &court, &court_once, &[]), vec![]);
    }

    #[test]
    fn pk_rape_act_2016_a_new_date_past_the_three_month_clock_is_refused() {
        let p = profile("pk").unwrap();
        // Cognizance 2026-09-01: the three-month clock runs out on 2026-12-01.
        let clocks = clocks_for("pk", d(2026, 9, 1));
        let in_time = Request { new_date: Some(d(2026, 12, 1)), ..req("witness_not_served") };
        assert_eq!(run(p, &in_time, &[], &clocks), vec![]);
        let late = Request { new_date: Some(d(2026, 12, 2)), ..req("witness_not_served") };
        let refused = run(p, &late, &[], &clocks);
        assert_eq!(rules_of(&refused), ["clock.rape2016_trial_three_months"]);
        assert!(refused[0].section.contains("2016"));
    }

    #[test]
    fn a_broken_clock_asks_for_the_earliest_feasible_date() {
        let p = profile("pk").unwrap();
        // Both pk clocks broke before today.
        let clocks = clocks_for("pk", d(2026, 6, 1));
        assert!(clocks.iter().all(ClockStatus::is_broken));
        let earliest = Request { new_date: Some(d(2026, 12, 1)), ..req("witness_not_served") };
        assert_eq!(run(p, &earliest, &[], &clocks), vec![]);
        let later = Request { new_date: Some(d(2026, 12, 2)), ..req("witness_not_served") };
        let refused = run(p, &later, &[], &clocks);
        assert_eq!(rules_of(&refused), ["clock.rape2016_trial_three_months", "clock.ar2021_s16_decision"]);
        assert!(refused[0].detail.contains("2026-12-01"), "{}", refused[0].detail);
        // The page words it from the code and figures, in either language.
        assert_eq!(refused[0].code, "broken_not_earliest");
        assert_eq!(refused[0].params.earliest, Some(d(2026, 12, 1)));
        assert_eq!(refused[0].params.clock.as_deref(), Some("rape2016_trial_three_months"));
        assert!(refused[0].params.clock_title_ur.as_deref().is_some_and(|t| !t.is_ascii()));
    }

    #[test]
    fn pk_pld_2023_lahore_334_no_adjournment_sine_die() {
        let p = profile("pk").unwrap();
        let sine_die = Request { new_date: None, ..req("witness_not_served") };
        let refused = run(p, &sine_die, &[], &[]);
        assert_eq!(rules_of(&refused), ["adjournment.fixed_date_required"]);
        assert!(refused[0].section.contains("PLD 2023 Lahore 334"));
    }

    #[test]
    fn pk_crpc_s344_remand_longer_than_fifteen_days_is_refused() {
        let p = profile("pk").unwrap();
        let fifteen = Request { remand_days: Some(15), ..req("witness_not_served") };
        assert_eq!(run(p, &fifteen, &[], &[]), vec![]);
        let sixteen = Request { remand_days: Some(16), ..req("witness_not_served") };
        let refused = run(p, &sixteen, &[], &[]);
        assert_eq!(rules_of(&refused), ["adjournment.max_remand_days"]);
        assert_eq!(refused[0].section, "CrPC 1898 s.344(1) proviso");
        assert_eq!(refused[0].code, "remand_too_long");
        assert_eq!((refused[0].params.days, refused[0].params.max), (Some(16), Some(15)));
    }

    #[test]
    fn a_refusal_stored_before_codes_were_kept_still_reads() {
        let old: Refusal = serde_json::from_str(
            r#"{"rule":"adjournment.max_per_case","section":"s.16","detail":"The case has had 3."}"#,
        )
        .unwrap();
        assert_eq!(old.code, "");
        assert_eq!(old.params, RefusalParams::default());
    }

    #[test]
    fn in_crpc_s309_a_party_cannot_adjourn_the_day_the_child_attends_unless_for_the_child() {
        let p = profile("in").unwrap();
        let on_the_day = Request { hearing_date: today(), ..req("witness_not_served") };
        let refused = run(p, &on_the_day, &[], &[]);
        assert_eq!(rules_of(&refused), ["adjournment.child_present_rule"]);
        assert!(refused[0].section.contains("s.309(2)"));
        // For the child: by its reason or by the party's word.
        assert_eq!(run(p, &Request { hearing_date: today(), ..req("child_unwell_certified") }, &[], &[]), vec![]);
        let claimed = Request { for_child_welfare: true, ..on_the_day.clone() };
        assert_eq!(run(p, &claimed, &[], &[]), vec![]);
        // The day before, the child is not yet in court; the court is no party.
        assert_eq!(run(p, &req("witness_not_served"), &[], &[]), vec![]);
        let court = Request { requested_by: Requester::Court, ..req("judge_on_leave") };
        assert_eq!(run(p, &Request { hearing_date: today(), ..court }, &[], &[]), vec![]);
        // A hearing without the child's evidence is not the child's day.
        let no_child = Request { child_testifies: false, ..on_the_day };
        assert_eq!(run(p, &no_child, &[], &[]), vec![]);
    }

    #[test]
    fn the_same_reason_from_the_same_party_twice_in_a_row_is_refused() {
        let p = roomy_pk();
        let history = [past(Requester::Defence, "witness_not_served")];
        let refused = run(&p, &req("witness_not_served"), &history, &[]);
        assert_eq!(rules_of(&refused), ["adjournment.same_reason_twice_refused"]);
        // Another party's same reason, or a different reason, passes.
        let prosecution = Request { requested_by: Requester::Prosecution, ..req("witness_not_served") };
        assert_eq!(run(&p, &prosecution, &history, &[]), vec![]);
        assert_eq!(run(&p, &req("judge_on_leave"), &history, &[]), vec![]);
        // "In a row": a different reason in between resets it.
        let apart = [past(Requester::Defence, "witness_not_served"), past(Requester::Defence, "judge_on_leave")];
        assert_eq!(run(&p, &req("witness_not_served"), &apart, &[]), vec![]);
    }

    #[test]
    fn every_broken_rule_is_listed_most_specific_first() {
        let p = profile("pk").unwrap();
        let bad = Request {
            new_date: None,
            remand_days: Some(30),
            hearing_date: today(),
            ..req("counsel_engaged_elsewhere")
        };
        let history = [past(Requester::Defence, "counsel_engaged_elsewhere")];
        assert_eq!(
            rules_of(&run(p, &bad, &history, &[])),
            [
                "adjournment.reasons.counsel_engaged_elsewhere",
                "adjournment.fixed_date_required",
                "adjournment.max_remand_days",
                "adjournment.child_present_rule",
                "adjournment.same_reason_twice_refused",
                "adjournment.max_per_party",
            ]
        );
    }

    #[test]
    fn switched_off_rules_do_not_refuse() {
        let mut p = roomy_pk();
        p.adjournment.fixed_date_required.value = false;
        p.adjournment.child_present_rule.value = false;
        p.adjournment.same_reason_twice_refused.value = false;
        let r = Request { new_date: None, hearing_date: today(), ..req("witness_not_served") };
        assert_eq!(run(&p, &r, &[past(Requester::Defence, "witness_not_served")], &[]), vec![]);
    }

    #[test]
    fn override_reasons_are_a_full_sentence() {
        assert!(written_reasons("").is_err());
        assert!(written_reasons("Granted.").is_err());
        assert!(written_reasons("The defence counsel is in hospital after an accident").is_err(), "no full stop");
        assert!(written_reasons("The defence counsel is in hospital after an accident.").is_ok());
        assert!(written_reasons(". . . . . . . . .").is_err(), "punctuation is not words");
        assert_eq!(
            written_reasons("  وکیل صفائی حادثے کے بعد ہسپتال میں داخل ہے اور حاضر نہیں۔ ").as_deref(),
            Ok("وکیل صفائی حادثے کے بعد ہسپتال میں داخل ہے اور حاضر نہیں۔")
        );
    }

    #[test]
    fn free_text_may_not_name_the_child() {
        assert!(mentions_name("Zainab was unwell today.", "Zainab Qamar"));
        assert!(mentions_name("the QAMAR family asked", "Zainab Qamar"));
        assert!(!mentions_name("Child A was unwell today.", "Zainab Qamar"));
        assert!(!mentions_name("Zainabad road was closed.", "Zainab Qamar"), "whole words only");
        assert!(!mentions_name("Al is here", "Al B"), "parts under three letters are too common to refuse");
    }

    #[test]
    fn figures_count_outcomes_by_reason_and_party_and_average_the_delay() {
        let row = |by: &str, code: &str, status, rule: bool, over: bool, delay: Option<i64>| Recorded {
            requested_by: by.into(),
            reason_code: code.into(),
            status,
            refused_by_rule: rule,
            overridden: over,
            delay_days: delay,
        };
        use AdjournmentStatus::*;
        let rows = [
            row("defence", "counsel_engaged_elsewhere", RefusedByRule, true, false, None),
            row("defence", "counsel_engaged_elsewhere", Granted, true, true, Some(21)),
            row("prosecution", "witness_not_served", Granted, false, false, Some(10)),
            row("prosecution", "witness_not_served", Refused, false, false, None),
            row("court", "judge_on_leave", Pending, false, false, None),
        ];
        let f = figures(&rows);
        assert_eq!(
            f.totals,
            Tally { requests: 5, refused_by_rule: 2, granted: 2, overridden: 1, refused_by_judge: 1, pending: 1 }
        );
        assert_eq!(f.by_party["defence"].overridden, 1);
        assert_eq!(f.by_party["prosecution"].granted, 1);
        assert_eq!(f.by_reason["witness_not_served"].requests, 2);
        assert_eq!(f.average_delay_days, Some(15.5));
        assert_eq!(figures(&[]).average_delay_days, None);
    }
}
