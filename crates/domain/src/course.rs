//! The case's course: open → evidence → arguments → judgment reserved →
//! decided → disposed, each step dated. The checks a step must pass and
//! the stop events of the clocks that the course supplies.

use chrono::NaiveDate;
use serde::Serialize;

use super::roles::string_enum;
use super::rules::{DecisionRule, RuleProfile};

string_enum! {
    /// Where the case stands. The order is the course's order.
    Stage {
        Open => "open",
        Evidence => "evidence",
        Arguments => "arguments",
        JudgmentReserved => "judgment_reserved",
        Decided => "decided",
        Disposed => "disposed",
    }
}

impl Stage {
    /// The case is still being tried here: it is on the docket, the
    /// child-cases list and the escalations.
    pub fn is_pending(self) -> bool {
        self < Stage::Decided
    }

    /// The stages of a case still pending, as stored.
    pub fn pending() -> [&'static str; 4] {
        [Stage::Open.as_str(), Stage::Evidence.as_str(), Stage::Arguments.as_str(), Stage::JudgmentReserved.as_str()]
    }
}

string_enum! {
    /// How the court decided the case.
    Decision {
        Convicted => "convicted",
        Acquitted => "acquitted",
        Compounded => "compounded",
        Withdrawn => "withdrawn",
        Transferred => "transferred",
        Abated => "abated",
    }
}

impl Decision {
    /// The trial ended here with this decision, so it stops the clocks
    /// that wait for a decision; a transfer or an abatement closes the
    /// case here without deciding it, so those clocks close unmet.
    pub fn ends_trial(self) -> bool {
        matches!(self, Decision::Convicted | Decision::Acquitted | Decision::Compounded | Decision::Withdrawn)
    }
}

/// A step the court orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub to: Stage,
    pub decision: Option<Decision>,
    pub on: NaiveDate,
}

/// Where the case is before the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub stage: Stage,
    /// The date of the last step (the cognizance date for an open case).
    pub since: NaiveDate,
    pub cognizance: NaiveDate,
    pub child_victim: bool,
    /// The court's today.
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRefused {
    Invalid {
        field: &'static str,
        detail: String,
    },
    /// The profile does not allow this decision (a non-compoundable
    /// offence compounded): the rule and its section.
    Rule {
        rule: String,
        section: String,
        detail: String,
    },
}

fn invalid(field: &'static str, detail: impl Into<String>) -> StepRefused {
    StepRefused::Invalid { field, detail: detail.into() }
}

pub fn decision_rule(profile: &RuleProfile, decision: Decision) -> Option<&DecisionRule> {
    profile.course.decisions.iter().find(|d| d.code == decision)
}

/// Checks a step: forward only, a decision exactly when deciding and one
/// the profile allows, disposal only of a decided case, a date neither in
/// the future nor before the step before it.
pub fn check_step(profile: &RuleProfile, at: &Position, step: &Step) -> Result<(), StepRefused> {
    if step.to <= at.stage {
        return Err(invalid(
            "stage",
            format!("the case is {}; a case moves forward only, and `{}` is not ahead of it", at.stage, step.to),
        ));
    }
    if step.to == Stage::Open {
        return Err(invalid("stage", "a case is open from cognizance"));
    }
    if step.to == Stage::Disposed && at.stage != Stage::Decided {
        return Err(invalid("stage", "only a decided case is disposed of; record the decision first"));
    }
    match (step.to, step.decision) {
        (Stage::Decided, None) => {
            return Err(invalid(
                "decision",
                "a decided case needs the decision: convicted, acquitted, compounded, withdrawn, transferred or abated",
            ))
        }
        (Stage::Decided, Some(d)) => {
            let rule = decision_rule(profile, d).ok_or_else(|| {
                invalid("decision", format!("the `{}` profile does not provide for a case {d}", profile.id))
            })?;
            if at.child_victim && !rule.allowed_in_child_cases {
                return Err(StepRefused::Rule {
                    rule: format!("course.decisions.{d}"),
                    section: rule.section.clone(),
                    detail: format!("“{}” is not open to a case with a child victim.", rule.label),
                });
            }
        }
        (_, Some(_)) => return Err(invalid("decision", "only the step to `decided` carries a decision")),
        (_, None) => {}
    }
    if step.on > at.today {
        return Err(invalid("on", "a step cannot be dated in the future"));
    }
    if step.on < at.cognizance {
        return Err(invalid("on", "a step cannot be dated before cognizance"));
    }
    if step.on < at.since {
        return Err(invalid(
            "on",
            format!("the case's last step was on {}; a later step cannot be dated before it", at.since),
        ));
    }
    Ok(())
}

/// The steps a held hearing moves the case on by itself: evidence taken
/// starts the trial, arguments heard and judgment reserved follow.
pub fn implied_stage(took_evidence: bool, arguments_heard: bool, judgment_reserved: bool) -> Option<Stage> {
    if judgment_reserved {
        Some(Stage::JudgmentReserved)
    } else if arguments_heard {
        Some(Stage::Arguments)
    } else if took_evidence {
        Some(Stage::Evidence)
    } else {
        None
    }
}

/// A step as recorded, for the stop events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub stage: Stage,
    pub decision: Option<Decision>,
    pub on: NaiveDate,
}

/// The dated events of a case that stop its clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StopEvents {
    /// Every child's evidence recorded in full.
    pub child_evidence_on: Option<NaiveDate>,
    /// The first day evidence was taken (or the case moved to evidence).
    pub trial_started_on: Option<NaiveDate>,
    /// Judgment reserved, or the trial ended by a decision without it.
    pub trial_concluded_on: Option<NaiveDate>,
    /// A decision that ended the trial here.
    pub decided_on: Option<NaiveDate>,
    pub decision: Option<Decision>,
    /// The case left the court's list (decided in any way, or disposed).
    pub closed_on: Option<NaiveDate>,
    pub disposed_on: Option<NaiveDate>,
}

/// The stop events from the case's steps, the first day evidence was
/// taken at a held hearing, and the day every child was heard in full.
pub fn stop_events(
    steps: &[Taken],
    first_evidence_on: Option<NaiveDate>,
    child_evidence_on: Option<NaiveDate>,
) -> StopEvents {
    let first = |pred: &dyn Fn(&Taken) -> bool| steps.iter().filter(|s| pred(s)).map(|s| s.on).min();
    let started_by_step = first(&|s| matches!(s.stage, Stage::Evidence | Stage::Arguments | Stage::JudgmentReserved));
    let trial_started_on = [started_by_step, first_evidence_on].into_iter().flatten().min();
    let decided = steps.iter().filter(|s| s.stage == Stage::Decided).min_by_key(|s| s.on);
    let decided_on = decided.filter(|s| s.decision.is_some_and(Decision::ends_trial)).map(|s| s.on);
    let reserved_on = first(&|s| s.stage == Stage::JudgmentReserved);
    StopEvents {
        child_evidence_on,
        trial_started_on,
        trial_concluded_on: [reserved_on, decided_on].into_iter().flatten().min(),
        decided_on,
        decision: decided.and_then(|s| s.decision),
        closed_on: first(&|s| s.stage >= Stage::Decided),
        disposed_on: first(&|s| s.stage == Stage::Disposed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(stage: Stage, child_victim: bool) -> Position {
        Position { stage, since: d(2026, 2, 1), cognizance: d(2026, 1, 1), child_victim, today: d(2026, 3, 1) }
    }

    fn step(to: Stage, decision: Option<Decision>) -> Step {
        Step { to, decision, on: d(2026, 2, 20) }
    }

    fn field(r: Result<(), StepRefused>) -> &'static str {
        match r {
            Err(StepRefused::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn a_case_moves_forward_and_may_skip_a_stage() {
        let p = profile("pk").unwrap();
        assert!(check_step(p, &at(Stage::Open, true), &step(Stage::Evidence, None)).is_ok());
        assert!(check_step(p, &at(Stage::Open, true), &step(Stage::Arguments, None)).is_ok());
        assert_eq!(field(check_step(p, &at(Stage::Arguments, true), &step(Stage::Evidence, None))), "stage");
        assert_eq!(field(check_step(p, &at(Stage::Evidence, true), &step(Stage::Evidence, None))), "stage");
    }

    #[test]
    fn only_a_decided_case_is_disposed_of() {
        let p = profile("in").unwrap();
        assert_eq!(field(check_step(p, &at(Stage::Arguments, true), &step(Stage::Disposed, None))), "stage");
        assert!(check_step(p, &at(Stage::Decided, true), &step(Stage::Disposed, None)).is_ok());
    }

    #[test]
    fn deciding_names_the_decision_and_nothing_else_does() {
        let p = profile("in").unwrap();
        assert_eq!(field(check_step(p, &at(Stage::JudgmentReserved, true), &step(Stage::Decided, None))), "decision");
        assert!(
            check_step(p, &at(Stage::JudgmentReserved, true), &step(Stage::Decided, Some(Decision::Convicted))).is_ok()
        );
        assert!(check_step(p, &at(Stage::Open, true), &step(Stage::Decided, Some(Decision::Transferred))).is_ok());
        let stray = step(Stage::Arguments, Some(Decision::Acquitted));
        assert_eq!(field(check_step(p, &at(Stage::Evidence, true), &stray)), "decision");
    }

    #[test]
    fn in_pocso_offences_are_not_compounded_in_a_child_case() {
        let p = profile("in").unwrap();
        let r = check_step(p, &at(Stage::Arguments, true), &step(Stage::Decided, Some(Decision::Compounded)));
        match r {
            Err(StepRefused::Rule { rule, section, .. }) => {
                assert_eq!(rule, "course.decisions.compounded");
                assert!(section.contains("s.320"), "{section}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_step_is_dated_between_the_last_step_and_today() {
        let p = profile("uk").unwrap();
        let future = Step { on: d(2026, 3, 2), ..step(Stage::Evidence, None) };
        assert_eq!(field(check_step(p, &at(Stage::Open, false), &future)), "on");
        let before = Step { on: d(2026, 1, 31), ..step(Stage::Evidence, None) };
        assert_eq!(field(check_step(p, &at(Stage::Open, false), &before)), "on");
        let pre_cognizance = Position { since: d(2025, 12, 1), ..at(Stage::Open, false) };
        let early = Step { on: d(2025, 12, 15), ..step(Stage::Evidence, None) };
        assert_eq!(field(check_step(p, &pre_cognizance, &early)), "on");
    }

    #[test]
    fn a_held_hearing_implies_the_furthest_stage_it_reached() {
        assert_eq!(implied_stage(false, false, false), None);
        assert_eq!(implied_stage(true, false, false), Some(Stage::Evidence));
        assert_eq!(implied_stage(true, true, false), Some(Stage::Arguments));
        assert_eq!(implied_stage(false, true, true), Some(Stage::JudgmentReserved));
    }

    #[test]
    fn stop_events_come_from_the_steps_and_the_hearings() {
        let t = |stage, decision, on| Taken { stage, decision, on };
        let steps = [
            t(Stage::Evidence, None, d(2026, 2, 1)),
            t(Stage::JudgmentReserved, None, d(2026, 4, 1)),
            t(Stage::Decided, Some(Decision::Acquitted), d(2026, 4, 20)),
            t(Stage::Disposed, None, d(2026, 4, 21)),
        ];
        let e = stop_events(&steps, Some(d(2026, 1, 25)), Some(d(2026, 1, 25)));
        assert_eq!(e.trial_started_on, Some(d(2026, 1, 25)), "the hearing took evidence before the step was ordered");
        assert_eq!(e.trial_concluded_on, Some(d(2026, 4, 1)));
        assert_eq!(e.decided_on, Some(d(2026, 4, 20)));
        assert_eq!(e.closed_on, Some(d(2026, 4, 20)));
        assert_eq!(e.disposed_on, Some(d(2026, 4, 21)));

        let transferred = [t(Stage::Decided, Some(Decision::Transferred), d(2026, 3, 1))];
        let e = stop_events(&transferred, None, None);
        assert_eq!((e.decided_on, e.closed_on, e.trial_started_on), (None, Some(d(2026, 3, 1)), None));
        assert_eq!(e.decision, Some(Decision::Transferred));
    }

    #[test]
    fn pending_stages_are_the_ones_before_a_decision() {
        assert!(Stage::JudgmentReserved.is_pending() && !Stage::Decided.is_pending());
        assert_eq!(Stage::pending().len(), Stage::ALL.iter().filter(|s| s.is_pending()).count());
    }
}
