//! A party of the video benchmark joined to the str0m forwarder
//! (`str0m_sfu.rs`): like a party on Janus, a publishing peer connection
//! sending the same synthetic media and a subscribing one receiving exactly
//! the (sender, kind) streams Amaan would forward to its role. Both offer;
//! the forwarder answers over HTTP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde_json::json;
use webrtc::api::API;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::rtp_transceiver::rtp_codec::RTPCodecType;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::RTCRtpTransceiverInit;

use super::janus_peer::Kind;
use super::video_rig::{add_audio_video, count_tracks, local_sdp, send_media, Measure, PubSub, Tracks, Traffic};

pub(crate) struct Str0mParty {
    pcs: PubSub,
    pub tracks: Tracks,
}

/// Posts a join and returns the answer's SDP.
async fn join(
    http: SocketAddr,
    session: usize,
    party: usize,
    streams: &[(usize, Kind)],
    offer: String,
) -> anyhow::Result<String> {
    let streams: Vec<(usize, &str)> =
        streams.iter().map(|&(sender, kind)| (sender, if kind == Kind::Audio { "audio" } else { "video" })).collect();
    let body = json!({"session": session, "party": party, "streams": streams, "offer": offer});
    let url = format!("http://{http}/join");
    tokio::task::spawn_blocking(move || match ureq::post(&url).send_json(body) {
        Ok(reply) => Ok(reply.into_string()?),
        Err(ureq::Error::Status(code, reply)) => {
            Err(anyhow!("the forwarder refused a join ({code}): {}", reply.into_string().unwrap_or_default()))
        }
        Err(e) => Err(anyhow!("posting a join: {e}")),
    })
    .await?
}

impl Str0mParty {
    /// Publishes audio and video and starts sending `traffic`.
    pub(crate) async fn publish(
        api: &API,
        http: SocketAddr,
        session: usize,
        party: usize,
        traffic: Traffic,
        measure: &Arc<Measure>,
    ) -> anyhow::Result<Str0mParty> {
        // Watched from the start, so that its connecting is not missed.
        let mut pcs = PubSub::new(Arc::new(api.new_peer_connection(RTCConfiguration::default()).await?));
        let publisher = Arc::clone(&pcs.publisher);
        let (audio, video) = add_audio_video(&publisher).await?;
        let offer = publisher.create_offer(None).await?;
        let sdp = local_sdp(&publisher, offer).await?;
        let answer = join(http, session, party, &[], sdp).await.context("publishing")?;
        publisher.set_remote_description(RTCSessionDescription::answer(answer)?).await?;
        pcs.sending(send_media(audio, video, traffic, Arc::clone(measure)));
        Ok(Str0mParty { pcs, tracks: Tracks::default() })
    }

    /// Receives `streams` on a second peer connection, one m-line each.
    pub(crate) async fn subscribe(
        &mut self,
        api: &API,
        http: SocketAddr,
        session: usize,
        party: usize,
        streams: &[(usize, Kind)],
        measure: &Arc<Measure>,
    ) -> anyhow::Result<()> {
        if streams.is_empty() {
            return Ok(());
        }
        let pc = Arc::new(api.new_peer_connection(RTCConfiguration::default()).await?);
        self.tracks = count_tracks(&pc, measure);
        self.pcs.subscriber(&pc);
        for &(_, kind) in streams {
            let codec = if kind == Kind::Audio { RTPCodecType::Audio } else { RTPCodecType::Video };
            let init =
                RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Recvonly, send_encodings: vec![] };
            pc.add_transceiver_from_kind(codec, Some(init)).await?;
        }
        let offer = pc.create_offer(None).await?;
        let sdp = local_sdp(&pc, offer).await?;
        let answer = join(http, session, party, streams, sdp).await.context("subscribing")?;
        pc.set_remote_description(RTCSessionDescription::answer(answer)?).await?;
        Ok(())
    }

    pub(crate) async fn connected(&self, within: Duration) -> bool {
        self.pcs.connected(within).await
    }

    pub(crate) async fn close(self) {
        self.pcs.close().await;
    }
}
