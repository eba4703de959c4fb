//! A child's identity: who may see it, and what everyone else sees instead.

use chrono::{Datelike, NaiveDate};

use super::roles::StaffRole;
use super::video::VideoRole;

/// Only the staff who work with the child see the child's name and date of
/// birth; an administrator manages accounts, not cases, and sees the
/// pseudonym like the public does.
pub fn may_see_child_identity(role: StaffRole) -> bool {
    matches!(role, StaffRole::Clerk | StaffRole::Judge | StaffRole::SupportOfficer)
}

/// Over the video link: the judge and the support officer (the staff who
/// see the child's identity everywhere else) and the people with the child
/// see a child-side participant's name; counsel, the accused and observers
/// see only the pseudonym ("Child A").
pub fn video_viewer_may_see_child_identity(viewer: VideoRole) -> bool {
    matches!(
        viewer,
        VideoRole::Judge
            | VideoRole::SupportOfficer
            | VideoRole::ChildWitness
            | VideoRole::Guardian
            | VideoRole::Intermediary
    )
}

/// The lowercase words of a text (letters and digits), for name matching:
/// the normal form both a name's parts and a text's words are compared in
/// (and what the blind index of names is made of).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The parts of a name worth matching: three letters or more (shorter
/// parts are too common to refuse).
pub fn name_parts(name: &str) -> Vec<String> {
    words(name).into_iter().filter(|p| p.chars().count() >= 3).collect()
}

/// Whether free text names a child: any part of the name of three letters
/// or more, as a whole word ("the QAMAR family" names Zainab Qamar).
/// Prose about a case (an offence, details, reasons) is read this strictly
/// against the case's own children.
pub fn mentions_name(text: &str, name: &str) -> bool {
    mentions_parts(&words(text), &name_parts(name))
}

/// Whether text holds a child's whole name: every part of three letters or
/// more, each as a whole word, in any order. A name field (a display name,
/// a room's name) is read this way, and so is anything read against every
/// child of a court: a guardian or a counsel may share one part of a child's
/// name, but not all of it.
pub fn contains_whole_name(text: &str, name: &str) -> bool {
    contains_all_parts(&words(text), &name_parts(name))
}

/// `mentions_name` over tokens: the words of a text and the parts of a
/// name, in whatever form both were brought to (plain, or blind-indexed).
pub fn mentions_parts<T: PartialEq>(words: &[T], parts: &[T]) -> bool {
    parts.iter().any(|part| words.contains(part))
}

/// `contains_whole_name` over tokens.
pub fn contains_all_parts<T: PartialEq>(words: &[T], parts: &[T]) -> bool {
    !parts.is_empty() && parts.iter().all(|part| words.contains(part))
}

/// What kind of free text is checked for a child's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeText {
    /// Sentences about a case: offence, details, reasons, notes, questions.
    Prose,
    /// A name or a label: a display name, a counsel's or a room's name.
    Name,
}

/// Whether `text` names a registered child: prose names a child of its own
/// case by any part of the name; a name field, or any text read against the
/// children of the whole court (`elsewhere`), by the whole name.
pub fn names_a_child<'a>(
    kind: FreeText,
    text: &str,
    of_case: impl IntoIterator<Item = &'a str>,
    elsewhere: impl IntoIterator<Item = &'a str>,
) -> bool {
    let words = words(text);
    let of_case: Vec<Vec<String>> = of_case.into_iter().map(name_parts).collect();
    let elsewhere: Vec<Vec<String>> = elsewhere.into_iter().map(name_parts).collect();
    names_a_child_by_parts(kind, &words, of_case.iter().map(Vec::as_slice), elsewhere.iter().map(Vec::as_slice))
}

/// `names_a_child` over tokens: the text's words and each child's name
/// parts, brought to one form (the guard compares blind-index entries, so
/// that no child's name need be decrypted to check a text).
pub fn names_a_child_by_parts<'a, T: PartialEq + 'a>(
    kind: FreeText,
    words: &[T],
    of_case: impl IntoIterator<Item = &'a [T]>,
    elsewhere: impl IntoIterator<Item = &'a [T]>,
) -> bool {
    let strict = |parts: &[T]| match kind {
        FreeText::Prose => mentions_parts(words, parts),
        FreeText::Name => contains_all_parts(words, parts),
    };
    of_case.into_iter().any(strict) || elsewhere.into_iter().any(|parts| contains_all_parts(words, parts))
}

/// The first bidirectional control character in `text`, if any: the
/// embeddings and overrides U+202A–U+202E and the isolates U+2066–U+2069
/// can make a printed cause list or case number read in another order than
/// it was typed, so identifiers and names refuse them.
pub fn bidi_control(text: &str) -> Option<char> {
    text.chars().find(|c| matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
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
    fn prose_names_a_child_by_any_part_and_a_name_field_by_the_whole_name() {
        assert!(mentions_name("Zainab was unwell today.", "Zainab Qamar"));
        assert!(mentions_name("the QAMAR family asked", "Zainab Qamar"));
        assert!(!mentions_name("Zainabad road was closed.", "Zainab Qamar"), "whole words only");
        assert!(contains_whole_name("Ms qamar, zainab (aunt)", "Zainab Qamar"));
        assert!(!contains_whole_name("Tariq Qamar", "Zainab Qamar"), "a relative shares a part, not the name");
        assert!(!contains_whole_name("Al B", "Al B"), "a name of short parts only is never matched");
        let case = ["Zainab Qamar"];
        assert!(names_a_child(FreeText::Prose, "Qamar family", case, []));
        assert!(!names_a_child(FreeText::Name, "Tariq Qamar", case, []));
        assert!(names_a_child(FreeText::Name, "Zainab Qamar", [], case));
        assert!(
            !names_a_child(FreeText::Prose, "Qamar family", [], case),
            "another case's child by the whole name only"
        );
    }

    #[test]
    fn bidi_controls_are_found() {
        assert_eq!(bidi_control("CSA-7/2026"), None);
        assert_eq!(bidi_control("زینب"), None, "right-to-left letters are not controls");
        assert_eq!(bidi_control("CSA-\u{202E}6202/7"), Some('\u{202E}'));
        assert_eq!(bidi_control("a\u{2066}b"), Some('\u{2066}'));
        assert_eq!(bidi_control("a\u{200F}b"), None, "a right-to-left mark is not in the refused set");
    }

    #[test]
    fn over_the_video_link_only_the_judge_support_and_the_childs_side_see_the_name() {
        for role in VideoRole::ALL {
            let may = video_viewer_may_see_child_identity(*role);
            let expected = matches!(
                role,
                VideoRole::Judge
                    | VideoRole::SupportOfficer
                    | VideoRole::ChildWitness
                    | VideoRole::Guardian
                    | VideoRole::Intermediary
            );
            assert_eq!(may, expected, "{role}");
        }
        assert!(!video_viewer_may_see_child_identity(VideoRole::Accused));
        assert!(!video_viewer_may_see_child_identity(VideoRole::Observer));
    }

    #[test]
    fn only_case_staff_see_a_childs_identity() {
        assert!(may_see_child_identity(StaffRole::Judge));
        assert!(may_see_child_identity(StaffRole::Clerk));
        assert!(may_see_child_identity(StaffRole::SupportOfficer));
        assert!(!may_see_child_identity(StaffRole::Admin));
    }
}
