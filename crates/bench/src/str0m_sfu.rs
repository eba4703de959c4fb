//! `amaan-bench str0m-sfu`: a forwarder of the benchmark's own on str0m,
//! the Sans-IO WebRTC library our stack names as the fallback to webrtc-rs.
//! It exists to measure that fallback under the video benchmark's load
//! before anyone switches: the same peers, the same streams (each party
//! subscribed to what Amaan's policy forwards to its role), the same
//! network namespace, its own process.
//!
//! It is shaped like Janus's videoroom with `event_loops`: each thread owns
//! one UDP socket and whole sessions, and does everything for a packet in
//! one pass (read, decrypt, encrypt for each receiver, send) with no queue
//! between tasks, so that what it cannot keep up with stays in the
//! kernel's socket buffer. Each party has a publishing and a subscribing
//! connection, both offered by the peer over plain HTTP: `POST /join` with
//! `{"session", "party", "streams", "offer"}`, where `streams` lists the
//! (sender party, kind) of each receiving m-line in order, or is empty for
//! a publisher; the answer's SDP comes back as the body.
//!
//! Not a server of Amaan's: it has no policy engine, no signalling socket
//! and no guard. With `--record-dir` it records what Amaan records in a
//! live session under the default order (the child's audio and video, the
//! judge's and the questioning prosecutor's audio) through Amaan's own
//! sealed recorder, since Amaan's figures include that work; without it its
//! figures say what str0m alone costs per forwarded packet.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use str0m::change::SdpOffer;
use str0m::media::Mid;
use str0m::net::{Protocol, Receive};
use str0m::rtp::{RtpWrite, Ssrc};
use str0m::{Candidate, Event, Input, Output, Rtc};

use super::child::wait_ready;
use super::janus_peer::Kind;
use super::video_rig::SIX;
use amaan::domain::video::SessionState;
use amaan::domain::visibility::{self, Channel, Order};
use amaan::media::recorder::{Container, Recording, Subject};
use amaan::media::str0m_sfu::codec::as_webrtc;
use amaan::vault::MasterKey;

#[derive(clap::Args, Debug, Clone)]
pub struct Str0mArgs {
    /// Where the HTTP join endpoint listens; the UDP sockets take the same IP.
    #[arg(long)]
    pub listen: SocketAddr,
    /// Forwarding threads, each with its own UDP socket and whole sessions.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Record what Amaan would record, sealed with a key of the run's own,
    /// under this directory.
    #[arg(long)]
    pub record_dir: Option<std::path::PathBuf>,
}

/// A join as the peer posts it.
#[derive(Debug, Deserialize)]
pub(crate) struct Join {
    pub session: usize,
    pub party: usize,
    /// (sender party, "audio" | "video") of each receiving m-line, in order.
    pub streams: Vec<(usize, String)>,
    pub offer: String,
}

fn kind_of(name: &str) -> anyhow::Result<Kind> {
    match name {
        "audio" => Ok(Kind::Audio),
        "video" => Ok(Kind::Video),
        other => bail!("unknown kind {other:?}"),
    }
}

/// The mids of an SDP's m-lines, in order.
fn mids(sdp: &str) -> Vec<Mid> {
    sdp.lines().filter_map(|l| l.trim().strip_prefix("a=mid:")).map(Mid::from).collect()
}

/// What a connection is for.
enum Purpose {
    /// The party's own audio and video come in on it, and go to its
    /// recordings, if any.
    Publishing { kinds: HashMap<Mid, Kind>, by_ssrc: HashMap<Ssrc, Kind>, recordings: Vec<(Kind, Recording)> },
    /// Others' streams go out on it, each on its m-line.
    Subscribing { mids: Vec<((usize, Kind), Mid)> },
}

/// (session, sender party, kind) -> each receiving connection and its mid.
type Routes = HashMap<(usize, usize, Kind), Vec<(usize, Mid)>>;

struct Client {
    rtc: Rtc,
    session: usize,
    party: usize,
    purpose: Purpose,
    wake: Instant,
}

/// Where and with which key the forwarder records.
struct Recorder {
    dir: std::path::PathBuf,
    key: MasterKey,
}

impl Recorder {
    /// The recordings Amaan makes of party `party` (a role of `SIX`) in a
    /// live session under the default order.
    fn start(&self, session: usize, party: usize) -> anyhow::Result<Vec<(Kind, Recording)>> {
        let role = SIX[party % SIX.len()];
        let media = visibility::recorded(role, Channel::Main, SessionState::Live, &Order::default());
        let mut out = Vec::new();
        for (kind, wanted, container) in
            [(Kind::Audio, media.audio, Container::Ogg), (Kind::Video, media.video, Container::Ivf { vp9: false })]
        {
            if !wanted {
                continue;
            }
            let subject = Subject {
                session_id: i64::try_from(session)?,
                participant_id: i64::try_from(party)?,
                role,
                track: u64::from(kind == Kind::Video),
            };
            out.push((kind, Recording::start(&self.dir, &self.key, subject, container).map_err(|e| anyhow!(e))?));
        }
        Ok(out)
    }
}

pub fn run(args: &Str0mArgs) -> anyhow::Result<()> {
    str0m::crypto::from_feature_flags().install_process_default();
    let recorder = args.record_dir.clone().map(|dir| Recorder { dir, key: MasterKey::generate() });
    let http = TcpListener::bind(args.listen).with_context(|| format!("binding {}", args.listen))?;
    let mut workers = Vec::new();
    for n in 0..args.threads.max(1) {
        let socket = UdpSocket::bind(SocketAddr::new(args.listen.ip(), 0))?;
        let addr = socket.local_addr()?;
        let (tx, rx) = mpsc::channel::<Client>();
        std::thread::Builder::new().name(format!("str0m-{n}")).spawn(move || forward(socket, rx))?;
        workers.push((addr, tx));
    }
    for stream in http.incoming() {
        let Ok(stream) = stream else { continue };
        if let Err(e) = answer(stream, &workers, recorder.as_ref()) {
            eprintln!("str0m-sfu: a join failed: {e:#}");
        }
    }
    Ok(())
}

/// Reads one join, answers its offer and hands the connection to the
/// thread that holds its session.
fn answer(
    mut stream: TcpStream,
    workers: &[(SocketAddr, mpsc::Sender<Client>)],
    recorder: Option<&Recorder>,
) -> anyhow::Result<()> {
    let body = read_request(&stream)?;
    let reply = (|| {
        let join: Join = serde_json::from_slice(&body)?;
        let (addr, to_worker) = &workers[join.session % workers.len()];
        let mut rtc = Rtc::builder().set_rtp_mode(true).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(*addr, "udp")?).ok_or_else(|| anyhow!("the candidate was refused"))?;
        let offered = mids(&join.offer);
        let offer = SdpOffer::from_sdp_string(&join.offer)?;
        let answer = rtc.sdp_api().accept_offer(offer)?;
        let purpose = if join.streams.is_empty() {
            let mut kinds = HashMap::new();
            for mid in offered {
                let kind = match rtc.media(mid).map(|m| m.kind()) {
                    Some(str0m::media::MediaKind::Audio) => Kind::Audio,
                    Some(str0m::media::MediaKind::Video) => Kind::Video,
                    None => continue,
                };
                kinds.insert(mid, kind);
            }
            let recordings = match recorder {
                Some(r) => r.start(join.session, join.party)?,
                None => Vec::new(),
            };
            Purpose::Publishing { kinds, by_ssrc: HashMap::new(), recordings }
        } else {
            if offered.len() != join.streams.len() {
                bail!("{} m-lines offered for {} streams", offered.len(), join.streams.len());
            }
            let mut mids = Vec::new();
            for ((sender, kind), mid) in join.streams.iter().zip(offered) {
                mids.push(((*sender, kind_of(kind)?), mid));
            }
            Purpose::Subscribing { mids }
        };
        let client = Client { rtc, session: join.session, party: join.party, purpose, wake: Instant::now() };
        to_worker.send(client).map_err(|_| anyhow!("the forwarding thread is gone"))?;
        Ok::<_, anyhow::Error>(answer.to_sdp_string())
    })();
    let (status, text) = match reply {
        Ok(sdp) => ("200 OK", sdp),
        Err(e) => ("400 Bad Request", format!("{e:#}")),
    };
    write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len())?;
    Ok(())
}

fn read_request(stream: &TcpStream) -> anyhow::Result<Vec<u8>> {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            bail!("the request ended in its headers");
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(body)
}

/// One forwarding thread: its socket, its sessions' connections, and every
/// packet carried from read to the receivers' sends before the next read.
fn forward(socket: UdpSocket, joins: mpsc::Receiver<Client>) {
    let Ok(local) = socket.local_addr() else { return };
    let mut clients: Vec<Client> = Vec::new();
    let mut by_source: HashMap<SocketAddr, usize> = HashMap::new();
    let mut routes = Routes::new();
    let mut buf = vec![0u8; 2048];
    loop {
        while let Ok(client) = joins.try_recv() {
            let at = clients.len();
            if let Purpose::Subscribing { mids } = &client.purpose {
                for ((sender, kind), mid) in mids {
                    routes.entry((client.session, *sender, *kind)).or_default().push((at, *mid));
                }
            }
            clients.push(client);
        }
        let now = Instant::now();
        let mut wake = now + Duration::from_millis(20);
        for at in 0..clients.len() {
            if clients[at].wake <= now {
                let _ = clients[at].rtc.handle_input(Input::Timeout(now));
                carry(at, &mut clients, &routes, &socket);
            }
            wake = wake.min(clients[at].wake);
        }
        let wait = wake.saturating_duration_since(Instant::now()).max(Duration::from_micros(100));
        let _ = socket.set_read_timeout(Some(wait));
        let (n, source) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => {
                eprintln!("str0m-sfu: reading the socket: {e}");
                return;
            }
        };
        let Ok(contents) = buf[..n].try_into() else { continue };
        let input =
            Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: local, contents });
        let at = match by_source.get(&source) {
            Some(&at) => at,
            None => match clients.iter().position(|c| c.rtc.accepts(&input)) {
                Some(at) => {
                    by_source.insert(source, at);
                    at
                }
                None => continue,
            },
        };
        if clients[at].rtc.handle_input(input).is_ok() {
            carry(at, &mut clients, &routes, &socket);
        }
    }
}

/// Drains a connection's output, and writes each RTP packet it received to
/// every receiving connection of its stream, draining those in turn.
fn carry(at: usize, clients: &mut [Client], routes: &Routes, socket: &UdpSocket) {
    for packet in drain(&mut clients[at], socket) {
        let client = &mut clients[at];
        let Purpose::Publishing { kinds, by_ssrc, recordings } = &mut client.purpose else { continue };
        let ssrc = packet.header.ssrc;
        let kind = match by_ssrc.get(&ssrc) {
            Some(k) => *k,
            None => {
                let mid = client.rtc.direct_api().stream_rx(&ssrc).map(|s| s.mid());
                let Some(k) = mid.and_then(|m| kinds.get(&m)).copied() else { continue };
                by_ssrc.insert(ssrc, k);
                k
            }
        };
        // As Amaan's forwarder: the recording gets the packet as it came.
        if let Some((_, recording)) = recordings.iter().find(|(k, _)| *k == kind) {
            recording.write(&as_webrtc(&packet));
        }
        let Some(receivers) = routes.get(&(client.session, client.party, kind)) else { continue };
        for &(to, mid) in receivers {
            let receiver = &mut clients[to];
            // The peers are all webrtc-rs with its default codecs, so the
            // payload type is the same number on every connection.
            if let Some(tx) = receiver.rtc.direct_api().stream_tx_by_mid(mid, None) {
                let write = RtpWrite::new(
                    packet.header.payload_type,
                    packet.seq_no,
                    packet.header.timestamp,
                    packet.timestamp,
                    packet.payload.clone(),
                )
                .marker(packet.header.marker);
                tx.write_rtp(write);
            }
            // A receiver sends no RTP of its own on this connection.
            drain(receiver, socket);
        }
    }
}

/// Sends what a connection has to send and returns the RTP it received.
fn drain(client: &mut Client, socket: &UdpSocket) -> Vec<str0m::rtp::RtpPacket> {
    let mut packets = Vec::new();
    loop {
        match client.rtc.poll_output() {
            Ok(Output::Timeout(at)) => {
                client.wake = at;
                return packets;
            }
            Ok(Output::Transmit(t)) => {
                let _ = socket.send_to(&t.contents, t.destination);
            }
            Ok(Output::Event(Event::RtpPacket(p))) => packets.push(p),
            Ok(Output::Event(_)) => {}
            Err(_) => {
                // A connection that failed is left to time out.
                client.wake = Instant::now() + Duration::from_secs(3600);
                return packets;
            }
        }
    }
}

/// The forwarder in a process of its own (this binary, `str0m-sfu`), in the
/// benchmark's namespace when there is one.
pub struct Str0mProcess {
    child: std::process::Child,
    pub http: SocketAddr,
}

impl Drop for Str0mProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Str0mProcess {
    /// With `record_dir`, it records what Amaan would, there.
    pub fn start(
        net: Option<&super::netns::BenchNet>,
        threads: usize,
        record_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<Str0mProcess> {
        let exe = std::env::current_exe()?;
        let (mut command, ip) = match net {
            Some(net) => (net.command(exe), net.inside_ip()),
            None => (std::process::Command::new(exe), std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        };
        // A fresh namespace has every port free; loopback needs a free one.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let http = SocketAddr::new(ip, port);
        command.args(["str0m-sfu", "--listen", &http.to_string(), "--threads", &threads.to_string()]);
        if let Some(dir) = record_dir {
            command.arg("--record-dir").arg(dir);
        }
        let child = command.stdout(std::process::Stdio::null()).spawn().context("starting `amaan-bench str0m-sfu`")?;
        let mut server = Str0mProcess { child, http };
        wait_ready(
            &mut server.child,
            "the str0m forwarder (its join port)",
            Duration::from_secs(20),
            || TcpStream::connect_timeout(&http, Duration::from_secs(1)).is_ok(),
            String::new,
        )?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mids_come_in_m_line_order() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";
        assert_eq!(mids(sdp), vec![Mid::from("0"), Mid::from("1")]);
        assert!(kind_of("audio").is_ok() && kind_of("video").is_ok() && kind_of("data").is_err());
    }
}
