//! What happened at a hearing that took place: held (and what was done),
//! or not held (with the profile's reason and who caused it). An outcome
//! is checked here against the hearing and the court's profile before it
//! is written; a second record is a correction and keeps the first.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::hearing::{HearingMode, HearingStatus};
use super::roles::string_enum;
use super::rules::{NotHeldReason, RuleProfile};

string_enum! {
    /// Whether the hearing took place. An adjournment is not an outcome
    /// recorded here: it goes through the adjournment flow, which marks
    /// the hearing `adjourned`.
    OutcomeKind {
        Held => "held",
        NotHeld => "not_held",
    }
}

string_enum! {
    /// What the court did at a hearing that was held.
    Proceeding {
        ExaminationInChief => "examination_in_chief",
        CrossExamination => "cross_examination",
        ReExamination => "re_examination",
        OtherWitnesses => "other_witnesses",
        ArgumentsHeard => "arguments_heard",
        JudgmentReserved => "judgment_reserved",
        JudgmentAnnounced => "judgment_announced",
    }
}

impl Proceeding {
    /// Evidence was taken: the trial is under way.
    pub fn takes_evidence(self) -> bool {
        matches!(
            self,
            Proceeding::ExaminationInChief
                | Proceeding::CrossExamination
                | Proceeding::ReExamination
                | Proceeding::OtherWitnesses
        )
    }
}

string_enum! {
    /// How much of the child's evidence a hearing recorded.
    ChildEvidence {
        None => "none",
        Part => "part",
        Full => "full",
    }
}

impl ChildEvidence {
    pub fn taken(self) -> bool {
        self != ChildEvidence::None
    }
}

string_enum! {
    /// Who caused a hearing not to be held: the causes the monitoring of
    /// delay counts.
    Cause {
        Court => "court",
        Prosecution => "prosecution",
        Defence => "defence",
        StateCustody => "state_custody",
        ChildSide => "child_side",
    }
}

/// The hearing as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HearingFacts {
    pub status: HearingStatus,
    pub starts_at: Option<NaiveDateTime>,
    pub child_testifies: bool,
    pub mode: HearingMode,
}

/// What the judge (or the clerk for the judge) says happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report<'a> {
    pub kind: Option<OutcomeKind>,
    pub proceedings: &'a [Proceeding],
    pub child_evidence: Option<ChildEvidence>,
    /// Why the child's evidence continues on another day (part only).
    pub continues_because: Option<&'a str>,
    pub reason_code: Option<&'a str>,
    pub caused_by: Option<Cause>,
    pub details: Option<&'a str>,
    /// Whether the child was brought to court (in person or to the link).
    pub child_brought: Option<bool>,
    pub child_mode: Option<HearingMode>,
    /// Given when an outcome is already recorded: why it is corrected.
    pub correction_reason: Option<&'a str>,
}

/// A report that passed every rule: what is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub kind: OutcomeKind,
    pub proceedings: Vec<Proceeding>,
    pub child_evidence: ChildEvidence,
    pub continues_because: Option<String>,
    pub reason_code: Option<String>,
    pub caused_by: Option<Cause>,
    pub details: Option<String>,
    pub child_brought: bool,
    pub child_mode: HearingMode,
    pub correction_reason: Option<String>,
}

impl Checked {
    /// The status the hearing takes.
    pub fn hearing_status(&self) -> HearingStatus {
        match self.kind {
            OutcomeKind::Held => HearingStatus::Held,
            OutcomeKind::NotHeld => HearingStatus::NotHeld,
        }
    }

    /// Evidence of any witness, the child's included, was taken.
    pub fn took_evidence(&self) -> bool {
        self.kind == OutcomeKind::Held
            && (self.child_evidence.taken() || self.proceedings.iter().any(|p| p.takes_evidence()))
    }

    pub fn did(&self, p: Proceeding) -> bool {
        self.kind == OutcomeKind::Held && self.proceedings.contains(&p)
    }
}

/// Why a report was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The hearing has not begun (or has no time): nothing happened yet.
    NotBegun(String),
    /// The hearing's status leaves nothing to record (adjourned,
    /// cancelled, never listed).
    NotListed(String),
    /// An outcome is recorded; a second needs a correction reason.
    AlreadyRecorded,
    /// A field is missing or wrong.
    Invalid { field: &'static str, detail: String },
}

fn invalid(field: &'static str, detail: impl Into<String>) -> Refused {
    Refused::Invalid { field, detail: detail.into() }
}

/// The profile's reason for a hearing not held; an unknown code lists the
/// known ones.
pub fn not_held_reason<'p>(profile: &'p RuleProfile, code: &str) -> Result<&'p NotHeldReason, String> {
    profile.not_held_reason(code).ok_or_else(|| {
        let known: Vec<&str> = profile.outcomes.not_held.iter().map(|r| r.code.as_str()).collect();
        format!(
            "`{code}` is not a reason of the `{}` profile for a hearing not held; use one of {}",
            profile.id,
            known.join(", ")
        )
    })
}

fn text(v: Option<&str>) -> Option<String> {
    v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Checks a report of what happened at a hearing, at `now` (UTC).
/// `recorded` says whether an outcome is already on record.
pub fn check(
    profile: &RuleProfile,
    hearing: &HearingFacts,
    report: &Report,
    recorded: bool,
    now: NaiveDateTime,
) -> Result<Checked, Refused> {
    match hearing.status {
        HearingStatus::Scheduled | HearingStatus::Held | HearingStatus::NotHeld => {}
        HearingStatus::Adjourned => {
            return Err(Refused::NotListed(
                "the hearing was adjourned; the adjournment recorded what happened to it".into(),
            ))
        }
        other => return Err(Refused::NotListed(format!("the hearing is {other}; it did not take place"))),
    }
    match hearing.starts_at {
        Some(t) if t <= now => {}
        Some(_) => return Err(Refused::NotBegun("the hearing has not begun; record its outcome once it has".into())),
        None => return Err(Refused::NotBegun("the hearing has no date".into())),
    }
    let correction_reason = text(report.correction_reason);
    match (recorded, &correction_reason) {
        (true, None) => return Err(Refused::AlreadyRecorded),
        (false, Some(_)) => {
            return Err(invalid(
                "correction_reason",
                "nothing is recorded for this hearing yet, so there is nothing to correct",
            ))
        }
        _ => {}
    }
    let kind = report.kind.ok_or_else(|| invalid("kind", "say whether the hearing was `held` or `not_held`"))?;
    let details = text(report.details);
    let child_mode = report.child_mode.unwrap_or(hearing.mode);
    match kind {
        OutcomeKind::Held => {
            if report.reason_code.is_some() {
                return Err(invalid("reason_code", "a hearing that was held has no reason for not being held"));
            }
            if report.caused_by.is_some() {
                return Err(invalid("caused_by", "a hearing that was held has no cause of delay"));
            }
            let mut proceedings = report.proceedings.to_vec();
            proceedings.sort();
            proceedings.dedup();
            let child_evidence = report.child_evidence.unwrap_or(ChildEvidence::None);
            let continues_because = text(report.continues_because);
            match (child_evidence, &continues_because) {
                (ChildEvidence::Part, None) => {
                    return Err(invalid(
                        "continues_because",
                        "the child's evidence was recorded in part: say why it continues on another day",
                    ))
                }
                (ChildEvidence::None | ChildEvidence::Full, Some(_)) => {
                    return Err(invalid("continues_because", "only evidence recorded in part continues"))
                }
                _ => {}
            }
            let child_brought = match (child_evidence.taken(), report.child_brought) {
                (true, Some(false)) => {
                    return Err(invalid("child_brought", "the child's evidence was taken, so the child was brought"))
                }
                (true, _) => true,
                (false, Some(b)) => b,
                (false, None) if hearing.child_testifies => {
                    return Err(invalid(
                        "child_brought",
                        "the child was listed to testify: say whether the child was brought to court",
                    ))
                }
                (false, None) => false,
            };
            if proceedings.is_empty() && !child_evidence.taken() && details.is_none() {
                return Err(invalid("proceedings", "say what was done at the hearing (`proceedings` or `details`)"));
            }
            Ok(Checked {
                kind,
                proceedings,
                child_evidence,
                continues_because,
                reason_code: None,
                caused_by: None,
                details,
                child_brought,
                child_mode,
                correction_reason,
            })
        }
        OutcomeKind::NotHeld => {
            if !report.proceedings.is_empty() {
                return Err(invalid("proceedings", "nothing was done at a hearing that was not held"));
            }
            if report.child_evidence.is_some_and(ChildEvidence::taken) {
                return Err(invalid("child_evidence", "no evidence is taken at a hearing that was not held"));
            }
            if report.continues_because.is_some() {
                return Err(invalid("continues_because", "only evidence recorded in part continues"));
            }
            let code = report
                .reason_code
                .ok_or_else(|| invalid("reason_code", "a hearing not held needs the reason (`reason_code`)"))?;
            let reason = not_held_reason(profile, code).map_err(|e| invalid("reason_code", e))?;
            if reason.needs_details && details.is_none() {
                return Err(invalid("details", format!("“{}” needs the details in `details`", reason.label)));
            }
            let caused_by = report.caused_by.or(reason.cause).ok_or_else(|| {
                invalid("caused_by", "say who caused it: court, prosecution, defence, state_custody or child_side")
            })?;
            let child_brought = match report.child_brought {
                Some(b) => b,
                None if reason.child_absent || !hearing.child_testifies => false,
                None => {
                    return Err(invalid(
                        "child_brought",
                        "the child was listed to testify: say whether the child was brought to court",
                    ))
                }
            };
            Ok(Checked {
                kind,
                proceedings: Vec::new(),
                child_evidence: ChildEvidence::None,
                continues_because: None,
                reason_code: Some(reason.code.clone()),
                caused_by: Some(caused_by),
                details,
                child_brought,
                child_mode,
                correction_reason,
            })
        }
    }
}

/// One time a child was brought to court, as the figures and the clocks
/// read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appearance {
    pub party_id: i64,
    pub on: NaiveDate,
    pub evidence: ChildEvidence,
}

/// One child's appearances: how often brought, how often the child
/// testified, and the day the evidence was complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ChildTally {
    pub brought: u32,
    pub testified: u32,
    pub evidence_complete_on: Option<NaiveDate>,
}

pub fn tally(party_id: i64, appearances: &[Appearance]) -> ChildTally {
    let own = appearances.iter().filter(|a| a.party_id == party_id);
    let mut t = ChildTally::default();
    for a in own {
        t.brought += 1;
        if a.evidence.taken() {
            t.testified += 1;
        }
        if a.evidence == ChildEvidence::Full {
            t.evidence_complete_on = Some(t.evidence_complete_on.map_or(a.on, |d| d.min(a.on)));
        }
    }
    t
}

/// The day the evidence of every child of the case was complete; None
/// while any child's is not (or the case has no child).
pub fn all_children_heard_on(children: &[i64], appearances: &[Appearance]) -> Option<NaiveDate> {
    if children.is_empty() {
        return None;
    }
    children
        .iter()
        .map(|id| tally(*id, appearances).evidence_complete_on)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max()
}

/// "Child A: brought 3 times, testified once".
pub fn appearance_line(pseudonym: &str, t: &ChildTally) -> String {
    fn times(n: u32) -> String {
        match n {
            0 => "never".into(),
            1 => "once".into(),
            2 => "twice".into(),
            n => format!("{n} times"),
        }
    }
    let brought =
        if t.brought == 0 { "not yet brought to court".to_string() } else { format!("brought {}", times(t.brought)) };
    let testified =
        if t.testified == 0 { "not yet heard".to_string() } else { format!("testified {}", times(t.testified)) };
    format!("{pseudonym}: {brought}, {testified}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::profile;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(day: NaiveDate, h: u32) -> NaiveDateTime {
        day.and_hms_opt(h, 0, 0).unwrap()
    }

    fn hearing(child: bool) -> HearingFacts {
        HearingFacts {
            status: HearingStatus::Scheduled,
            starts_at: Some(at(d(2026, 12, 1), 5)),
            child_testifies: child,
            mode: HearingMode::VideoLink,
        }
    }

    fn now() -> NaiveDateTime {
        at(d(2026, 12, 1), 9)
    }

    fn held(proceedings: &[Proceeding]) -> Report<'_> {
        Report { kind: Some(OutcomeKind::Held), proceedings, ..Report::default() }
    }

    fn not_held(code: &str) -> Report<'_> {
        Report { kind: Some(OutcomeKind::NotHeld), reason_code: Some(code), ..Report::default() }
    }

    fn field(r: Result<Checked, Refused>) -> &'static str {
        match r {
            Err(Refused::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn a_hearing_that_has_not_begun_has_no_outcome() {
        let p = profile("in").unwrap();
        let later = HearingFacts { starts_at: Some(at(d(2026, 12, 1), 10)), ..hearing(false) };
        let r = check(p, &later, &held(&[Proceeding::ArgumentsHeard]), false, now());
        assert!(matches!(r, Err(Refused::NotBegun(_))), "{r:?}");
        let undated = HearingFacts { starts_at: None, ..hearing(false) };
        assert!(matches!(check(p, &undated, &held(&[]), false, now()), Err(Refused::NotBegun(_))));
    }

    #[test]
    fn an_adjourned_or_cancelled_hearing_is_refused() {
        let p = profile("in").unwrap();
        for status in [HearingStatus::Adjourned, HearingStatus::Cancelled, HearingStatus::Unscheduled] {
            let h = HearingFacts { status, ..hearing(false) };
            let r = check(p, &h, &held(&[Proceeding::ArgumentsHeard]), false, now());
            assert!(matches!(r, Err(Refused::NotListed(_))), "{status}: {r:?}");
        }
    }

    #[test]
    fn a_second_record_needs_a_correction_reason_and_a_first_needs_none() {
        let p = profile("pk").unwrap();
        let r = held(&[Proceeding::ArgumentsHeard]);
        assert_eq!(check(p, &hearing(false), &r, true, now()), Err(Refused::AlreadyRecorded));
        let corrected = Report { correction_reason: Some("Recorded against the wrong hearing."), ..r.clone() };
        let ok = check(p, &hearing(false), &corrected, true, now()).unwrap();
        assert_eq!(ok.correction_reason.as_deref(), Some("Recorded against the wrong hearing."));
        assert_eq!(field(check(p, &hearing(false), &corrected, false, now())), "correction_reason");
        let blank = Report { correction_reason: Some("   "), ..r };
        assert_eq!(check(p, &hearing(false), &blank, true, now()), Err(Refused::AlreadyRecorded));
    }

    #[test]
    fn childs_evidence_in_full_means_the_child_was_brought() {
        let p = profile("in").unwrap();
        let r = Report { child_evidence: Some(ChildEvidence::Full), ..held(&[Proceeding::ExaminationInChief]) };
        let ok = check(p, &hearing(true), &r, false, now()).unwrap();
        assert!(ok.child_brought && ok.took_evidence());
        assert_eq!(ok.hearing_status(), HearingStatus::Held);
        assert_eq!(ok.child_mode, HearingMode::VideoLink);
        let denied = Report { child_brought: Some(false), ..r };
        assert_eq!(field(check(p, &hearing(true), &denied, false, now())), "child_brought");
    }

    #[test]
    fn childs_evidence_in_part_says_why_it_continues() {
        let p = profile("in").unwrap();
        let part = Report { child_evidence: Some(ChildEvidence::Part), ..held(&[]) };
        assert_eq!(field(check(p, &hearing(true), &part, false, now())), "continues_because");
        let why = Report { continues_because: Some("The child was tired after an hour."), ..part };
        assert_eq!(check(p, &hearing(true), &why, false, now()).unwrap().child_evidence, ChildEvidence::Part);
        let full_with_why = Report { child_evidence: Some(ChildEvidence::Full), ..why };
        assert_eq!(field(check(p, &hearing(true), &full_with_why, false, now())), "continues_because");
    }

    #[test]
    fn a_child_listed_but_not_heard_must_be_accounted_for() {
        let p = profile("in").unwrap();
        let r = held(&[Proceeding::OtherWitnesses]);
        assert_eq!(field(check(p, &hearing(true), &r, false, now())), "child_brought");
        let sent_home = Report { child_brought: Some(true), ..r.clone() };
        let ok = check(p, &hearing(true), &sent_home, false, now()).unwrap();
        assert!(ok.child_brought && ok.child_evidence == ChildEvidence::None);
        // A hearing the child was not listed for brings no child unless said.
        assert!(!check(p, &hearing(false), &r, false, now()).unwrap().child_brought);
    }

    #[test]
    fn a_held_hearing_says_what_was_done() {
        let p = profile("pk").unwrap();
        assert_eq!(field(check(p, &hearing(false), &held(&[]), false, now())), "proceedings");
        let noted = Report { details: Some("Charge framed and read over."), ..held(&[]) };
        assert!(check(p, &hearing(false), &noted, false, now()).is_ok());
        let with_reason = Report { reason_code: Some("judge_on_leave"), ..held(&[Proceeding::ArgumentsHeard]) };
        assert_eq!(field(check(p, &hearing(false), &with_reason, false, now())), "reason_code");
    }

    #[test]
    fn not_held_takes_the_profiles_reason_and_its_usual_cause() {
        for id in ["pk", "in", "uk"] {
            let p = profile(id).unwrap();
            let ok = check(p, &hearing(false), &not_held("accused_not_produced"), false, now()).unwrap();
            assert_eq!(ok.caused_by, Some(Cause::StateCustody), "{id}");
            assert_eq!(ok.hearing_status(), HearingStatus::NotHeld);
            let ok = check(p, &hearing(false), &not_held("judge_on_leave"), false, now()).unwrap();
            assert_eq!(ok.caused_by, Some(Cause::Court), "{id}");
        }
        let p = profile("in").unwrap();
        let unknown = check(p, &hearing(false), &not_held("rain"), false, now());
        assert!(
            matches!(&unknown, Err(Refused::Invalid { field: "reason_code", detail }) if detail.contains("prosecutor_absent"))
        );
        let other = not_held("other");
        assert_eq!(field(check(p, &hearing(false), &other, false, now())), "details");
        let other = Report { details: Some("The building was evacuated."), ..other };
        assert_eq!(field(check(p, &hearing(false), &other, false, now())), "caused_by");
        let other = Report { caused_by: Some(Cause::Court), ..other };
        assert!(check(p, &hearing(false), &other, false, now()).is_ok());
        let blamed = Report { caused_by: Some(Cause::Defence), ..not_held("video_link_failed") };
        assert_eq!(check(p, &hearing(false), &blamed, false, now()).unwrap().caused_by, Some(Cause::Defence));
    }

    #[test]
    fn not_held_with_the_child_listed_says_whether_the_child_was_brought() {
        let p = profile("in").unwrap();
        assert_eq!(field(check(p, &hearing(true), &not_held("accused_not_produced"), false, now())), "child_brought");
        let brought = Report { child_brought: Some(true), ..not_held("accused_not_produced") };
        assert!(check(p, &hearing(true), &brought, false, now()).unwrap().child_brought);
        // A child who is unwell was not brought; nobody need say so.
        assert!(!check(p, &hearing(true), &not_held("child_unwell"), false, now()).unwrap().child_brought);
        let with_work = Report { proceedings: &[Proceeding::ArgumentsHeard], ..not_held("judge_on_leave") };
        assert_eq!(field(check(p, &hearing(false), &with_work, false, now())), "proceedings");
    }

    #[test]
    fn appearances_count_per_child_and_the_evidence_is_complete_when_every_child_is_heard() {
        let a = |party_id, on, evidence| Appearance { party_id, on, evidence };
        let rows = [
            a(1, d(2026, 1, 5), ChildEvidence::None),
            a(1, d(2026, 1, 12), ChildEvidence::Part),
            a(1, d(2026, 1, 19), ChildEvidence::Full),
            a(2, d(2026, 1, 12), ChildEvidence::None),
        ];
        let one = tally(1, &rows);
        assert_eq!((one.brought, one.testified, one.evidence_complete_on), (3, 2, Some(d(2026, 1, 19))));
        assert_eq!(appearance_line("Child A", &one), "Child A: brought 3 times, testified twice");
        assert_eq!(appearance_line("Child B", &tally(2, &rows)), "Child B: brought once, not yet heard");
        assert_eq!(appearance_line("Child C", &tally(3, &rows)), "Child C: not yet brought to court, not yet heard");
        assert_eq!(all_children_heard_on(&[1], &rows), Some(d(2026, 1, 19)));
        assert_eq!(all_children_heard_on(&[1, 2], &rows), None);
        let mut more = rows.to_vec();
        more.push(a(2, d(2026, 1, 26), ChildEvidence::Full));
        assert_eq!(all_children_heard_on(&[1, 2], &more), Some(d(2026, 1, 26)));
        assert_eq!(all_children_heard_on(&[], &more), None);
    }
}
