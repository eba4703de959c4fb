//! A receiver whose video is shed (`audio_first`) costs no video at all.
//! Our forwarding loop already skips its video sinks; what remains is what
//! the receiver itself asks for. webrtc-rs's NACK responder keeps the last
//! packets of every video stream it sends and answers each NACK from that
//! buffer, below our code: a shed receiver that asks again and again for
//! the packets the congestion took (webrtc-rs's generator asks every 100 ms
//! without limit; a browser a few times) would be sent video on the very
//! link that cannot carry it, crowding out the audio. And a key frame it
//! asks for would cost every receiver of that picture a burst.
//!
//! So the gate sits first in each peer connection's interceptor chain, under
//! the responder, and drops NACKs for video streams while that connection's
//! video is shed; the SFU does not pass on a shed receiver's key-frame
//! requests. Audio is never touched. We never forward NACKs to a publisher:
//! its own link's losses are asked for by the NACK generator on its track.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::MediaEngine;
use webrtc::interceptor::registry::Registry;
use webrtc::interceptor::stream_info::StreamInfo;
use webrtc::interceptor::{
    Attributes, Error, Interceptor, InterceptorBuilder, RTCPReader, RTCPWriter, RTPReader, RTPWriter,
};
use webrtc::rtcp::packet::Packet as RtcpPacket;
use webrtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;

/// What a receiver asks of a stream we send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Send these packets again (a NACK).
    Retransmission,
    /// Ask the sender for a key frame (PLI, FIR).
    KeyFrame,
}

/// Whether a receiver's request about one stream is acted on: never for
/// video while its video is shed (the link cannot carry it, and a restore
/// asks for its own key frame); always for audio, which is never shed.
pub fn acted_on(_request: Request, video: bool, shed: bool) -> bool {
    !(video && shed)
}

tokio::task_local! {
    /// The `video_shed` flag of the peer connection being built.
    static SHED: Arc<AtomicBool>;
}

/// Builds a peer connection with `build`, whose gate follows `shed`. The
/// registry builds each connection's interceptors without saying whose they
/// are; the flag reaches the builder through the task building it.
pub async fn building_with<F: std::future::Future>(shed: Arc<AtomicBool>, build: F) -> F::Output {
    SHED.scope(shed, build).await
}

/// The SFU's interceptors: the gate, then webrtc-rs's defaults (NACK
/// responder and generator, RTCP reports, TWCC). The gate comes first so
/// that it reads the receiver's RTCP before the responder does.
pub fn registry(media: &mut MediaEngine) -> Result<Registry, webrtc::Error> {
    let mut registry = Registry::new();
    registry.add(Box::new(GateBuilder));
    register_default_interceptors(registry, media)
}

struct GateBuilder;

impl InterceptorBuilder for GateBuilder {
    fn build(&self, _id: &str) -> Result<Arc<dyn Interceptor + Send + Sync>, Error> {
        // A connection built outside `building_with` has no gate to follow.
        let shed = SHED.try_with(Arc::clone).ok();
        Ok(Arc::new(Gate { shed, video: Arc::default() }))
    }
}

struct Gate {
    shed: Option<Arc<AtomicBool>>,
    /// SSRCs of the video streams this connection sends.
    video: Arc<Mutex<HashSet<u32>>>,
}

fn is_video(info: &StreamInfo) -> bool {
    info.mime_type.to_ascii_lowercase().starts_with("video/")
}

#[async_trait::async_trait]
impl Interceptor for Gate {
    async fn bind_rtcp_reader(&self, reader: Arc<dyn RTCPReader + Send + Sync>) -> Arc<dyn RTCPReader + Send + Sync> {
        match &self.shed {
            Some(shed) => {
                Arc::new(GateReader { parent: reader, shed: Arc::clone(shed), video: Arc::clone(&self.video) })
            }
            None => reader,
        }
    }

    async fn bind_rtcp_writer(&self, writer: Arc<dyn RTCPWriter + Send + Sync>) -> Arc<dyn RTCPWriter + Send + Sync> {
        writer
    }

    async fn bind_local_stream(
        &self,
        info: &StreamInfo,
        writer: Arc<dyn RTPWriter + Send + Sync>,
    ) -> Arc<dyn RTPWriter + Send + Sync> {
        if is_video(info) {
            if let Ok(mut v) = self.video.lock() {
                v.insert(info.ssrc);
            }
        }
        writer
    }

    async fn unbind_local_stream(&self, info: &StreamInfo) {
        if let Ok(mut v) = self.video.lock() {
            v.remove(&info.ssrc);
        }
    }

    async fn bind_remote_stream(
        &self,
        _info: &StreamInfo,
        reader: Arc<dyn RTPReader + Send + Sync>,
    ) -> Arc<dyn RTPReader + Send + Sync> {
        reader
    }

    async fn unbind_remote_stream(&self, _info: &StreamInfo) {}

    async fn close(&self) -> Result<(), Error> {
        Ok(())
    }
}

struct GateReader {
    parent: Arc<dyn RTCPReader + Send + Sync>,
    shed: Arc<AtomicBool>,
    video: Arc<Mutex<HashSet<u32>>>,
}

#[async_trait::async_trait]
impl RTCPReader for GateReader {
    async fn read(
        &self,
        buf: &mut [u8],
        a: &Attributes,
    ) -> Result<(Vec<Box<dyn RtcpPacket + Send + Sync>>, Attributes), Error> {
        let (mut packets, attributes) = self.parent.read(buf, a).await?;
        let shed = self.shed.load(Ordering::Relaxed);
        // Only a shed connection pays for the lock.
        if shed {
            if let Ok(video) = self.video.lock() {
                packets.retain(|p| match p.as_any().downcast_ref::<TransportLayerNack>() {
                    Some(nack) => acted_on(Request::Retransmission, video.contains(&nack.media_ssrc), shed),
                    None => true,
                });
            }
        }
        Ok((packets, attributes))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use webrtc::interceptor::mock::mock_stream::MockStream;
    use webrtc::interceptor::stream_info::RTCPFeedback;
    use webrtc::rtcp::transport_feedbacks::transport_layer_nack::NackPair;
    use webrtc::rtp::header::Header;
    use webrtc::rtp::packet::Packet;

    use super::*;

    #[test]
    fn a_shed_receiver_gets_no_video_for_what_it_asks_and_audio_always() {
        for request in [Request::Retransmission, Request::KeyFrame] {
            assert!(!acted_on(request, true, true), "{request:?} for video while shed");
            assert!(acted_on(request, true, false), "{request:?} for video while not shed");
            assert!(acted_on(request, false, true), "{request:?} for audio while video is shed");
            assert!(acted_on(request, false, false));
        }
    }

    fn info(ssrc: u32, mime: &str) -> StreamInfo {
        StreamInfo {
            ssrc,
            mime_type: mime.into(),
            clock_rate: 90_000,
            rtcp_feedback: vec![RTCPFeedback { typ: "nack".into(), parameter: String::new() }],
            ..Default::default()
        }
    }

    fn nack(ssrc: u32, seq: u16) -> Vec<Box<dyn RtcpPacket + Send + Sync>> {
        vec![Box::new(TransportLayerNack {
            sender_ssrc: 99,
            media_ssrc: ssrc,
            nacks: vec![NackPair { packet_id: seq, lost_packets: 0 }],
        })]
    }

    async fn sent(stream: &MockStream, seqs: std::ops::Range<u16>) {
        for seq in seqs {
            let p =
                Packet { header: Header { ssrc: 0, sequence_number: seq, ..Default::default() }, ..Default::default() };
            stream.write_rtp(&p).await.expect("written");
            let out = tokio::time::timeout(Duration::from_secs(1), stream.written_rtp()).await;
            assert_eq!(out.ok().flatten().map(|p| p.header.sequence_number), Some(seq));
        }
    }

    /// The next packet that leaves within `within`, if one does.
    async fn resent(stream: &MockStream, within: Duration) -> Option<u16> {
        tokio::time::timeout(within, stream.written_rtp()).await.ok().flatten().map(|p| p.header.sequence_number)
    }

    #[tokio::test]
    async fn the_nack_responder_answers_no_video_nack_while_the_connection_is_shed() {
        let shed = Arc::new(AtomicBool::new(false));
        let mut media = MediaEngine::default();
        // The SFU's own chain, gate and webrtc-rs's responder in their order.
        let registry = registry(&mut media).expect("the interceptors");
        let chain = building_with(Arc::clone(&shed), async { registry.build("") }).await.expect("the interceptors");
        let video = MockStream::new(&info(1, "video/VP8"), Arc::clone(&chain)).await;
        let audio = MockStream::new(&info(2, "audio/opus"), Arc::clone(&chain)).await;
        sent(&video, 10..20).await;
        sent(&audio, 10..20).await;

        // Not shed: a lost video packet is sent again.
        video.receive_rtcp(nack(1, 12)).await;
        assert_eq!(resent(&video, Duration::from_secs(1)).await, Some(12));

        // Shed: the NACK is dropped before the responder sees it.
        shed.store(true, Ordering::Relaxed);
        video.receive_rtcp(nack(1, 13)).await;
        assert_eq!(resent(&video, Duration::from_millis(300)).await, None, "no video resent while shed");
        // Audio with NACK (none negotiates it today) would still be answered.
        audio.receive_rtcp(nack(2, 14)).await;
        assert_eq!(resent(&audio, Duration::from_secs(1)).await, Some(14), "audio is never shed");

        // Restored: answered again.
        shed.store(false, Ordering::Relaxed);
        video.receive_rtcp(nack(1, 15)).await;
        assert_eq!(resent(&video, Duration::from_secs(1)).await, Some(15));

        video.close().await.expect("closed");
        audio.close().await.expect("closed");
    }

    #[tokio::test]
    async fn a_connection_built_outside_the_gate_is_not_gated() {
        let mut media = MediaEngine::default();
        let chain = registry(&mut media).expect("the interceptors").build("").expect("the interceptors");
        let video = MockStream::new(&info(1, "video/VP8"), chain).await;
        sent(&video, 10..12).await;
        video.receive_rtcp(nack(1, 11)).await;
        assert_eq!(resent(&video, Duration::from_secs(1)).await, Some(11));
        video.close().await.expect("closed");
    }
}
