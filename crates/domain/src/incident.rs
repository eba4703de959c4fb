//! Incidents: when the child's side met or saw the accused's side, or
//! another special measure failed. What an incident must say before it is
//! recorded.

use chrono::NaiveDateTime;

use super::roles::string_enum;

string_enum! {
    /// What happened.
    IncidentKind {
        MetAccusedSide => "met_accused_side",
        SawAccusedSide => "saw_accused_side",
        OtherBreach => "other_breach",
    }
}

string_enum! {
    /// Where it happened.
    IncidentPlace {
        Entrance => "entrance",
        Corridor => "corridor",
        WaitingArea => "waiting_area",
        CourtRoom => "court_room",
        VideoLink => "video_link",
        Outside => "outside",
        Other => "other",
    }
}

string_enum! {
    /// Whom of the accused's side the child's side met or saw.
    IncidentWho {
        Accused => "accused",
        AccusedFamily => "accused_family",
        AccusedAssociate => "accused_associate",
        DefenceCounsel => "defence_counsel",
        NotApplicable => "not_applicable",
    }
}

/// An incident as reported, checked at `now` (UTC).
pub fn check(
    kind: IncidentKind,
    who: IncidentWho,
    occurred_at: NaiveDateTime,
    details: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), (&'static str, String)> {
    if occurred_at > now {
        return Err(("occurred_at", "an incident is recorded after it happened, not before".into()));
    }
    let meeting = kind != IncidentKind::OtherBreach;
    if meeting && who == IncidentWho::NotApplicable {
        return Err(("who", "say whom of the accused's side the child's side met or saw".into()));
    }
    if !meeting && details.is_none_or(|d| d.trim().is_empty()) {
        return Err(("details", "say which special measure failed, and how".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn an_incident_is_in_the_past_names_whom_the_child_met_and_a_breach_says_what_failed() {
        use IncidentKind::*;
        assert!(check(MetAccusedSide, IncidentWho::AccusedFamily, at(9), None, at(10)).is_ok());
        assert_eq!(check(MetAccusedSide, IncidentWho::Accused, at(11), None, at(10)).unwrap_err().0, "occurred_at");
        assert_eq!(check(SawAccusedSide, IncidentWho::NotApplicable, at(9), None, at(10)).unwrap_err().0, "who");
        assert_eq!(check(OtherBreach, IncidentWho::NotApplicable, at(9), Some(" "), at(10)).unwrap_err().0, "details");
        assert!(
            check(OtherBreach, IncidentWho::NotApplicable, at(9), Some("The screen was not put up."), at(10)).is_ok()
        );
    }
}
