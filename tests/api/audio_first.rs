//! Audio first on a throttled link. The court's receiver is a webrtc-rs
//! peer whose sockets live in a network namespace this test makes, joined
//! to the server's by a veth pair; a `tbf` qdisc on the server's end of the
//! pair throttles what is forwarded to it. (This kernel has no `netem`, so
//! the link is throttled by rate, not by random loss: what does not fit is
//! dropped at the queue, as on a congested uplink.)
//!
//! The test needs root (namespaces, links, qdiscs) and `ip`/`tc`; without
//! them it says why and does nothing. `.ci/run` runs as root.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{no_channels, spawn_app_on, Court, TestApp};
use crate::video::{eventually, invite, set_state, video_session, Client, Options};

/// What the child sends: about 60 kbit/s of audio, 420 kbit/s of video.
const AUDIO_BYTES: usize = 80;
const VIDEO_BYTES: usize = 1000;
/// Room for the audio, not for the video beside it.
const THROTTLE: &str = "160kbit";

/// A network namespace with a veth pair to this one, and a runtime whose
/// threads are in it. Removed on drop.
struct Netns {
    name: String,
    /// Our end of the pair, where the throttle sits.
    link: String,
    ours: Ipv4Addr,
    theirs: Ipv4Addr,
    runtime: Option<tokio::runtime::Handle>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

fn run(args: &[&str]) -> Result<(), String> {
    let (cmd, rest) = args.split_first().ok_or("no command")?;
    match Command::new(cmd).args(rest).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("`{}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("`{}` could not run: {e}", args.join(" "))),
    }
}

impl Netns {
    /// The reason it cannot be made here, if it cannot.
    fn make() -> Result<Netns, String> {
        if !nix::unistd::geteuid().is_root() {
            return Err("not root: a network namespace, a veth pair and a qdisc need root".into());
        }
        let pid = std::process::id();
        // A /30 of its own per test process, so parallel runs do not collide.
        let (a, b) = (((pid >> 6) & 0xff) as u8, ((pid & 0x3f) << 2) as u8);
        let mut ns = Netns {
            name: format!("amaan-af-{pid}"),
            link: format!("af{pid}a"),
            ours: Ipv4Addr::new(10, 231, a, b + 1),
            theirs: Ipv4Addr::new(10, 231, a, b + 2),
            runtime: None,
            stop: None,
        };
        let peer = format!("af{pid}b");
        let (ours, theirs) = (format!("{}/30", ns.ours), format!("{}/30", ns.theirs));
        run(&["ip", "netns", "add", ns.name.as_str()]).map_err(|e| format!("network namespaces unavailable: {e}"))?;
        // From here on, `ns` removes what was made when dropped.
        for step in [
            vec!["ip", "link", "add", ns.link.as_str(), "type", "veth", "peer", "name", peer.as_str()],
            vec!["ip", "link", "set", peer.as_str(), "netns", ns.name.as_str()],
            vec!["ip", "addr", "add", ours.as_str(), "dev", ns.link.as_str()],
            vec!["ip", "link", "set", ns.link.as_str(), "up"],
            vec!["ip", "-n", ns.name.as_str(), "addr", "add", theirs.as_str(), "dev", peer.as_str()],
            vec!["ip", "-n", ns.name.as_str(), "link", "set", peer.as_str(), "up"],
            vec!["ip", "-n", ns.name.as_str(), "link", "set", "lo", "up"],
        ] {
            run(&step).map_err(|e| format!("a veth pair into a namespace could not be made: {e}"))?;
        }
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let path = format!("/var/run/netns/{}", ns.name);
        std::thread::spawn(move || {
            // The namespace is this thread's; the runtime's threads, made
            // from it, inherit it, and so does every socket they make.
            let entered = std::fs::File::open(&path)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    nix::sched::setns(f.as_raw_fd(), nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| e.to_string())
                })
                .and_then(|()| {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())
                });
            match entered {
                Ok(runtime) => {
                    let _ = handle_tx.send(Ok(runtime.handle().clone()));
                    runtime.block_on(async move {
                        let _ = stopped.await;
                    });
                }
                Err(e) => {
                    let _ = handle_tx.send(Err(format!("could not enter the namespace: {e}")));
                }
            }
        });
        ns.runtime = Some(handle_rx.recv().map_err(|e| e.to_string())??);
        ns.stop = Some(stop);
        Ok(ns)
    }

    fn peer_options(&self) -> Options {
        Options { netns: self.runtime.clone().map(|r| (r, IpAddr::V4(self.theirs))), ..Options::default() }
    }

    fn throttle(&self, rate: &str) {
        run(&[
            "tc",
            "qdisc",
            "replace",
            "dev",
            self.link.as_str(),
            "root",
            "tbf",
            "rate",
            rate,
            "burst",
            "4kb",
            "latency",
            "50ms",
        ])
        .expect("the link is throttled");
    }

    fn lift(&self) {
        run(&["tc", "qdisc", "del", "dev", self.link.as_str(), "root"]).expect("the throttle is lifted");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        drop(self.stop.take());
        // Deleting one end of a veth pair deletes both.
        let _ = run(&["ip", "link", "del", self.link.as_str()]);
        let _ = run(&["ip", "netns", "del", self.name.as_str()]);
    }
}

/// The judge's link as the support officer's console shows it.
async fn judges_link(app: &TestApp, court: &Court, session_id: i64, judge_id: i64) -> Value {
    let (_, s) = app.get(&format!("/api/video-sessions/{session_id}"), Some(&court.support)).await;
    s["participants"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["id"] == judge_id))
        .map(|p| p["link"].clone())
        .unwrap_or_default()
}

async fn until_link(
    app: &TestApp,
    court: &Court,
    session_id: i64,
    judge_id: i64,
    what: &str,
    f: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..300 {
        let link = judges_link(app, court, session_id, judge_id).await;
        if f(&link) {
            return link;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Whether each number follows the one before it.
fn gaps(numbers: &[u16]) -> Vec<(u16, u16)> {
    numbers.windows(2).filter(|w| w[1] != w[0].wrapping_add(1)).map(|w| (w[0], w[1])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_throttled_link_the_court_hears_the_child_intact_while_video_is_shed_and_restored() {
    let ns = match Netns::make() {
        Ok(ns) => ns,
        Err(why) => {
            eprintln!("SKIPPED on_a_throttled_link…: {why}");
            return;
        }
    };
    // The node gathers candidates on loopback (for the child) and on its
    // end of the pair (for the judge in the namespace).
    let node = amaan::config::NodeSettings {
        media_ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V4(ns.ours)],
        ..amaan::config::NodeSettings::single()
    };
    let app = spawn_app_on(no_channels(), node).await;
    let court = app.court("Audio First Court").await;
    let session = video_session(&app, &court).await;
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let (judge_id, judge_token) = invite(&app, &court, &session, "judge", "Judge Rahman").await;

    let judge = Client::open(&app, session.id, &judge_token, judge_id, ns.peer_options()).await;
    let child = Client::open(
        &app,
        session.id,
        &child_token,
        child_id,
        Options { audio_bytes: AUDIO_BYTES, video_bytes: VIDEO_BYTES, ..Options::default() },
    )
    .await;
    set_state(&app, &court.support, &session, "live").await;
    eventually("the judge, across the pair, sees the child", || judge.count(&child, "video") > 50).await;
    eventually("the judge hears the child", || judge.count(&child, "audio") > 50).await;
    let link = until_link(&app, &court, session.id, judge_id, "the judge's link reports", |l| l.is_object()).await;
    assert_eq!(link["video_shed"], false, "{link}");

    // The link now carries the audio but not the video beside it.
    ns.throttle(THROTTLE);
    let link =
        until_link(&app, &court, session.id, judge_id, "video to the judge is shed", |l| l["video_shed"] == true).await;
    let sheds = link["video_sheds"].clone();
    assert_eq!(sheds, 1, "{link}");
    let (_, metrics) = app.get("/metrics", None).await;
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    let shed_line = format!("amaan_video_link{{measure=\"video_shed\",participant=\"{judge_id}\",role=\"judge\",");
    assert!(metrics.lines().any(|l| l.starts_with(&shed_line) && l.ends_with(" 1")), "{metrics}");

    // What was queued before the shed drains; then, for two seconds, every
    // audio packet of the child arrives and no video does. (The first
    // hold before video may come back is four seconds: `audio_first`.)
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (audio_from, video_from) = (judge.numbers(&child, "audio").len(), judge.numbers(&child, "video"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (audio, video) = (judge.numbers(&child, "audio"), judge.numbers(&child, "video"));
    let link = judges_link(&app, &court, session.id, judge_id).await;
    assert!(link["video_shed"] == true && link["video_sheds"] == sheds, "shed throughout the window: {link}");
    let heard = &audio[audio_from..];
    assert!(heard.len() >= 60, "the child's audio kept coming while video was shed: {} packets", heard.len());
    assert_eq!(gaps(heard), Vec::<(u16, u16)>::new(), "the child's audio to the court has no gap while video is shed");
    let newest = |v: &[u16]| v.iter().copied().max().unwrap_or(0);
    assert_eq!(newest(&video), newest(&video_from), "no new video reached the judge while shed");
    // The judge's webrtc-rs peer asks again every 100 ms for what the
    // throttle dropped; none of it is sent while shed.
    assert_eq!(
        video.len(),
        video_from.len(),
        "no video packet, not even a retransmission, reached the judge while shed"
    );

    // The throttle is lifted: video comes back by itself.
    ns.lift();
    let before = video.len();
    until_link(&app, &court, session.id, judge_id, "video to the judge is restored", |l| l["video_shed"] == false)
        .await;
    eventually("the judge sees the child again", || judge.count(&child, "video") as usize > before + 50).await;
    let video = judge.numbers(&child, "video");
    assert!(newest(&video) > newest(&video_from), "new video after the restore");
    let audio_now = judge.numbers(&child, "audio");
    assert!(audio_now.len() > audio.len(), "the audio goes on");

    judge.hang_up().await;
    child.hang_up().await;
    drop(ns);
}
