//! What a hearing is: its kind, its mode, and the checks on its times that
//! need nothing but the hearing itself.

use chrono::NaiveDateTime;

use super::roles::string_enum;

string_enum! {
    /// Why the court sits.
    HearingKind {
        Mention => "mention",
        Charge => "charge",
        GroundRules => "ground_rules",
        Evidence => "evidence",
        CrossExamination => "cross_examination",
        Arguments => "arguments",
        Bail => "bail",
        Judgment => "judgment",
    }
}

string_enum! {
    /// How the child (if any) takes part.
    HearingMode {
        InPerson => "in_person",
        VideoLink => "video_link",
    }
}

string_enum! {
    HearingStatus {
        Unscheduled => "unscheduled",
        Scheduled => "scheduled",
        Adjourned => "adjourned",
        Held => "held",
        NotHeld => "not_held",
        Cancelled => "cancelled",
    }
}

/// A sitting has a start before its end and lasts at most one court day.
pub fn check_times(starts: NaiveDateTime, ends: NaiveDateTime) -> Result<(), String> {
    if ends <= starts {
        return Err("a hearing must end after it starts".into());
    }
    if ends - starts > chrono::Duration::hours(10) {
        return Err("a hearing may last at most ten hours".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hearing_ends_after_it_starts() {
        let t =
            |h| chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(h, 0, 0)).unwrap_or_default();
        assert!(check_times(t(10), t(11)).is_ok());
        assert!(check_times(t(11), t(10)).is_err());
        assert!(check_times(t(10), t(10)).is_err());
    }
}
