//! `amaan bench video`: N concurrent live 6-party sessions (child, judge,
//! prosecutor, defence counsel, accused, support officer), every party
//! sending about 1 Mbit/s of VP8-shaped video and 50 audio packets a second
//! through the server. Each packet carries its sender's own number for it
//! and its send time; the receiving peers measure latency and, from those
//! numbers, what was never delivered (whoever dropped it: a server that
//! renumbers what it chose not to send leaves no gap in RTP sequence
//! numbers, so those gaps are printed apart).
//! The server runs in its own process, so its CPU time is its own.
//!
//! `--server janus|both` puts the same load through Janus's videoroom, each
//! party subscribed to exactly what Amaan forwards to its role, and `both`
//! prints the two side by side.
//!
//! The servers run in a network namespace the benchmark makes (`netns.rs`)
//! and the peers reach them over a veth pair, the same path for both.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::janus::{self, Janus, Place};
use super::janus_peer::{create_room, subscription_plan, Party};
use super::netns::BenchNet;
use super::str0m_peer::Str0mParty;
use super::str0m_sfu::Str0mProcess;
use super::video_rig::{
    cpu_seconds_of, percentile, receive_buffer_drops_of, rtc_api_on, take_figures, Measure, Peer, Rig, Tracks, Traffic,
    SENT_LATE, SIX,
};
use amaan::db::Backend;
use amaan::media::shards::Shards;
use tokio::signal::unix::{signal, Signal, SignalKind};
use webrtc::api::API;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Amaan,
    Janus,
    /// Amaan, then Janus with the same parameters, side by side.
    Both,
    /// A forwarder of the benchmark's own on str0m, the stack's named
    /// fallback to webrtc-rs (`str0m_sfu.rs`), measured before any switch.
    Str0m,
    /// Amaan, Janus, then the str0m forwarder, side by side.
    All,
}

impl Server {
    fn runs_amaan(self) -> bool {
        matches!(self, Server::Amaan | Server::Both | Server::All)
    }
    fn runs_janus(self) -> bool {
        matches!(self, Server::Janus | Server::Both | Server::All)
    }
    fn runs_str0m(self) -> bool {
        matches!(self, Server::Str0m | Server::All)
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct VideoArgs {
    /// Concurrent sessions of six parties each.
    #[arg(long, default_value_t = 20)]
    pub sessions: usize,
    /// Video bit rate each party sends, in kbit/s.
    #[arg(long, default_value_t = 1000)]
    pub video_kbps: u32,
    /// Seconds of media before measuring.
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Forwarding threads of the server.
    #[arg(long, default_value_t = 2)]
    pub sfu_threads: usize,
    /// Threads of the synthetic peers (in this process).
    #[arg(long, default_value_t = 2)]
    pub peer_threads: usize,
    /// Which server forwards: Amaan, Janus's videoroom (Debian package
    /// `janus`), or both one after the other.
    #[arg(long, value_enum, default_value_t = Server::Amaan)]
    pub server: Server,
    /// Run Janus here on this address of this machine (not loopback: Janus
    /// gathers no candidates there), and Amaan on loopback, instead of both
    /// in a network namespace of the benchmark's own (which needs root).
    #[arg(long)]
    pub janus_ip: Option<IpAddr>,
    /// Janus's `event_loops`: media threads its handles share, like
    /// Amaan's forwarding threads; 0 keeps Janus's default of a thread per
    /// handle (two per party here).
    #[arg(long, default_value_t = 0)]
    pub janus_event_loops: usize,
    /// Keep the scratch directory and database afterwards.
    #[arg(long)]
    pub keep: bool,
    /// The str0m forwarder records nothing; by default it records what
    /// Amaan records (the child's audio and video, the judge's and the
    /// questioning prosecutor's audio), as Amaan's figures include that.
    #[arg(long)]
    pub str0m_without_recording: bool,
}

pub fn run(args: &VideoArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    // Before anything runs, so that `both` does not fail halfway.
    let install = if args.server.runs_janus() { Some(janus::installed()?) } else { None };
    // Orchestration only; the peers run on shards, each holding whole
    // sessions, as the server's forwarding threads do, so that the peers'
    // own thread hand-overs do not take the cores from the server.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // From here on an interrupt ends the run through its error path, so
    // that the servers and the namespace are removed (a signal that comes
    // while a server starts is seen once it has).
    let mut stop = runtime.block_on(async { Stop::listen() })?;
    let placed = placement(args, database_url.as_deref());
    // Made before anything else exists, and so dropped after the servers.
    let net = if placed.needs_namespace() {
        match BenchNet::make() {
            Ok(net) => Some(net),
            Err(e) if !args.server.runs_janus() => {
                println!("(no namespace of the benchmark's own, so Amaan runs on loopback: {e:#})");
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    if let Some(net) = &net {
        println!(
            "(the servers run in the network namespace {}, reached over a veth pair: peers on {}, servers on {})",
            net.name, net.host, net.inside
        );
    }
    let shards = Shards::start(args.peer_threads, "peer")?;
    let mut results = Vec::new();
    if args.server.runs_amaan() {
        let amaan_net = net.as_ref().filter(|_| placed.amaan_inside);
        if net.is_some() && amaan_net.is_none() {
            println!(
                "(Amaan runs on loopback: its PostgreSQL database is not reachable from inside the namespace; the comparison with Janus is then not over the same path)"
            );
        }
        let rig = Rig::start("video", database_url, data_dir, args.sfu_threads, args.keep, amaan_net)?;
        let peer_ip = amaan_net.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), BenchNet::host_ip);
        results.push(stop.unless_stopped(&runtime, through_amaan(args, &rig, peer_ip, &shards))?);
        drop(rig);
    }
    if let Some(install) = install {
        if !results.is_empty() {
            // Let the first run's peers and server wind down off the cores.
            std::thread::sleep(Duration::from_secs(2));
        }
        let (place, peer_ip) = match (args.janus_ip, &net) {
            (Some(ip), _) => (Place::Here(ip), ip),
            (None, Some(net)) => (Place::Inside(net), net.host_ip()),
            (None, None) => anyhow::bail!("Janus has no namespace to run in and no --janus-ip"),
        };
        let janus = Janus::start(&install, data_dir, place, args.janus_event_loops, args.keep)?;
        results.push(stop.unless_stopped(&runtime, through_janus(args, &janus, peer_ip, &shards))?);
    }
    if args.server.runs_str0m() {
        if !results.is_empty() {
            std::thread::sleep(Duration::from_secs(2));
        }
        let inside = net.as_ref().filter(|_| args.janus_ip.is_none());
        let record_dir = std::path::absolute(data_dir.join("bench-str0m-recordings"))?;
        let _ = std::fs::remove_dir_all(&record_dir);
        let recording = (!args.str0m_without_recording).then_some(record_dir.as_path());
        let server = Str0mProcess::start(inside, args.sfu_threads, recording)?;
        let peer_ip = inside.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), BenchNet::host_ip);
        let figures = stop.unless_stopped(&runtime, through_str0m(args, &server, peer_ip, &shards));
        drop(server);
        if !args.keep {
            let _ = std::fs::remove_dir_all(&record_dir);
        }
        results.push(figures?);
    }
    if results.len() > 1 {
        side_by_side(&results);
    }
    Ok(())
}

/// Where the servers of a run sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placement {
    amaan_inside: bool,
    /// Janus and the str0m forwarder.
    others_inside: bool,
}

impl Placement {
    fn needs_namespace(self) -> bool {
        self.amaan_inside || self.others_inside
    }
}

/// Every server in the benchmark's namespace, so that all are reached
/// over the same veth pair and none rides on loopback, except: Janus on
/// `--janus-ip` when given (and Amaan and the str0m forwarder then on
/// loopback, as before the namespace), and Amaan on loopback when its database is PostgreSQL (on
/// this machine's loopback, which the namespace does not see).
fn placement(args: &VideoArgs, database_url: Option<&str>) -> Placement {
    let others_run = args.server.runs_janus() || args.server.runs_str0m();
    let amaan_runs = args.server.runs_amaan();
    let postgres = database_url.is_some_and(|u| Backend::of(u) == Backend::Postgres);
    Placement {
        amaan_inside: amaan_runs && args.janus_ip.is_none() && !postgres,
        others_inside: others_run && args.janus_ip.is_none(),
    }
}

/// SIGINT and SIGTERM, once listened to, no longer end the process at
/// once: they end the run, whose drops then clean up.
struct Stop {
    interrupt: Signal,
    terminate: Signal,
}

impl Stop {
    fn listen() -> anyhow::Result<Stop> {
        Ok(Stop { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    fn unless_stopped<T>(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        work: impl std::future::Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        runtime.block_on(async {
            tokio::select! {
                done = work => done,
                _ = self.interrupt.recv() => anyhow::bail!("interrupted (SIGINT); the servers and the namespace are removed"),
                _ = self.terminate.recv() => anyhow::bail!("terminated (SIGTERM); the servers and the namespace are removed"),
            }
        })
    }
}

fn traffic(args: &VideoArgs) -> Traffic {
    Traffic { video_bps: args.video_kbps.saturating_mul(1000), ..Traffic::MEETING }
}

/// Streams a server should forward for `sessions` live six-party sessions.
fn expected_streams(sessions: usize) -> usize {
    sessions * subscription_plan(&SIX).iter().map(Vec::len).sum::<usize>()
}

async fn through_amaan(args: &VideoArgs, rig: &Rig, peer_ip: IpAddr, shards: &Shards) -> anyhow::Result<Figures> {
    // The server it started inherits `AMAAN_MEDIA_ENGINE`.
    let engine = amaan::media::Engine::from_env()?;
    let sessions = rig.sessions(args.sessions.max(1), SIX.len(), &SIX)?;
    let api = Arc::new(rtc_api_on(peer_ip)?);
    let measure = Arc::new(Measure::default());
    let mut peers = Vec::new();
    let joining = Instant::now();
    for (sid, invites) in &sessions {
        let joins = invites.iter().map(|invite| {
            let (api, measure, invite, server, sid) =
                (Arc::clone(&api), Arc::clone(&measure), invite.clone(), rig.addr, *sid);
            let traffic = traffic(args);
            let failed = Err(anyhow::anyhow!("the peers' runtime stopped"));
            shards.run(sid, async move { Peer::join(&api, server, sid, &invite, traffic, measure).await }, failed)
        });
        for j in futures_util::future::join_all(joins).await {
            peers.push(j?);
        }
    }
    let mut up = 0;
    for p in &peers {
        if p.connected(Duration::from_secs(15)).await {
            up += 1;
        }
    }
    println!(
        "video bench, Amaan: {} sessions x 6 parties = {} peers ({} connected) in {:.1} s; {} kbit/s video + 50 audio pkt/s per sender; ICE on {}; server pid {} with {} forwarding threads on the {:?} engine",
        sessions.len(),
        peers.len(),
        up,
        joining.elapsed().as_secs_f64(),
        args.video_kbps,
        rig.addr.ip(),
        rig.pid(),
        args.sfu_threads,
        engine
    );
    let tracks: Vec<Tracks> = peers.iter().map(|p| Arc::clone(&p.tracks)).collect();
    let metrics = format!("http://{}/metrics", rig.addr);
    let figures = measured("Amaan", args, rig.pid(), &measure, &tracks, sessions.len(), Some(&metrics)).await;
    futures_util::future::join_all(peers.into_iter().map(Peer::close)).await;
    Ok(figures)
}

async fn through_janus(args: &VideoArgs, janus: &Janus, peer_ip: IpAddr, shards: &Shards) -> anyhow::Result<Figures> {
    let api = Arc::new(rtc_api_on(peer_ip)?);
    let measure = Arc::new(Measure::default());
    let sessions = args.sessions.max(1);
    let mut parties: Vec<Party> = Vec::new();
    let joining = Instant::now();
    for s in 0..sessions {
        let (api, measure, traffic, ws, ip) =
            (Arc::clone(&api), Arc::clone(&measure), traffic(args), janus.ws, janus.ice_ip);
        let failed = Err(anyhow::anyhow!("the peers' runtime stopped"));
        let key = i64::try_from(s).unwrap_or(0);
        parties.extend(shards.run(key, janus_room(s, api, measure, traffic, ws, ip), failed).await?);
    }
    let mut up = 0;
    for p in &parties {
        if p.connected(Duration::from_secs(15)).await {
            up += 1;
        }
    }
    println!(
        "video bench, Janus videoroom: {} sessions x 6 parties = {} peers, each a publisher and a subscriber ({} with both connected) in {:.1} s; {} kbit/s video + 50 audio pkt/s per sender; ICE on {}; Janus pid {} with {}",
        sessions,
        parties.len(),
        up,
        joining.elapsed().as_secs_f64(),
        args.video_kbps,
        janus.ice_ip,
        janus.pid(),
        match args.janus_event_loops {
            0 => "a media thread per handle (its default)".to_string(),
            n => format!("{n} shared event loops"),
        }
    );
    let tracks: Vec<Tracks> = parties.iter().map(|p| Arc::clone(&p.tracks)).collect();
    let figures = measured("Janus", args, janus.pid(), &measure, &tracks, sessions, None).await;
    futures_util::future::join_all(parties.into_iter().map(Party::close)).await;
    Ok(figures)
}

async fn through_str0m(
    args: &VideoArgs,
    server: &Str0mProcess,
    peer_ip: IpAddr,
    shards: &Shards,
) -> anyhow::Result<Figures> {
    let api = Arc::new(rtc_api_on(peer_ip)?);
    let measure = Arc::new(Measure::default());
    let sessions = args.sessions.max(1);
    let mut parties: Vec<Str0mParty> = Vec::new();
    let joining = Instant::now();
    for s in 0..sessions {
        let (api, measure, traffic, http) = (Arc::clone(&api), Arc::clone(&measure), traffic(args), server.http);
        let failed = Err(anyhow::anyhow!("the peers' runtime stopped"));
        let key = i64::try_from(s).unwrap_or(0);
        let room = async move {
            let plan = subscription_plan(&SIX);
            let published = futures_util::future::join_all(
                (0..SIX.len()).map(|p| Str0mParty::publish(&api, http, s, p, traffic, &measure)),
            )
            .await;
            let mut room = published.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
            let subscribed = futures_util::future::join_all(
                room.iter_mut()
                    .zip(&plan)
                    .enumerate()
                    .map(|(p, (party, wanted))| party.subscribe(&api, http, s, p, wanted, &measure)),
            )
            .await;
            for r in subscribed {
                r.with_context(|| format!("subscribing in session {s}"))?;
            }
            Ok::<_, anyhow::Error>(room)
        };
        parties.extend(shards.run(key, room, failed).await?);
    }
    let mut up = 0;
    for p in &parties {
        if p.connected(Duration::from_secs(15)).await {
            up += 1;
        }
    }
    println!(
        "video bench, str0m forwarder: {} sessions x 6 parties = {} peers, each a publisher and a subscriber ({} with both connected) in {:.1} s; {} kbit/s video + 50 audio pkt/s per sender; on {}; pid {} with {} forwarding threads; {}",
        sessions,
        parties.len(),
        up,
        joining.elapsed().as_secs_f64(),
        args.video_kbps,
        server.http.ip(),
        server.pid(),
        args.sfu_threads,
        if args.str0m_without_recording { "recording nothing" } else { "recording what Amaan records" }
    );
    let tracks: Vec<Tracks> = parties.iter().map(|p| Arc::clone(&p.tracks)).collect();
    let figures = measured("str0m", args, server.pid(), &measure, &tracks, sessions, None).await;
    futures_util::future::join_all(parties.into_iter().map(Str0mParty::close)).await;
    Ok(figures)
}

/// One session through Janus: a room, six publishers, then each party's
/// subscriber to what Amaan's policy would forward to that role.
async fn janus_room(
    s: usize,
    api: Arc<API>,
    measure: Arc<Measure>,
    traffic: Traffic,
    ws: SocketAddr,
    ice_ip: IpAddr,
) -> anyhow::Result<Vec<Party>> {
    let plan = subscription_plan(&SIX);
    let room = 1000 + s as u64;
    let feed = |i: usize| (s as u64 + 1) * 100 + i as u64 + 1;
    let opened = futures_util::future::join_all(SIX.iter().map(|_| Party::open(&api, ws))).await;
    let mut room_parties = opened.into_iter().collect::<anyhow::Result<Vec<Party>>>()?;
    let first = &room_parties[0];
    create_room(&first.session, first.publisher_handle, room, SIX.len()).await?;
    let published = futures_util::future::join_all(
        room_parties
            .iter_mut()
            .zip(SIX)
            .enumerate()
            .map(|(i, (p, role))| p.publish(room, feed(i), role, traffic, &measure)),
    )
    .await;
    let mids = published.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    for p in &room_parties {
        if !p.publishing(Duration::from_secs(15)).await {
            anyhow::bail!("a publisher in room {room} did not connect to Janus in 15 s (Janus's ICE on {ice_ip})");
        }
    }
    let subscribed = futures_util::future::join_all(room_parties.iter_mut().zip(&plan).map(|(p, wanted)| {
        let streams: Vec<(u64, String)> =
            wanted.iter().map(|&(sender, kind)| (feed(sender), mids[sender].of(kind).to_string())).collect();
        let (api, measure) = (Arc::clone(&api), Arc::clone(&measure));
        async move { p.subscribe(&api, room, &streams, &measure).await }
    }))
    .await;
    for r in subscribed {
        r.with_context(|| format!("subscribing in room {room}"))?;
    }
    Ok(room_parties)
}

/// What one server did while measured.
#[derive(Debug, Clone)]
struct Figures {
    server: &'static str,
    wall: f64,
    received: u64,
    lost: u64,
    undelivered: u64,
    /// Packets the server says it dropped as too late (Amaan's counter).
    late: Option<u64>,
    cpu: f64,
    p50_us: u32,
    p99_us: u32,
    /// Datagrams the kernel dropped for want of buffer room at the
    /// server's sockets and at the peers' while measured.
    server_drops: Option<u64>,
    peer_drops: Option<u64>,
    /// Packets the peers sent the server.
    sent: u64,
}

impl Figures {
    fn received_per_s(&self) -> f64 {
        self.received as f64 / self.wall
    }
    fn loss_percent(&self) -> f64 {
        self.lost as f64 * 100.0 / (self.received + self.lost).max(1) as f64
    }
    fn undelivered_percent(&self) -> f64 {
        self.undelivered as f64 * 100.0 / (self.received + self.undelivered).max(1) as f64
    }
    fn cpu_percent(&self) -> f64 {
        self.cpu / self.wall * 100.0
    }
    /// What the server's sockets dropped, of what the peers sent it.
    fn server_drop_percent(&self) -> Option<f64> {
        self.server_drops.map(|d| d as f64 * 100.0 / self.sent.max(1) as f64)
    }
    /// What the peers' sockets dropped, of what reached them.
    fn peer_drop_percent(&self) -> Option<f64> {
        self.peer_drops.map(|d| d as f64 * 100.0 / (self.received + d).max(1) as f64)
    }
    fn us_per_forwarded(&self) -> f64 {
        self.cpu * 1e6 / self.received.max(1) as f64
    }
}

/// Warms up, measures `args.seconds` of the server `pid` and the tracks the
/// peers receive, and prints the figures.
async fn measured(
    server: &'static str,
    args: &VideoArgs,
    pid: u32,
    measure: &Measure,
    tracks: &[Tracks],
    sessions: usize,
    metrics: Option<&str>,
) -> Figures {
    let stat = format!("/proc/{pid}/stat");
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    for t in tracks {
        take_figures(t);
    }
    let late0 = packets_late(metrics).await;
    let (server0, peers0) = (receive_buffer_drops_of(&pid.to_string()), receive_buffer_drops_of("self"));
    let cpu0 = cpu_seconds_of(&stat);
    let own0 = cpu_seconds_of("/proc/self/stat");
    let t0 = Instant::now();
    measure.on.store(true, Ordering::Release);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measure.on.store(false, Ordering::Release);
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds_of(&stat) - cpu0;
    let own = cpu_seconds_of("/proc/self/stat") - own0;
    let (server1, peers1) = (receive_buffer_drops_of(&pid.to_string()), receive_buffer_drops_of("self"));
    let late1 = packets_late(metrics).await;
    let late = late0.zip(late1).map(|(a, b)| b.saturating_sub(a));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut received = 0u64;
    let mut lost = 0u64;
    let mut undelivered = 0u64;
    let mut latencies: Vec<u32> = Vec::new();
    let mut streams = 0usize;
    for t in tracks {
        for f in take_figures(t) {
            if f.received > 0 {
                streams += 1;
            }
            received += f.received;
            lost += f.lost();
            undelivered += f.undelivered();
            latencies.extend_from_slice(&f.latency_us);
        }
    }
    latencies.sort_unstable();
    let sent = measure.sent.load(Ordering::Relaxed);
    let sent_late = measure.sent_late.load(Ordering::Relaxed);
    let f = Figures {
        server,
        wall,
        received,
        lost,
        undelivered,
        late,
        cpu,
        p50_us: percentile(&latencies, 0.50),
        p99_us: percentile(&latencies, 0.99),
        server_drops: server0.zip(server1).map(|(a, b)| b.saturating_sub(a)),
        peer_drops: peers0.zip(peers1).map(|(a, b)| b.saturating_sub(a)),
        sent,
    };
    println!(
        "  measured {:.1} s: {} packets sent to the server, {} of {} forwarded streams received",
        wall,
        sent,
        streams,
        expected_streams(sessions)
    );
    println!(
        "  sent by the peers more than {} ms behind their own schedule: {} ({:.3} %); the most behind: {:.0} ms",
        SENT_LATE.as_millis(),
        sent_late,
        sent_late as f64 * 100.0 / sent.max(1) as f64,
        measure.sent_lag_max_us.load(Ordering::Relaxed) as f64 / 1000.0
    );
    println!(
        "  packets received {} ({:.0}/s); undelivered {} ({:.3} %) by the senders' own numbering; gaps in the forwarded sequence numbers {} ({:.3} %)",
        received,
        f.received_per_s(),
        undelivered,
        f.undelivered_percent(),
        lost,
        f.loss_percent()
    );
    if let Some(late) = late {
        println!("  dropped by the server as too late (its own count, before the fan-out): {late}");
    }
    let percent = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{p:.3} %"));
    println!(
        "  dropped by the kernel for want of receive-buffer room: at the server's sockets {} ({} of those sent), at the peers' {} ({} of those that reached them)",
        f.server_drops.map_or("-".to_string(), |d| d.to_string()),
        percent(f.server_drop_percent()),
        f.peer_drops.map_or("-".to_string(), |d| d.to_string()),
        percent(f.peer_drop_percent())
    );
    println!(
        "  server CPU {:.2} s in {:.1} s ({:.0} % of one core): {:.1} µs per forwarded packet, {:.1} µs per packet in or out",
        cpu,
        wall,
        f.cpu_percent(),
        f.us_per_forwarded(),
        cpu * 1e6 / (received + sent).max(1) as f64
    );
    println!(
        "  sender-to-receiver latency through the server: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        f64::from(f.p50_us) / 1000.0,
        f64::from(f.p99_us) / 1000.0,
        f64::from(latencies.last().copied().unwrap_or(0)) / 1000.0,
        latencies.len()
    );
    println!(
        "  (the {} synthetic peers in this process used {:.2} s of CPU meanwhile, on the same cores)",
        tracks.len(),
        own
    );
    f
}

/// The forwarder's count of packets dropped as too late, from `/metrics`
/// (a server without that address has none).
async fn packets_late(url: Option<&str>) -> Option<u64> {
    let url = url?.to_string();
    let text = tokio::task::spawn_blocking(move || ureq::get(&url).call().ok()?.into_string().ok()).await.ok()??;
    text.lines()
        .find_map(|l| l.strip_prefix(r#"amaan_video_forwarder{what="packets_late"} "#))
        .and_then(|v| v.trim().parse().ok())
}

/// The servers' figures side by side, and each one's CPU per forwarded
/// packet against Janus's when Janus ran.
fn side_by_side(all: &[Figures]) {
    println!();
    println!(
        "{:<8} {:>14} {:>13} {:>8} {:>11} {:>10} {:>11} {:>12} {:>14} {:>9} {:>9}",
        "server",
        "fwd pkt/s recv",
        "undelivered %",
        "gaps %",
        "late in/s",
        "srv drop %",
        "peer drop %",
        "CPU % core",
        "µs CPU/fwd pkt",
        "p50 ms",
        "p99 ms"
    );
    for f in all {
        println!(
            "{:<8} {:>14.0} {:>13.3} {:>8.3} {:>11} {:>10} {:>11} {:>12.0} {:>14.2} {:>9.2} {:>9.2}",
            f.server,
            f.received_per_s(),
            f.undelivered_percent(),
            f.loss_percent(),
            f.late.map_or("-".to_string(), |n| format!("{:.0}", n as f64 / f.wall)),
            f.server_drop_percent().map_or("-".to_string(), |p| format!("{p:.3}")),
            f.peer_drop_percent().map_or("-".to_string(), |p| format!("{p:.3}")),
            f.cpu_percent(),
            f.us_per_forwarded(),
            f64::from(f.p50_us) / 1000.0,
            f64::from(f.p99_us) / 1000.0
        );
    }
    if let Some(janus) = all.iter().find(|f| f.server == "Janus") {
        for f in all.iter().filter(|f| f.server != "Janus") {
            println!(
                "{}/{} µs CPU per forwarded packet: {:.2}×",
                f.server,
                janus.server,
                f.us_per_forwarded() / janus.us_per_forwarded().max(f64::MIN_POSITIVE)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        video: VideoArgs,
    }

    fn args(line: &[&str]) -> VideoArgs {
        let mut all = vec!["video"];
        all.extend_from_slice(line);
        Cli::try_parse_from(all).map(|c| c.video).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn both_servers_sit_in_the_namespace_so_neither_rides_on_loopback() {
        let both = placement(&args(&["--server", "both"]), None);
        assert_eq!(both, Placement { amaan_inside: true, others_inside: true });
        let sqlite = placement(&args(&["--server", "both"]), Some("/tmp/x/amaan.db"));
        assert_eq!(sqlite, both);
        assert_eq!(
            placement(&args(&["--server", "janus"]), None),
            Placement { amaan_inside: false, others_inside: true }
        );
        assert_eq!(placement(&args(&[]), None), Placement { amaan_inside: true, others_inside: false });
        assert_eq!(placement(&args(&["--server", "all"]), None), both);
        assert_eq!(
            placement(&args(&["--server", "str0m"]), None),
            Placement { amaan_inside: false, others_inside: true }
        );
    }

    #[test]
    fn janus_ip_keeps_the_old_way_and_postgres_keeps_amaan_on_loopback() {
        let here = placement(&args(&["--server", "both", "--janus-ip", "192.0.2.7"]), None);
        assert_eq!(here, Placement { amaan_inside: false, others_inside: false });
        assert!(!here.needs_namespace());
        let pg = placement(&args(&["--server", "both"]), Some("postgres://postgres@127.0.0.1/amaan"));
        assert_eq!(pg, Placement { amaan_inside: false, others_inside: true });
    }
}
