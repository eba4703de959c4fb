//! `amaan bench video`: N concurrent live 6-party sessions (child, judge,
//! prosecutor, defence counsel, accused, support officer), every party
//! sending about 1 Mbit/s of VP8-shaped video and 50 audio packets a second
//! through the server on loopback. Each packet carries its send time; the
//! receiving peers measure latency and, from RTP sequence numbers, loss.
//! The server runs in its own process, so its CPU time is its own.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::video_rig::{cpu_seconds_of, percentile, rtc_api, Measure, Peer, Rig, Traffic, SIX};

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
    /// Keep the scratch directory and database afterwards.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(args: &VideoArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    let rig = Rig::start("video", database_url, data_dir, args.sfu_threads, args.keep)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.peer_threads.max(1)).enable_all().build()?;
    runtime.block_on(load(args, &rig))
}

async fn load(args: &VideoArgs, rig: &Rig) -> anyhow::Result<()> {
    let sessions = rig.sessions(args.sessions.max(1), SIX.len(), &SIX)?;
    let traffic = Traffic { video_bps: args.video_kbps.saturating_mul(1000), ..Traffic::MEETING };
    let api = Arc::new(rtc_api()?);
    let measure = Arc::new(Measure::default());
    let mut peers = Vec::new();
    let joining = Instant::now();
    for (sid, invites) in &sessions {
        let joins = invites.iter().map(|invite| {
            let (api, measure, invite, port, sid) =
                (Arc::clone(&api), Arc::clone(&measure), invite.clone(), rig.port, *sid);
            tokio::spawn(async move { Peer::join(&api, port, sid, &invite, traffic, measure).await })
        });
        for j in futures_util::future::join_all(joins).await {
            peers.push(j??);
        }
    }
    let mut up = 0;
    for p in &peers {
        if p.connected(Duration::from_secs(15)).await {
            up += 1;
        }
    }
    println!(
        "video bench: {} sessions x 6 parties = {} peers ({} connected) in {:.1} s; {} kbit/s video + 50 audio pkt/s per sender; server pid {} with {} forwarding threads",
        sessions.len(),
        peers.len(),
        up,
        joining.elapsed().as_secs_f64(),
        args.video_kbps,
        rig.pid(),
        args.sfu_threads
    );
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    for p in &peers {
        p.take_figures();
    }
    let cpu0 = rig.cpu_seconds();
    let own0 = cpu_seconds_of("/proc/self/stat");
    let t0 = Instant::now();
    measure.on.store(true, Ordering::Release);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measure.on.store(false, Ordering::Release);
    let wall = t0.elapsed().as_secs_f64();
    let cpu = rig.cpu_seconds() - cpu0;
    let own = cpu_seconds_of("/proc/self/stat") - own0;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut received = 0u64;
    let mut lost = 0u64;
    let mut latencies: Vec<u32> = Vec::new();
    let mut tracks = 0usize;
    for p in &peers {
        for f in p.take_figures() {
            if f.received > 0 {
                tracks += 1;
            }
            received += f.received;
            lost += f.lost();
            latencies.extend_from_slice(&f.latency_us);
        }
    }
    latencies.sort_unstable();
    let sent = measure.sent.load(Ordering::Relaxed);
    let forwarded = received + lost;
    println!("  measured {:.1} s: {} packets sent to the server, {} forwarded tracks received", wall, sent, tracks);
    println!(
        "  packets received {} ({:.0}/s), lost {} ({:.3} %)",
        received,
        received as f64 / wall,
        lost,
        lost as f64 * 100.0 / forwarded.max(1) as f64
    );
    println!(
        "  server CPU {:.2} s in {:.1} s ({:.0} % of one core): {:.1} µs per forwarded packet, {:.1} µs per packet in or out",
        cpu,
        wall,
        cpu / wall * 100.0,
        cpu * 1e6 / received.max(1) as f64,
        cpu * 1e6 / (received + sent).max(1) as f64
    );
    println!(
        "  sender-to-receiver latency through the server: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        f64::from(percentile(&latencies, 0.50)) / 1000.0,
        f64::from(percentile(&latencies, 0.99)) / 1000.0,
        f64::from(latencies.last().copied().unwrap_or(0)) / 1000.0,
        latencies.len()
    );
    println!(
        "  (the {} synthetic peers in this process used {:.2} s of CPU meanwhile, on the same cores)",
        peers.len(),
        own
    );
    futures_util::future::join_all(peers.into_iter().map(Peer::close)).await;
    Ok(())
}
