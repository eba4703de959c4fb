//! One forwarding shard: its sockets, the connections of the sessions
//! placed on it, and the rooms they are in. Everything here runs on the
//! shard's one task, so it is plain `&mut self` with no locks; a packet is
//! read, decrypted, written to each receiver the policy allows now,
//! encrypted and sent before the next is read.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::bwe::BweKind;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, KeyframeRequestKind, MediaKind, Mid, Pt};
use str0m::net::{Protocol, Receive, Transmit};
use str0m::rtp::{RtpPacket, RtpWrite, Ssrc};
use str0m::stats::MediaEgressStats;
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::super::audio_first::{AudioFirst, Change, Signal};
use super::super::health::LinkHealth;
use super::super::recorder::{Recording, Subject};
use super::super::renumber::{self, Renumber};
use super::super::sections::{self, Section};
use super::super::shed_gate::{self, Request};
use super::super::{
    lock, FinishedRecording, IceCandidate, Joiner, MediaConfig, MediaError, MediaEvent, PeerHealth, PeerId,
};
use super::codec::{self, is_video};
use super::{socket, Command, Shared};
use amaan_domain::video::{SessionState, VideoRole};
use amaan_domain::visibility::{self, Channel, Order};

/// Datagrams read from one socket before the others, the commands and the
/// timers get their turn.
const READ_BATCH: usize = 64;

/// Larger than any datagram a WebRTC peer sends (they keep under ~1,200).
const BUFFER: usize = 2048;

/// How often str0m reports each stream's link (receiver reports, loss).
const STATS_EVERY: Duration = Duration::from_secs(1);

/// A connection that failed is left alone until it is told to leave.
const NEVER: Duration = Duration::from_secs(3600);

struct Socket {
    udp: UdpSocket,
    local: SocketAddr,
}

struct Peer {
    id: PeerId,
    session_id: i64,
    participant_id: i64,
    role: VideoRole,
    rtc: Rtc,
    events: UnboundedSender<MediaEvent>,
    channels: HashMap<String, Channel>,
    /// The client's first offer has been answered; only then do we add
    /// tracks and make offers of our own.
    ready: bool,
    /// ICE and DTLS are up. Our offers wait for it: a client that gets our
    /// offer while still connecting (webrtc-rs) restarts ICE to answer it.
    connected: bool,
    /// Our offer waiting for its answer, and its sections.
    in_flight: Option<SdpPendingOffer>,
    offered: Vec<Section>,
    /// Tracks to add a section for, and sections to stop, in our next offer.
    to_add: Vec<u64>,
    to_stop: Vec<Mid>,
    wake: Instant,
    told_disconnected: bool,
    health: LinkHealth,
    audio_first: AudioFirst,
    video_shed: bool,
    /// Which of the room's tracks each section and stream it sends us is.
    incoming: HashMap<Mid, u64>,
    by_ssrc: HashMap<Ssrc, u64>,
}

struct Room {
    state: SessionState,
    order: Order,
    peers: Vec<PeerId>,
    tracks: HashMap<u64, Track>,
    /// Recordings of tracks that ended before the session did (a reconnect).
    finished: Vec<FinishedRecording>,
}

/// A track a participant sends us.
struct Track {
    id: u64,
    peer: PeerId,
    participant_id: i64,
    role: VideoRole,
    channel: Channel,
    kind: MediaKind,
    /// Its section on the sender's connection.
    mid: Mid,
    /// Known from its first packet.
    codec: Option<(Codec, u32)>,
    sinks: Vec<Sink>,
    recorder: Option<Recorder>,
}

/// The track to one receiver.
struct Sink {
    peer: PeerId,
    /// Its section on the receiver's connection, once offered.
    mid: Option<Mid>,
    allowed: bool,
    numbers: Renumber,
    last: Option<u64>,
    pt: Option<Pt>,
}

struct Recorder {
    allowed: bool,
    recording: Option<Recording>,
}

impl Track {
    fn wants(&self, media: visibility::Media) -> bool {
        match self.kind {
            MediaKind::Audio => media.audio,
            MediaKind::Video => media.video,
        }
    }

    fn clock_rate(&self) -> u32 {
        match (self.codec, self.kind) {
            (Some((_, rate)), _) => rate,
            (None, MediaKind::Audio) => 48_000,
            (None, MediaKind::Video) => 90_000,
        }
    }
}

async fn finish(recorder: Option<Recorder>) -> Option<FinishedRecording> {
    let recording = recorder?.recording?;
    match recording.finish().await {
        Ok(done) => Some(done),
        Err(e) => {
            tracing::error!(error = %e, "a recording could not be closed");
            None
        }
    }
}

/// Queues a datagram on the socket str0m chose, to go with the rest of the
/// loop's pass in one call (`Shard::flush`).
fn transmit(sockets: &[Socket], outbox: &mut [Vec<(SocketAddr, Vec<u8>)>], t: Transmit) {
    let at = sockets.iter().position(|s| s.local == t.source).unwrap_or(0);
    if let Some(queued) = outbox.get_mut(at) {
        queued.push((t.destination, t.contents.into()));
    }
}

fn bad(e: impl std::fmt::Display) -> MediaError {
    MediaError::BadDescription(e.to_string())
}

pub(crate) struct Shard {
    sockets: Vec<Socket>,
    /// Our candidates, the same for every connection on this shard.
    candidates: Vec<Candidate>,
    shared: Arc<Shared>,
    recordings_dir: PathBuf,
    recording_key: Option<amaan_vault::MasterKey>,
    peers: HashMap<PeerId, Peer>,
    rooms: HashMap<i64, Room>,
    by_source: HashMap<(usize, SocketAddr), PeerId>,
    next_track: u64,
    /// Datagrams to send, per socket, until the pass ends.
    outbox: Vec<Vec<(SocketAddr, Vec<u8>)>>,
}

enum Woke {
    Command(Option<Command>),
    Readable,
    Timer,
}

impl Shard {
    pub fn new(sockets: Vec<UdpSocket>, config: &MediaConfig, shared: Arc<Shared>) -> anyhow::Result<Shard> {
        let mut socks = Vec::new();
        let mut candidates = Vec::new();
        let public: Vec<std::net::IpAddr> = config.public_ips.iter().filter_map(|ip| ip.parse().ok()).collect();
        for udp in sockets {
            let local = udp.local_addr()?;
            candidates.push(Candidate::host(local, "udp")?);
            // A 1:1 NAT in front: the public address maps to this socket.
            for ip in public.iter().filter(|ip| ip.is_ipv4() == local.is_ipv4()) {
                candidates.push(Candidate::server_reflexive(SocketAddr::new(*ip, local.port()), local, "udp")?);
            }
            socks.push(Socket { udp, local });
        }
        Ok(Shard {
            outbox: socks.iter().map(|_| Vec::new()).collect(),
            sockets: socks,
            candidates,
            shared,
            recordings_dir: config.recordings_dir.clone(),
            recording_key: config.recording_key.clone(),
            peers: HashMap::new(),
            rooms: HashMap::new(),
            by_source: HashMap::new(),
            next_track: 1,
        })
    }

    pub async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        let mut buf = vec![0u8; BUFFER];
        loop {
            loop {
                match commands.try_recv() {
                    Ok(command) => self.command(command).await,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
            let next = self.timeouts(Instant::now());
            let read = self.read_batch(&mut buf);
            self.flush();
            if read > 0 {
                // The recorders and anything else on this runtime get a turn.
                tokio::task::yield_now().await;
                continue;
            }
            let woke = {
                let readable =
                    futures_util::future::select_all(self.sockets.iter().map(|s| Box::pin(s.udp.readable())));
                tokio::select! {
                    biased;
                    command = commands.recv() => Woke::Command(command),
                    _ = readable => Woke::Readable,
                    () = tokio::time::sleep_until(next.into()) => Woke::Timer,
                }
            };
            match woke {
                Woke::Command(Some(command)) => self.command(command).await,
                Woke::Command(None) => return,
                Woke::Readable | Woke::Timer => {}
            }
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Join { id, joiner, events, reply } => {
                let joined = self.join(id, joiner, events).await;
                if joined.is_err() {
                    lock(&self.shared.sessions).remove(&id);
                }
                let _ = reply.send(joined);
            }
            Command::Offer { peer, sdp, channels, reply } => {
                let _ = reply.send(self.offer(peer, &sdp, channels));
            }
            Command::Answer { peer, sdp, reply } => {
                let _ = reply.send(self.answer(peer, &sdp));
            }
            Command::Candidate { peer, candidate, reply } => {
                let _ = reply.send(self.candidate(peer, &candidate));
            }
            Command::Leave { peer, reply } => {
                self.leave(peer).await;
                let _ = reply.send(());
            }
            Command::Apply { session_id, state, order, reply } => {
                let _ = reply.send(self.apply(session_id, state, order).await);
            }
        }
    }

    /// Runs every connection's due timers; returns when the next is due.
    fn timeouts(&mut self, now: Instant) -> Instant {
        let due: Vec<PeerId> = self.peers.values().filter(|p| p.wake <= now).map(|p| p.id).collect();
        for id in due {
            if let Some(peer) = self.peers.get_mut(&id) {
                if let Err(e) = peer.rtc.handle_input(Input::Timeout(now)) {
                    tracing::debug!(peer = id, error = %e, "a connection's timer failed");
                }
            }
            self.drain(id);
        }
        let soonest = self.peers.values().map(|p| p.wake).min();
        soonest.unwrap_or(now + Duration::from_secs(1)).max(now + Duration::from_micros(200))
    }

    /// Sends what the pass queued, each socket's datagrams in as few calls
    /// as the kernel takes.
    fn flush(&mut self) {
        for (socket, queued) in self.sockets.iter().zip(&mut self.outbox) {
            if !queued.is_empty() {
                socket::send_all(&socket.udp, queued);
                queued.clear();
            }
        }
    }

    fn read_batch(&mut self, buf: &mut [u8]) -> usize {
        let mut read = 0;
        for at in 0..self.sockets.len() {
            for _ in 0..READ_BATCH {
                match self.sockets[at].udp.try_recv_from(buf) {
                    Ok((n, source)) => {
                        read += 1;
                        self.receive(at, source, &buf[..n]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        // An ICMP error from a peer that went away: the
                        // socket itself is fine.
                        tracing::trace!(error = %e, "reading a media socket");
                        break;
                    }
                }
            }
        }
        read
    }

    fn receive(&mut self, at: usize, source: SocketAddr, data: &[u8]) {
        let Ok(contents) = data.try_into() else { return };
        let receive = Receive { proto: Protocol::Udp, source, destination: self.sockets[at].local, contents };
        let input = Input::Receive(Instant::now(), receive);
        let id = match self.by_source.get(&(at, source)) {
            Some(id) => *id,
            None => match self.peers.values().find(|p| p.rtc.accepts(&input)) {
                Some(p) => {
                    self.by_source.insert((at, source), p.id);
                    p.id
                }
                None => {
                    tracing::trace!(%source, "a datagram no connection here accepts");
                    return;
                }
            },
        };
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if let Err(e) = peer.rtc.handle_input(input) {
            tracing::debug!(peer = id, error = %e, "a datagram was refused");
        }
        self.drain(id);
    }

    /// Sends what a connection has to send and acts on what it tells.
    fn drain(&mut self, id: PeerId) {
        let mut events = Vec::new();
        {
            let Some(peer) = self.peers.get_mut(&id) else { return };
            let mut failed = false;
            loop {
                match peer.rtc.poll_output() {
                    Ok(Output::Timeout(at)) => {
                        peer.wake = at;
                        break;
                    }
                    Ok(Output::Transmit(t)) => transmit(&self.sockets, &mut self.outbox, t),
                    Ok(Output::Event(e)) => events.push(e),
                    Err(e) => {
                        tracing::debug!(peer = id, error = %e, "a connection failed");
                        failed = true;
                        break;
                    }
                }
            }
            // A failed or dead connection is parked until it is told to
            // leave, and its client told once to reconnect.
            if failed || !peer.rtc.is_alive() {
                peer.wake = Instant::now() + NEVER;
                if !peer.told_disconnected {
                    peer.told_disconnected = true;
                    let _ = peer.events.send(MediaEvent::Disconnected);
                }
            }
        }
        for event in events {
            self.event(id, event);
        }
    }

    fn event(&mut self, id: PeerId, event: Event) {
        match event {
            Event::MediaAdded(added) if added.direction.is_receiving() => self.publish(id, added.mid, added.kind),
            Event::RtpPacket(packet) => self.forward(id, packet),
            Event::KeyframeRequest(request) => self.keyframe_asked(id, request.mid),
            Event::MediaEgressStats(stats) => self.egress(id, &stats),
            Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
                self.link_signal(id, Signal::Estimate(estimate.as_u64()));
            }
            Event::Connected => {
                if let Some(peer) = self.peers.get_mut(&id) {
                    peer.connected = true;
                }
                self.negotiate(id);
            }
            Event::IceConnectionStateChange(state) => {
                let Some(peer) = self.peers.get_mut(&id) else { return };
                // ICE's "disconnected" often heals by itself (the page gives
                // it 5 s); the client is told only when the connection is
                // dead (`drain`), as webrtc-rs's engine tells on "failed".
                tracing::debug!(peer = id, ?state, "ICE state");
                if matches!(state, IceConnectionState::Connected | IceConnectionState::Completed) {
                    peer.told_disconnected = false;
                }
            }
            _ => {}
        }
    }

    async fn join(
        &mut self,
        id: PeerId,
        joiner: Joiner,
        events: UnboundedSender<MediaEvent>,
    ) -> Result<PeerId, MediaError> {
        // A second connection on the same invite replaces the first, which
        // is closed (and its tracks retired) before the new one can publish.
        let earlier: Vec<PeerId> = self
            .rooms
            .get(&joiner.session_id)
            .map(|r| {
                r.peers
                    .iter()
                    .filter(|p| self.peers.get(p).is_some_and(|p| p.participant_id == joiner.participant_id))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        for old in earlier {
            tracing::info!(
                session = joiner.session_id,
                participant = joiner.participant_id,
                peer = old,
                "peer replaced by a new connection"
            );
            self.leave(old).await;
        }
        let now = Instant::now();
        let mut rtc = Rtc::builder()
            .set_rtp_mode(true)
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .enable_vp9(true)
            .enable_h264(true)
            .set_stats_interval(Some(STATS_EVERY))
            .build(now);
        for candidate in &self.candidates {
            if rtc.add_local_candidate(candidate.clone()).is_none() {
                return Err(MediaError::Internal(format!("our candidate {candidate:?} was refused")));
            }
        }
        let peer = Peer {
            id,
            session_id: joiner.session_id,
            participant_id: joiner.participant_id,
            role: joiner.role,
            rtc,
            events,
            channels: HashMap::new(),
            ready: false,
            connected: false,
            in_flight: None,
            offered: Vec::new(),
            to_add: Vec::new(),
            to_stop: Vec::new(),
            wake: now,
            told_disconnected: false,
            health: LinkHealth::default(),
            audio_first: AudioFirst::new(now),
            video_shed: false,
            incoming: HashMap::new(),
            by_ssrc: HashMap::new(),
        };
        let room = self.rooms.entry(joiner.session_id).or_insert_with(|| Room {
            state: joiner.state,
            order: joiner.order,
            peers: Vec::new(),
            tracks: HashMap::new(),
            finished: Vec::new(),
        });
        // A room that outlived its last participant (it keeps the
        // recordings a reconnect closed) may have missed changes made while
        // nobody was here: the first to come back brings the database's.
        if room.peers.is_empty() {
            room.state = joiner.state;
            room.order = joiner.order;
        }
        room.peers.push(id);
        lock(&self.shared.hosted).insert(joiner.session_id);
        self.peers.insert(id, peer);
        self.shared.peers.fetch_add(1, Ordering::Relaxed);
        tracing::info!(session = joiner.session_id, participant = joiner.participant_id, role = %joiner.role, peer = id, "peer joined");
        Ok(id)
    }

    fn offer(&mut self, id: PeerId, sdp: &str, channels: HashMap<String, Channel>) -> Result<String, MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::UnknownPeer)?;
        // docs/signalling.md: after the first offer only the server offers,
        // so the tracks a receiver gets are added by the policy alone.
        if peer.in_flight.is_some() {
            return Err(bad("the server's offer is waiting for your answer; answer it first"));
        }
        if peer.ready {
            return Err(bad("after the first offer only the server offers; answer its offers"));
        }
        let offer = SdpOffer::from_sdp_string(sdp).map_err(bad)?;
        let answer = peer.rtc.sdp_api().accept_offer(offer).map_err(bad)?;
        peer.channels.extend(channels);
        let session_id = peer.session_id;
        // Its sections become tracks (`MediaAdded`) before it is ready, so
        // the others get them now and it gets theirs below.
        self.drain(id);
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.ready = true;
        }
        self.reconcile(session_id);
        Ok(answer.to_sdp_string())
    }

    fn answer(&mut self, id: PeerId, sdp: &str) -> Result<(), MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::UnknownPeer)?;
        let Some(pending) = peer.in_flight.take() else {
            return Err(bad("there is no server offer to answer"));
        };
        if let Some(why) = sections::mismatch(&peer.offered, sdp) {
            peer.in_flight = Some(pending);
            return Err(bad(format!("the answer does not match the server's offer: {why}")));
        }
        let answer = match SdpAnswer::from_sdp_string(sdp) {
            Ok(answer) => answer,
            Err(e) => {
                peer.in_flight = Some(pending);
                return Err(bad(e));
            }
        };
        let accepted = peer.rtc.sdp_api().accept_answer(pending, answer);
        self.drain(id);
        // A refused answer spends the offer; the next one carries what it did.
        self.negotiate(id);
        accepted.map_err(bad)
    }

    fn candidate(&mut self, id: PeerId, candidate: &IceCandidate) -> Result<(), MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::UnknownPeer)?;
        let line = candidate.candidate.trim();
        // An empty candidate is the end of the client's candidates.
        if line.is_empty() {
            return Ok(());
        }
        let line = line.strip_prefix("a=").unwrap_or(line);
        // A browser hides its address behind an mDNS name we do not
        // resolve; its checks reach us anyway and make it known.
        if line.split_whitespace().nth(4).is_some_and(|address| address.ends_with(".local")) {
            return Ok(());
        }
        let parsed = Candidate::from_sdp_string(line).map_err(|e| MediaError::BadCandidate(e.to_string()))?;
        peer.rtc.add_remote_candidate(parsed);
        self.drain(id);
        Ok(())
    }

    /// Makes an offer of the sections waiting to be added or stopped,
    /// unless one is already waiting for its answer (then it follows that).
    fn negotiate(&mut self, id: PeerId) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if !peer.ready
            || !peer.connected
            || peer.in_flight.is_some()
            || (peer.to_add.is_empty() && peer.to_stop.is_empty())
        {
            return;
        }
        let adds = std::mem::take(&mut peer.to_add);
        let stops = std::mem::take(&mut peer.to_stop);
        let mut room = self.rooms.get_mut(&peer.session_id);
        let mut api = peer.rtc.sdp_api();
        let mut mids = Vec::new();
        for track_id in adds {
            let Some(track) = room.as_ref().and_then(|r| r.tracks.get(&track_id)) else { continue };
            // Ids say nothing about who sends: "p<participant>" and "t<track>".
            let stream = format!("p{}", track.participant_id);
            let mid = api.add_media(track.kind, Direction::SendOnly, Some(stream), Some(format!("t{track_id}")), None);
            mids.push((track_id, mid));
        }
        for mid in stops {
            api.set_direction(mid, Direction::Inactive);
        }
        if let Some((offer, pending)) = api.apply() {
            let sdp = offer.to_sdp_string();
            peer.offered = sections::sections(&sdp);
            peer.in_flight = Some(pending);
            let _ = peer.events.send(MediaEvent::Offer { sdp });
        }
        if let Some(room) = room.as_mut() {
            for (track_id, mid) in mids {
                let sink = room.tracks.get_mut(&track_id).and_then(|t| t.sinks.iter_mut().find(|s| s.peer == id));
                if let Some(sink) = sink {
                    sink.mid = Some(mid);
                }
            }
        }
    }

    fn publish(&mut self, id: PeerId, mid: Mid, kind: MediaKind) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if peer.incoming.contains_key(&mid) {
            return;
        }
        let Some(room) = self.rooms.get_mut(&peer.session_id) else { return };
        let channel = peer.channels.get(&mid.to_string()).copied().unwrap_or(Channel::Main);
        let track_id = self.next_track;
        self.next_track += 1;
        peer.incoming.insert(mid, track_id);
        room.tracks.insert(
            track_id,
            Track {
                id: track_id,
                peer: id,
                participant_id: peer.participant_id,
                role: peer.role,
                channel,
                kind,
                mid,
                codec: None,
                sinks: Vec::new(),
                recorder: None,
            },
        );
        self.shared.published_tracks.fetch_add(1, Ordering::Relaxed);
        tracing::info!(session = peer.session_id, peer = id, role = %peer.role, kind = ?kind, ?channel, "track published");
        let session_id = peer.session_id;
        self.reconcile(session_id);
    }

    /// The hot path: one packet from its sender to every receiver allowed
    /// it now, and to the recording.
    fn forward(&mut self, id: PeerId, packet: RtpPacket) {
        self.shared.packets_in.fetch_add(1, Ordering::Relaxed);
        let Some(sender) = self.peers.get_mut(&id) else { return };
        let ssrc = packet.header.ssrc;
        let track_id = match sender.by_ssrc.get(&ssrc) {
            Some(t) => *t,
            None => {
                let mid = sender.rtc.direct_api().stream_rx(&ssrc).map(|s| s.mid());
                let Some(t) = mid.and_then(|m| sender.incoming.get(&m)).copied() else { return };
                sender.by_ssrc.insert(ssrc, t);
                t
            }
        };
        let session_id = sender.session_id;
        let Some(room) = self.rooms.get_mut(&session_id) else { return };
        let Some(track) = room.tracks.get_mut(&track_id) else { return };
        let mut start_recording = false;
        if track.codec.is_none() {
            track.codec = self.peers.get(&id).and_then(|s| codec::of_pt(&s.rtc, packet.header.payload_type));
            start_recording = track.codec.is_some();
            tracing::debug!(track = track.id, pt = ?packet.header.payload_type, codec = ?track.codec, "a track's codec");
        }
        // The recording gets the packet as it came.
        if let Some(Recorder { allowed: true, recording: Some(recording) }) = &track.recorder {
            recording.write(&codec::as_webrtc(&packet));
        }
        let Some((codec, _)) = track.codec else { return };
        let video = is_video(track.kind);
        let mut touched = Vec::new();
        let mut keyframe = false;
        for sink in &mut track.sinks {
            let Some(receiver) = self.peers.get_mut(&sink.peer) else { continue };
            let Some(mid) = sink.mid else { continue };
            if !sink.allowed || (video && receiver.video_shed) {
                sink.numbers.skip();
                continue;
            }
            let pt = match sink.pt {
                Some(pt) => pt,
                None => match codec::pt_for(&receiver.rtc, mid, codec) {
                    Some(pt) => {
                        sink.pt = Some(pt);
                        pt
                    }
                    // Not answered yet, or the receiver cannot take it.
                    None => {
                        tracing::trace!(
                            receiver = sink.peer,
                            track = track.id,
                            ?codec,
                            "no payload type for this codec yet"
                        );
                        continue;
                    }
                },
            };
            let mut api = receiver.rtc.direct_api();
            let Some(tx) = api.stream_tx_by_mid(mid, None) else { continue };
            let seq = renumber::extend(sink.last, sink.numbers.next(packet.header.sequence_number));
            if sink.last.is_none() {
                tracing::debug!(receiver = sink.peer, track = track.id, %mid, ?pt, "the first packet of a track to a receiver");
                // Its picture starts at a key frame, not the next periodic one.
                keyframe |= video;
            }
            sink.last = Some(seq);
            let write =
                RtpWrite::new(pt, seq.into(), packet.header.timestamp, packet.timestamp, Arc::clone(&packet.payload))
                    .marker(packet.header.marker);
            tx.write_rtp(write);
            self.shared.packets_forwarded.fetch_add(1, Ordering::Relaxed);
            touched.push(sink.peer);
        }
        let mid = track.mid;
        if start_recording {
            self.reconcile(session_id);
        }
        if keyframe {
            self.request_keyframe(id, mid);
        }
        // str0m sends what was written only after its next timeout (its
        // pacer takes stock of the queues there), so a receiver is not
        // polled now, which would cost a whole poll for nothing: it is made
        // due, and the loop's next pass over the timers sends everything
        // written to it during this batch of reads at once.
        let now = Instant::now();
        for receiver in touched {
            if let Some(peer) = self.peers.get_mut(&receiver) {
                peer.wake = peer.wake.min(now);
            }
        }
    }

    fn request_keyframe(&mut self, publisher: PeerId, mid: Mid) {
        let Some(peer) = self.peers.get_mut(&publisher) else { return };
        if let Some(rx) = peer.rtc.direct_api().stream_rx_by_mid(mid, None) {
            rx.request_keyframe(KeyframeRequestKind::Pli);
        }
        self.drain(publisher);
    }

    /// A receiver asks for a key frame of what it gets on `mid`: asked of
    /// the sender, unless that receiver's video is shed.
    fn keyframe_asked(&mut self, receiver: PeerId, mid: Mid) {
        let Some(peer) = self.peers.get(&receiver) else { return };
        let Some(room) = self.rooms.get(&peer.session_id) else { return };
        let track = room.tracks.values().find(|t| t.sinks.iter().any(|s| s.peer == receiver && s.mid == Some(mid)));
        let Some(track) = track else { return };
        if shed_gate::acted_on(Request::KeyFrame, is_video(track.kind), peer.video_shed) {
            let (publisher, mid) = (track.peer, track.mid);
            self.request_keyframe(publisher, mid);
        }
    }

    /// A receiver's reports on one stream we send it: its link's health,
    /// and loss for audio first.
    fn egress(&mut self, id: PeerId, stats: &MediaEgressStats) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let Some(loss) = stats.loss else { return };
        let clock_rate = self
            .rooms
            .get(&peer.session_id)
            .and_then(|r| r.tracks.values().find(|t| t.sinks.iter().any(|s| s.peer == id && s.mid == Some(stats.mid))))
            .map_or(90_000, Track::clock_rate);
        let fraction = (f64::from(loss.clamp(0.0, 1.0)) * 256.0).round().min(255.0) as u8;
        let jitter = stats.remote.as_ref().map_or(0, |r| r.jitter);
        let rtt = stats.rtt.map(|d| d.as_secs_f64() * 1000.0);
        peer.health.observe(fraction, jitter, clock_rate, rtt);
        self.link_signal(id, Signal::Loss(f64::from(loss.clamp(0.0, 1.0)) * 100.0));
    }

    /// Feeds one receiver's audio-first state; on a change, stops or
    /// resumes every video track to it. Audio is never touched.
    fn link_signal(&mut self, id: PeerId, signal: Signal) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let change = peer.audio_first.observe(signal, Instant::now());
        let mut restart = Vec::new();
        match change {
            Change::None => {}
            Change::Shed => {
                peer.video_shed = true;
                tracing::info!(
                    session = peer.session_id,
                    participant = peer.participant_id,
                    peer = id,
                    ?signal,
                    "video shed: the link carries audio only"
                );
            }
            Change::Restore => {
                peer.video_shed = false;
                tracing::info!(
                    session = peer.session_id,
                    participant = peer.participant_id,
                    peer = id,
                    "video restored: the link is clear"
                );
                // The receiver's picture restarts at a key frame.
                if let Some(room) = self.rooms.get(&peer.session_id) {
                    restart.extend(
                        room.tracks
                            .values()
                            .filter(|t| is_video(t.kind) && t.sinks.iter().any(|s| s.peer == id))
                            .map(|t| (t.peer, t.mid)),
                    );
                }
            }
        }
        if let Some(measure) = peer.health.measure() {
            let health = PeerHealth {
                session_id: peer.session_id,
                participant_id: peer.participant_id,
                role: peer.role,
                measure,
                video_shed: peer.audio_first.video_shed(),
                video_sheds: peer.audio_first.sheds(),
            };
            lock(&self.shared.health).insert(id, health);
        }
        for (publisher, mid) in restart {
            self.request_keyframe(publisher, mid);
        }
    }

    /// Applies the policy to every (track, receiver) pair and to the
    /// recordings, then offers each receiver the tracks it may now receive
    /// for the first time.
    fn reconcile(&mut self, session_id: i64) {
        let Some(room) = self.rooms.get_mut(&session_id) else { return };
        let (state, order) = (room.state, room.order);
        let mut keyframes = Vec::new();
        let mut offers = HashSet::new();
        let mut recordings = Vec::new();
        for track in room.tracks.values_mut() {
            for pid in &room.peers {
                if *pid == track.peer {
                    continue;
                }
                let Some(peer) = self.peers.get_mut(pid) else { continue };
                let decision = visibility::forward(track.role, track.channel, peer.role, state, &order);
                let allowed = track.wants(decision.media);
                match track.sinks.iter_mut().find(|s| s.peer == *pid) {
                    Some(sink) => {
                        if allowed && !sink.allowed && sink.last.is_some() {
                            keyframes.push((track.peer, track.mid));
                        }
                        sink.allowed = allowed;
                    }
                    None if allowed && peer.ready => {
                        track.sinks.push(Sink {
                            peer: *pid,
                            mid: None,
                            allowed,
                            numbers: Renumber::default(),
                            last: None,
                            pt: None,
                        });
                        peer.to_add.push(track.id);
                        offers.insert(*pid);
                    }
                    None => {}
                }
            }
            let record = track.wants(visibility::recorded(track.role, track.channel, state, &order));
            match &mut track.recorder {
                Some(recorder) => recorder.allowed = record,
                None if record && track.codec.is_some() => recordings.push(track.id),
                None => {}
            }
        }
        for track_id in recordings {
            self.start_recording(session_id, track_id);
        }
        for (publisher, mid) in keyframes {
            self.request_keyframe(publisher, mid);
        }
        for id in offers {
            self.negotiate(id);
        }
    }

    fn start_recording(&mut self, session_id: i64, track_id: u64) {
        let Some(track) = self.rooms.get_mut(&session_id).and_then(|r| r.tracks.get_mut(&track_id)) else { return };
        let Some((codec, _)) = track.codec else { return };
        let Some(container) = codec::container(codec) else {
            tracing::warn!(?codec, "this codec is not recorded");
            return;
        };
        let Some(key) = &self.recording_key else {
            tracing::error!("no master key: the testimony is not recorded, as it would be in plaintext");
            return;
        };
        let subject = Subject { session_id, participant_id: track.participant_id, role: track.role, track: track.id };
        match Recording::start(&self.recordings_dir, key, subject, container) {
            Ok(recording) => track.recorder = Some(Recorder { allowed: true, recording: Some(recording) }),
            Err(e) => tracing::error!(error = %e, "could not start a recording"),
        }
    }

    async fn leave(&mut self, id: PeerId) {
        lock(&self.shared.sessions).remove(&id);
        lock(&self.shared.health).remove(&id);
        let Some(mut peer) = self.peers.remove(&id) else { return };
        self.shared.peers.fetch_sub(1, Ordering::Relaxed);
        peer.rtc.disconnect();
        self.by_source.retain(|_, p| *p != id);
        let session_id = peer.session_id;
        let mut retired = Vec::new();
        if let Some(room) = self.rooms.get_mut(&session_id) {
            room.peers.retain(|p| *p != id);
            let mine: Vec<u64> = room.tracks.values().filter(|t| t.peer == id).map(|t| t.id).collect();
            for track_id in mine {
                retired.extend(room.tracks.remove(&track_id));
            }
            for track in room.tracks.values_mut() {
                track.sinks.retain(|s| s.peer != id);
            }
        }
        let mut touched = HashSet::new();
        let mut finished = Vec::new();
        for track in retired {
            self.shared.published_tracks.fetch_sub(1, Ordering::Relaxed);
            for sink in &track.sinks {
                let Some(receiver) = self.peers.get_mut(&sink.peer) else { continue };
                match sink.mid {
                    Some(mid) => receiver.to_stop.push(mid),
                    None => receiver.to_add.retain(|t| *t != track.id),
                }
                touched.insert(sink.peer);
            }
            finished.extend(finish(track.recorder).await);
        }
        if let Some(room) = self.rooms.get_mut(&session_id) {
            room.finished.extend(finished);
        }
        for receiver in touched {
            self.negotiate(receiver);
        }
        self.drop_room_if_idle(session_id);
        tracing::info!(session = session_id, participant = peer.participant_id, peer = id, "peer left");
    }

    /// A room with nobody in it and nothing waiting to be handed over is
    /// forgotten; the database still holds the session.
    fn drop_room_if_idle(&mut self, session_id: i64) {
        let idle = self
            .rooms
            .get(&session_id)
            .is_some_and(|r| r.peers.is_empty() && r.tracks.is_empty() && r.finished.is_empty());
        if idle {
            self.rooms.remove(&session_id);
            lock(&self.shared.hosted).remove(&session_id);
        }
    }

    async fn apply(&mut self, session_id: i64, state: SessionState, order: Order) -> Vec<FinishedRecording> {
        let Some(room) = self.rooms.get_mut(&session_id) else { return Vec::new() };
        room.state = state;
        room.order = order;
        self.reconcile(session_id);
        if state != SessionState::Ended {
            return Vec::new();
        }
        let Some(room) = self.rooms.remove(&session_id) else { return Vec::new() };
        lock(&self.shared.hosted).remove(&session_id);
        self.shared.published_tracks.fetch_sub(room.tracks.len(), Ordering::Relaxed);
        let mut done = room.finished;
        for (_, track) in room.tracks {
            done.extend(finish(track.recorder).await);
        }
        done
    }
}
