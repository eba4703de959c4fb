//! The track one receiver is sent one published stream on.
//!
//! webrtc-rs's `TrackLocalStaticRTP` is made for one track fanned out to
//! many peer connections: each packet clones the packet and the list of
//! bindings under an async mutex before it writes. Here every
//! (published stream, receiver) pair has a track of its own, bound to one
//! peer connection, and the forwarding loop already holds a packet it may
//! change. So this track keeps its binding under a plain mutex held for a
//! copy of what a send needs, and stamps the receiver's SSRC, payload type and
//! MID on the caller's packet instead of a copy of it.

use std::any::Any;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpCodecCapability, RTCRtpCodecParameters, RTPCodecType};
use webrtc::track::track_local::{TrackLocal, TrackLocalContext, TrackLocalWriter};

use super::lock;

/// The URI of the header extension that names the media section (RFC 8843).
const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";

pub struct ForwardTrack {
    codec: RTCRtpCodecCapability,
    id: String,
    stream_id: String,
    binding: Mutex<Option<Binding>>,
}

struct Binding {
    /// The peer connection's id for the binding, to unbind the right one.
    context: String,
    ssrc: u32,
    payload_type: u8,
    mid: Option<(u8, Bytes)>,
    writer: Arc<dyn TrackLocalWriter + Send + Sync>,
}

impl ForwardTrack {
    pub fn new(codec: RTCRtpCodecCapability, id: String, stream_id: String) -> ForwardTrack {
        ForwardTrack { codec, id, stream_id, binding: Mutex::new(None) }
    }

    /// Sends `packet` as this track's: its SSRC, payload type and MID become
    /// the receiver's; sequence number, timestamp and payload stay. Nothing
    /// is sent (and `Ok(0)` answered) before the track is bound or, by the
    /// writer webrtc-rs binds, while its sender is paused.
    pub async fn send(&self, packet: &mut webrtc::rtp::packet::Packet) -> Result<usize, webrtc::Error> {
        let writer = {
            let binding = lock(&self.binding);
            let Some(b) = binding.as_ref() else { return Ok(0) };
            packet.header.ssrc = b.ssrc;
            packet.header.payload_type = b.payload_type;
            if let Some((id, mid)) = &b.mid {
                packet.header.set_extension(*id, mid.clone())?;
            }
            Arc::clone(&b.writer)
        };
        writer.write_rtp(packet).await
    }
}

/// The receiver's codec for ours: the same MIME type, and the same format
/// parameters when the receiver offers the type more than once.
fn negotiated<'a>(
    ours: &RTCRtpCodecCapability,
    theirs: &'a [RTCRtpCodecParameters],
) -> Option<&'a RTCRtpCodecParameters> {
    let same_type = |c: &&RTCRtpCodecParameters| c.capability.mime_type.eq_ignore_ascii_case(&ours.mime_type);
    theirs
        .iter()
        .filter(same_type)
        .find(|c| c.capability.sdp_fmtp_line == ours.sdp_fmtp_line)
        .or_else(|| theirs.iter().find(same_type))
}

#[async_trait]
impl TrackLocal for ForwardTrack {
    async fn bind(&self, t: &TrackLocalContext) -> Result<RTCRtpCodecParameters, webrtc::Error> {
        let codec = negotiated(&self.codec, t.codec_parameters()).cloned().ok_or(webrtc::Error::ErrUnsupportedCodec)?;
        let mid_id = t.header_extensions().iter().find(|e| e.uri == MID_URI).and_then(|e| u8::try_from(e.id).ok());
        let mid = mid_id.zip(t.mid()).map(|(id, mid)| (id, Bytes::copy_from_slice(mid.as_bytes())));
        let binding = Binding {
            context: t.id(),
            ssrc: t.ssrc(),
            payload_type: codec.payload_type,
            mid,
            writer: t.write_stream(),
        };
        *lock(&self.binding) = Some(binding);
        Ok(codec)
    }

    async fn unbind(&self, t: &TrackLocalContext) -> Result<(), webrtc::Error> {
        let mut binding = lock(&self.binding);
        match binding.as_ref() {
            Some(b) if b.context == t.id() => {
                *binding = None;
                Ok(())
            }
            _ => Err(webrtc::Error::ErrUnbindFailed),
        }
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn rid(&self) -> Option<&str> {
        None
    }

    fn stream_id(&self) -> &str {
        &self.stream_id
    }

    fn kind(&self) -> RTPCodecType {
        if self.codec.mime_type.starts_with("audio/") {
            RTPCodecType::Audio
        } else if self.codec.mime_type.starts_with("video/") {
            RTPCodecType::Video
        } else {
            RTPCodecType::Unspecified
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(mime: &str, pt: u8, fmtp: &str) -> RTCRtpCodecParameters {
        RTCRtpCodecParameters {
            capability: RTCRtpCodecCapability {
                mime_type: mime.into(),
                clock_rate: 90_000,
                sdp_fmtp_line: fmtp.into(),
                ..Default::default()
            },
            payload_type: pt,
            ..Default::default()
        }
    }

    #[test]
    fn the_receivers_payload_type_is_taken_for_the_same_codec_whatever_its_case() {
        let ours = codec("video/VP8", 96, "").capability;
        let theirs = [codec("video/H264", 102, "profile-level-id=42e01f"), codec("video/vp8", 120, "")];
        assert_eq!(negotiated(&ours, &theirs).map(|c| c.payload_type), Some(120));
    }

    #[test]
    fn the_same_format_parameters_win_over_the_first_of_the_type() {
        let ours = codec("video/H264", 96, "profile-level-id=42e01f").capability;
        let theirs =
            [codec("video/H264", 102, "profile-level-id=640032"), codec("video/H264", 106, "profile-level-id=42e01f")];
        assert_eq!(negotiated(&ours, &theirs).map(|c| c.payload_type), Some(106));
        let other = codec("video/H264", 96, "profile-level-id=4d001f").capability;
        assert_eq!(negotiated(&other, &theirs).map(|c| c.payload_type), Some(102));
    }

    #[test]
    fn a_codec_the_receiver_lacks_is_not_bound() {
        let ours = codec("audio/opus", 111, "").capability;
        assert!(negotiated(&ours, &[codec("video/VP8", 96, "")]).is_none());
    }
}
