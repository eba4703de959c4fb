//! A child's identity: who may see it, and what everyone else sees instead.

use chrono::{Datelike, NaiveDate};

use super::roles::StaffRole;

/// Only the staff who work with the child see the child's name and date of
/// birth; an administrator manages accounts, not cases, and sees the
/// pseudonym like the public does.
pub fn may_see_child_identity(role: StaffRole) -> bool {
    matches!(role, StaffRole::Clerk | StaffRole::Judge | StaffRole::SupportOfficer)
}

/// "Child A", "Child B", … "Child Z", "Child AA": stable per case because it
/// is assigned once, from the order in which children were registered.
pub fn pseudonym(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("Child {}", letters.into_iter().collect::<String>())
}

/// Age in whole years on a given day; a birthday on 29 February is reached
/// on 1 March in common years.
pub fn age_in_years(date_of_birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        age -= 1;
    }
    age.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn pseudonyms_run_through_the_alphabet_and_beyond() {
        assert_eq!(pseudonym(0), "Child A");
        assert_eq!(pseudonym(1), "Child B");
        assert_eq!(pseudonym(25), "Child Z");
        assert_eq!(pseudonym(26), "Child AA");
    }

    #[test]
    fn age_counts_whole_years_only() {
        assert_eq!(age_in_years(d(2015, 6, 10), d(2026, 6, 9)), 10);
        assert_eq!(age_in_years(d(2015, 6, 10), d(2026, 6, 10)), 11);
        assert_eq!(age_in_years(d(2016, 2, 29), d(2027, 2, 28)), 10);
        assert_eq!(age_in_years(d(2016, 2, 29), d(2027, 3, 1)), 11);
    }

    #[test]
    fn only_case_staff_see_a_childs_identity() {
        assert!(may_see_child_identity(StaffRole::Judge));
        assert!(may_see_child_identity(StaffRole::Clerk));
        assert!(may_see_child_identity(StaffRole::SupportOfficer));
        assert!(!may_see_child_identity(StaffRole::Admin));
    }
}
