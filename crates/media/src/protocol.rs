//! The signalling messages on `/ws/video-sessions/{id}`, as JSON text
//! frames with a `type` field. `docs/signalling.md` is their reference.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::IceServer;
use super::IceCandidate;
use amaan_domain::video::{SessionState, Timers, VideoRole};
use amaan_domain::visibility::Channel;

/// Longest accepted text frame; an SDP with a dozen tracks is ~20 KiB.
pub const MAX_FRAME_BYTES: usize = 256 * 1024;
/// Longest written question.
pub const MAX_QUESTION_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    Join {},
    Offer {
        sdp: String,
        /// mid → channel, for the sections that are not `main`.
        #[serde(default)]
        channels: HashMap<String, Channel>,
    },
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: IceCandidate,
    },
    Question {
        text: String,
    },
    Leave {},
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParticipantEntry {
    pub participant_id: i64,
    pub role: VideoRole,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionEntry {
    pub id: i64,
    pub from_participant_id: i64,
    pub from_role: VideoRole,
    pub from_name: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Welcome {
        session_id: i64,
        participant_id: i64,
        role: VideoRole,
        state: SessionState,
        ice_servers: Vec<IceServer>,
    },
    Answer {
        sdp: String,
    },
    Offer {
        sdp: String,
    },
    Participants {
        items: Vec<ParticipantEntry>,
    },
    State {
        state: SessionState,
    },
    /// The ground-rule timers, to the support officer and the judge, on
    /// joining, on every change and every few seconds.
    Timers {
        timers: Timers,
    },
    Question(QuestionEntry),
    /// The questions already asked in this session, to a judge on joining.
    Questions {
        items: Vec<QuestionEntry>,
    },
    /// The question is stored; `delivered` if a judge is connected now
    /// (otherwise the judge receives it on joining).
    QuestionSent {
        id: i64,
        delivered: bool,
    },
    Error {
        code: String,
        detail: String,
    },
}

impl ServerMsg {
    pub fn error(code: &str, detail: impl Into<String>) -> ServerMsg {
        ServerMsg::Error { code: code.into(), detail: detail.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_names_its_private_section() {
        let msg: ClientMsg = serde_json::from_str(r#"{"type":"offer","sdp":"v=0","channels":{"2":"private"}}"#)
            .unwrap_or(ClientMsg::Leave {});
        let ClientMsg::Offer { channels, .. } = msg else { panic!("not an offer") };
        assert_eq!(channels.get("2"), Some(&Channel::Private));
    }

    #[test]
    fn unknown_types_and_fields_are_refused() {
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"mute_everyone"}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"question","text":"x","to":"child"}"#).is_err());
    }

    #[test]
    fn server_messages_carry_their_type() {
        let text = serde_json::to_string(&ServerMsg::State { state: SessionState::Break }).unwrap_or_default();
        assert_eq!(text, r#"{"type":"state","state":"break"}"#);
    }
}
