//! Who is connected to each session on this node, and the fan-out of
//! signalling messages to them. Participant lists pass through
//! `visibility::visible_to` per receiver, so the child side never learns
//! that the accused is present, and name each participant as the receiver
//! may see it (`privacy::video_viewer_may_see_child_identity`): a child-side
//! participant by the pseudonym to counsel, the accused and observers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use super::lock;
use super::protocol::{ParticipantEntry, ServerMsg};
use amaan_domain::privacy;
use amaan_domain::video::VideoRole;
use amaan_domain::visibility;

/// How a participant is named: `public` to everyone, `full` (the party's
/// own name, for a child-side participant) to those who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub public: String,
    pub full: String,
}

impl Names {
    /// A participant whose name is the same to everyone.
    pub fn same(name: &str) -> Names {
        Names { public: name.to_string(), full: name.to_string() }
    }

    fn for_viewer(&self, viewer: VideoRole) -> &str {
        if privacy::video_viewer_may_see_child_identity(viewer) {
            &self.full
        } else {
            &self.public
        }
    }
}

/// What a connection's writer task is told to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Msg(ServerMsg),
    /// Close the socket (replaced by a reconnect, or the invite revoked).
    Close(String),
}

#[derive(Debug, Clone)]
struct Conn {
    conn_id: u64,
    role: VideoRole,
    names: Names,
    tx: UnboundedSender<Outgoing>,
}

/// How long a participant whose link dropped is shown as reconnecting
/// (the page retries by itself with backoff up to 15 s apart).
pub const RECONNECT_GRACE: Duration = Duration::from_secs(120);

/// Whether a participant is here, as the support officer's console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Here,
    /// The link dropped (not a hang-up) and the page is retrying.
    Reconnecting,
}

#[derive(Debug, Default)]
pub struct Hub {
    sessions: Mutex<HashMap<i64, HashMap<i64, Conn>>>,
    next_conn: AtomicU64,
    /// Participants whose link dropped, and when.
    dropped: Mutex<HashMap<(i64, i64), Instant>>,
}

impl Hub {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<i64, HashMap<i64, Conn>>) -> T) -> T {
        f(&mut lock(&self.sessions))
    }

    /// Registers a connection. A second connection of the same participant
    /// (a reconnect) replaces the first, which is told to close.
    pub fn connect(
        &self,
        session_id: i64,
        participant_id: i64,
        role: VideoRole,
        names: Names,
        tx: UnboundedSender<Outgoing>,
    ) -> u64 {
        let conn_id = self.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
        self.with_dropped(|d| d.remove(&(session_id, participant_id)));
        let old =
            self.with(|s| s.entry(session_id).or_default().insert(participant_id, Conn { conn_id, role, names, tx }));
        if let Some(old) = old {
            let _ = old.tx.send(Outgoing::Close("replaced by a new connection".into()));
        }
        conn_id
    }

    /// Removes a connection unless a newer one has replaced it. True if it
    /// was the current one.
    pub fn disconnect(&self, session_id: i64, participant_id: i64, conn_id: u64) -> bool {
        self.with(|s| {
            let Some(conns) = s.get_mut(&session_id) else { return false };
            if conns.get(&participant_id).is_some_and(|c| c.conn_id == conn_id) {
                conns.remove(&participant_id);
                if conns.is_empty() {
                    s.remove(&session_id);
                }
                true
            } else {
                false
            }
        })
    }

    fn with_dropped<T>(&self, f: impl FnOnce(&mut HashMap<(i64, i64), Instant>) -> T) -> T {
        f(&mut lock(&self.dropped))
    }

    /// The participant's link dropped without a hang-up: shown as
    /// reconnecting until it comes back or the grace runs out.
    pub fn mark_dropped(&self, session_id: i64, participant_id: i64) {
        self.with_dropped(|d| d.insert((session_id, participant_id), Instant::now()));
    }

    /// Who of a session is here or reconnecting now.
    pub fn presence(&self, session_id: i64) -> HashMap<i64, Presence> {
        let mut out: HashMap<i64, Presence> = self.with_dropped(|d| {
            d.retain(|_, at| at.elapsed() < RECONNECT_GRACE);
            d.keys().filter(|(s, _)| *s == session_id).map(|(_, p)| (*p, Presence::Reconnecting)).collect()
        });
        let here: Vec<i64> = self.with(|s| s.get(&session_id).map(|c| c.keys().copied().collect()).unwrap_or_default());
        out.extend(here.into_iter().map(|p| (p, Presence::Here)));
        out
    }

    pub fn is_current(&self, session_id: i64, participant_id: i64, conn_id: u64) -> bool {
        self.with(|s| s.get(&session_id).and_then(|c| c.get(&participant_id)).is_some_and(|c| c.conn_id == conn_id))
    }

    /// Tells a removed participant's connection to close.
    pub fn kick(&self, session_id: i64, participant_id: i64, why: &str) {
        self.with_dropped(|d| d.remove(&(session_id, participant_id)));
        let conn = self.with(|s| s.get_mut(&session_id).and_then(|c| c.remove(&participant_id)));
        if let Some(c) = conn {
            let _ = c.tx.send(Outgoing::Msg(ServerMsg::error("removed", why)));
            let _ = c.tx.send(Outgoing::Close(why.into()));
        }
    }

    /// Sends each connected participant the list it may see.
    pub fn send_participants(&self, session_id: i64) {
        let conns: Vec<(i64, Conn)> = self
            .with(|s| s.get(&session_id).map(|c| c.iter().map(|(k, v)| (*k, v.clone())).collect()).unwrap_or_default());
        let mut everyone: Vec<(i64, &Conn)> = conns.iter().map(|(id, c)| (*id, c)).collect();
        everyone.sort_by_key(|(id, _)| *id);
        for (_, receiver) in &conns {
            let items: Vec<ParticipantEntry> = visibility::visible_to(receiver.role, everyone.iter(), |(_, c)| c.role)
                .into_iter()
                .map(|(id, c)| ParticipantEntry {
                    participant_id: *id,
                    role: c.role,
                    display_name: c.names.for_viewer(receiver.role).to_string(),
                })
                .collect();
            let _ = receiver.tx.send(Outgoing::Msg(ServerMsg::Participants { items }));
        }
    }

    pub fn broadcast(&self, session_id: i64, msg: &ServerMsg) {
        let txs: Vec<UnboundedSender<Outgoing>> =
            self.with(|s| s.get(&session_id).map(|c| c.values().map(|c| c.tx.clone()).collect()).unwrap_or_default());
        for tx in txs {
            let _ = tx.send(Outgoing::Msg(msg.clone()));
        }
    }

    /// Sends to every connected participant of one role; returns how many.
    pub fn send_to_role(&self, session_id: i64, role: VideoRole, msg: &ServerMsg) -> usize {
        let txs: Vec<UnboundedSender<Outgoing>> = self.with(|s| {
            s.get(&session_id)
                .map(|c| c.values().filter(|c| c.role == role).map(|c| c.tx.clone()).collect())
                .unwrap_or_default()
        });
        for tx in &txs {
            let _ = tx.send(Outgoing::Msg(msg.clone()));
        }
        txs.len()
    }

    /// Closes every connection of a session (it has ended).
    pub fn close_session(&self, session_id: i64, why: &str) {
        self.with_dropped(|d| d.retain(|(s, _), _| *s != session_id));
        let conns = self.with(|s| s.remove(&session_id)).unwrap_or_default();
        for c in conns.values() {
            let _ = c.tx.send(Outgoing::Close(why.into()));
        }
    }

    pub fn connected(&self, session_id: i64) -> usize {
        self.with(|s| s.get(&session_id).map(HashMap::len).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    fn names_in(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Outgoing>) -> Vec<String> {
        let mut names = Vec::new();
        while let Ok(m) = rx.try_recv() {
            if let Outgoing::Msg(ServerMsg::Participants { items }) = m {
                names = items.into_iter().map(|p| p.display_name).collect();
            }
        }
        names
    }

    #[test]
    fn the_child_is_never_told_the_accused_is_connected() {
        let hub = Hub::default();
        let (child_tx, mut child_rx) = unbounded_channel();
        let (judge_tx, mut judge_rx) = unbounded_channel();
        let (acc_tx, _acc_rx) = unbounded_channel();
        hub.connect(1, 10, VideoRole::ChildWitness, Names::same("Child A"), child_tx);
        hub.connect(1, 11, VideoRole::Judge, Names::same("Judge Rahman"), judge_tx);
        hub.connect(1, 12, VideoRole::Accused, Names::same("Imran Accused"), acc_tx);
        hub.send_participants(1);
        let child_sees = names_in(&mut child_rx);
        assert_eq!(child_sees, vec!["Child A".to_string(), "Judge Rahman".to_string()]);
        assert!(names_in(&mut judge_rx).contains(&"Imran Accused".to_string()));
    }

    #[test]
    fn the_childs_name_goes_to_the_judge_and_the_pseudonym_to_the_accused_and_counsel() {
        let hub = Hub::default();
        let (child_tx, _child_rx) = unbounded_channel();
        let (judge_tx, mut judge_rx) = unbounded_channel();
        let (acc_tx, mut acc_rx) = unbounded_channel();
        let (def_tx, mut def_rx) = unbounded_channel();
        let child = Names { public: "Child A".into(), full: "Zainab Qamar".into() };
        hub.connect(1, 10, VideoRole::ChildWitness, child, child_tx);
        hub.connect(1, 11, VideoRole::Judge, Names::same("Judge Rahman"), judge_tx);
        hub.connect(1, 12, VideoRole::Accused, Names::same("Imran Accused"), acc_tx);
        hub.connect(1, 13, VideoRole::DefenceCounsel, Names::same("Ms Counsel"), def_tx);
        hub.send_participants(1);
        assert!(names_in(&mut judge_rx).contains(&"Zainab Qamar".to_string()));
        for rx in [&mut acc_rx, &mut def_rx] {
            let seen = names_in(rx);
            assert!(seen.contains(&"Child A".to_string()), "{seen:?}");
            assert!(!seen.iter().any(|n| n.contains("Zainab")), "{seen:?}");
        }
    }

    #[test]
    fn a_reconnect_replaces_the_old_connection() {
        let hub = Hub::default();
        let (a, mut a_rx) = unbounded_channel();
        let (b, _b_rx) = unbounded_channel();
        let first = hub.connect(1, 10, VideoRole::Judge, Names::same("J"), a);
        let second = hub.connect(1, 10, VideoRole::Judge, Names::same("J"), b);
        assert!(matches!(a_rx.try_recv(), Ok(Outgoing::Close(_))));
        assert!(!hub.disconnect(1, 10, first), "the stale connection must not remove the new one");
        assert!(hub.is_current(1, 10, second));
        assert!(hub.disconnect(1, 10, second));
        assert_eq!(hub.connected(1), 0);
    }

    #[test]
    fn a_dropped_link_shows_as_reconnecting_until_the_participant_is_back() {
        let hub = Hub::default();
        let (a, _a_rx) = unbounded_channel();
        let (b, _b_rx) = unbounded_channel();
        let first = hub.connect(1, 10, VideoRole::ChildWitness, Names::same("Child A"), a);
        assert_eq!(hub.presence(1).get(&10), Some(&Presence::Here));
        assert!(hub.disconnect(1, 10, first));
        hub.mark_dropped(1, 10);
        assert_eq!(hub.presence(1).get(&10), Some(&Presence::Reconnecting));
        assert_eq!(hub.presence(2).get(&10), None, "another session's participant");
        hub.connect(1, 10, VideoRole::ChildWitness, Names::same("Child A"), b);
        assert_eq!(hub.presence(1).get(&10), Some(&Presence::Here));
    }
}
