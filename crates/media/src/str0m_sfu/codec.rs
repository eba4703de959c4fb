//! Codecs between connections: each connection numbers its payload types
//! as its own negotiation went, so a packet is carried by codec, not by
//! number; and the recorder takes packets in webrtc-rs's type.

use str0m::format::Codec;
use str0m::media::{MediaKind, Mid, Pt};
use str0m::rtp::RtpPacket;
use str0m::Rtc;

use super::super::recorder::Container;

/// The codec and clock rate a connection's payload type stands for.
pub fn of_pt(rtc: &Rtc, pt: Pt) -> Option<(Codec, u32)> {
    rtc.codec_config().params().iter().find(|p| p.pt() == pt).map(|p| (p.spec().codec, p.spec().clock_rate.get()))
}

/// The payload type that carries `codec` on a receiver's media section,
/// if its negotiation kept that codec. (A codec's retransmissions are not
/// a codec of their own here: `resend` names their payload type.)
pub fn pt_for(rtc: &Rtc, mid: Mid, codec: Codec) -> Option<Pt> {
    let media = rtc.media(mid)?;
    let remote = media.remote_pts();
    rtc.codec_config()
        .params()
        .iter()
        .filter(|p| p.spec().codec == codec)
        .map(|p| p.pt())
        .find(|pt| remote.is_empty() || remote.contains(pt))
}

/// The container a codec is recorded in, as the webrtc-rs engine chooses.
pub fn container(codec: Codec) -> Option<Container> {
    let mime = match codec {
        Codec::Opus => "audio/opus",
        Codec::Vp8 => "video/vp8",
        Codec::Vp9 => "video/vp9",
        Codec::H264 => "video/h264",
        _ => return None,
    };
    Container::for_mime(mime)
}

pub fn is_video(kind: MediaKind) -> bool {
    matches!(kind, MediaKind::Video)
}

/// The packet as the recorder takes it, as it came from its sender.
pub fn as_webrtc(packet: &RtpPacket) -> webrtc::rtp::packet::Packet {
    webrtc::rtp::packet::Packet {
        header: webrtc::rtp::header::Header {
            version: 2,
            marker: packet.header.marker,
            payload_type: *packet.header.payload_type,
            sequence_number: packet.header.sequence_number,
            timestamp: packet.header.timestamp,
            ssrc: *packet.header.ssrc,
            ..Default::default()
        },
        payload: bytes::Bytes::copy_from_slice(&packet.payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_webrtc_engine_records_this_one_records_in_the_same_containers() {
        assert_eq!(container(Codec::Opus), Some(Container::Ogg));
        assert_eq!(container(Codec::Vp8), Some(Container::Ivf { vp9: false }));
        assert_eq!(container(Codec::Vp9), Some(Container::Ivf { vp9: true }));
        assert_eq!(container(Codec::H264), Some(Container::H264));
        assert_eq!(container(Codec::PCMU), None);
    }
}
