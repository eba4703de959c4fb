//! The forwarding server on webrtc-rs 0.14. Each participant has one peer
//! connection, to us. Each track a participant sends is read by one task
//! that writes every packet to the receivers the visibility policy allows
//! now; a receiver gets a track added to its connection only when the
//! policy first allows it, so a track that may never reach a receiver (the
//! accused's, for the child side) never appears in that receiver's SDP.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;
use webrtc::api::media_engine::MediaEngine;
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::{APIBuilder, API};
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice::network_type::NetworkType;
use webrtc::ice_transport::ice_candidate::RTCIceCandidateInit;
use webrtc::ice_transport::ice_candidate_type::RTCIceCandidateType;
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use webrtc::rtcp::receiver_report::ReceiverReport;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpCodecCapability, RTPCodecType};
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::RTCRtpTransceiverInit;
use webrtc::track::track_local::TrackLocal;
use webrtc::track::track_remote::TrackRemote;

use super::audio_first::{AudioFirst, Change, Signal};
use super::forward_track::ForwardTrack;
use super::health::{ntp_middle, rtt_ms, LinkHealth};
use super::lateness::{Lateness, Read, Verdict};
use super::lock;
use super::recorder::{Container, Recording, Subject};
use super::renumber::Renumber;
use super::sections::{self, Section};
use super::shards::Shards;
use super::shed_gate::{self, Request};
use super::{
    FinishedRecording, Forwarder, ForwardingStats, IceCandidate, Joiner, MediaConfig, MediaError, MediaEvent,
    PeerHealth, PeerId,
};
use amaan_domain::video::{SessionState, VideoRole};
use amaan_domain::visibility::{self, Channel, Order};

/// How long we wait for ICE gathering before sending an SDP anyway. Host
/// candidates take microseconds; a TURN allocation can take a second.
const GATHER_TIMEOUT: Duration = Duration::from_secs(5);

/// The forwarding loop's read buffer: webrtc-rs reads at most its receive
/// MTU (1,460 bytes by default) into it.
const READ_BUFFER: usize = 8192;

/// The SFU runs on runtimes of its own (see `shards`), so that forwarding
/// does not share (or depend on) the HTTP workers' runtimes; each session
/// lives wholly on one of them.
pub struct WebrtcSfu {
    inner: Arc<Inner>,
    shards: Shards,
}

struct Inner {
    api: API,
    config: MediaConfig,
    rooms: Mutex<HashMap<i64, Arc<Room>>>,
    peers: Mutex<HashMap<PeerId, Arc<Peer>>>,
    next_id: AtomicU64,
    packets_in: AtomicU64,
    packets_forwarded: AtomicU64,
    packets_late: AtomicU64,
}

/// One session's media on this node.
struct Room {
    session_id: i64,
    inner: tokio::sync::Mutex<RoomInner>,
}

struct RoomInner {
    state: SessionState,
    order: Order,
    peers: HashMap<PeerId, Arc<Peer>>,
    tracks: HashMap<u64, Arc<Published>>,
    /// Recordings of tracks that ended before the session did (a reconnect).
    finished: Vec<FinishedRecording>,
}

#[derive(Default)]
struct Negotiation {
    /// The client's first offer has been answered; only then do we add
    /// tracks and make offers of our own.
    ready: bool,
    in_flight: bool,
    pending: bool,
    /// The sections of the server offer waiting for its answer.
    offered: Vec<Section>,
}

struct Peer {
    id: PeerId,
    session_id: i64,
    participant_id: i64,
    role: VideoRole,
    pc: Arc<RTCPeerConnection>,
    events: UnboundedSender<MediaEvent>,
    channels: Mutex<HashMap<String, Channel>>,
    negotiation: tokio::sync::Mutex<Negotiation>,
    closed: AtomicBool,
    /// This participant's link, from its receiver reports.
    health: Mutex<LinkHealth>,
    /// Whether its link carries video now (`audio_first`); every video
    /// sink to this participant holds the flag.
    audio_first: Mutex<AudioFirst>,
    video_shed: Arc<AtomicBool>,
}

/// A track a participant sends us.
struct Published {
    id: u64,
    peer: PeerId,
    participant_id: i64,
    role: VideoRole,
    channel: Channel,
    kind: RTPCodecType,
    codec: RTCRtpCodecCapability,
    ssrc: u32,
    publisher: Weak<RTCPeerConnection>,
    sinks: RwLock<Arc<Vec<Arc<Sink>>>>,
}

enum Target {
    Peer { peer: PeerId, track: Arc<ForwardTrack>, sender: Arc<RTCRtpSender> },
    Recorder(Mutex<Option<Recording>>),
}

struct Sink {
    target: Target,
    allowed: AtomicBool,
    /// A video sink to a peer: that peer's `video_shed`.
    shed: Option<Arc<AtomicBool>>,
    numbers: Mutex<Renumber>,
}

impl Sink {
    fn new(target: Target, shed: Option<Arc<AtomicBool>>) -> Sink {
        Sink { target, allowed: AtomicBool::new(true), shed, numbers: Mutex::new(Renumber::default()) }
    }

    /// Whether this packet goes to the target now.
    fn sends(&self) -> bool {
        self.allowed.load(Ordering::Acquire) && !self.shed.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

impl Published {
    fn sinks(&self) -> Arc<Vec<Arc<Sink>>> {
        match self.sinks.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn update_sinks(&self, f: impl FnOnce(&mut Vec<Arc<Sink>>)) {
        let mut guard = match self.sinks.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut next: Vec<Arc<Sink>> = guard.as_ref().clone();
        f(&mut next);
        *guard = Arc::new(next);
    }

    fn sink_for(&self, peer: PeerId) -> Option<Arc<Sink>> {
        self.sinks().iter().find(|s| matches!(&s.target, Target::Peer { peer: p, .. } if *p == peer)).cloned()
    }

    fn recorder(&self) -> Option<Arc<Sink>> {
        self.sinks().iter().find(|s| matches!(s.target, Target::Recorder(_))).cloned()
    }

    fn wants(&self, media: visibility::Media) -> bool {
        match self.kind {
            RTPCodecType::Audio => media.audio,
            RTPCodecType::Video => media.video,
            _ => false,
        }
    }

    /// Asks the sender for a key frame, so a new receiver's picture starts
    /// at once instead of at the next periodic key frame.
    async fn request_keyframe(&self) {
        if self.kind != RTPCodecType::Video {
            return;
        }
        if let Some(pc) = self.publisher.upgrade() {
            let pli = PictureLossIndication { sender_ssrc: 0, media_ssrc: self.ssrc };
            let _ = pc.write_rtcp(&[Box::new(pli)]).await;
        }
    }
}

/// Consecutive reads of queued packets after which the forwarder lets the
/// thread's other tasks run.
const YIELD_EVERY: u32 = 64;

/// Awaits a track's read and tells whether it had to wait for its packet.
/// Tokio's budget would make a read pend now and then though its packet is
/// queued, and that would pass for an empty queue, so the read is exempt.
async fn read_and_tell<F: Future>(read: F) -> (F::Output, Read) {
    let mut read = std::pin::pin!(tokio::task::unconstrained(read));
    let mut how = Read::Queued;
    let out = std::future::poll_fn(|cx| {
        let poll = read.as_mut().poll(cx);
        if poll.is_pending() {
            how = Read::Waited;
        }
        poll
    })
    .await;
    (out, how)
}

/// Closes a recording sink and returns what it wrote.
async fn finish_recorder(sink: &Sink) -> Option<FinishedRecording> {
    let Target::Recorder(slot) = &sink.target else { return None };
    let recording = lock(slot).take()?;
    match recording.finish().await {
        Ok(done) => Some(done),
        Err(e) => {
            tracing::error!(error = %e, "a recording could not be closed");
            None
        }
    }
}

impl WebrtcSfu {
    pub fn new(config: MediaConfig) -> anyhow::Result<WebrtcSfu> {
        let mut media = MediaEngine::default();
        media.register_default_codecs()?;
        // webrtc-rs's defaults under a gate that keeps a shed receiver's
        // NACKs from being answered with video (`shed_gate`).
        let registry = shed_gate::registry(&mut media)?;
        let mut settings = SettingEngine::default();
        settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
        if !config.media_ips.is_empty() {
            let ips = config.media_ips.clone();
            settings.set_include_loopback_candidate(ips.iter().any(IpAddr::is_loopback));
            settings.set_ip_filter(Box::new(move |ip: IpAddr| ips.contains(&ip)));
            let mut networks = Vec::new();
            if config.media_ips.iter().any(IpAddr::is_ipv4) {
                networks.push(NetworkType::Udp4);
            }
            if config.media_ips.iter().any(IpAddr::is_ipv6) {
                networks.push(NetworkType::Udp6);
            }
            settings.set_network_types(networks);
        } else if config.loopback_only {
            settings.set_include_loopback_candidate(true);
            settings.set_ip_filter(Box::new(|ip: IpAddr| ip.is_loopback()));
            settings.set_network_types(vec![NetworkType::Udp4]);
        } else {
            settings.set_network_types(vec![NetworkType::Udp4, NetworkType::Udp6]);
        }
        if !config.public_ips.is_empty() {
            settings.set_nat_1to1_ips(config.public_ips.clone(), RTCIceCandidateType::Host);
        }
        let api = APIBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .build();
        let shards = Shards::start(config.threads, "sfu")?;
        Ok(WebrtcSfu {
            shards,
            inner: Arc::new(Inner {
                api,
                config,
                rooms: Mutex::new(HashMap::new()),
                peers: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                packets_in: AtomicU64::new(0),
                packets_forwarded: AtomicU64::new(0),
                packets_late: AtomicU64::new(0),
            }),
        })
    }
}

fn internal(e: impl std::fmt::Display) -> MediaError {
    MediaError::Internal(e.to_string())
}

/// Sets the local description and waits for ICE gathering, so the SDP we
/// send carries our candidates (we do not trickle).
async fn set_local_and_gather(pc: &RTCPeerConnection, desc: RTCSessionDescription) -> Result<String, MediaError> {
    let mut gathered = pc.gathering_complete_promise().await;
    pc.set_local_description(desc).await.map_err(internal)?;
    let _ = tokio::time::timeout(GATHER_TIMEOUT, gathered.recv()).await;
    pc.local_description().await.map(|d| d.sdp).ok_or_else(|| MediaError::Internal("no local description".into()))
}

impl Inner {
    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn peer(&self, id: PeerId) -> Result<Arc<Peer>, MediaError> {
        lock(&self.peers).get(&id).cloned().ok_or(MediaError::UnknownPeer)
    }

    fn room(&self, session_id: i64) -> Option<Arc<Room>> {
        lock(&self.rooms).get(&session_id).cloned()
    }

    fn room_or_create(&self, joiner: &Joiner) -> Arc<Room> {
        let mut rooms = lock(&self.rooms);
        Arc::clone(rooms.entry(joiner.session_id).or_insert_with(|| {
            Arc::new(Room {
                session_id: joiner.session_id,
                inner: tokio::sync::Mutex::new(RoomInner {
                    state: joiner.state,
                    order: joiner.order,
                    peers: HashMap::new(),
                    tracks: HashMap::new(),
                    finished: Vec::new(),
                }),
            })
        }))
    }

    fn rtc_config(&self) -> RTCConfiguration {
        RTCConfiguration {
            ice_servers: self
                .config
                .ice_servers
                .iter()
                .map(|s| RTCIceServer {
                    urls: s.urls.clone(),
                    username: s.username.clone(),
                    credential: s.credential.clone(),
                })
                .collect(),
            ..RTCConfiguration::default()
        }
    }

    async fn join(self: &Arc<Self>, joiner: Joiner, events: UnboundedSender<MediaEvent>) -> Result<PeerId, MediaError> {
        // A second peer connection on the same invite replaces the first,
        // which is closed (and its tracks retired) before the new one can
        // publish: one participant never has two live publications.
        let mut earlier: Vec<PeerId> = Vec::new();
        if let Some(room) = self.room(joiner.session_id) {
            let r = room.inner.lock().await;
            earlier.extend(r.peers.values().filter(|p| p.participant_id == joiner.participant_id).map(|p| p.id));
        }
        for id in earlier {
            tracing::info!(
                session = joiner.session_id,
                participant = joiner.participant_id,
                peer = id,
                "peer replaced by a new connection"
            );
            self.leave(id).await;
        }
        let video_shed = Arc::new(AtomicBool::new(false));
        let building = self.api.new_peer_connection(self.rtc_config());
        let pc = Arc::new(shed_gate::building_with(Arc::clone(&video_shed), building).await.map_err(internal)?);
        let peer = Arc::new(Peer {
            id: self.next_id(),
            session_id: joiner.session_id,
            participant_id: joiner.participant_id,
            role: joiner.role,
            pc: Arc::clone(&pc),
            events,
            channels: Mutex::new(HashMap::new()),
            negotiation: tokio::sync::Mutex::new(Negotiation::default()),
            closed: AtomicBool::new(false),
            health: Mutex::new(LinkHealth::default()),
            audio_first: Mutex::new(AudioFirst::new(Instant::now())),
            video_shed,
        });
        // Handlers hold weak references: the connection must not keep its
        // own owner alive.
        let weak_inner = Arc::downgrade(self);
        let weak_peer = Arc::downgrade(&peer);
        pc.on_track(Box::new(move |track, _receiver, transceiver| {
            let inner = weak_inner.clone();
            let peer = weak_peer.clone();
            Box::pin(async move {
                let (Some(inner), Some(peer)) = (inner.upgrade(), peer.upgrade()) else { return };
                let channel = transceiver
                    .mid()
                    .and_then(|mid| lock(&peer.channels).get(mid.as_str()).copied())
                    .unwrap_or(Channel::Main);
                inner.publish(peer, track, channel).await;
            })
        }));
        let weak_peer = Arc::downgrade(&peer);
        pc.on_peer_connection_state_change(Box::new(move |state| {
            if matches!(state, RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed) {
                if let Some(peer) = weak_peer.upgrade() {
                    if !peer.closed.load(Ordering::Acquire) {
                        let _ = peer.events.send(MediaEvent::Disconnected);
                    }
                }
            }
            Box::pin(async {})
        }));
        let room = self.room_or_create(&joiner);
        {
            let mut r = room.inner.lock().await;
            // A room that outlived its last participant (it keeps the
            // recordings a reconnect closed) may have missed changes made
            // while nobody was here: the first to come back brings the
            // state and order the database holds now.
            if r.peers.is_empty() {
                r.state = joiner.state;
                r.order = joiner.order;
            }
            r.peers.insert(peer.id, Arc::clone(&peer));
        }
        lock(&self.peers).insert(peer.id, Arc::clone(&peer));
        tracing::info!(session = joiner.session_id, participant = joiner.participant_id, role = %joiner.role, peer = peer.id, "peer joined");
        Ok(peer.id)
    }

    async fn offer(
        self: &Arc<Self>,
        peer_id: PeerId,
        sdp: String,
        channels: HashMap<String, Channel>,
    ) -> Result<String, MediaError> {
        let peer = self.peer(peer_id)?;
        let mut n = peer.negotiation.lock().await;
        // docs/signalling.md: after the first offer only the server offers,
        // so the tracks a receiver gets are added by the policy alone.
        if n.in_flight {
            return Err(MediaError::BadDescription(
                "the server's offer is waiting for your answer; answer it first".into(),
            ));
        }
        if n.ready {
            return Err(MediaError::BadDescription(
                "after the first offer only the server offers; answer its offers".into(),
            ));
        }
        lock(&peer.channels).extend(channels);
        let offer = RTCSessionDescription::offer(sdp).map_err(|e| MediaError::BadDescription(e.to_string()))?;
        peer.pc.set_remote_description(offer).await.map_err(|e| MediaError::BadDescription(e.to_string()))?;
        let answer = peer.pc.create_answer(None).await.map_err(internal)?;
        let sdp = set_local_and_gather(&peer.pc, answer).await?;
        let first = !n.ready;
        n.ready = true;
        let pending = std::mem::take(&mut n.pending);
        drop(n);
        if first {
            // Now that the client's own sections are settled, add what it
            // may receive; this makes a server offer if anything is added.
            if let Some(room) = self.room(peer.session_id) {
                let inner = Arc::clone(self);
                tokio::spawn(async move { inner.reconcile_room(&room).await });
            }
        } else if pending {
            let inner = Arc::clone(self);
            tokio::spawn(async move { inner.negotiate(peer).await });
        }
        Ok(sdp)
    }

    async fn answer(self: &Arc<Self>, peer_id: PeerId, sdp: String) -> Result<(), MediaError> {
        let peer = self.peer(peer_id)?;
        let mut n = peer.negotiation.lock().await;
        if !n.in_flight {
            return Err(MediaError::BadDescription("there is no server offer to answer".into()));
        }
        if let Some(why) = sections::mismatch(&n.offered, &sdp) {
            return Err(MediaError::BadDescription(format!("the answer does not match the server's offer: {why}")));
        }
        let answer = RTCSessionDescription::answer(sdp).map_err(|e| MediaError::BadDescription(e.to_string()))?;
        peer.pc.set_remote_description(answer).await.map_err(|e| MediaError::BadDescription(e.to_string()))?;
        n.in_flight = false;
        let pending = std::mem::take(&mut n.pending);
        drop(n);
        if pending {
            let inner = Arc::clone(self);
            tokio::spawn(async move { inner.negotiate(peer).await });
        }
        Ok(())
    }

    /// Makes a server offer unless one is already waiting for its answer,
    /// in which case another follows when it comes.
    async fn negotiate(self: Arc<Self>, peer: Arc<Peer>) {
        if peer.closed.load(Ordering::Acquire) {
            return;
        }
        let mut n = peer.negotiation.lock().await;
        if !n.ready || n.in_flight {
            n.pending = true;
            return;
        }
        n.pending = false;
        let offer = match peer.pc.create_offer(None).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(peer = peer.id, error = %e, "could not create an offer");
                return;
            }
        };
        match set_local_and_gather(&peer.pc, offer).await {
            Ok(sdp) => {
                n.in_flight = true;
                n.offered = sections::sections(&sdp);
                let _ = peer.events.send(MediaEvent::Offer { sdp });
            }
            Err(e) => tracing::warn!(peer = peer.id, error = %e, "could not set a local offer"),
        }
    }

    async fn publish(self: Arc<Self>, peer: Arc<Peer>, track: Arc<TrackRemote>, channel: Channel) {
        let Some(room) = self.room(peer.session_id) else { return };
        let published = Arc::new(Published {
            id: self.next_id(),
            peer: peer.id,
            participant_id: peer.participant_id,
            role: peer.role,
            channel,
            kind: track.kind(),
            codec: track.codec().capability,
            ssrc: track.ssrc(),
            publisher: Arc::downgrade(&peer.pc),
            sinks: RwLock::new(Arc::new(Vec::new())),
        });
        {
            let mut r = room.inner.lock().await;
            if peer.closed.load(Ordering::Acquire) || !r.peers.contains_key(&peer.id) {
                return;
            }
            r.tracks.insert(published.id, Arc::clone(&published));
        }
        tracing::info!(session = room.session_id, peer = peer.id, role = %peer.role, kind = %published.kind, ?channel, "track published");
        let inner = Arc::clone(&self);
        let forwarded = Arc::clone(&published);
        tokio::spawn(async move {
            inner.forward(track, &forwarded).await;
            inner.unpublish(&room, forwarded.id).await;
        });
        if let Some(room) = self.room(peer.session_id) {
            self.reconcile_room(&room).await;
        }
    }

    /// The hot loop: one per published track.
    async fn forward(&self, track: Arc<TrackRemote>, published: &Published) {
        let mut lateness = Lateness::new(published.codec.clock_rate);
        // One buffer for the track's life, larger than any packet the
        // transport lets through (a short buffer would end the loop).
        let mut buf = vec![0u8; READ_BUFFER];
        let mut queued_in_a_row = 0u32;
        loop {
            let (read, how) = read_and_tell(track.read(&mut buf)).await;
            let Ok((mut packet, _)) = read else { break };
            self.packets_in.fetch_add(1, Ordering::Relaxed);
            let verdict = lateness.judge(packet.header.timestamp, Instant::now(), how);
            // The reads are exempt from tokio's budget (`read_and_tell`), so
            // a long backlog being dropped would otherwise hold the thread.
            queued_in_a_row = if how == Read::Queued { queued_in_a_row.wrapping_add(1) } else { 0 };
            if queued_in_a_row % YIELD_EVERY == YIELD_EVERY - 1 {
                tokio::task::yield_now().await;
            }
            match verdict {
                Verdict::Drop => {
                    self.packets_late.fetch_add(1, Ordering::Relaxed);
                }
                Verdict::Recovered => published.request_keyframe().await,
                Verdict::Forward => {}
            }
            let sinks = published.sinks();
            // The recording first, while the packet is as it came: each
            // receiver's send below stamps it with that receiver's numbers.
            for sink in sinks.iter() {
                if let Target::Recorder(slot) = &sink.target {
                    if sink.sends() {
                        if let Some(r) = lock(slot).as_ref() {
                            r.write(&packet);
                        }
                    }
                }
            }
            let sequence_number = packet.header.sequence_number;
            for sink in sinks.iter() {
                let Target::Peer { track, .. } = &sink.target else { continue };
                if !sink.sends() || verdict == Verdict::Drop {
                    lock(&sink.numbers).skip();
                    continue;
                }
                packet.header.sequence_number = lock(&sink.numbers).next(sequence_number);
                if track.send(&mut packet).await.is_ok() {
                    self.packets_forwarded.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// A track ended: stop sending it to everyone and close its recording.
    async fn unpublish(self: &Arc<Self>, room: &Arc<Room>, track_id: u64) {
        let removed = room.inner.lock().await.tracks.remove(&track_id);
        if let Some(published) = removed {
            self.retire_tracks(room, vec![published]).await;
        }
    }

    async fn reconcile_room(self: &Arc<Self>, room: &Arc<Room>) {
        let mut r = room.inner.lock().await;
        self.reconcile(room.session_id, &mut r).await;
    }

    /// Applies the policy to every (track, receiver) pair: first every flag
    /// (so that a break stops media before anything else happens), then the
    /// tracks that receivers may now receive for the first time.
    async fn reconcile(self: &Arc<Self>, session_id: i64, r: &mut RoomInner) {
        let state = r.state;
        let order = r.order;
        let mut additions: Vec<(Arc<Published>, Arc<Peer>)> = Vec::new();
        let mut recordings: Vec<Arc<Published>> = Vec::new();
        for published in r.tracks.values() {
            for peer in r.peers.values() {
                if peer.id == published.peer {
                    continue;
                }
                let decision = visibility::forward(published.role, published.channel, peer.role, state, &order);
                let allowed = published.wants(decision.media);
                match published.sink_for(peer.id) {
                    Some(sink) => {
                        let was = sink.allowed.swap(allowed, Ordering::AcqRel);
                        if allowed && !was {
                            published.request_keyframe().await;
                        }
                    }
                    None if allowed => additions.push((Arc::clone(published), Arc::clone(peer))),
                    None => {}
                }
            }
            let record = published.wants(visibility::recorded(published.role, published.channel, state, &order));
            match published.recorder() {
                Some(sink) => sink.allowed.store(record, Ordering::Release),
                None if record => recordings.push(Arc::clone(published)),
                None => {}
            }
        }
        let mut renegotiate: HashSet<PeerId> = HashSet::new();
        for (published, peer) in additions {
            if !peer.negotiation.lock().await.ready {
                continue;
            }
            match self.subscribe(&published, &peer).await {
                Ok(()) => {
                    renegotiate.insert(peer.id);
                }
                Err(e) => tracing::warn!(peer = peer.id, error = %e, "could not add a track"),
            }
        }
        for published in recordings {
            self.start_recording(session_id, &published);
        }
        for id in renegotiate {
            if let Some(peer) = r.peers.get(&id) {
                tokio::spawn(Arc::clone(self).negotiate(Arc::clone(peer)));
            }
        }
    }

    async fn subscribe(self: &Arc<Self>, published: &Arc<Published>, peer: &Arc<Peer>) -> Result<(), MediaError> {
        // Ids say nothing about who sends: "p<participant>" and "t<track>".
        let track = Arc::new(ForwardTrack::new(
            published.codec.clone(),
            format!("t{}", published.id),
            format!("p{}", published.participant_id),
        ));
        let transceiver = peer
            .pc
            .add_transceiver_from_track(
                Arc::clone(&track) as Arc<dyn TrackLocal + Send + Sync>,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendonly,
                    send_encodings: Vec::new(),
                }),
            )
            .await
            .map_err(internal)?;
        let sender = transceiver.sender().await;
        // Read the receiver's RTCP so the interceptors run, and pass its
        // requests for a key frame on to the sender, unless its video is
        // shed (`shed_gate`).
        let rtcp_sender = Arc::clone(&sender);
        let source = Arc::downgrade(published);
        let receiver = Arc::downgrade(peer);
        let clock_rate = published.codec.clock_rate;
        let kind = published.kind;
        let inner = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Ok((packets, _)) = rtcp_sender.read_rtcp().await {
                let now = ntp_middle(std::time::SystemTime::now());
                let Some(receiver) = receiver.upgrade() else { break };
                let mut signals = Vec::new();
                for rr in packets.iter().filter_map(|p| p.as_any().downcast_ref::<ReceiverReport>()) {
                    let mut health = lock(&receiver.health);
                    for r in &rr.reports {
                        let rtt = rtt_ms(now, r.last_sender_report, r.delay);
                        health.observe(r.fraction_lost, r.jitter, clock_rate, rtt);
                        signals.push(Signal::Loss(f64::from(r.fraction_lost) * 100.0 / 256.0));
                    }
                }
                for remb in packets.iter().filter_map(|p| p.as_any().downcast_ref::<ReceiverEstimatedMaximumBitrate>())
                {
                    signals.push(Signal::Estimate(remb.bitrate as u64));
                }
                for signal in signals {
                    if let Some(inner) = inner.upgrade() {
                        inner.link_signal(&receiver, signal).await;
                    }
                }
                let wants_keyframe = packets.iter().any(|p| {
                    p.as_any().downcast_ref::<PictureLossIndication>().is_some()
                        || p.as_any().downcast_ref::<FullIntraRequest>().is_some()
                });
                let video = kind == RTPCodecType::Video;
                let shed = receiver.video_shed.load(Ordering::Relaxed);
                if wants_keyframe && shed_gate::acted_on(Request::KeyFrame, video, shed) {
                    match source.upgrade() {
                        Some(p) => p.request_keyframe().await,
                        None => break,
                    }
                }
            }
        });
        let shed = (published.kind == RTPCodecType::Video).then(|| Arc::clone(&peer.video_shed));
        published
            .update_sinks(|sinks| sinks.push(Arc::new(Sink::new(Target::Peer { peer: peer.id, track, sender }, shed))));
        published.request_keyframe().await;
        Ok(())
    }

    /// Feeds one receiver's audio-first state; on a change, stops or
    /// resumes every video track to it. Audio is never touched.
    async fn link_signal(&self, peer: &Arc<Peer>, signal: Signal) {
        let change = lock(&peer.audio_first).observe(signal, Instant::now());
        match change {
            Change::None => {}
            Change::Shed => {
                peer.video_shed.store(true, Ordering::Relaxed);
                tracing::info!(
                    session = peer.session_id,
                    participant = peer.participant_id,
                    peer = peer.id,
                    ?signal,
                    "video shed: the link carries audio only"
                );
            }
            Change::Restore => {
                peer.video_shed.store(false, Ordering::Relaxed);
                tracing::info!(
                    session = peer.session_id,
                    participant = peer.participant_id,
                    peer = peer.id,
                    "video restored: the link is clear"
                );
                // The receiver's picture restarts at a key frame, not at the
                // next periodic one.
                let Some(room) = self.room(peer.session_id) else { return };
                let videos: Vec<Arc<Published>> = room
                    .inner
                    .lock()
                    .await
                    .tracks
                    .values()
                    .filter(|t| t.kind == RTPCodecType::Video && t.sink_for(peer.id).is_some())
                    .cloned()
                    .collect();
                for published in videos {
                    published.request_keyframe().await;
                }
            }
        }
    }

    fn start_recording(&self, session_id: i64, published: &Arc<Published>) {
        let Some(container) = Container::for_mime(&published.codec.mime_type) else {
            tracing::warn!(codec = %published.codec.mime_type, "this codec is not recorded");
            return;
        };
        let subject =
            Subject { session_id, participant_id: published.participant_id, role: published.role, track: published.id };
        let Some(key) = &self.config.recording_key else {
            tracing::error!("no master key: the testimony is not recorded, as it would be in plaintext");
            return;
        };
        match Recording::start(&self.config.recordings_dir, key, subject, container) {
            Ok(recording) => published.update_sinks(|sinks| {
                sinks.push(Arc::new(Sink::new(Target::Recorder(Mutex::new(Some(recording))), None)))
            }),
            Err(e) => tracing::error!(error = %e, "could not start a recording"),
        }
    }

    async fn leave(self: &Arc<Self>, peer_id: PeerId) {
        let Some(peer) = lock(&self.peers).remove(&peer_id) else { return };
        peer.closed.store(true, Ordering::Release);
        let mut retired = Vec::new();
        if let Some(room) = self.room(peer.session_id) {
            {
                let mut r = room.inner.lock().await;
                r.peers.remove(&peer_id);
                let mine: Vec<u64> = r.tracks.values().filter(|t| t.peer == peer_id).map(|t| t.id).collect();
                for id in mine {
                    retired.extend(r.tracks.remove(&id));
                }
                for t in r.tracks.values() {
                    t.update_sinks(|sinks| {
                        sinks.retain(|s| !matches!(&s.target, Target::Peer { peer, .. } if *peer == peer_id))
                    });
                }
            }
            self.retire_tracks(&room, retired).await;
            self.drop_room_if_idle(&room).await;
        }
        if let Err(e) = peer.pc.close().await {
            tracing::debug!(peer = peer_id, error = %e, "closing a peer connection");
        }
        tracing::info!(session = peer.session_id, participant = peer.participant_id, peer = peer_id, "peer left");
    }

    async fn retire_tracks(self: &Arc<Self>, room: &Arc<Room>, tracks: Vec<Arc<Published>>) {
        let mut touched: HashSet<PeerId> = HashSet::new();
        let mut finished = Vec::new();
        for published in tracks {
            for sink in published.sinks().iter() {
                sink.allowed.store(false, Ordering::Release);
                match &sink.target {
                    Target::Peer { peer, sender, .. } => {
                        if let Ok(receiver) = self.peer(*peer) {
                            if receiver.pc.remove_track(sender).await.is_ok() {
                                touched.insert(*peer);
                            }
                        }
                    }
                    Target::Recorder(_) => finished.extend(finish_recorder(sink).await),
                }
            }
            published.update_sinks(Vec::clear);
        }
        room.inner.lock().await.finished.extend(finished);
        for id in touched {
            if let Ok(peer) = self.peer(id) {
                tokio::spawn(Arc::clone(self).negotiate(peer));
            }
        }
    }

    /// A room with nobody in it and nothing waiting to be handed over is
    /// forgotten; the database still holds the session.
    async fn drop_room_if_idle(&self, room: &Arc<Room>) {
        let idle = {
            let r = room.inner.lock().await;
            r.peers.is_empty() && r.tracks.is_empty() && r.finished.is_empty()
        };
        if idle {
            let mut rooms = lock(&self.rooms);
            if rooms.get(&room.session_id).is_some_and(|r| Arc::ptr_eq(r, room)) {
                rooms.remove(&room.session_id);
            }
        }
    }

    async fn apply(self: &Arc<Self>, session_id: i64, state: SessionState, order: Order) -> Vec<FinishedRecording> {
        let Some(room) = self.room(session_id) else { return Vec::new() };
        let mut r = room.inner.lock().await;
        r.state = state;
        r.order = order;
        self.reconcile(session_id, &mut r).await;
        if state != SessionState::Ended {
            return Vec::new();
        }
        let mut done = std::mem::take(&mut r.finished);
        for published in r.tracks.values() {
            if let Some(sink) = published.recorder() {
                done.extend(finish_recorder(&sink).await);
            }
        }
        drop(r);
        lock(&self.rooms).remove(&session_id);
        done
    }

    fn stats(&self) -> ForwardingStats {
        let rooms: Vec<Arc<Room>> = lock(&self.rooms).values().cloned().collect();
        let published_tracks = rooms.iter().map(|r| r.inner.try_lock().map(|g| g.tracks.len()).unwrap_or(0)).sum();
        ForwardingStats {
            peers: lock(&self.peers).len(),
            published_tracks,
            packets_in: self.packets_in.load(Ordering::Relaxed),
            packets_forwarded: self.packets_forwarded.load(Ordering::Relaxed),
            packets_late: self.packets_late.load(Ordering::Relaxed),
        }
    }
}

impl WebrtcSfu {
    /// The session of a peer, to find its shard; an unknown peer may go
    /// anywhere (it is refused there).
    fn session_of(&self, peer: PeerId) -> i64 {
        lock(&self.inner.peers).get(&peer).map(|p| p.session_id).unwrap_or(0)
    }
}

impl Forwarder for WebrtcSfu {
    fn join(&self, joiner: Joiner, events: UnboundedSender<MediaEvent>) -> BoxFuture<'_, Result<PeerId, MediaError>> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(
            joiner.session_id,
            async move { inner.join(joiner, events).await },
            Err(MediaError::Internal("the media runtime stopped".into())),
        )
    }

    fn offer(
        &self,
        peer: PeerId,
        sdp: String,
        channels: HashMap<String, Channel>,
    ) -> BoxFuture<'_, Result<String, MediaError>> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(
            self.session_of(peer),
            async move { inner.offer(peer, sdp, channels).await },
            Err(MediaError::Internal("the media runtime stopped".into())),
        )
    }

    fn answer(&self, peer: PeerId, sdp: String) -> BoxFuture<'_, Result<(), MediaError>> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(
            self.session_of(peer),
            async move { inner.answer(peer, sdp).await },
            Err(MediaError::Internal("the media runtime stopped".into())),
        )
    }

    fn candidate(&self, peer: PeerId, candidate: IceCandidate) -> BoxFuture<'_, Result<(), MediaError>> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(
            self.session_of(peer),
            async move {
                let peer = inner.peer(peer)?;
                let init = RTCIceCandidateInit {
                    candidate: candidate.candidate,
                    sdp_mid: candidate.sdp_mid,
                    sdp_mline_index: candidate.sdp_mline_index,
                    username_fragment: candidate.username_fragment,
                };
                peer.pc.add_ice_candidate(init).await.map_err(|e| MediaError::BadCandidate(e.to_string()))
            },
            Err(MediaError::Internal("the media runtime stopped".into())),
        )
    }

    fn leave(&self, peer: PeerId) -> BoxFuture<'_, ()> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(self.session_of(peer), async move { inner.leave(peer).await }, ())
    }

    fn apply(&self, session_id: i64, state: SessionState, order: Order) -> BoxFuture<'_, Vec<FinishedRecording>> {
        let inner = Arc::clone(&self.inner);
        self.shards.run(session_id, async move { inner.apply(session_id, state, order).await }, Vec::new())
    }

    fn stats(&self) -> ForwardingStats {
        self.inner.stats()
    }

    fn hosts(&self, session_id: i64) -> bool {
        self.inner.room(session_id).is_some()
    }

    fn health(&self) -> Vec<PeerHealth> {
        let peers: Vec<Arc<Peer>> = lock(&self.inner.peers).values().cloned().collect();
        peers
            .iter()
            .filter_map(|p| {
                let measure = lock(&p.health).measure()?;
                let audio_first = lock(&p.audio_first);
                Some(PeerHealth {
                    session_id: p.session_id,
                    participant_id: p.participant_id,
                    role: p.role,
                    measure,
                    video_shed: audio_first.video_shed(),
                    video_sheds: audio_first.sheds(),
                })
            })
            .collect()
    }
}
