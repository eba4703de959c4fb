//! A video-link testimony session: who takes part, which states it passes
//! through, and the ground-rule timers the support officer watches.

use chrono::{Duration, NaiveDateTime};

use super::roles::string_enum;

string_enum! {
    /// The role a participant is invited in. It decides, through
    /// `visibility::forward`, whose media the participant receives.
    VideoRole {
        ChildWitness => "child_witness",
        Guardian => "guardian",
        Intermediary => "intermediary",
        SupportOfficer => "support_officer",
        Judge => "judge",
        Prosecutor => "prosecutor",
        DefenceCounsel => "defence_counsel",
        Accused => "accused",
        Observer => "observer",
    }
}

impl VideoRole {
    /// The child and the people in the room with the child. Nothing of the
    /// accused may reach any of them (POCSO s.36, YJCEA s.24).
    pub fn is_child_side(self) -> bool {
        matches!(self, VideoRole::ChildWitness | VideoRole::Guardian | VideoRole::Intermediary)
    }

    /// Counsel who may question the child (and so may be the questioner).
    pub fn is_counsel(self) -> bool {
        matches!(self, VideoRole::Prosecutor | VideoRole::DefenceCounsel)
    }

    /// Roles whose written questions go to the judge.
    pub fn may_send_questions(self) -> bool {
        self.is_counsel()
    }
}

string_enum! {
    /// Where a session stands.
    SessionState {
        Lobby => "lobby",
        Live => "live",
        Break => "break",
        Ended => "ended",
    }
}

string_enum! {
    /// Which counsel is questioning the child now: the prosecutor in chief,
    /// defence counsel in cross-examination.
    Questioner {
        Prosecutor => "prosecutor",
        DefenceCounsel => "defence_counsel",
    }
}

impl Questioner {
    pub fn role(self) -> VideoRole {
        match self {
            Questioner::Prosecutor => VideoRole::Prosecutor,
            Questioner::DefenceCounsel => VideoRole::DefenceCounsel,
        }
    }
}

/// lobby → live → break → live → … → ended. Ended is final: the child's
/// evidence is taken in one sitting and recorded once.
pub fn check_transition(from: SessionState, to: SessionState) -> Result<(), String> {
    use SessionState::*;
    match (from, to) {
        (Lobby, Live) | (Live, Break) | (Break, Live) | (Lobby, Ended) | (Live, Ended) | (Break, Ended) => Ok(()),
        (a, b) if a == b => Err(format!("the session is already {a}")),
        (Ended, _) => Err("the session has ended; it cannot be reopened".into()),
        (a, b) => Err(format!("a session cannot go from {a} to {b}")),
    }
}

/// Whether a session's settings may change in `state`. Once it has ended
/// nothing it forwards can change; only who may view its recordings still
/// can, since the recordings outlive the session and the judge may have to
/// withdraw (or give) counsel's access afterwards.
pub fn check_settings_change(state: SessionState, only_recording_access: bool) -> Result<(), String> {
    if state == SessionState::Ended && !only_recording_access {
        return Err("the session has ended; only access to its recordings may still change".into());
    }
    Ok(())
}

/// One recorded change of state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateChange {
    pub to: SessionState,
    pub at: NaiveDateTime,
}

/// Time spent live and on break, and the ground-rule timers (CrimPR 3.9(7)).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timers {
    pub seconds_live: i64,
    pub seconds_on_break: i64,
    /// Seconds since the current live stretch began (0 unless live).
    pub seconds_since_break: i64,
    /// Seconds until a break is due by the ground rules (negative: overdue).
    pub break_due_in_seconds: Option<i64>,
    /// Seconds of questioning left in the ground rules' maximum.
    pub questioning_seconds_left: Option<i64>,
    /// What the support officer should be told now, if anything.
    pub reminders: Vec<String>,
}

/// Sums the log of state changes up to `now`. `changes` is in time order and
/// starts with the session in the lobby.
pub fn timers(
    changes: &[StateChange],
    now: NaiveDateTime,
    break_interval_minutes: Option<i32>,
    max_questioning_minutes: Option<i32>,
) -> Timers {
    let mut live = Duration::zero();
    let mut on_break = Duration::zero();
    let mut current = SessionState::Lobby;
    let mut since = None::<NaiveDateTime>;
    for c in changes {
        if let Some(start) = since {
            let span = (c.at - start).max(Duration::zero());
            match current {
                SessionState::Live => live += span,
                SessionState::Break => on_break += span,
                _ => {}
            }
        }
        current = c.to;
        since = Some(c.at);
    }
    let mut stretch = Duration::zero();
    if let Some(start) = since {
        let span = (now - start).max(Duration::zero());
        match current {
            SessionState::Live => {
                live += span;
                stretch = span;
            }
            SessionState::Break => on_break += span,
            _ => {}
        }
    }
    let break_due = break_interval_minutes
        .filter(|_| current == SessionState::Live)
        .map(|m| i64::from(m) * 60 - stretch.num_seconds());
    let questioning_left = max_questioning_minutes.map(|m| i64::from(m) * 60 - live.num_seconds());
    let mut reminders = Vec::new();
    match break_due {
        Some(s) if s <= 0 => reminders.push("a break is due now under the ground rules".to_string()),
        Some(s) if s <= 120 => reminders.push(format!("a break is due in {} minute(s)", (s + 59) / 60)),
        _ => {}
    }
    match questioning_left {
        Some(s) if s <= 0 && current != SessionState::Ended => {
            reminders.push("the maximum questioning time in the ground rules is reached".to_string())
        }
        Some(s) if s <= 300 && current == SessionState::Live => {
            reminders.push(format!("{} minute(s) of questioning time left", (s + 59) / 60))
        }
        _ => {}
    }
    Timers {
        seconds_live: live.num_seconds(),
        seconds_on_break: on_break.num_seconds(),
        seconds_since_break: stretch.num_seconds(),
        break_due_in_seconds: break_due,
        questioning_seconds_left: questioning_left,
        reminders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(h, m, 0)).unwrap_or_default()
    }

    #[test]
    fn a_session_goes_live_breaks_resumes_and_ends_but_never_reopens() {
        use SessionState::*;
        assert!(check_transition(Lobby, Live).is_ok());
        assert!(check_transition(Live, Break).is_ok());
        assert!(check_transition(Break, Live).is_ok());
        assert!(check_transition(Live, Ended).is_ok());
        assert!(check_transition(Ended, Live).is_err());
        assert!(check_transition(Ended, Lobby).is_err());
        assert!(check_transition(Lobby, Break).is_err());
        assert!(check_transition(Live, Lobby).is_err());
        assert!(check_transition(Live, Live).is_err());
    }

    #[test]
    fn time_live_and_on_break_add_up_from_the_log() {
        let log = [
            StateChange { to: SessionState::Live, at: at(10, 0) },
            StateChange { to: SessionState::Break, at: at(10, 20) },
            StateChange { to: SessionState::Live, at: at(10, 30) },
        ];
        let t = timers(&log, at(10, 45), Some(20), Some(60));
        assert_eq!(t.seconds_live, 35 * 60);
        assert_eq!(t.seconds_on_break, 10 * 60);
        assert_eq!(t.seconds_since_break, 15 * 60);
        assert_eq!(t.break_due_in_seconds, Some(5 * 60));
        assert_eq!(t.questioning_seconds_left, Some(25 * 60));
        assert!(t.reminders.is_empty());
    }

    #[test]
    fn the_support_officer_is_reminded_when_a_break_is_due() {
        let log = [StateChange { to: SessionState::Live, at: at(10, 0) }];
        let t = timers(&log, at(10, 21), Some(20), None);
        assert_eq!(t.break_due_in_seconds, Some(-60));
        assert!(t.reminders.iter().any(|r| r.contains("break is due now")), "{:?}", t.reminders);
        let soon = timers(&log, at(10, 19), Some(20), None);
        assert!(soon.reminders.iter().any(|r| r.contains("due in 1 minute")), "{:?}", soon.reminders);
    }

    #[test]
    fn no_break_is_due_while_on_break_or_in_the_lobby() {
        let log = [
            StateChange { to: SessionState::Live, at: at(10, 0) },
            StateChange { to: SessionState::Break, at: at(10, 25) },
        ];
        let t = timers(&log, at(10, 40), Some(20), None);
        assert_eq!(t.break_due_in_seconds, None);
        assert_eq!(t.seconds_on_break, 15 * 60);
        assert_eq!(timers(&[], at(9, 0), Some(20), None).seconds_live, 0);
    }

    #[test]
    fn after_the_end_only_access_to_the_recordings_may_change() {
        for state in SessionState::ALL {
            assert!(check_settings_change(*state, true).is_ok(), "{state}");
            assert_eq!(check_settings_change(*state, false).is_ok(), *state != SessionState::Ended, "{state}");
        }
    }
}
