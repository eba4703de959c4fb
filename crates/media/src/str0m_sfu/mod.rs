//! The forwarding server on str0m, the default media engine since it was
//! measured against webrtc-rs and Janus (docs/media-str0m.md says why).
//!
//! str0m is Sans-IO: a connection is a value we feed datagrams and the time
//! and drain of what to send. So each forwarding shard is one task on its
//! own thread that owns its UDP sockets and every connection of the
//! sessions placed on it, and carries each packet from its read to every
//! receiver's send before the next read. Nothing queues between tasks: what
//! a shard cannot keep up with stays in the kernel's socket buffer.
//!
//! The signalling side reaches a shard by a command and awaits its reply;
//! the few facts it asks for without waiting (which sessions are hosted,
//! the counters, each link's health) the shards publish in `Shared`.

pub mod codec;
mod shard;
mod socket;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::oneshot;

use super::shards::Shards;
use super::{
    lock, FinishedRecording, Forwarder, ForwardingStats, IceCandidate, Joiner, MediaConfig, MediaError, MediaEvent,
    PeerHealth, PeerId,
};
use amaan_domain::video::SessionState;
use amaan_domain::visibility::{Channel, Order};

/// What the signalling side asks of a shard; each carries its reply.
pub(crate) enum Command {
    Join {
        id: PeerId,
        joiner: Joiner,
        events: UnboundedSender<MediaEvent>,
        reply: oneshot::Sender<Result<PeerId, MediaError>>,
    },
    Offer {
        peer: PeerId,
        sdp: String,
        channels: HashMap<String, Channel>,
        reply: oneshot::Sender<Result<String, MediaError>>,
    },
    Answer {
        peer: PeerId,
        sdp: String,
        reply: oneshot::Sender<Result<(), MediaError>>,
    },
    Candidate {
        peer: PeerId,
        candidate: IceCandidate,
        reply: oneshot::Sender<Result<(), MediaError>>,
    },
    Leave {
        peer: PeerId,
        reply: oneshot::Sender<()>,
    },
    Apply {
        session_id: i64,
        state: SessionState,
        order: Order,
        reply: oneshot::Sender<Vec<FinishedRecording>>,
    },
}

/// What the shards publish for callers that do not wait for them.
#[derive(Default)]
pub(crate) struct Shared {
    pub peers: AtomicUsize,
    pub published_tracks: AtomicUsize,
    pub packets_in: AtomicU64,
    pub packets_forwarded: AtomicU64,
    pub hosted: Mutex<HashSet<i64>>,
    /// Each peer's session, to find its shard.
    pub sessions: Mutex<HashMap<PeerId, i64>>,
    pub health: Mutex<HashMap<PeerId, PeerHealth>>,
}

pub struct Str0mSfu {
    shards: Vec<UnboundedSender<Command>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    /// The runtimes the shard tasks run on; dropping them stops the shards.
    _runtimes: Shards,
}

/// The addresses the shards listen on: as webrtc-rs gathers, but named,
/// since a Sans-IO library gathers nothing itself. Told none, a server that
/// is not bound to loopback listens on every address of the host's
/// interfaces a participant could reach (`host`, read once at start).
fn listen_ips(
    config: &MediaConfig,
    host: impl FnOnce() -> std::io::Result<Vec<IpAddr>>,
) -> anyhow::Result<Vec<IpAddr>> {
    if !config.media_ips.is_empty() {
        return Ok(config.media_ips.clone());
    }
    if config.loopback_only {
        return Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    }
    let ips = reachable(host().map_err(|e| anyhow::anyhow!("reading this host's addresses: {e}"))?);
    if ips.is_empty() {
        anyhow::bail!(
            "this host has no address a participant could reach its video on: set AMAAN_MEDIA_IPS \
             (AMAAN_PUBLIC_IPS for a 1:1 NAT in front)"
        );
    }
    Ok(ips)
}

/// The interface addresses worth a candidate: not loopback (the server is
/// not bound there), not link-local (they need an interface scope that a
/// candidate cannot carry), not unspecified or multicast; each once.
fn reachable(ips: Vec<IpAddr>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in ips {
        let link_local = match ip {
            IpAddr::V4(v4) => v4.is_link_local(),
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        };
        if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || link_local || out.contains(&ip) {
            continue;
        }
        out.push(ip);
    }
    out
}

/// The addresses of this host's interfaces.
fn host_ips() -> std::io::Result<Vec<IpAddr>> {
    Ok(if_addrs::get_if_addrs()?.into_iter().map(|i| i.ip()).collect())
}

impl Str0mSfu {
    pub fn new(config: MediaConfig) -> anyhow::Result<Str0mSfu> {
        static CRYPTO: std::sync::Once = std::sync::Once::new();
        CRYPTO.call_once(|| str0m::crypto::from_feature_flags().install_process_default());
        let ips = listen_ips(&config, host_ips)?;
        let count = config.threads.max(1);
        let runtimes = Shards::start(count, "sfu")?;
        let shared = Arc::new(Shared::default());
        let mut shards = Vec::with_capacity(count);
        for n in 0..count {
            let key = i64::try_from(n)?;
            let handle = runtimes.handle(key);
            // Sockets are made inside the shard's runtime, which drives them.
            let sockets = {
                let _entered = handle.enter();
                let mut sockets = Vec::new();
                for ip in &ips {
                    sockets.push(tokio::net::UdpSocket::from_std(socket::bind(*ip)?)?);
                }
                sockets
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let shard = shard::Shard::new(sockets, &config, Arc::clone(&shared))?;
            handle.spawn(shard.run(rx));
            shards.push(tx);
        }
        Ok(Str0mSfu { shards, shared, next_id: AtomicU64::new(1), _runtimes: runtimes })
    }

    fn shard_of(&self, session_id: i64) -> &UnboundedSender<Command> {
        let count = i64::try_from(self.shards.len()).unwrap_or(1).max(1);
        let at = usize::try_from(session_id.rem_euclid(count)).unwrap_or(0);
        &self.shards[at.min(self.shards.len() - 1)]
    }

    /// The shard of a peer's session; an unknown peer goes to the first,
    /// which refuses it.
    fn shard_of_peer(&self, peer: PeerId) -> &UnboundedSender<Command> {
        let session = lock(&self.shared.sessions).get(&peer).copied().unwrap_or(0);
        self.shard_of(session)
    }

    /// Sends a command and waits for its reply; a shard that is gone gives
    /// `gone`.
    fn ask<T: Send + 'static>(
        &self,
        shard: &UnboundedSender<Command>,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
        gone: T,
    ) -> BoxFuture<'static, T> {
        let (reply, answer) = oneshot::channel();
        let sent = shard.send(make(reply)).is_ok();
        async move {
            if !sent {
                return gone;
            }
            answer.await.unwrap_or(gone)
        }
        .boxed()
    }
}

fn stopped() -> MediaError {
    MediaError::Internal("the media shard stopped".into())
}

impl Forwarder for Str0mSfu {
    fn join(&self, joiner: Joiner, events: UnboundedSender<MediaEvent>) -> BoxFuture<'_, Result<PeerId, MediaError>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.shared.sessions).insert(id, joiner.session_id);
        let shard = self.shard_of(joiner.session_id);
        self.ask(shard, |reply| Command::Join { id, joiner, events, reply }, Err(stopped()))
    }

    fn offer(
        &self,
        peer: PeerId,
        sdp: String,
        channels: HashMap<String, Channel>,
    ) -> BoxFuture<'_, Result<String, MediaError>> {
        let shard = self.shard_of_peer(peer);
        self.ask(shard, |reply| Command::Offer { peer, sdp, channels, reply }, Err(stopped()))
    }

    fn answer(&self, peer: PeerId, sdp: String) -> BoxFuture<'_, Result<(), MediaError>> {
        let shard = self.shard_of_peer(peer);
        self.ask(shard, |reply| Command::Answer { peer, sdp, reply }, Err(stopped()))
    }

    fn candidate(&self, peer: PeerId, candidate: IceCandidate) -> BoxFuture<'_, Result<(), MediaError>> {
        let shard = self.shard_of_peer(peer);
        self.ask(shard, |reply| Command::Candidate { peer, candidate, reply }, Err(stopped()))
    }

    fn leave(&self, peer: PeerId) -> BoxFuture<'_, ()> {
        let shard = self.shard_of_peer(peer);
        self.ask(shard, |reply| Command::Leave { peer, reply }, ())
    }

    fn apply(&self, session_id: i64, state: SessionState, order: Order) -> BoxFuture<'_, Vec<FinishedRecording>> {
        let shard = self.shard_of(session_id);
        self.ask(shard, |reply| Command::Apply { session_id, state, order, reply }, Vec::new())
    }

    fn stats(&self) -> ForwardingStats {
        ForwardingStats {
            peers: self.shared.peers.load(Ordering::Relaxed),
            published_tracks: self.shared.published_tracks.load(Ordering::Relaxed),
            packets_in: self.shared.packets_in.load(Ordering::Relaxed),
            packets_forwarded: self.shared.packets_forwarded.load(Ordering::Relaxed),
            // Nothing queues here to be late: a shard that falls behind
            // leaves packets in the kernel, which drops them unread.
            packets_late: 0,
        }
    }

    fn hosts(&self, session_id: i64) -> bool {
        lock(&self.shared.hosted).contains(&session_id)
    }

    fn health(&self) -> Vec<PeerHealth> {
        lock(&self.shared.health).values().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn it_listens_where_it_is_told_else_on_loopback_or_the_hosts_reachable_addresses() {
        let mut config = MediaConfig::loopback(std::path::PathBuf::from("/nonexistent"));
        let host = || Ok(vec![ip("127.0.0.1"), ip("10.1.2.3"), ip("169.254.0.9"), ip("fe80::1"), ip("2001:db8::7")]);
        assert_eq!(listen_ips(&config, host).ok(), Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]));
        config.media_ips = vec![ip("10.9.9.9")];
        assert_eq!(listen_ips(&config, host).ok(), Some(vec![ip("10.9.9.9")]));
        config.media_ips.clear();
        config.loopback_only = false;
        assert_eq!(listen_ips(&config, host).ok(), Some(vec![ip("10.1.2.3"), ip("2001:db8::7")]));
        // A host with nothing but loopback and link-local addresses: the
        // operator is told what to set, not given a server nobody reaches.
        let refused = listen_ips(&config, || Ok(vec![ip("127.0.0.1"), ip("fe80::2")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refused.contains("AMAAN_MEDIA_IPS"), "{refused}");
    }

    #[test]
    fn the_hosts_addresses_are_read_from_its_interfaces() {
        // Every host running the tests has loopback; `reachable` drops it.
        let ips = host_ips().unwrap_or_default();
        assert!(ips.iter().any(IpAddr::is_loopback), "{ips:?}");
        assert!(reachable(ips).iter().all(|ip| !ip.is_loopback()));
    }
}
