//! `amaan bench video-soak`: participants join and leave in batches — each
//! a real WebRTC peer that opens the signalling socket, joins, negotiates
//! audio and video with the server, connects (ICE + DTLS), sends and
//! receives for a moment and hangs up — and the server's resident memory,
//! threads and open files are printed before (after a warm-up) and after.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::video_rig::{rtc_api, Invite, Measure, Peer, Rig, Traffic, SIX};

#[derive(clap::Args, Debug, Clone)]
pub struct SoakArgs {
    /// Participants who join and leave after the warm-up.
    #[arg(long, default_value_t = 1000)]
    pub participants: usize,
    /// Participants who join and leave before the first measurement: the
    /// allocator's and the runtimes' high-water mark settles after ~200.
    #[arg(long, default_value_t = 200)]
    pub warmup: usize,
    /// Participants connected at once (one batch).
    #[arg(long, default_value_t = 20)]
    pub batch: usize,
    /// Sessions the participants are spread over.
    #[arg(long, default_value_t = 10)]
    pub sessions: usize,
    /// Milliseconds each batch stays connected once up.
    #[arg(long, default_value_t = 500)]
    pub hold_ms: u64,
    /// Forwarding threads of the server.
    #[arg(long, default_value_t = 2)]
    pub sfu_threads: usize,
    /// Keep the scratch directory and database afterwards.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(args: &SoakArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    let rig = Rig::start("video-soak", database_url, data_dir, args.sfu_threads, args.keep, None)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(soak(args, &rig))
}

#[derive(Default)]
struct Tally {
    joined: usize,
    connected: usize,
    received_media: usize,
    failed: usize,
}

async fn batches(rig: &Rig, invites: &[(i64, Invite)], args: &SoakArgs, tally: &mut Tally) -> anyhow::Result<()> {
    let api = Arc::new(rtc_api()?);
    let measure = Arc::new(Measure::default());
    for chunk in invites.chunks(args.batch.max(1)) {
        let joins = chunk.iter().map(|(sid, invite)| {
            let api = Arc::clone(&api);
            let measure = Arc::clone(&measure);
            let invite = invite.clone();
            let (server, sid) = (rig.addr, *sid);
            tokio::spawn(async move { Peer::join(&api, server, sid, &invite, Traffic::TRICKLE, measure).await })
        });
        let mut peers = Vec::new();
        for j in futures_util::future::join_all(joins).await {
            match j {
                Ok(Ok(p)) => peers.push(p),
                Ok(Err(e)) => {
                    tally.failed += 1;
                    if tally.failed <= 3 {
                        eprintln!("  a join failed: {e:#}");
                    }
                }
                Err(e) => {
                    tally.failed += 1;
                    eprintln!("  a join task failed: {e}");
                }
            }
        }
        tally.joined += peers.len();
        for p in &peers {
            if p.connected(Duration::from_secs(10)).await {
                tally.connected += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(args.hold_ms)).await;
        tally.received_media += peers.iter().filter(|p| p.received_tracks() > 0).count();
        futures_util::future::join_all(peers.into_iter().map(Peer::close)).await;
    }
    Ok(())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn soak(args: &SoakArgs, rig: &Rig) -> anyhow::Result<()> {
    let sessions = args.sessions.max(1);
    let total = args.participants + args.warmup;
    let per_session = total.div_ceil(sessions);
    let made = rig.sessions(sessions, per_session, &SIX)?;
    // Interleave the sessions so that every batch touches several of them.
    let mut all: Vec<(i64, Invite)> = Vec::new();
    for i in 0..per_session {
        for (sid, invites) in &made {
            if let Some(inv) = invites.get(i) {
                all.push((*sid, inv.clone()));
            }
        }
    }
    all.truncate(total);
    let (warm, rest) = all.split_at(args.warmup.min(all.len()));
    println!(
        "video soak: {} participants in batches of {} over {} live sessions (warm-up {}), server pid {}",
        rest.len(),
        args.batch,
        sessions,
        warm.len(),
        rig.pid()
    );
    println!(
        "  at start:        RSS {:>8.1} MiB  threads {:>4}  open files {:>5}",
        mib(rig.rss_kib()),
        rig.threads(),
        rig.open_files()
    );
    let mut tally = Tally::default();
    batches(rig, warm, args, &mut tally).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = rig.rss_kib();
    let (threads_before, files_before) = (rig.threads(), rig.open_files());
    println!(
        "  after warm-up:   RSS {:>8.1} MiB  threads {:>4}  open files {:>5}",
        mib(before),
        threads_before,
        files_before
    );
    let started = Instant::now();
    let mut tally = Tally::default();
    let step = (rest.len() / 5).max(args.batch.max(1));
    for (i, part) in rest.chunks(step).enumerate() {
        batches(rig, part, args, &mut tally).await?;
        println!(
            "  after {:>5} more: RSS {:>8.1} MiB  threads {:>4}  open files {:>5}  ({:.0} s)",
            (i * step + part.len()),
            mib(rig.rss_kib()),
            rig.threads(),
            rig.open_files(),
            started.elapsed().as_secs_f64()
        );
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rig.rss_kib();
    let growth = (after as f64 - before as f64) / before.max(1) as f64 * 100.0;
    println!(
        "  settled (3 s):   RSS {:>8.1} MiB  threads {:>4}  open files {:>5}",
        mib(after),
        rig.threads(),
        rig.open_files()
    );
    println!(
        "  joined {} / connected (ICE+DTLS) {} / received media {} / failed {} in {:.0} s ({:.1} joins/s)",
        tally.joined,
        tally.connected,
        tally.received_media,
        tally.failed,
        elapsed.as_secs_f64(),
        tally.joined as f64 / elapsed.as_secs_f64().max(0.001)
    );
    println!(
        "  server RSS after the warm-up {:.1} MiB, after the soak {:.1} MiB: {:+.1} % (bound ±10 %: {})",
        mib(before),
        mib(after),
        growth,
        if growth.abs() <= 10.0 { "within" } else { "EXCEEDED" }
    );
    Ok(())
}
