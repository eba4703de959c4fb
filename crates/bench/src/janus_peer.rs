//! A party of the video benchmark joined to Janus's videoroom instead of
//! Amaan: a publisher peer connection sending the same synthetic media as
//! Amaan's peers, and a subscriber peer connection receiving exactly the
//! (sender, kind) streams Amaan would forward to this party's role in a
//! live session under the default order, so both servers forward the same
//! number of streams.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use webrtc::api::API;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;

use super::janus::{Session, VIDEOROOM};
use super::video_rig::{add_audio_video, count_tracks, local_sdp, send_media, Measure, PubSub, Tracks, Traffic};
use amaan::domain::video::{SessionState, VideoRole};
use amaan::domain::visibility::{self, Channel, Order};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Audio,
    Video,
}

/// For each party (by index into `roles`), the (sender index, kind) pairs
/// it receives: what `visibility::forward` lets through on the main
/// channel in a live session with the default order. A party never
/// receives itself, as in Amaan.
pub(crate) fn subscription_plan(roles: &[VideoRole]) -> Vec<Vec<(usize, Kind)>> {
    let order = Order::default();
    roles
        .iter()
        .enumerate()
        .map(|(r, &receiver)| {
            let mut streams = Vec::new();
            for (s, &sender) in roles.iter().enumerate().filter(|&(s, _)| s != r) {
                let media = visibility::forward(sender, Channel::Main, receiver, SessionState::Live, &order).media;
                if media.audio {
                    streams.push((s, Kind::Audio));
                }
                if media.video {
                    streams.push((s, Kind::Video));
                }
            }
            streams
        })
        .collect()
}

/// The mids of a publisher's audio and video in Janus, which subscribers
/// name alongside the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mids {
    pub audio: String,
    pub video: String,
}

impl Mids {
    pub(crate) fn of(&self, kind: Kind) -> &str {
        match kind {
            Kind::Audio => &self.audio,
            Kind::Video => &self.video,
        }
    }
}

/// Reads the mids from the `streams` of a publisher's `configured` event.
pub(crate) fn publisher_mids(data: &Value) -> anyhow::Result<Mids> {
    let streams = data["streams"].as_array().ok_or_else(|| anyhow!("no streams in {data}"))?;
    let mid = |kind: &str| {
        streams
            .iter()
            .find(|s| s["type"] == kind && s["disabled"] != true)
            .and_then(|s| s["mid"].as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no {kind} stream in {data}"))
    };
    Ok(Mids { audio: mid("audio")?, video: mid("video")? })
}

/// Makes the videoroom room of one session: room for every party to
/// publish, VP8 and Opus, no bit-rate cap, nothing recorded.
pub(crate) async fn create_room(session: &Session, handle: u64, room: u64, publishers: usize) -> anyhow::Result<()> {
    let body = json!({
        "request": "create", "room": room, "publishers": publishers, "bitrate": 0, "fir_freq": 0,
        "audiocodec": "opus", "videocodec": "vp8", "record": false, "notify_joining": false, "permanent": false,
    });
    let reply = session.message(handle, body, None).await?;
    if reply.data["videoroom"] != "created" {
        anyhow::bail!("creating room {room}: {}", reply.data);
    }
    Ok(())
}

/// One party on Janus: a session with a publisher handle and, once the
/// room's feeds exist, a subscriber handle.
pub(crate) struct Party {
    pub session: Session,
    pub publisher_handle: u64,
    pcs: PubSub,
    pub tracks: Tracks,
}

impl Party {
    /// Opens a Janus session and attaches the publisher handle.
    pub(crate) async fn open(api: &API, ws: std::net::SocketAddr) -> anyhow::Result<Party> {
        let session = Session::open(ws).await?;
        let publisher_handle = session.attach(VIDEOROOM).await?;
        let publisher = Arc::new(api.new_peer_connection(RTCConfiguration::default()).await?);
        Ok(Party { session, publisher_handle, pcs: PubSub::new(publisher), tracks: Tracks::default() })
    }

    /// Joins `room` as publisher `feed`, offers audio and video, applies
    /// Janus's answer and starts sending `traffic`; returns the mids.
    pub(crate) async fn publish(
        &mut self,
        room: u64,
        feed: u64,
        role: VideoRole,
        traffic: Traffic,
        measure: &Arc<Measure>,
    ) -> anyhow::Result<Mids> {
        let join = json!({"request": "join", "ptype": "publisher", "room": room, "id": feed, "display": role.as_str()});
        let joined = self.session.message(self.publisher_handle, join, None).await?;
        if joined.data["videoroom"] != "joined" {
            anyhow::bail!("joining room {room} as {role}: {}", joined.data);
        }
        let (audio, video) = add_audio_video(&self.pcs.publisher).await?;
        let offer = self.pcs.publisher.create_offer(None).await?;
        let sdp = local_sdp(&self.pcs.publisher, offer).await?;
        let reply = self
            .session
            .message(self.publisher_handle, json!({"request": "publish"}), Some(("offer", &sdp)))
            .await
            .with_context(|| format!("publishing {role} in room {room}"))?;
        let (_, answer) = reply.jsep.clone().ok_or_else(|| anyhow!("Janus published {role} without an answer"))?;
        self.pcs.publisher.set_remote_description(RTCSessionDescription::answer(answer)?).await?;
        let mids = publisher_mids(&reply.data)?;
        self.pcs.sending(send_media(audio, video, traffic, Arc::clone(measure)));
        Ok(mids)
    }

    /// Subscribes, on a second handle and peer connection, to `streams`
    /// (feed, mid) of `room`, and answers Janus's offer.
    pub(crate) async fn subscribe(
        &mut self,
        api: &API,
        room: u64,
        streams: &[(u64, String)],
        measure: &Arc<Measure>,
    ) -> anyhow::Result<()> {
        if streams.is_empty() {
            return Ok(());
        }
        let handle = self.session.attach(VIDEOROOM).await?;
        let pc = Arc::new(api.new_peer_connection(RTCConfiguration::default()).await?);
        self.tracks = count_tracks(&pc, measure);
        self.pcs.subscriber(&pc);
        let wanted: Vec<Value> = streams.iter().map(|(feed, mid)| json!({"feed": feed, "mid": mid})).collect();
        let join = json!({"request": "join", "ptype": "subscriber", "room": room, "streams": wanted});
        // A feed can be subscribed to only once its publisher's WebRTC is
        // up, which Janus may learn a moment after the peer does.
        let mut tries = 0;
        let attached = loop {
            match self.session.message(handle, join.clone(), None).await {
                Err(e) if tries < 20 && e.to_string().contains("error 428") => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                other => break other.context("subscribing")?,
            }
        };
        let (_, offer) = attached.jsep.ok_or_else(|| anyhow!("Janus attached a subscriber without an offer"))?;
        pc.set_remote_description(RTCSessionDescription::offer(offer)?).await?;
        let answer = pc.create_answer(None).await?;
        let sdp = local_sdp(&pc, answer).await?;
        let started = self.session.message(handle, json!({"request": "start"}), Some(("answer", &sdp))).await?;
        if started.data["started"] != "ok" {
            anyhow::bail!("starting a subscriber in room {room}: {}", started.data);
        }
        Ok(())
    }

    pub(crate) async fn publishing(&self, within: Duration) -> bool {
        self.pcs.publishing(within).await
    }

    pub(crate) async fn connected(&self, within: Duration) -> bool {
        self.pcs.connected(within).await
    }

    pub(crate) async fn close(self) {
        self.session.close().await;
        self.pcs.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video_rig::SIX;

    fn index(role: VideoRole) -> usize {
        SIX.iter().position(|&r| r == role).unwrap_or(usize::MAX)
    }

    #[test]
    fn the_child_side_never_subscribes_to_the_accused() {
        let plan = subscription_plan(&SIX);
        for receiver in [VideoRole::ChildWitness, VideoRole::SupportOfficer] {
            let got = &plan[index(receiver)];
            assert!(!got.is_empty());
            assert!(got.iter().all(|&(s, _)| s != index(VideoRole::Accused)), "{receiver} gets the accused: {got:?}");
        }
    }

    #[test]
    fn the_accused_hears_but_does_not_see_the_child() {
        let plan = subscription_plan(&SIX);
        let got = &plan[index(VideoRole::Accused)];
        let child = index(VideoRole::ChildWitness);
        assert!(got.contains(&(child, Kind::Audio)));
        assert!(!got.contains(&(child, Kind::Video)));
    }

    #[test]
    fn a_live_six_party_session_forwards_51_streams_and_nobody_gets_their_own() {
        let plan = subscription_plan(&SIX);
        // Child 6 (judge, prosecutor questioning, support officer), judge,
        // prosecutor and defence 10 each (everyone), accused 7 (the child
        // heard, not the support officer), support officer 8 (not the accused).
        let counts: Vec<usize> = plan.iter().map(Vec::len).collect();
        assert_eq!(counts, vec![6, 10, 10, 10, 7, 8]);
        assert_eq!(counts.iter().sum::<usize>(), 51);
        for (r, streams) in plan.iter().enumerate() {
            assert!(streams.iter().all(|&(s, _)| s != r));
        }
    }

    #[test]
    fn mids_are_read_from_the_configured_event() {
        let data: Value = serde_json::from_str(
            r#"{"videoroom":"event","room":1001,"configured":"ok","audio_codec":"opus","video_codec":"vp8",
                "streams":[{"type":"audio","mindex":0,"mid":"0","codec":"opus"},
                           {"type":"video","mindex":1,"mid":"1","codec":"vp8"}]}"#,
        )
        .unwrap();
        let mids = publisher_mids(&data).unwrap();
        assert_eq!(mids, Mids { audio: "0".into(), video: "1".into() });
        assert_eq!(mids.of(Kind::Video), "1");
        assert!(publisher_mids(&serde_json::json!({"configured": "ok"})).is_err());
    }
}
