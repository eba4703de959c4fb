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

/// What a new session starts with, from the court's rule profile: the
/// judge's default order and the ground-rule timers. A court whose profile
/// puts questions through the judge (POCSO s.33(2)) starts that way, so no
/// counsel is ever heard by the child before the judge orders otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionDefaults {
    pub questions_through_judge: bool,
    /// None while counsel question through the judge.
    pub questioner: Option<Questioner>,
    pub break_interval_minutes: i32,
    pub max_questioning_minutes: i32,
}

pub fn session_defaults(profile: &crate::rules::RuleProfile) -> SessionDefaults {
    let through_judge = profile.protection("questions_through_judge").is_some();
    let minutes = |m: u32| i32::try_from(m).unwrap_or(i32::MAX);
    SessionDefaults {
        questions_through_judge: through_judge,
        questioner: if through_judge { None } else { Some(Questioner::Prosecutor) },
        break_interval_minutes: minutes(profile.sitting.break_every_minutes.value),
        max_questioning_minutes: minutes(profile.sitting.max_sitting_minutes.value),
    }
}

/// One recorded file as the sitting's listing needs it: whose track
/// (participant and kind) and the span it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span<K> {
    pub track: K,
    pub started_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

/// Where a file stands in its track's sitting: its number (from 1) and the
/// gap since the previous segment ended (a reconnect), if it follows one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub number: usize,
    pub gap_seconds: Option<i64>,
}

/// Numbers each track's files in order and measures the gaps between them.
/// `spans` are in the order they were made (the recording ids' order).
pub fn segments<K: PartialEq>(spans: &[Span<K>]) -> Vec<Segment> {
    spans
        .iter()
        .enumerate()
        .map(|(i, span)| {
            let earlier: Vec<&Span<K>> = spans[..i].iter().filter(|s| s.track == span.track).collect();
            let gap_seconds = match (earlier.last().and_then(|s| s.ended_at), span.started_at) {
                (Some(end), Some(start)) => Some((start - end).num_seconds().max(0)),
                _ => None,
            };
            Segment { number: earlier.len() + 1, gap_seconds }
        })
        .collect()
}

/// A participant's link as the server measures it from the participant's
/// RTCP receiver reports: packets lost (percent), interarrival jitter and
/// round-trip time (milliseconds; none before the first sender report is
/// answered).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LinkMeasure {
    pub loss_percent: f64,
    pub jitter_ms: f64,
    pub rtt_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkQuality {
    Good,
    Poor,
    Bad,
}

/// Thresholds (README, "Connection health"): good below all of the first,
/// bad at or above any of the second, poor between.
pub const POOR_FROM: LinkMeasure = LinkMeasure { loss_percent: 2.0, jitter_ms: 30.0, rtt_ms: Some(300.0) };
pub const BAD_FROM: LinkMeasure = LinkMeasure { loss_percent: 10.0, jitter_ms: 100.0, rtt_ms: Some(800.0) };

pub fn link_quality(m: &LinkMeasure) -> LinkQuality {
    let at_or_above = |t: &LinkMeasure| {
        m.loss_percent >= t.loss_percent
            || m.jitter_ms >= t.jitter_ms
            || matches!((m.rtt_ms, t.rtt_ms), (Some(rtt), Some(limit)) if rtt >= limit)
    };
    if at_or_above(&BAD_FROM) {
        LinkQuality::Bad
    } else if at_or_above(&POOR_FROM) {
        LinkQuality::Poor
    } else {
        LinkQuality::Good
    }
}

/// What the support officer is reminded of when the child's link is bad.
pub fn link_reminder(role: VideoRole, quality: LinkQuality) -> Option<String> {
    (role == VideoRole::ChildWitness && quality == LinkQuality::Bad)
        .then(|| "the child's link is bad: consider a break, or audio only until it recovers".to_string())
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
    fn a_link_is_good_poor_or_bad_by_the_worst_of_loss_jitter_and_round_trip() {
        let m = |loss: f64, jitter: f64, rtt: Option<f64>| LinkMeasure {
            loss_percent: loss,
            jitter_ms: jitter,
            rtt_ms: rtt,
        };
        assert_eq!(link_quality(&m(0.0, 5.0, Some(40.0))), LinkQuality::Good);
        assert_eq!(link_quality(&m(0.0, 5.0, None)), LinkQuality::Good, "no round trip measured yet");
        assert_eq!(link_quality(&m(3.0, 5.0, Some(40.0))), LinkQuality::Poor);
        assert_eq!(link_quality(&m(0.0, 45.0, Some(40.0))), LinkQuality::Poor);
        assert_eq!(link_quality(&m(0.0, 5.0, Some(350.0))), LinkQuality::Poor);
        assert_eq!(link_quality(&m(12.0, 5.0, Some(40.0))), LinkQuality::Bad);
        assert_eq!(link_quality(&m(0.0, 5.0, Some(900.0))), LinkQuality::Bad);
        assert!(link_reminder(VideoRole::ChildWitness, LinkQuality::Bad).is_some());
        assert!(link_reminder(VideoRole::ChildWitness, LinkQuality::Poor).is_none());
        assert!(link_reminder(VideoRole::Judge, LinkQuality::Bad).is_none(), "the reminder is about the child");
    }

    #[test]
    fn a_reconnect_splits_a_sitting_into_numbered_segments_with_the_gap() {
        let span = |track: &str, from: (u32, u32), to: (u32, u32)| Span {
            track: track.to_string(),
            started_at: Some(at(from.0, from.1)),
            ended_at: Some(at(to.0, to.1)),
        };
        let spans = vec![
            span("child video", (10, 0), (10, 20)),
            span("judge audio", (10, 0), (10, 40)),
            span("child video", (10, 22), (10, 40)),
        ];
        let got = segments(&spans);
        assert_eq!(got[0], Segment { number: 1, gap_seconds: None });
        assert_eq!(got[1], Segment { number: 1, gap_seconds: None });
        assert_eq!(got[2], Segment { number: 2, gap_seconds: Some(120) });
    }

    #[test]
    fn a_pocso_court_puts_questions_through_the_judge_from_the_start() {
        let pocso = crate::rules::profile("in").map(session_defaults).ok();
        assert_eq!(pocso.map(|d| (d.questions_through_judge, d.questioner)), Some((true, None)));
        for id in ["pk", "uk"] {
            let d = crate::rules::profile(id).map(session_defaults).ok();
            assert_eq!(d.map(|d| d.questions_through_judge), Some(false), "{id}");
        }
    }

    #[test]
    fn the_profiles_break_interval_and_sitting_limit_become_the_timers() {
        let Ok(uk) = crate::rules::profile("uk") else { panic!("the uk profile loads") };
        let d = session_defaults(uk);
        assert_eq!(d.break_interval_minutes as u32, uk.sitting.break_every_minutes.value);
        assert_eq!(d.max_questioning_minutes as u32, uk.sitting.max_sitting_minutes.value);
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
