//! Jurisdiction rule profiles: the numbers the law sets (deadlines,
//! adjournment limits, child-friendly sittings), kept as data in `rules/*.toml`
//! and embedded in the binary. Each number carries its statute section and
//! whether its text was verified.

mod profile;

use std::sync::OnceLock;

pub use profile::{
    AdjournmentRules, Basis, Breach, ChildRules, ClockAppliesTo, ClockRule, ClockStart, ClockStop, CourseRules,
    DecisionRule, Length, NotHeldReason, OutcomeRules, Protection, ReasonRule, Rule, RuleProfile, SittingRules,
};

/// The embedded profiles, by id. Adding a jurisdiction is adding a file here.
const SOURCES: &[(&str, &str)] = &[
    ("in", include_str!("../../../../rules/in.toml")),
    ("pk", include_str!("../../../../rules/pk.toml")),
    ("uk", include_str!("../../../../rules/uk.toml")),
];

pub fn profile_ids() -> Vec<&'static str> {
    SOURCES.iter().map(|(id, _)| *id).collect()
}

pub fn is_known_profile(id: &str) -> bool {
    SOURCES.iter().any(|(known, _)| *known == id)
}

/// Parsed once per process; the data is part of the binary, so every node
/// holds the same copy and nothing needs sharing between nodes.
fn parsed() -> &'static [Result<RuleProfile, String>] {
    static PROFILES: OnceLock<Vec<Result<RuleProfile, String>>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(id, text)| {
                RuleProfile::parse(text).and_then(|p| {
                    if p.id == *id {
                        Ok(p)
                    } else {
                        Err(format!("rules/{id}.toml declares id `{}`", p.id))
                    }
                })
            })
            .collect()
    })
}

/// The profile a court uses. An unknown id or a profile that does not parse
/// is an error the caller reports; tests make sure the shipped ones parse.
pub fn profile(id: &str) -> Result<&'static RuleProfile, String> {
    let index = SOURCES
        .iter()
        .position(|(known, _)| *known == id)
        .ok_or_else(|| format!("`{id}` is not a rule profile; use one of {}", profile_ids().join(", ")))?;
    match parsed().get(index) {
        Some(Ok(p)) => Ok(p),
        Some(Err(e)) => Err(format!("rule profile `{id}` is broken: {e}")),
        None => Err(format!("rule profile `{id}` is missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_profile_parses_and_matches_its_id() {
        for id in profile_ids() {
            let p = profile(id);
            assert!(p.is_ok(), "{id}: {:?}", p.err());
        }
        assert!(profile("xx").is_err());
        assert!(is_known_profile("pk") && !is_known_profile("xx"));
    }

    #[test]
    fn every_rule_names_a_section() {
        for id in profile_ids() {
            let p = profile(id).unwrap();
            for (name, section) in p.sections() {
                assert!(!section.trim().is_empty(), "{id}: {name} has no section");
            }
        }
    }

    #[test]
    fn a_verified_statute_rule_says_what_was_checked() {
        for id in profile_ids() {
            let p = profile(id).unwrap();
            for c in &p.clocks {
                if c.verified {
                    assert!(c.checked.is_some(), "{id}: clock {} is verified but says not what was read", c.id);
                }
            }
        }
    }

    #[test]
    fn every_profile_lists_the_reasons_a_hearing_is_not_held_and_the_ways_a_case_is_decided() {
        let codes = [
            "judge_on_leave",
            "accused_not_produced",
            "prosecutor_absent",
            "defence_counsel_absent",
            "video_link_failed",
            "child_unwell",
            "court_time_ran_out",
            "other",
        ];
        for id in profile_ids() {
            let p = profile(id).unwrap();
            for code in codes {
                let r = p.not_held_reason(code).unwrap_or_else(|| panic!("{id}: no reason `{code}`"));
                assert!(!r.label_ur.trim().is_empty(), "{id}: {code} has no Urdu label");
            }
            assert!(p.not_held_reason("other").is_some_and(|r| r.needs_details && r.cause.is_none()));
            assert!(p.not_held_reason("child_unwell").is_some_and(|r| r.child_absent));
            for d in crate::course::Decision::ALL {
                assert!(p.course.decisions.iter().any(|r| r.code == *d), "{id}: no decision {d}");
            }
        }
    }

    #[test]
    fn pk_anti_rape_act_2021_s2_a_child_is_under_18() {
        assert_eq!(profile("pk").unwrap().child.under_age.value, 18);
    }

    #[test]
    fn pk_crpc_1898_s344_remand_at_most_15_days_by_written_order() {
        let a = &profile("pk").unwrap().adjournment;
        assert_eq!(a.max_remand_days.value, 15);
        assert!(a.max_remand_days.section.contains("s.344"));
        assert!(a.reasons_in_writing.value && a.fixed_date_required.value);
    }

    #[test]
    fn in_crpc_1973_s309_counsel_engaged_elsewhere_is_no_ground() {
        let p = profile("in").unwrap();
        let r = p.reason("counsel_engaged_elsewhere").unwrap();
        assert!(!r.allowed_in_child_cases);
        assert!(r.verified);
        assert!(p.reason("child_unwell_certified").is_some_and(|r| r.child_welfare));
    }

    #[test]
    fn in_pocso_s37_trial_in_camera_and_s33_7_identity_withheld() {
        let c = &profile("in").unwrap().child;
        assert!(c.in_camera.value && c.in_camera.verified);
        assert!(c.identity_withheld.value);
    }

    #[test]
    fn uk_crimpr_3_9_7_ground_rules_hearing_is_a_protection() {
        let p = profile("uk").unwrap();
        assert!(p.protection("ground_rules_hearing").is_some());
        for s in 23..=30 {
            let section = format!("YJCEA 1999 s.{s}");
            assert!(p.protections.iter().any(|x| x.section == section), "missing {section}");
        }
    }

    #[test]
    fn sittings_give_a_child_a_window_a_break_and_a_stagger() {
        for id in profile_ids() {
            let s = &profile(id).unwrap().sitting;
            assert!(s.child_hours_from.value < s.child_hours_until.value, "{id}");
            assert!(s.break_every_minutes.value <= s.max_sitting_minutes.value, "{id}");
            assert!(s.arrival_stagger_minutes.value > 0, "{id}");
        }
    }
}
