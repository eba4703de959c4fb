//! Jurisdiction rule profiles. (Placeholder list until the profiles are
//! data; see the Docket issue.)

pub fn profile_ids() -> Vec<&'static str> {
    vec!["in", "pk", "uk"]
}

pub fn is_known_profile(id: &str) -> bool {
    profile_ids().contains(&id)
}
