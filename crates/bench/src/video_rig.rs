//! What the video benchmarks share: the real server in a child process (so
//! its memory and CPU are its own, not the synthetic peers'), sessions and
//! invites made straight in its database, and a WebRTC peer that joins over
//! the signalling socket and sends and counts synthetic RTP.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::Utc;
use diesel::prelude::*;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use webrtc::api::media_engine::{MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_VP8};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::{APIBuilder, API};
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice::network_type::NetworkType;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtp::header::Header as RtpHeader;
use webrtc::rtp::packet::Packet;
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecCapability;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::{TrackLocal, TrackLocalWriter};

use amaan::api::video::{InviteClaims, INVITE_AUDIENCE};
use amaan::config::{load_jwt_secret, Secret};
use amaan::db::audit::{self, Actor, Change};
use amaan::db::schema::hearings;
use amaan::db::video::{NewParticipant, NewVideoSession};
use amaan::db::{self, Backend, DbPool};
use amaan::domain::video::{Questioner, SessionState, VideoRole};

use super::child::wait_ready;
use super::netns::BenchNet;

/// The six parties of a testimony session in the benchmarks.
pub const SIX: [VideoRole; 6] = [
    VideoRole::ChildWitness,
    VideoRole::Judge,
    VideoRole::Prosecutor,
    VideoRole::DefenceCounsel,
    VideoRole::Accused,
    VideoRole::SupportOfficer,
];

/// Marks a payload that carries its send time in its last 8 bytes.
const MAGIC: [u8; 4] = [0xa3, 0x5e, 0x11, 0x0c];

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The server under test, its scratch database and its data directory.
pub struct Rig {
    child: Child,
    /// Where the server listens: loopback, or its end of the benchmark's
    /// veth pair when it runs in the benchmark's namespace.
    pub addr: SocketAddr,
    pub dir: PathBuf,
    secret: Secret,
    pool: DbPool,
    drop_pg: Option<(String, String)>,
    keep: bool,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep {
            println!("kept {}", self.dir.display());
            return;
        }
        if let Some((admin, name)) = &self.drop_pg {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn healthy(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

impl Rig {
    /// Seeds a scratch database (the demo court's cases and hearings) and
    /// starts `amaan serve` on it with `sfu_threads` forwarding threads: on
    /// loopback, or inside `net` on its end of the veth pair, where it
    /// gathers its ICE candidates too.
    pub fn start(
        name: &str,
        database_url: Option<String>,
        data_dir: &Path,
        sfu_threads: usize,
        keep: bool,
        net: Option<&BenchNet>,
    ) -> anyhow::Result<Rig> {
        let dir = data_dir.join(format!("bench-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let (url, drop_pg) = match database_url {
            Some(url) if Backend::of(&url) == Backend::Postgres => {
                let mut parsed = url::Url::parse(&url).context("DATABASE_URL is not a URL")?;
                let db_name = format!("amaan_bench_{}", name.replace('-', "_"));
                let mut admin = diesel::PgConnection::establish(&url).context("connecting to PostgreSQL")?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")).execute(&mut admin)?;
                diesel::sql_query(format!("CREATE DATABASE {db_name}")).execute(&mut admin)?;
                parsed.set_path(&format!("/{db_name}"));
                (parsed.to_string(), Some((url, db_name)))
            }
            _ => (dir.join("amaan.db").to_string_lossy().into_owned(), None),
        };
        // A key of the scratch database's own, handed to the server it starts.
        let master_key = amaan::vault::MasterKey::generate();
        amaan::demo::create(&url, &master_key, &dir).context("seeding the scratch database")?;
        let pool = db::connect_pool(&url, 2)?;
        let secret = load_jwt_secret(None, &dir)?;
        // A fresh namespace has every port free; loopback needs a free one.
        let port = free_port()?;
        let exe = amaan_binary()?;
        let (mut command, addr) = match net {
            Some(net) => {
                let mut c = net.command(exe);
                c.env("AMAAN_MEDIA_IPS", net.inside.to_string());
                (c, SocketAddr::new(net.inside_ip(), port))
            }
            None => (Command::new(exe), SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        };
        let child = command
            .args(["serve", "--bind", &addr.to_string(), "--database-url", &url, "--data-dir"])
            .arg(&dir)
            .env("AMAAN_SFU_THREADS", sfu_threads.to_string())
            .env("AMAAN_LOG", "error")
            .env_remove("AMAAN_JWT_SECRET_FILE")
            .env_remove("AMAAN_MASTER_KEY_FILE")
            .env("AMAAN_MASTER_KEY", master_key.to_text())
            .env_remove("AMAAN_ICE_SERVERS")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting `amaan serve`")?;
        let mut rig = Rig { child, addr, dir, secret, pool, drop_pg, keep };
        wait_ready(&mut rig.child, "the server (its /health)", Duration::from_secs(60), || healthy(addr), String::new)?;
        Ok(rig)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Live sessions, each with `per_session` invited participants in turn
    /// through `roles`; returns each session's id and its invites.
    pub fn sessions(
        &self,
        count: usize,
        per_session: usize,
        roles: &[VideoRole],
    ) -> anyhow::Result<Vec<(i64, Vec<Invite>)>> {
        let mut conn = self.pool.get()?;
        let hearing_rows: Vec<(i64, i64)> = hearings::table
            .inner_join(amaan::db::schema::cases::table)
            .select((hearings::id, amaan::db::schema::cases::court_id))
            .order(hearings::id.asc())
            .load(&mut conn)?;
        if hearing_rows.is_empty() {
            bail!("the seeded database has no hearings");
        }
        let made = db::write_tx(&mut conn, |c| {
            let mut out = Vec::new();
            for i in 0..count {
                let (hearing_id, court_id) = hearing_rows[i % hearing_rows.len()];
                let now = Utc::now().naive_utc();
                let s = db::video::create_session(
                    c,
                    &NewVideoSession {
                        hearing_id,
                        court_id,
                        state: SessionState::Lobby.as_str().into(),
                        break_interval_minutes: None,
                        max_questioning_minutes: None,
                        questions_through_judge: false,
                        accused_may_see_child: false,
                        questioner: Some(Questioner::Prosecutor.as_str().into()),
                        node_id: "local".into(),
                        created_by: None,
                        created_at: now,
                        updated_at: now,
                        counsel_may_view_recordings: false,
                    },
                )?;
                audit::append(c, &Actor::system(), Change::new("create", "video_session", s.id).court(Some(court_id)))?;
                db::video::set_state(c, s.id, SessionState::Live, None, now)?;
                let mut invites = Vec::new();
                for j in 0..per_session {
                    let role = roles[j % roles.len()];
                    let p = db::video::add_participant(
                        c,
                        &NewParticipant {
                            session_id: s.id,
                            role: role.as_str().into(),
                            display_name: format!("{role} {j}"),
                            revoked: false,
                            created_at: now,
                            party_id: None,
                            counsel_id: None,
                            invited_by: None,
                        },
                    )?;
                    invites.push((p.id, role));
                }
                out.push((s.id, invites));
            }
            Ok(out)
        })
        .map_err(|e| anyhow!("creating the sessions: {e}"))?;
        made.into_iter()
            .map(|(sid, invites)| {
                let tokens = invites
                    .into_iter()
                    .map(|(pid, role)| Ok(Invite { token: self.token(sid, pid, role)? }))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok((sid, tokens))
            })
            .collect()
    }

    fn token(&self, sid: i64, pid: i64, role: VideoRole) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = InviteClaims { sid, pid, role, aud: INVITE_AUDIENCE.into(), iat: now, exp: now + 6 * 3600 };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(self.secret.expose()))?)
    }

    /// The server's resident memory in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        proc_status(self.pid(), "VmRSS:")
    }

    pub fn threads(&self) -> u64 {
        proc_status(self.pid(), "Threads:")
    }

    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map(|d| d.count()).unwrap_or(0)
    }
}

fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l[field.len()..].split_whitespace().next().and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// utime + stime from a `/proc/…/stat` file, at the usual 100 ticks/s.
pub fn cpu_seconds_of(path: &str) -> f64 {
    let Ok(text) = std::fs::read_to_string(path) else { return 0.0 };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = text.rfind(')').map(|i| &text[i + 1..]) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the file: 11 and 12 after `)`.
    (tick(11) + tick(12)) as f64 / 100.0
}

/// UDP datagrams the kernel dropped for want of room in a receive buffer
/// (`RcvbufErrors`) in the network namespace of the process whose
/// `/proc/<pid>/net/snmp` this is: the server's namespace holds only the
/// server's sockets, this process's only the peers' (and whatever else of
/// this machine uses UDP meanwhile).
pub fn receive_buffer_drops(snmp: &str) -> Option<u64> {
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (names, values) = (udp.next()?, udp.next()?);
    let at = names.split_whitespace().position(|n| n == "RcvbufErrors")?;
    values.split_whitespace().nth(at)?.parse().ok()
}

/// `receive_buffer_drops` of process `pid` (`self` for this one).
pub fn receive_buffer_drops_of(pid: &str) -> Option<u64> {
    receive_buffer_drops(&std::fs::read_to_string(format!("/proc/{pid}/net/snmp")).ok()?)
}

#[derive(Debug, Clone)]
pub struct Invite {
    pub token: String,
}

/// What a peer sends: a VP8-shaped video track at `video_bps` in `fps`
/// frames, and 50 Opus-shaped audio packets a second.
#[derive(Debug, Clone, Copy)]
pub struct Traffic {
    pub video_bps: u32,
    pub fps: u32,
    pub audio_bytes: usize,
}

impl Traffic {
    /// About 1 Mbit/s of video in 30 frames a second plus 32 kbit/s audio.
    pub const MEETING: Traffic = Traffic { video_bps: 1_000_000, fps: 30, audio_bytes: 80 };
    /// Enough for tracks to exist and flow, for the soak.
    pub const TRICKLE: Traffic = Traffic { video_bps: 64_000, fps: 10, audio_bytes: 40 };
}

/// One received track's figures while measuring.
#[derive(Debug, Default)]
pub struct TrackFigures {
    pub received: u64,
    first: Option<u64>,
    last: u64,
    last16: u16,
    cycles: u64,
    /// The sender's own numbers (`Stamp::n`), which no server rewrites.
    first_n: Option<u32>,
    last_n: u32,
    stamped: u64,
    pub latency_us: Vec<u32>,
}

impl TrackFigures {
    fn record(&mut self, seq: u16, stamp: Option<Stamp>, now: u64) {
        if self.first.is_some() && seq < self.last16 && self.last16 - seq > 0x8000 {
            self.cycles += 0x1_0000;
        }
        let ext = self.cycles + u64::from(seq);
        if self.first.is_none() {
            self.first = Some(ext);
        }
        self.last16 = seq;
        self.last = self.last.max(ext);
        self.received += 1;
        if let Some(stamp) = stamp {
            self.first_n = Some(self.first_n.map_or(stamp.n, |f| f.min(stamp.n)));
            self.last_n = self.last_n.max(stamp.n);
            self.stamped += 1;
            let us = now.saturating_sub(stamp.sent_nanos) / 1000;
            self.latency_us.push(u32::try_from(us).unwrap_or(u32::MAX));
        }
    }

    /// Packets the sequence numbers say were sent but never arrived: what
    /// a receiver's RTP stack sees as lost. A server that renumbers what it
    /// chose not to send (Amaan's late packets) leaves no gap for those.
    pub fn lost(&self) -> u64 {
        match self.first {
            Some(first) => (self.last - first + 1).saturating_sub(self.received),
            None => 0,
        }
    }

    /// Packets the sender sent on this track, between the first and the
    /// last that arrived, that never arrived, whoever dropped them: the
    /// network, the server's queues, or the server's choice.
    pub fn undelivered(&self) -> u64 {
        match self.first_n {
            Some(first) => (u64::from(self.last_n - first) + 1).saturating_sub(self.stamped),
            None => 0,
        }
    }
}

/// Whether received packets count now (after the warm-up), shared by all.
#[derive(Debug, Default)]
pub struct Measure {
    pub on: AtomicBool,
    pub sent: AtomicU64,
    /// Packets the peers themselves sent more than `SENT_LATE` behind the
    /// schedule their RTP timestamps keep: the peers share the cores with
    /// the server, and a server that judges lateness by the RTP clock (as
    /// Amaan's guard does) cannot tell their lag from its own.
    pub sent_late: AtomicU64,
    /// The most any packet was sent behind its schedule, in µs.
    pub sent_lag_max_us: AtomicU64,
}

/// As far behind as Amaan's forwarder lets a packet be (`lateness::TOO_LATE`).
pub const SENT_LATE: Duration = Duration::from_millis(300);

impl Measure {
    /// Counts one packet sent at `now` for its slot at `due`.
    fn sent_at(&self, due: tokio::time::Instant, now: tokio::time::Instant) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let lag = now.saturating_duration_since(due);
        if lag > SENT_LATE {
            self.sent_late.fetch_add(1, Ordering::Relaxed);
        }
        self.sent_lag_max_us.fetch_max(u64::try_from(lag.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// The figures of every track a peer connection has received so far.
pub type Tracks = Arc<Mutex<Vec<Arc<Mutex<TrackFigures>>>>>;

/// Counts every track `pc` receives (from the first packet on) into the
/// returned list, while `measure` is on.
pub(crate) fn count_tracks(pc: &RTCPeerConnection, measure: &Arc<Measure>) -> Tracks {
    let tracks: Tracks = Arc::default();
    let registry = Arc::clone(&tracks);
    let m = Arc::clone(measure);
    pc.on_track(Box::new(move |remote, _, _| {
        let figures = Arc::new(Mutex::new(TrackFigures::default()));
        if let Ok(mut all) = registry.lock() {
            all.push(Arc::clone(&figures));
        }
        let m = Arc::clone(&m);
        Box::pin(async move {
            tokio::spawn(async move {
                while let Ok((packet, _)) = remote.read_rtp().await {
                    if m.on.load(Ordering::Relaxed) {
                        let now = now_nanos();
                        if let Ok(mut f) = figures.lock() {
                            f.record(packet.header.sequence_number, stamp_of(&packet.payload), now);
                        }
                    }
                }
            });
        })
    }));
    tracks
}

/// Every received track's figures so far, drained.
pub(crate) fn take_figures(tracks: &Tracks) -> Vec<TrackFigures> {
    let all = tracks.lock().map(|t| t.clone()).unwrap_or_default();
    all.iter().filter_map(|f| f.lock().ok().map(|mut g| std::mem::take(&mut *g))).collect()
}

/// Whether a peer connection has got ICE and DTLS up.
#[derive(Clone)]
pub(crate) struct Connected {
    notify: Arc<tokio::sync::Notify>,
    flag: Arc<AtomicBool>,
}

impl Connected {
    pub(crate) fn watch(pc: &RTCPeerConnection) -> Connected {
        let c = Connected { notify: Arc::new(tokio::sync::Notify::new()), flag: Arc::new(AtomicBool::new(false)) };
        let seen = c.clone();
        pc.on_peer_connection_state_change(Box::new(move |s| {
            if s == RTCPeerConnectionState::Connected {
                seen.flag.store(true, Ordering::Release);
                seen.notify.notify_waiters();
            }
            Box::pin(async {})
        }));
        c
    }

    /// Waits until connected, at most `within`.
    pub(crate) async fn wait(&self, within: Duration) -> bool {
        let wait = self.notify.notified();
        if self.flag.load(Ordering::Acquire) {
            return true;
        }
        tokio::time::timeout(within, wait).await.is_ok() || self.flag.load(Ordering::Acquire)
    }
}

/// A party's two peer connections where a server wants one to publish and
/// one to subscribe (Janus's videoroom, the str0m forwarder), and the task
/// that sends its media.
pub(crate) struct PubSub {
    pub publisher: Arc<RTCPeerConnection>,
    subscriber: Option<Arc<RTCPeerConnection>>,
    up: Vec<Connected>,
    sending: Option<JoinHandle<()>>,
}

impl PubSub {
    pub(crate) fn new(publisher: Arc<RTCPeerConnection>) -> PubSub {
        let up = vec![Connected::watch(&publisher)];
        PubSub { publisher, subscriber: None, up, sending: None }
    }

    pub(crate) fn sending(&mut self, task: JoinHandle<()>) {
        self.sending = Some(task);
    }

    /// Adds the subscribing connection.
    pub(crate) fn subscriber(&mut self, pc: &Arc<RTCPeerConnection>) {
        self.up.push(Connected::watch(pc));
        self.subscriber = Some(Arc::clone(pc));
    }

    /// Waits until the publishing connection has ICE and DTLS up.
    pub(crate) async fn publishing(&self, within: Duration) -> bool {
        self.up[0].wait(within).await
    }

    /// Waits until every connection has ICE and DTLS up.
    pub(crate) async fn connected(&self, within: Duration) -> bool {
        for c in &self.up {
            if !c.wait(within).await {
                return false;
            }
        }
        true
    }

    pub(crate) async fn close(self) {
        if let Some(t) = &self.sending {
            t.abort();
        }
        let _ = self.publisher.close().await;
        if let Some(pc) = &self.subscriber {
            let _ = pc.close().await;
        }
    }
}

/// One participant: a signalling socket and a peer connection to the server.
pub struct Peer {
    pc: Arc<RTCPeerConnection>,
    out: mpsc::UnboundedSender<String>,
    tasks: Vec<JoinHandle<()>>,
    pub tracks: Tracks,
    connected: Connected,
}

pub fn rtc_api() -> anyhow::Result<API> {
    rtc_api_on(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Peers whose only ICE candidate is `ip`: loopback, or our end of the
/// benchmark's veth pair (a server that will not gather on loopback, as
/// Janus, gets the pair).
pub(crate) fn rtc_api_on(ip: IpAddr) -> anyhow::Result<API> {
    let mut media = MediaEngine::default();
    media.register_default_codecs()?;
    // No interceptors (NACKs, RTCP reports, congestion feedback): the
    // synthetic peers share the cores with the server they measure, so
    // they do only what a packet needs to be sent or counted.
    let registry = Registry::new();
    let mut settings = SettingEngine::default();
    settings.set_include_loopback_candidate(ip.is_loopback());
    settings.set_ip_filter(Box::new(move |candidate: IpAddr| candidate == ip));
    settings.set_network_types(vec![NetworkType::Udp4]);
    settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
    Ok(APIBuilder::new()
        .with_media_engine(media)
        .with_interceptor_registry(registry)
        .with_setting_engine(settings)
        .build())
}

pub(crate) async fn local_sdp(pc: &RTCPeerConnection, desc: RTCSessionDescription) -> anyhow::Result<String> {
    let mut gathered = pc.gathering_complete_promise().await;
    pc.set_local_description(desc).await?;
    let _ = tokio::time::timeout(Duration::from_secs(5), gathered.recv()).await;
    Ok(pc.local_description().await.ok_or_else(|| anyhow!("no local description"))?.sdp)
}

/// Adds the synthetic audio and video tracks every party sends to `pc`.
pub(crate) async fn add_audio_video(
    pc: &RTCPeerConnection,
) -> anyhow::Result<(Arc<TrackLocalStaticRTP>, Arc<TrackLocalStaticRTP>)> {
    let audio = local_track(MIME_TYPE_OPUS, "audio");
    let video = local_track(MIME_TYPE_VP8, "video");
    pc.add_track(Arc::clone(&audio) as Arc<dyn TrackLocal + Send + Sync>).await?;
    pc.add_track(Arc::clone(&video) as Arc<dyn TrackLocal + Send + Sync>).await?;
    Ok((audio, video))
}

fn local_track(mime: &str, id: &str) -> Arc<TrackLocalStaticRTP> {
    let (clock_rate, channels) = if mime == MIME_TYPE_OPUS { (48_000, 2) } else { (90_000, 0) };
    Arc::new(TrackLocalStaticRTP::new(
        RTCRtpCodecCapability { mime_type: mime.to_string(), clock_rate, channels, ..Default::default() },
        id.to_string(),
        "bench".to_string(),
    ))
}

/// What a sender writes at the end of each payload: its own number for
/// the packet on its track and the time it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    n: u32,
    sent_nanos: u64,
}

const STAMP_LEN: usize = 16;

fn stamped(len: usize, first_byte: u8, n: u32) -> Vec<u8> {
    let len = len.max(STAMP_LEN + 1);
    let mut payload = vec![0x5au8; len];
    payload[0] = first_byte;
    let at = len - STAMP_LEN;
    payload[at..at + 4].copy_from_slice(&MAGIC);
    payload[at + 4..at + 8].copy_from_slice(&n.to_be_bytes());
    payload[at + 8..].copy_from_slice(&now_nanos().to_be_bytes());
    payload
}

fn stamp_of(payload: &[u8]) -> Option<Stamp> {
    let at = payload.len().checked_sub(STAMP_LEN)?;
    if payload[at..at + 4] != MAGIC {
        return None;
    }
    let n = u32::from_be_bytes(payload[at + 4..at + 8].try_into().ok()?);
    let sent_nanos = u64::from_be_bytes(payload[at + 8..].try_into().ok()?);
    Some(Stamp { n, sent_nanos })
}

/// Paces audio every 20 ms and video frames every 1/fps, each frame split
/// into packets of at most 1,100 bytes, each stamped with its number on
/// its track and its send time.
pub(crate) fn send_media(
    audio: Arc<TrackLocalStaticRTP>,
    video: Arc<TrackLocalStaticRTP>,
    t: Traffic,
    m: Arc<Measure>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let frame_bytes = (t.video_bps / 8 / t.fps.max(1)) as usize;
        let per_frame = frame_bytes.div_ceil(1100).max(1);
        let packet_bytes = frame_bytes / per_frame;
        let frame_every = Duration::from_micros(1_000_000 / u64::from(t.fps.max(1)));
        let start = tokio::time::Instant::now();
        let mut next_audio = start;
        let mut next_video = start;
        let (mut a_seq, mut v_seq, mut frames, mut a_n, mut v_n) = (0u16, 0u16, 0u32, 0u32, 0u32);
        loop {
            let wake = next_audio.min(next_video);
            tokio::time::sleep_until(wake).await;
            let counting = m.on.load(Ordering::Relaxed);
            let now = tokio::time::Instant::now();
            if now >= next_audio {
                a_n = a_n.wrapping_add(1);
                a_seq = a_seq.wrapping_add(1);
                let packet = Packet {
                    header: RtpHeader {
                        version: 2,
                        payload_type: 111,
                        sequence_number: a_seq,
                        timestamp: a_n.wrapping_mul(960),
                        ..Default::default()
                    },
                    payload: stamped(t.audio_bytes, 0xfc, a_n).into(),
                };
                // A write fails only once the connection is closed; the
                // task is aborted then anyway.
                let _ = audio.write_rtp(&packet).await;
                if counting {
                    m.sent_at(next_audio, tokio::time::Instant::now());
                }
                next_audio += Duration::from_millis(20);
            }
            if now >= next_video {
                frames = frames.wrapping_add(1);
                for i in 0..per_frame {
                    v_seq = v_seq.wrapping_add(1);
                    v_n = v_n.wrapping_add(1);
                    let packet = Packet {
                        header: RtpHeader {
                            version: 2,
                            payload_type: 96,
                            sequence_number: v_seq,
                            timestamp: frames.wrapping_mul(90_000 / t.fps.max(1)),
                            marker: i + 1 == per_frame,
                            ..Default::default()
                        },
                        payload: stamped(packet_bytes, if i == 0 { 0x10 } else { 0x00 }, v_n).into(),
                    };
                    let _ = video.write_rtp(&packet).await;
                    if counting {
                        m.sent_at(next_video, tokio::time::Instant::now());
                    }
                }
                next_video += frame_every;
            }
        }
    })
}

impl Peer {
    /// Opens the socket, joins, offers audio and video, answers the
    /// server's offers, and once answered starts sending `traffic`.
    pub async fn join(
        api: &API,
        server: SocketAddr,
        session_id: i64,
        invite: &Invite,
        traffic: Traffic,
        measure: Arc<Measure>,
    ) -> anyhow::Result<Peer> {
        let url = format!("ws://{server}/ws/video-sessions/{session_id}?token={}", invite.token);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.context("opening the signalling socket")?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let writer = tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let pc = Arc::new(api.new_peer_connection(RTCConfiguration::default()).await?);
        let tracks = count_tracks(&pc, &measure);
        let connected = Connected::watch(&pc);
        let (audio, video) = add_audio_video(&pc).await?;
        let (answered_tx, mut answered) = mpsc::unbounded_channel::<Result<(), String>>();
        let reader = {
            let pc = Arc::clone(&pc);
            let out = out.clone();
            tokio::spawn(async move {
                while let Some(Ok(frame)) = stream.next().await {
                    let Message::Text(text) = frame else { continue };
                    let msg: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let sdp = msg["sdp"].as_str().unwrap_or_default().to_string();
                    match msg["type"].as_str() {
                        Some("answer") => {
                            let applied = match RTCSessionDescription::answer(sdp) {
                                Ok(d) => pc.set_remote_description(d).await.map_err(|e| e.to_string()),
                                Err(e) => Err(e.to_string()),
                            };
                            let _ = answered_tx.send(applied);
                        }
                        Some("offer") => {
                            let Ok(offer) = RTCSessionDescription::offer(sdp) else { continue };
                            if pc.set_remote_description(offer).await.is_err() {
                                continue;
                            }
                            let Ok(answer) = pc.create_answer(None).await else { continue };
                            if let Ok(sdp) = local_sdp(&pc, answer).await {
                                let _ = out.send(json!({"type": "answer", "sdp": sdp}).to_string());
                            }
                        }
                        Some("error") => {
                            let _ = answered_tx.send(Err(text.to_string()));
                        }
                        _ => {}
                    }
                }
            })
        };
        let _ = out.send(json!({"type": "join"}).to_string());
        let offer = pc.create_offer(None).await?;
        let sdp = local_sdp(&pc, offer).await?;
        let _ = out.send(json!({"type": "offer", "sdp": sdp}).to_string());
        let mut peer = Peer { pc, out, tasks: vec![writer, reader], tracks, connected };
        match tokio::time::timeout(Duration::from_secs(15), answered.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(e))) => {
                peer.close().await;
                bail!("the server refused: {e}");
            }
            _ => {
                peer.close().await;
                bail!("the server did not answer in 15 s");
            }
        }
        peer.tasks.push(send_media(audio, video, traffic, measure));
        Ok(peer)
    }

    /// Waits until ICE and DTLS are up.
    pub async fn connected(&self, within: Duration) -> bool {
        self.connected.wait(within).await
    }

    pub fn received_tracks(&self) -> usize {
        self.tracks.lock().map(|t| t.len()).unwrap_or(0)
    }

    /// Says goodbye on the socket, then closes the peer connection.
    pub async fn close(self) {
        let _ = self.out.send(json!({"type": "leave"}).to_string());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = self.pc.close().await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// p-th percentile of sorted samples.
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The server under test: `AMAAN_BIN`, or the `amaan` binary built beside
/// this one (`cargo build --release --bin amaan` first).
fn amaan_binary() -> anyhow::Result<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("AMAAN_BIN") {
        return Ok(path.into());
    }
    let me = std::env::current_exe().context("finding this binary")?;
    let sibling = me.with_file_name(format!("amaan{}", std::env::consts::EXE_SUFFIX));
    if sibling.is_file() {
        Ok(sibling)
    } else {
        bail!("no amaan binary at {}: build it (cargo build --release --bin amaan) or set AMAAN_BIN", sibling.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_buffer_drops_are_read_from_the_udp_lines_not_udplite() {
        let snmp = "Ip: Forwarding DefaultTTL\nIp: 1 64\n\
            Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n\
            Udp: 377926 0 53214 1591634 53210 0 4 0 0\n\
            UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n\
            UdpLite: 0 0 0 0 7 0 0 0 0\n";
        assert_eq!(receive_buffer_drops(snmp), Some(53_210));
        assert_eq!(receive_buffer_drops("Ip: 1\n"), None);
        // This machine's own file parses.
        assert!(receive_buffer_drops_of("self").is_some());
    }

    #[test]
    fn losses_are_counted_from_sequence_gaps_across_a_wrap() {
        let mut f = TrackFigures::default();
        for seq in [65_533u16, 65_534, 0, 1, 4, 5] {
            f.record(seq, None, 0);
        }
        // 65533..=5 is nine numbers; 65535, 2 and 3 never came.
        assert_eq!(f.received, 6);
        assert_eq!(f.lost(), 3);
    }

    #[test]
    fn what_a_server_renumbered_away_is_undelivered_though_no_gap_shows() {
        let mut f = TrackFigures::default();
        let stamp = |n| Some(Stamp { n, sent_nanos: 0 });
        // The sender's packets 10..=19; the server dropped 13, 14 and 17
        // and renumbered the rest without gaps.
        for (seq, n) in [(100u16, 10u32), (101, 11), (102, 12), (103, 15), (104, 16), (105, 18), (106, 19)] {
            f.record(seq, stamp(n), 0);
        }
        assert_eq!(f.lost(), 0);
        assert_eq!(f.undelivered(), 3);
    }

    #[test]
    fn a_stamped_payload_gives_back_its_number_and_send_time() {
        let payload = stamped(200, 0x10, 7);
        let stamp = stamp_of(&payload).expect("a stamp");
        assert_eq!(stamp.n, 7);
        assert!(stamp.sent_nanos > 0 && stamp.sent_nanos <= now_nanos());
        assert_eq!(payload[0], 0x10);
        assert_eq!(stamp_of(&[0u8; 40]), None, "a payload without the mark has no stamp");
    }
}
