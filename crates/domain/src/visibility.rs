//! The one-way mirror: whose media a participant receives, decided here and
//! nowhere else. The forwarding server asks `forward` for every
//! (sender track, receiver) pair and re-asks on every change of state or
//! order, so no client can show the accused to the child.
//!
//! The default order follows POCSO s.36 and YJCEA ss.23–24: the court sees
//! and hears the child; the accused hears the child and sees the child only
//! if the judge allows; the child side receives only the judge, the
//! questioner and the support officer; nothing of the accused ever reaches
//! the child side.

use serde::Serialize;

use super::video::{Questioner, SessionState, VideoRole};

/// Which of a sender's tracks: the main one the court receives, or the
/// private line between the accused and his own counsel (POCSO s.36(1):
/// the accused must be able to communicate with his advocate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Main,
    Private,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Main, Channel::Private];
}

/// The judge's special-measures order for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Order {
    /// POCSO s.33(2): counsel's questions go to the judge in writing and the
    /// judge puts them; counsel are then not heard or seen by the child.
    pub questions_through_judge: bool,
    /// Whether the accused may see the child (he always hears the child).
    pub accused_may_see_child: bool,
    /// Which counsel is questioning now; None while neither is.
    pub questioner: Option<Questioner>,
    /// Whether counsel may view the recorded evidence. It changes nothing
    /// that is forwarded; `may_view_recording` reads it.
    pub counsel_may_view_recordings: bool,
}

impl Default for Order {
    fn default() -> Order {
        Order {
            questions_through_judge: false,
            accused_may_see_child: false,
            questioner: Some(Questioner::Prosecutor),
            counsel_may_view_recordings: false,
        }
    }
}

/// What of one track reaches one receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Media {
    pub audio: bool,
    pub video: bool,
}

impl Media {
    pub const NOTHING: Media = Media { audio: false, video: false };
    pub const AUDIO: Media = Media { audio: true, video: false };
    pub const ALL: Media = Media { audio: true, video: true };

    pub fn is_nothing(self) -> bool {
        !self.audio && !self.video
    }
}

/// A decision and the rule that made it, so that a log line or a test
/// failure says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub media: Media,
    pub rule: &'static str,
    pub section: &'static str,
}

const ONE_WAY_MIRROR: &str = "POCSO s.36(1); YJCEA ss.23-24";
const IN_CAMERA: &str = "POCSO s.37; YJCEA s.25";
const THROUGH_JUDGE: &str = "POCSO s.33(2)";
const BREAKS: &str = "POCSO s.33(3); CrimPR 3.9(7)";
const HEAR_THE_CHILD: &str = "POCSO s.36(1)";

fn decide(media: Media, rule: &'static str, section: &'static str) -> Decision {
    Decision { media, rule, section }
}

/// Whether `sender`'s track on `channel` reaches `receiver`, and which media
/// of it. Two participants of one role are different people, so a role may
/// receive its own role (two judges of a bench); the server never sends a
/// participant's media back to that participant.
pub fn forward(
    sender: VideoRole,
    channel: Channel,
    receiver: VideoRole,
    state: SessionState,
    order: &Order,
) -> Decision {
    use VideoRole::*;
    // First, and whatever else holds: the accused never reaches the child side.
    if sender == Accused && receiver.is_child_side() {
        return decide(Media::NOTHING, "nothing of the accused reaches the child side", ONE_WAY_MIRROR);
    }
    if state == SessionState::Ended {
        return decide(Media::NOTHING, "the session has ended", "");
    }
    if channel == Channel::Private {
        return match (sender, receiver) {
            (Accused, DefenceCounsel) | (DefenceCounsel, Accused) => {
                decide(Media::AUDIO, "the accused's private line to his counsel", HEAR_THE_CHILD)
            }
            _ => decide(Media::NOTHING, "the private line joins only the accused and his counsel", HEAR_THE_CHILD),
        };
    }
    if receiver.is_child_side() {
        return to_child_side(sender, receiver, state, order);
    }
    if sender.is_child_side() {
        return from_child_side(sender, receiver, state, order);
    }
    // The support officer may sit with the child: on a break the officer's
    // camera and microphone would carry the child's room to the court.
    if sender == SupportOfficer && state == SessionState::Break {
        return decide(
            Media::NOTHING,
            "on a break the support officer is on the child's side and reaches nobody in court",
            BREAKS,
        );
    }
    within_court(sender, receiver)
}

/// The child side receives only the judge, the questioner and the support
/// officer — and, while live, the intermediary who communicates the
/// questions (YJCEA s.29).
fn to_child_side(sender: VideoRole, receiver: VideoRole, state: SessionState, order: &Order) -> Decision {
    use VideoRole::*;
    if sender == SupportOfficer {
        return decide(Media::ALL, "the support officer stays with the child in every state", ONE_WAY_MIRROR);
    }
    if state != SessionState::Live {
        return decide(
            Media::NOTHING,
            "before and between live stretches the child side hears only the support officer",
            BREAKS,
        );
    }
    match sender {
        Judge => decide(Media::ALL, "the child sees and hears the judge", ONE_WAY_MIRROR),
        Intermediary if receiver != Intermediary => {
            decide(Media::ALL, "the intermediary communicates the questions to the child", "YJCEA s.29")
        }
        Prosecutor | DefenceCounsel if order.questions_through_judge => {
            decide(Media::NOTHING, "questions go through the judge; counsel are not heard by the child", THROUGH_JUDGE)
        }
        Prosecutor | DefenceCounsel if order.questioner.map(Questioner::role) == Some(sender) => {
            decide(Media::ALL, "the child sees and hears the counsel questioning", ONE_WAY_MIRROR)
        }
        Prosecutor | DefenceCounsel => {
            decide(Media::NOTHING, "only the counsel questioning now reaches the child", ONE_WAY_MIRROR)
        }
        _ => decide(
            Media::NOTHING,
            "the child side receives only the judge, the questioner and the support officer",
            ONE_WAY_MIRROR,
        ),
    }
}

/// The court sees and hears the child while live; on a break and in the
/// lobby the child's room is private.
fn from_child_side(sender: VideoRole, receiver: VideoRole, state: SessionState, order: &Order) -> Decision {
    use VideoRole::*;
    match state {
        SessionState::Break => return decide(Media::NOTHING, "on a break the child's media goes to nobody", BREAKS),
        SessionState::Lobby if receiver == SupportOfficer => {
            return decide(Media::ALL, "the support officer prepares the child before the session", BREAKS)
        }
        SessionState::Lobby | SessionState::Ended => {
            return decide(Media::NOTHING, "the child's evidence has not begun", BREAKS)
        }
        SessionState::Live => {}
    }
    match receiver {
        Judge | Prosecutor | DefenceCounsel | SupportOfficer => {
            decide(Media::ALL, "the court sees and hears the child", ONE_WAY_MIRROR)
        }
        Accused => match sender {
            ChildWitness if order.accused_may_see_child => {
                decide(Media::ALL, "the judge's order lets the accused see the child", HEAR_THE_CHILD)
            }
            ChildWitness | Intermediary => {
                decide(Media::AUDIO, "the accused hears the child but does not see the child", HEAR_THE_CHILD)
            }
            _ => decide(Media::NOTHING, "the accused does not see into the child's room", ONE_WAY_MIRROR),
        },
        _ => decide(Media::NOTHING, "the child's evidence is given in camera", IN_CAMERA),
    }
}

/// Between the judge, counsel, the support officer, the accused and
/// observers. The support officer may sit with the child, so nothing of the
/// accused is played on the support officer's device either.
fn within_court(sender: VideoRole, receiver: VideoRole) -> Decision {
    use VideoRole::*;
    match (sender, receiver) {
        (Observer, _) => decide(Media::NOTHING, "observers watch; they are not seen or heard", IN_CAMERA),
        (Accused, Judge | Prosecutor | DefenceCounsel) => {
            decide(Media::ALL, "the court sees and hears the accused", "")
        }
        (Accused, _) => decide(Media::NOTHING, "the accused reaches only the judge and counsel", ONE_WAY_MIRROR),
        (SupportOfficer, Accused) | (SupportOfficer, Observer) => {
            decide(Media::NOTHING, "the support officer may be in the child's room", ONE_WAY_MIRROR)
        }
        _ => decide(Media::ALL, "the court sees and hears itself", ""),
    }
}

/// What of a sender's track goes into the recording of the child's
/// evidence, taken once so that the child need not testify again: the
/// child's audio and video while live, and the audio of whoever puts the
/// questions (the judge, the intermediary, the counsel questioning).
pub fn recorded(sender: VideoRole, channel: Channel, state: SessionState, order: &Order) -> Media {
    use VideoRole::*;
    if state != SessionState::Live || channel == Channel::Private {
        return Media::NOTHING;
    }
    match sender {
        ChildWitness => Media::ALL,
        Judge | Intermediary => Media::AUDIO,
        Prosecutor | DefenceCounsel
            if !order.questions_through_judge && order.questioner.map(Questioner::role) == Some(sender) =>
        {
            Media::AUDIO
        }
        _ => Media::NOTHING,
    }
}

/// Whether a participant invited in `role` may view the recordings of the
/// child's evidence through the invite. The recording is the child's
/// testimony itself, kept so that the child need not testify again; the
/// judge views it by the judge's own staff login, never through an invite
/// (anyone who may mint an invite could mint one "for the judge"), and an
/// invite reaches it only for counsel while the judge's order allows it.
/// The child's side has no use for it, the accused sees the child only
/// live and only by order (POCSO s.36), and observers only watch.
pub fn may_view_recording(role: VideoRole, order: &Order) -> bool {
    use VideoRole::*;
    match role {
        Judge => false,
        Prosecutor | DefenceCounsel => order.counsel_may_view_recordings,
        ChildWitness | Guardian | Intermediary | SupportOfficer | Accused | Observer => false,
    }
}

/// Whether `viewer`'s participant list may name `listed` at all. The child
/// side never learns that the accused (or an observer) is present.
pub fn may_list(viewer: VideoRole, listed: VideoRole) -> bool {
    !(viewer.is_child_side() && matches!(listed, VideoRole::Accused | VideoRole::Observer))
}

/// The entries of a participant list that `viewer` may see.
pub fn visible_to<T, F>(viewer: VideoRole, items: impl IntoIterator<Item = T>, role_of: F) -> Vec<T>
where
    F: Fn(&T) -> VideoRole,
{
    items.into_iter().filter(|item| may_list(viewer, role_of(item))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use VideoRole::*;

    fn orders() -> Vec<Order> {
        let mut out = Vec::new();
        for questions_through_judge in [false, true] {
            for accused_may_see_child in [false, true] {
                for questioner in [None, Some(Questioner::Prosecutor), Some(Questioner::DefenceCounsel)] {
                    for counsel_may_view_recordings in [false, true] {
                        out.push(Order {
                            questions_through_judge,
                            accused_may_see_child,
                            questioner,
                            counsel_may_view_recordings,
                        });
                    }
                }
            }
        }
        out
    }

    /// Every combination the policy can be asked about.
    fn every_case() -> Vec<(VideoRole, Channel, VideoRole, SessionState, Order)> {
        let mut out = Vec::new();
        for sender in VideoRole::ALL {
            for channel in Channel::ALL {
                for receiver in VideoRole::ALL {
                    for state in SessionState::ALL {
                        for order in orders() {
                            out.push((*sender, channel, *receiver, *state, order));
                        }
                    }
                }
            }
        }
        out
    }

    fn live() -> SessionState {
        SessionState::Live
    }

    #[test]
    fn nothing_of_the_accused_ever_reaches_the_child_side() {
        let mut checked = 0;
        for (sender, channel, receiver, state, order) in every_case() {
            if sender == Accused && receiver.is_child_side() {
                let d = forward(sender, channel, receiver, state, &order);
                assert!(d.media.is_nothing(), "{sender} -> {receiver} in {state} on {channel:?} with {order:?}: {d:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 3 * 2 * 4 * 24);
    }

    #[test]
    fn the_child_side_receives_only_the_judge_the_questioner_and_the_support_officer() {
        for (sender, channel, receiver, state, order) in every_case() {
            if !receiver.is_child_side() {
                continue;
            }
            let d = forward(sender, channel, receiver, state, &order);
            if d.media.is_nothing() {
                continue;
            }
            let questioner = order.questioner.map(Questioner::role) == Some(sender) && !order.questions_through_judge;
            assert!(
                matches!(sender, Judge | SupportOfficer | Intermediary) || questioner,
                "{sender} reached {receiver} in {state} with {order:?}: {d:?}"
            );
            assert_eq!(channel, Channel::Main, "a private line reached the child side: {sender} -> {receiver}");
        }
    }

    #[test]
    fn the_judge_sees_and_hears_the_child_while_live() {
        for order in orders() {
            assert_eq!(forward(ChildWitness, Channel::Main, Judge, live(), &order).media, Media::ALL);
            assert_eq!(forward(Judge, Channel::Main, ChildWitness, live(), &order).media, Media::ALL);
        }
    }

    #[test]
    fn on_a_break_the_childs_media_goes_to_nobody() {
        for receiver in VideoRole::ALL {
            for sender in [ChildWitness, Guardian, Intermediary] {
                for order in orders() {
                    for channel in Channel::ALL {
                        let d = forward(sender, channel, *receiver, SessionState::Break, &order);
                        assert!(d.media.is_nothing(), "{sender} -> {receiver} on a break: {d:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn on_a_break_the_support_officer_reaches_nobody_on_the_court_side() {
        for receiver in VideoRole::ALL.iter().filter(|r| !r.is_child_side()) {
            for order in orders() {
                for channel in Channel::ALL {
                    let d = forward(SupportOfficer, channel, *receiver, SessionState::Break, &order);
                    assert!(d.media.is_nothing(), "support officer -> {receiver} on a break: {d:?}");
                }
            }
        }
        // Back live, the court hears the officer again.
        assert_eq!(forward(SupportOfficer, Channel::Main, Judge, live(), &Order::default()).media, Media::ALL);
    }

    #[test]
    fn on_a_break_the_child_hears_only_the_support_officer() {
        for sender in VideoRole::ALL {
            let d = forward(*sender, Channel::Main, ChildWitness, SessionState::Break, &Order::default());
            assert_eq!(!d.media.is_nothing(), *sender == SupportOfficer, "{sender}: {d:?}");
        }
    }

    #[test]
    fn the_private_line_joins_only_the_accused_and_his_counsel() {
        for (sender, channel, receiver, state, order) in every_case() {
            if channel != Channel::Private {
                continue;
            }
            let d = forward(sender, channel, receiver, state, &order);
            let pair = matches!((sender, receiver), (Accused, DefenceCounsel) | (DefenceCounsel, Accused));
            if state == SessionState::Ended || !pair {
                assert!(d.media.is_nothing(), "{sender} -> {receiver} private in {state}: {d:?}");
            } else {
                assert_eq!(d.media, Media::AUDIO, "{sender} -> {receiver} private in {state}");
            }
        }
    }

    #[test]
    fn questions_through_the_judge_silence_counsel_to_the_child() {
        let mut order = Order { questioner: Some(Questioner::DefenceCounsel), ..Order::default() };
        assert!(forward(DefenceCounsel, Channel::Main, ChildWitness, live(), &order).media.audio);
        order.questions_through_judge = true;
        for counsel in [Prosecutor, DefenceCounsel] {
            for child_side in [ChildWitness, Guardian, Intermediary] {
                let d = forward(counsel, Channel::Main, child_side, live(), &order);
                assert!(!d.media.audio, "{counsel} -> {child_side}: {d:?}");
                assert_eq!(d.section, THROUGH_JUDGE);
            }
        }
        // Counsel still hear the child and the judge still reaches the child.
        assert!(forward(ChildWitness, Channel::Main, DefenceCounsel, live(), &order).media.audio);
        assert!(forward(Judge, Channel::Main, ChildWitness, live(), &order).media.audio);
    }

    #[test]
    fn only_the_counsel_questioning_reaches_the_child() {
        let order = Order { questioner: Some(Questioner::Prosecutor), ..Order::default() };
        assert_eq!(forward(Prosecutor, Channel::Main, ChildWitness, live(), &order).media, Media::ALL);
        assert!(forward(DefenceCounsel, Channel::Main, ChildWitness, live(), &order).media.is_nothing());
    }

    #[test]
    fn the_accused_hears_the_child_and_sees_the_child_only_by_order() {
        let mut order = Order::default();
        assert_eq!(forward(ChildWitness, Channel::Main, Accused, live(), &order).media, Media::AUDIO);
        order.accused_may_see_child = true;
        assert_eq!(forward(ChildWitness, Channel::Main, Accused, live(), &order).media, Media::ALL);
        // The order opens the child's own camera, not the guardian's.
        assert!(forward(Guardian, Channel::Main, Accused, live(), &order).media.is_nothing());
    }

    #[test]
    fn the_court_sees_the_accused_but_the_support_officer_and_observers_do_not() {
        for receiver in [Judge, Prosecutor, DefenceCounsel] {
            assert_eq!(forward(Accused, Channel::Main, receiver, live(), &Order::default()).media, Media::ALL);
        }
        for receiver in [SupportOfficer, Observer] {
            assert!(forward(Accused, Channel::Main, receiver, live(), &Order::default()).media.is_nothing());
        }
    }

    #[test]
    fn nothing_flows_once_the_session_has_ended() {
        for (sender, channel, receiver, _, order) in every_case() {
            assert!(forward(sender, channel, receiver, SessionState::Ended, &order).media.is_nothing());
        }
    }

    #[test]
    fn observers_are_never_seen_and_never_see_the_child() {
        for (sender, channel, receiver, state, order) in every_case() {
            let d = forward(sender, channel, receiver, state, &order);
            if sender == Observer || (receiver == Observer && sender.is_child_side()) {
                assert!(d.media.is_nothing(), "{sender} -> {receiver}: {d:?}");
            }
        }
    }

    #[test]
    fn every_refusal_names_its_rule() {
        for (sender, channel, receiver, state, order) in every_case() {
            assert!(!forward(sender, channel, receiver, state, &order).rule.is_empty());
        }
    }

    #[test]
    fn the_recording_holds_the_child_and_the_questions_but_never_the_accused_or_a_break() {
        let order = Order::default();
        assert_eq!(recorded(ChildWitness, Channel::Main, live(), &order), Media::ALL);
        assert_eq!(recorded(Prosecutor, Channel::Main, live(), &order), Media::AUDIO);
        assert!(recorded(DefenceCounsel, Channel::Main, live(), &order).is_nothing());
        for (sender, channel, _, state, order) in every_case() {
            let r = recorded(sender, channel, state, &order);
            if sender == Accused || state != SessionState::Live || channel == Channel::Private {
                assert!(r.is_nothing(), "{sender} {state} {channel:?}: {r:?}");
            }
        }
    }

    #[test]
    fn the_child_sides_list_never_names_the_accused() {
        let people = [(1, ChildWitness), (2, Judge), (3, Accused), (4, DefenceCounsel), (5, Observer), (6, Guardian)];
        for viewer in [ChildWitness, Guardian, Intermediary] {
            let seen = visible_to(viewer, people, |p| p.1);
            assert!(seen.iter().all(|p| p.1 != Accused && p.1 != Observer), "{viewer}: {seen:?}");
            assert!(seen.iter().any(|p| p.1 == Judge));
        }
        assert_eq!(visible_to(Judge, people, |p| p.1).len(), people.len());
        assert_eq!(visible_to(Accused, people, |p| p.1).len(), people.len());
    }

    #[test]
    fn an_invite_in_the_judges_role_never_reaches_the_recordings() {
        for order in orders() {
            assert!(!may_view_recording(Judge, &order), "{order:?}");
        }
    }

    #[test]
    fn counsel_may_view_the_recordings_only_while_the_order_allows() {
        for counsel in [Prosecutor, DefenceCounsel] {
            for order in orders() {
                assert_eq!(
                    may_view_recording(counsel, &order),
                    order.counsel_may_view_recordings,
                    "{counsel} {order:?}"
                );
            }
        }
    }

    #[test]
    fn the_child_side_the_accused_the_support_officer_and_observers_never_view_the_recordings() {
        for role in [ChildWitness, Guardian, Intermediary, Accused, SupportOfficer, Observer] {
            for order in orders() {
                assert!(!may_view_recording(role, &order), "{role} {order:?}");
            }
        }
    }

    #[test]
    fn every_role_has_a_recording_rule_and_only_counsel_depend_on_the_order() {
        // Over every role: the answer under the most open order, and whether
        // the order changes it. A new role must be placed here on purpose.
        let open = Order { counsel_may_view_recordings: true, accused_may_see_child: true, ..Order::default() };
        let closed = Order::default();
        for role in VideoRole::ALL {
            let (allowed, by_order) = match role {
                Prosecutor | DefenceCounsel => (true, true),
                Judge | ChildWitness | Guardian | Intermediary | SupportOfficer | Accused | Observer => (false, false),
            };
            assert_eq!(may_view_recording(*role, &open), allowed, "{role} under {open:?}");
            assert_eq!(may_view_recording(*role, &open) != may_view_recording(*role, &closed), by_order, "{role}");
        }
    }
}
