//! Video-link testimony on this node: the forwarding server (SFU) that is
//! every participant's only peer, the signalling hub that relays messages
//! between the participants of a session, and the recorder.
//!
//! A WebRTC library is used only behind the `Forwarder` trait: str0m in
//! `str0m_sfu/` (the default) and webrtc-rs in `sfu.rs` (`AMAAN_MEDIA_ENGINE=webrtc`),
//! so the rest of the code (and the signalling protocol) does not change
//! with the library. The recorder takes webrtc-rs's packet type.

pub mod applied;
pub mod audio_first;
pub mod config;
pub mod forward_track;
pub mod health;
pub mod hub;
pub mod lateness;
pub mod protocol;
pub mod recorder;
pub mod renumber;
pub mod sections;
pub mod sfu;
pub mod shards;
pub mod shed_gate;
pub mod str0m_sfu;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use amaan_domain::video::{SessionState, VideoRole};
use amaan_domain::visibility::{Channel, Order};

pub use config::MediaConfig;
pub use hub::Hub;

/// A mutex's guard, poisoned or not: what a panicking holder left is still
/// the best state there is, and the media path must not panic in turn.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// One peer connection on this node.
pub type PeerId = u64;

/// Who is joining, and the session as the database holds it now.
#[derive(Debug, Clone)]
pub struct Joiner {
    pub session_id: i64,
    pub participant_id: i64,
    pub role: VideoRole,
    pub state: SessionState,
    pub order: Order,
}

/// An ICE candidate as browsers write it in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, rename = "sdpMid")]
    pub sdp_mid: Option<String>,
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_mline_index: Option<u16>,
    #[serde(default, rename = "usernameFragment")]
    pub username_fragment: Option<String>,
}

/// What the forwarder tells one participant's signalling connection.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// A new offer from the server: tracks were added or removed.
    Offer { sdp: String },
    /// The peer connection failed or closed; the client should reconnect.
    Disconnected,
}

/// A recording closed and hashed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinishedRecording {
    pub session_id: i64,
    pub participant_id: i64,
    pub role: VideoRole,
    pub kind: &'static str,
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// The span this file covers: one segment of the participant's sitting
    /// (a reconnect closes one segment and opens the next).
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub ended_at: chrono::DateTime<chrono::Utc>,
}

/// Counters for `/metrics` (`amaan_video_forwarder`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ForwardingStats {
    pub peers: usize,
    pub published_tracks: usize,
    pub packets_in: u64,
    pub packets_forwarded: u64,
    /// Received packets not forwarded because they came too late (see
    /// `lateness`); they are still recorded.
    pub packets_late: u64,
}

/// One connected participant's link, for the console and `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeerHealth {
    pub session_id: i64,
    pub participant_id: i64,
    pub role: VideoRole,
    pub measure: amaan_domain::video::LinkMeasure,
    /// Audio first: video to this participant is stopped now, as its link
    /// cannot carry it beside the audio.
    pub video_shed: bool,
    /// How many times it was stopped since the participant connected.
    pub video_sheds: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("no such peer on this node")]
    UnknownPeer,
    #[error("the session description was refused: {0}")]
    BadDescription(String),
    #[error("the ICE candidate was refused: {0}")]
    BadCandidate(String),
    #[error("media failure: {0}")]
    Internal(String),
}

/// The forwarding server. Every decision about who receives what is made by
/// `domain::visibility`; an implementation only carries it out.
pub trait Forwarder: Send + Sync + 'static {
    /// Creates the participant's peer connection. Events for the client
    /// (server offers, candidates) go to `events`.
    fn join(&self, joiner: Joiner, events: UnboundedSender<MediaEvent>) -> BoxFuture<'_, Result<PeerId, MediaError>>;
    /// The client's offer with its own tracks; `channels` maps a media
    /// section's mid to the channel it carries (main unless named). Returns
    /// the answer.
    fn offer(
        &self,
        peer: PeerId,
        sdp: String,
        channels: HashMap<String, Channel>,
    ) -> BoxFuture<'_, Result<String, MediaError>>;
    /// The client's answer to a server offer.
    fn answer(&self, peer: PeerId, sdp: String) -> BoxFuture<'_, Result<(), MediaError>>;
    /// A trickled candidate from the client.
    fn candidate(&self, peer: PeerId, candidate: IceCandidate) -> BoxFuture<'_, Result<(), MediaError>>;
    /// Closes the peer and stops every track to and from it.
    fn leave(&self, peer: PeerId) -> BoxFuture<'_, ()>;
    /// Re-applies the policy after a change of state or order. When the
    /// session has ended, the recordings are closed and returned.
    fn apply(&self, session_id: i64, state: SessionState, order: Order) -> BoxFuture<'_, Vec<FinishedRecording>>;
    fn stats(&self) -> ForwardingStats;
    /// Whether this node still holds media of the session: participants, or
    /// recordings closed by a reconnect that wait for the session's end.
    fn hosts(&self, session_id: i64) -> bool;
    /// Every connected participant's link that has reported so far.
    fn health(&self) -> Vec<PeerHealth>;
}

/// Everything video on this node, registered once as app data.
pub struct Media {
    pub forwarder: Arc<dyn Forwarder>,
    pub hub: Hub,
    pub config: MediaConfig,
    /// Which version of each hosted session the forwarder has applied.
    pub applied: applied::Applied,
}

/// Which library forwards: `AMAAN_MEDIA_ENGINE`, `str0m` unless set
/// (docs/media-str0m.md: measured against webrtc-rs and Janus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Webrtc,
    Str0m,
}

impl Engine {
    pub fn parse(value: Option<&str>) -> anyhow::Result<Engine> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some("webrtc") => Ok(Engine::Webrtc),
            None | Some("str0m") => Ok(Engine::Str0m),
            Some(other) => anyhow::bail!("AMAAN_MEDIA_ENGINE: {other:?} is neither \"webrtc\" nor \"str0m\""),
        }
    }

    pub fn from_env() -> anyhow::Result<Engine> {
        Engine::parse(std::env::var("AMAAN_MEDIA_ENGINE").ok().as_deref())
    }
}

impl Media {
    /// The engine `AMAAN_MEDIA_ENGINE` names; an unknown name refuses to start.
    pub fn new(config: MediaConfig) -> anyhow::Result<Media> {
        let forwarder: Arc<dyn Forwarder> = match Engine::from_env()? {
            Engine::Webrtc => Arc::new(sfu::WebrtcSfu::new(config.clone())?),
            Engine::Str0m => Arc::new(str0m_sfu::Str0mSfu::new(config.clone())?),
        };
        Ok(Media { forwarder, hub: Hub::default(), config, applied: applied::Applied::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_is_str0m_unless_webrtc_is_named_and_a_wrong_name_refuses_to_start() {
        assert_eq!(Engine::parse(None).ok(), Some(Engine::Str0m));
        assert_eq!(Engine::parse(Some(" ")).ok(), Some(Engine::Str0m));
        assert_eq!(Engine::parse(Some("webrtc")).ok(), Some(Engine::Webrtc));
        assert!(Engine::parse(Some("strom")).is_err());
    }
}
