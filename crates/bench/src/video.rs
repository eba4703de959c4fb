//! `amaan bench video`: N concurrent live 6-party sessions (child, judge,
//! prosecutor, defence counsel, accused, support officer), every party
//! sending about 1 Mbit/s of VP8-shaped video and 50 audio packets a second
//! through the server on loopback. Each packet carries its send time; the
//! receiving peers measure latency and, from RTP sequence numbers, loss.
//! The server runs in its own process, so its CPU time is its own.
//!
//! `--server janus|both` puts the same load through Janus's videoroom, each
//! party subscribed to exactly what Amaan forwards to its role, and `both`
//! prints the two side by side.

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::janus::{self, Janus};
use super::janus_peer::{create_room, subscription_plan, Party};
use super::video_rig::{
    cpu_seconds_of, percentile, rtc_api, rtc_api_on, take_figures, Measure, Peer, Rig, Tracks, Traffic, SIX,
};
use amaan::media::shards::Shards;
use webrtc::api::API;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Amaan,
    Janus,
    /// Amaan, then Janus with the same parameters, side by side.
    Both,
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
    /// The address Janus and its peers use for ICE; default this machine's
    /// own IPv4 address, since Janus gathers no candidates on loopback.
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
}

pub fn run(args: &VideoArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    // Before anything runs, so that `both` does not fail halfway.
    let install = match args.server {
        Server::Amaan => None,
        Server::Janus | Server::Both => Some(janus::installed()?),
    };
    // Orchestration only; the peers run on shards, each holding whole
    // sessions, as the server's forwarding threads do, so that the peers'
    // own thread hand-overs do not take the cores from the server.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let shards = Shards::start(args.peer_threads, "peer")?;
    let mut results = Vec::new();
    if args.server != Server::Janus {
        let rig = Rig::start("video", database_url, data_dir, args.sfu_threads, args.keep)?;
        results.push(runtime.block_on(through_amaan(args, &rig, &shards))?);
        drop(rig);
    }
    if let Some(install) = install {
        if !results.is_empty() {
            // Let the first run's peers and server wind down off the cores.
            std::thread::sleep(Duration::from_secs(2));
        }
        let ip = match args.janus_ip {
            Some(ip) => ip,
            None => janus::own_address()?,
        };
        if !ip.is_loopback() {
            println!(
                "(Janus skips loopback interfaces when gathering ICE candidates, so Janus and its peers use this machine's address {ip}; the kernel still carries the packets over its loopback device)"
            );
        }
        let janus = Janus::start(&install, data_dir, ip, args.janus_event_loops, args.keep)?;
        results.push(runtime.block_on(through_janus(args, &janus, &shards))?);
    }
    if let [amaan, janus] = &results[..] {
        side_by_side(amaan, janus);
    }
    Ok(())
}

fn traffic(args: &VideoArgs) -> Traffic {
    Traffic { video_bps: args.video_kbps.saturating_mul(1000), ..Traffic::MEETING }
}

/// Streams a server should forward for `sessions` live six-party sessions.
fn expected_streams(sessions: usize) -> usize {
    sessions * subscription_plan(&SIX).iter().map(Vec::len).sum::<usize>()
}

async fn through_amaan(args: &VideoArgs, rig: &Rig, shards: &Shards) -> anyhow::Result<Figures> {
    let sessions = rig.sessions(args.sessions.max(1), SIX.len(), &SIX)?;
    let api = Arc::new(rtc_api()?);
    let measure = Arc::new(Measure::default());
    let mut peers = Vec::new();
    let joining = Instant::now();
    for (sid, invites) in &sessions {
        let joins = invites.iter().map(|invite| {
            let (api, measure, invite, port, sid) =
                (Arc::clone(&api), Arc::clone(&measure), invite.clone(), rig.port, *sid);
            let traffic = traffic(args);
            let failed = Err(anyhow::anyhow!("the peers' runtime stopped"));
            shards.run(sid, async move { Peer::join(&api, port, sid, &invite, traffic, measure).await }, failed)
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
        "video bench, Amaan: {} sessions x 6 parties = {} peers ({} connected) in {:.1} s; {} kbit/s video + 50 audio pkt/s per sender; server pid {} with {} forwarding threads",
        sessions.len(),
        peers.len(),
        up,
        joining.elapsed().as_secs_f64(),
        args.video_kbps,
        rig.pid(),
        args.sfu_threads
    );
    let tracks: Vec<Tracks> = peers.iter().map(|p| Arc::clone(&p.tracks)).collect();
    let figures = measured("Amaan", args, rig.pid(), &measure, &tracks, sessions.len()).await;
    futures_util::future::join_all(peers.into_iter().map(Peer::close)).await;
    Ok(figures)
}

async fn through_janus(args: &VideoArgs, janus: &Janus, shards: &Shards) -> anyhow::Result<Figures> {
    let api = Arc::new(rtc_api_on(janus.ice_ip)?);
    let measure = Arc::new(Measure::default());
    let sessions = args.sessions.max(1);
    let mut parties: Vec<Party> = Vec::new();
    let joining = Instant::now();
    for s in 0..sessions {
        let (api, measure, traffic, port, ip) =
            (Arc::clone(&api), Arc::clone(&measure), traffic(args), janus.ws_port, janus.ice_ip);
        let failed = Err(anyhow::anyhow!("the peers' runtime stopped"));
        let key = i64::try_from(s).unwrap_or(0);
        parties.extend(shards.run(key, janus_room(s, api, measure, traffic, port, ip), failed).await?);
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
    let figures = measured("Janus", args, janus.pid(), &measure, &tracks, sessions).await;
    futures_util::future::join_all(parties.into_iter().map(Party::close)).await;
    Ok(figures)
}

/// One session through Janus: a room, six publishers, then each party's
/// subscriber to what Amaan's policy would forward to that role.
async fn janus_room(
    s: usize,
    api: Arc<API>,
    measure: Arc<Measure>,
    traffic: Traffic,
    ws_port: u16,
    ice_ip: IpAddr,
) -> anyhow::Result<Vec<Party>> {
    let plan = subscription_plan(&SIX);
    let room = 1000 + s as u64;
    let feed = |i: usize| (s as u64 + 1) * 100 + i as u64 + 1;
    let opened = futures_util::future::join_all(SIX.iter().map(|_| Party::open(&api, ws_port))).await;
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
            anyhow::bail!(
                "a publisher in room {room} did not connect to Janus in 15 s (ICE on {ice_ip}; Janus skips loopback interfaces)"
            );
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
    cpu: f64,
    p50_us: u32,
    p99_us: u32,
}

impl Figures {
    fn received_per_s(&self) -> f64 {
        self.received as f64 / self.wall
    }
    fn loss_percent(&self) -> f64 {
        self.lost as f64 * 100.0 / (self.received + self.lost).max(1) as f64
    }
    fn cpu_percent(&self) -> f64 {
        self.cpu / self.wall * 100.0
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
) -> Figures {
    let stat = format!("/proc/{pid}/stat");
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    for t in tracks {
        take_figures(t);
    }
    let cpu0 = cpu_seconds_of(&stat);
    let own0 = cpu_seconds_of("/proc/self/stat");
    let t0 = Instant::now();
    measure.on.store(true, Ordering::Release);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measure.on.store(false, Ordering::Release);
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds_of(&stat) - cpu0;
    let own = cpu_seconds_of("/proc/self/stat") - own0;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut received = 0u64;
    let mut lost = 0u64;
    let mut latencies: Vec<u32> = Vec::new();
    let mut streams = 0usize;
    for t in tracks {
        for f in take_figures(t) {
            if f.received > 0 {
                streams += 1;
            }
            received += f.received;
            lost += f.lost();
            latencies.extend_from_slice(&f.latency_us);
        }
    }
    latencies.sort_unstable();
    let sent = measure.sent.load(Ordering::Relaxed);
    let f = Figures {
        server,
        wall,
        received,
        lost,
        cpu,
        p50_us: percentile(&latencies, 0.50),
        p99_us: percentile(&latencies, 0.99),
    };
    println!(
        "  measured {:.1} s: {} packets sent to the server, {} of {} forwarded streams received",
        wall,
        sent,
        streams,
        expected_streams(sessions)
    );
    println!(
        "  packets received {} ({:.0}/s), lost {} ({:.3} %)",
        received,
        f.received_per_s(),
        lost,
        f.loss_percent()
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

fn side_by_side(a: &Figures, b: &Figures) {
    println!();
    println!(
        "{:<8} {:>14} {:>8} {:>12} {:>14} {:>9} {:>9}",
        "server", "fwd pkt/s recv", "loss %", "CPU % core", "µs CPU/fwd pkt", "p50 ms", "p99 ms"
    );
    for f in [a, b] {
        println!(
            "{:<8} {:>14.0} {:>8.3} {:>12.0} {:>14.2} {:>9.2} {:>9.2}",
            f.server,
            f.received_per_s(),
            f.loss_percent(),
            f.cpu_percent(),
            f.us_per_forwarded(),
            f64::from(f.p50_us) / 1000.0,
            f64::from(f.p99_us) / 1000.0
        );
    }
    println!(
        "{}/{} µs CPU per forwarded packet: {:.2}×",
        a.server,
        b.server,
        a.us_per_forwarded() / b.us_per_forwarded().max(f64::MIN_POSITIVE)
    );
}
