//! Video-link testimony with real WebRTC peers on loopback: each
//! participant is a webrtc-rs peer in this process that sends synthetic
//! audio and video through the server, and counts the RTP packets it
//! receives per sender. The one-way mirror is checked by those counts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::{MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_VP8};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::APIBuilder;
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice::network_type::NetworkType;
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::policy::ice_transport_policy::RTCIceTransportPolicy;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtp::header::Header;
use webrtc::rtp::packet::Packet;
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecCapability;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::{TrackLocal, TrackLocalWriter};

use crate::helpers::{spawn_app, Court, TestApp};

const ACCUSED_NAME: &str = "Imran Qureshi-Accused";

/// Packets received, keyed by (stream id = "p<participant>", track id, kind).
type Counts = Arc<Mutex<HashMap<(String, String, String), u64>>>;
/// The sequence numbers received, in order, by the same key.
type Numbers = Arc<Mutex<HashMap<(String, String, String), Vec<u16>>>>;

/// How a test peer connects; the default is a peer on loopback.
#[derive(Clone, Default)]
pub(crate) struct Options {
    /// Also sends a private audio line (the accused, defence counsel).
    pub private_line: bool,
    /// The first server offer is first answered with its last media
    /// section cut off, then properly.
    pub tamper: bool,
    /// Only relayed candidates, through the TURN servers (and credentials)
    /// the `welcome` gives this invite.
    pub relayed: bool,
    /// The size of each audio and video payload (0: a few bytes).
    pub audio_bytes: usize,
    pub video_bytes: usize,
    /// The peer connection lives on this runtime, whose threads are in
    /// another network namespace, and uses only this address there. The
    /// signalling socket stays in the test's own namespace.
    pub netns: Option<(tokio::runtime::Handle, IpAddr)>,
}

/// One participant: a WebSocket for signalling and a peer connection to
/// the server, sending audio, video and (for the accused and defence
/// counsel) a private audio line.
pub(crate) struct Client {
    participant_id: i64,
    pc: Arc<RTCPeerConnection>,
    counts: Counts,
    numbers: Numbers,
    /// Every text frame the server sent this participant.
    texts: Arc<Mutex<Vec<String>>>,
    out: mpsc::UnboundedSender<String>,
    tasks: Vec<JoinHandle<()>>,
}

fn rtc_api(only: Option<IpAddr>) -> webrtc::api::API {
    let mut media = MediaEngine::default();
    media.register_default_codecs().expect("codecs");
    // Every peer asks for retransmissions, the one behind a throttled link
    // too: the server answers none for video while that receiver's video
    // is shed (`shed_gate`), which the throttled-link test checks.
    let registry = register_default_interceptors(Registry::new(), &mut media).expect("interceptors");
    let mut settings = SettingEngine::default();
    settings.set_include_loopback_candidate(true);
    settings.set_ip_filter(Box::new(move |ip: IpAddr| only.map_or(ip.is_loopback(), |only| ip == only)));
    settings.set_network_types(vec![NetworkType::Udp4]);
    settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
    APIBuilder::new().with_media_engine(media).with_interceptor_registry(registry).with_setting_engine(settings).build()
}

async fn local_sdp(pc: &RTCPeerConnection, desc: RTCSessionDescription) -> String {
    let mut gathered = pc.gathering_complete_promise().await;
    pc.set_local_description(desc).await.expect("set local description");
    let _ = tokio::time::timeout(Duration::from_secs(5), gathered.recv()).await;
    pc.local_description().await.expect("local description").sdp
}

fn track(mime: &str, id: &str) -> Arc<TrackLocalStaticRTP> {
    let (clock_rate, channels) = if mime == MIME_TYPE_OPUS { (48_000, 2) } else { (90_000, 0) };
    Arc::new(TrackLocalStaticRTP::new(
        RTCRtpCodecCapability { mime_type: mime.to_string(), clock_rate, channels, ..Default::default() },
        id.to_string(),
        "me".to_string(),
    ))
}

/// Sends one packet every 20 ms on each track: Opus-like audio and
/// single-packet VP8 key frames, padded to the sizes asked for.
fn send_media(tracks: Vec<(Arc<TrackLocalStaticRTP>, bool)>, audio_bytes: usize, video_bytes: usize) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let mut n: u32 = 0;
        loop {
            tick.tick().await;
            n = n.wrapping_add(1);
            for (i, (t, video)) in tracks.iter().enumerate() {
                let (pt, ts, mut payload, size): (u8, u32, Vec<u8>, usize) = if *video {
                    (
                        96,
                        n * 1800,
                        vec![0x10, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0x00, 0x00, 0x00],
                        video_bytes,
                    )
                } else {
                    (111, n * 960, vec![0xfc, 0xff, 0xfe, 0x00], audio_bytes)
                };
                payload.resize(payload.len().max(size), 0);
                let packet = Packet {
                    header: Header {
                        version: 2,
                        payload_type: pt,
                        sequence_number: n as u16,
                        timestamp: ts,
                        ssrc: 1000 + i as u32,
                        marker: *video,
                        ..Default::default()
                    },
                    payload: payload.into(),
                };
                let _ = t.write_rtp(&packet).await;
            }
        }
    })
}

impl Client {
    /// Opens the socket, joins, and negotiates; returns once the server
    /// has answered the client's offer.
    pub(crate) async fn join(
        app: &TestApp,
        session_id: i64,
        token: &str,
        participant_id: i64,
        private_line: bool,
    ) -> Client {
        Client::join_with(app, session_id, token, participant_id, private_line, false).await
    }

    /// As `join`, with only relayed candidates, through the TURN servers
    /// (and credentials) the `welcome` gives this invite.
    async fn join_relayed(app: &TestApp, session_id: i64, token: &str, participant_id: i64) -> Client {
        Client::open(app, session_id, token, participant_id, Options { relayed: true, ..Options::default() }).await
    }

    /// As `join`; with `tamper`, the first server offer is first answered
    /// with its last media section cut off, then properly.
    async fn join_with(
        app: &TestApp,
        session_id: i64,
        token: &str,
        participant_id: i64,
        private_line: bool,
        tamper: bool,
    ) -> Client {
        Client::open(app, session_id, token, participant_id, Options { private_line, tamper, ..Options::default() })
            .await
    }

    pub(crate) async fn open(
        app: &TestApp,
        session_id: i64,
        token: &str,
        participant_id: i64,
        opts: Options,
    ) -> Client {
        let url = format!("ws://127.0.0.1:{}/ws/video-sessions/{session_id}?token={token}", app.port);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("the socket opens");
        match opts.netns.clone() {
            // Every socket of the peer connection is made on that runtime,
            // so in its namespace; the signalling socket was made here.
            Some((runtime, _)) => runtime
                .spawn(Client::negotiate(ws, participant_id, opts))
                .await
                .expect("the peer in the namespace joins"),
            None => Client::negotiate(ws, participant_id, opts).await,
        }
    }

    async fn negotiate(
        ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
        participant_id: i64,
        opts: Options,
    ) -> Client {
        let Options { private_line, tamper, relayed, audio_bytes, video_bytes, netns } = opts;
        let (mut sink, mut stream) = ws.split();
        let texts: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut config = RTCConfiguration::default();
        if relayed {
            sink.send(Message::Text(json!({"type": "join"}).to_string().into())).await.expect("join sent");
            let welcome = loop {
                let frame = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
                let text = match frame {
                    Ok(Some(Ok(Message::Text(text)))) => text,
                    other => panic!("no welcome: {other:?}"),
                };
                texts.lock().expect("texts").push(text.to_string());
                let msg: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if msg["type"] == "welcome" {
                    break msg;
                }
            };
            config.ice_servers = ice_servers_of(&welcome["ice_servers"]);
            config.ice_transport_policy = RTCIceTransportPolicy::Relay;
        }
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let writer = tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let pc = Arc::new(rtc_api(netns.map(|(_, ip)| ip)).new_peer_connection(config).await.expect("peer"));
        let counts: Counts = Arc::default();
        let numbers: Numbers = Arc::default();
        let seen = Arc::clone(&counts);
        let numbered = Arc::clone(&numbers);
        pc.on_track(Box::new(move |remote, receiver, _| {
            let seen = Arc::clone(&seen);
            let numbered = Arc::clone(&numbered);
            Box::pin(async move {
                let key = (remote.stream_id(), remote.id(), remote.kind().to_string());
                tokio::spawn(async move {
                    while let Ok((packet, _)) = remote.read_rtp().await {
                        *seen.lock().expect("counts").entry(key.clone()).or_insert(0) += 1;
                        numbered
                            .lock()
                            .expect("numbers")
                            .entry(key.clone())
                            .or_default()
                            .push(packet.header.sequence_number);
                    }
                });
                // As a browser does: the server's sender reports are read,
                // so this peer's receiver reports echo them (the round trip).
                tokio::spawn(async move { while receiver.read_rtcp().await.is_ok() {} });
            })
        }));
        let audio = track(MIME_TYPE_OPUS, "audio");
        let video = track(MIME_TYPE_VP8, "video");
        let mut sending = vec![(Arc::clone(&audio), false), (Arc::clone(&video), true)];
        pc.add_track(audio as Arc<dyn TrackLocal + Send + Sync>).await.expect("audio");
        pc.add_track(video as Arc<dyn TrackLocal + Send + Sync>).await.expect("video");
        let mut channels = json!({});
        if private_line {
            let private = track(MIME_TYPE_OPUS, "private");
            sending.push((Arc::clone(&private), false));
            pc.add_track(private as Arc<dyn TrackLocal + Send + Sync>).await.expect("private");
            channels = json!({"2": "private"});
        }
        let (answered_tx, mut answered) = mpsc::unbounded_channel::<()>();
        let reader = {
            let mut tamper = tamper;
            let pc = Arc::clone(&pc);
            let texts = Arc::clone(&texts);
            let out = out.clone();
            tokio::spawn(async move {
                while let Some(Ok(frame)) = stream.next().await {
                    let Message::Text(text) = frame else { continue };
                    texts.lock().expect("texts").push(text.to_string());
                    let msg: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    match msg["type"].as_str() {
                        Some("answer") => {
                            let sdp = msg["sdp"].as_str().unwrap_or_default().to_string();
                            pc.set_remote_description(RTCSessionDescription::answer(sdp).expect("answer"))
                                .await
                                .expect("server answer applies");
                            let _ = answered_tx.send(());
                        }
                        Some("offer") => {
                            let sdp = msg["sdp"].as_str().unwrap_or_default().to_string();
                            pc.set_remote_description(RTCSessionDescription::offer(sdp).expect("offer"))
                                .await
                                .expect("server offer applies");
                            let answer = pc.create_answer(None).await.expect("answer");
                            let sdp = local_sdp(&pc, answer).await;
                            if std::mem::take(&mut tamper) {
                                let cut = sdp.rfind("m=").map_or(sdp.as_str(), |at| &sdp[..at]).to_string();
                                let _ = out.send(json!({"type": "answer", "sdp": cut}).to_string());
                                tokio::time::sleep(Duration::from_millis(300)).await;
                            }
                            let _ = out.send(json!({"type": "answer", "sdp": sdp}).to_string());
                        }
                        _ => {}
                    }
                }
            })
        };
        if !relayed {
            out.send(json!({"type": "join"}).to_string()).expect("join sent");
        }
        let offer = pc.create_offer(None).await.expect("offer");
        let sdp = local_sdp(&pc, offer).await;
        out.send(json!({"type": "offer", "sdp": sdp, "channels": channels}).to_string()).expect("offer sent");
        tokio::time::timeout(Duration::from_secs(10), answered.recv()).await.expect("the server answers in time");
        let sender = send_media(sending, audio_bytes, video_bytes);
        Client { participant_id, pc, counts, numbers, texts, out, tasks: vec![writer, reader, sender] }
    }

    /// The sequence numbers received so far from `from`'s tracks of one kind.
    pub(crate) fn numbers(&self, from: &Client, kind: &str) -> Vec<u16> {
        let stream = format!("p{}", from.participant_id);
        self.numbers
            .lock()
            .expect("numbers")
            .iter()
            .filter(|((s, _, k), _)| *s == stream && k == kind)
            .flat_map(|(_, n)| n.iter().copied())
            .collect()
    }

    pub(crate) fn count(&self, from: &Client, kind: &str) -> u64 {
        let stream = format!("p{}", from.participant_id);
        self.counts
            .lock()
            .expect("counts")
            .iter()
            .filter(|((s, _, k), _)| *s == stream && k == kind)
            .map(|(_, n)| n)
            .sum()
    }

    /// How many distinct tracks of one kind this client gets from `from`.
    fn tracks_from(&self, from: &Client, kind: &str) -> usize {
        let stream = format!("p{}", from.participant_id);
        self.counts.lock().expect("counts").keys().filter(|(s, _, k)| *s == stream && k == kind).count()
    }

    /// Packets per track of one kind from `from`, by track id.
    fn per_track(&self, from: &Client, kind: &str) -> HashMap<String, u64> {
        let stream = format!("p{}", from.participant_id);
        self.counts
            .lock()
            .expect("counts")
            .iter()
            .filter(|((s, _, k), _)| *s == stream && k == kind)
            .map(|((_, t, _), n)| (t.clone(), *n))
            .collect()
    }

    fn all_text(&self) -> String {
        self.texts.lock().expect("texts").join("\n")
    }

    fn send(&self, msg: Value) {
        let _ = self.out.send(msg.to_string());
    }

    /// The link drops: the socket and the peer connection end without a
    /// word to the server (no `leave`).
    async fn drop_link(self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = self.pc.close().await;
    }

    pub(crate) async fn hang_up(self) {
        let _ = self.out.send(json!({"type": "leave"}).to_string());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = self.pc.close().await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// `welcome.ice_servers` as a peer connection takes them.
fn ice_servers_of(list: &Value) -> Vec<RTCIceServer> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|s| RTCIceServer {
            urls: s["urls"].as_array().into_iter().flatten().filter_map(|u| u.as_str().map(String::from)).collect(),
            username: s["username"].as_str().unwrap_or_default().to_string(),
            credential: s["credential"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

pub(crate) async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

pub(crate) struct Session {
    pub id: i64,
    hearing_id: i64,
}

pub(crate) async fn video_session(app: &TestApp, court: &Court) -> Session {
    let case_id = app.child_case(court, &format!("VID-{}", court.id), "Ayesha Childname").await;
    let (status, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hearing}");
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (status, s) = app
        .post(
            &format!("/api/hearings/{hearing_id}/video-session"),
            Some(&court.support),
            json!({"break_interval_minutes": 20, "max_questioning_minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["state"], "lobby");
    Session { id: s["id"].as_i64().expect("session id"), hearing_id }
}

/// Returns (participant id, token).
pub(crate) async fn invite(app: &TestApp, court: &Court, session: &Session, role: &str, name: &str) -> (i64, String) {
    let body = app.invite(court, session.id, role, name).await;
    (body["participant"]["id"].as_i64().expect("pid"), body["token"].as_str().expect("token").to_string())
}

pub(crate) async fn set_state(app: &TestApp, token: &str, session: &Session, state: &str) -> Value {
    let (status, body) =
        app.post(&format!("/api/video-sessions/{}/state", session.id), Some(token), json!({"state": state})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Counts a client receives from a sender, now and after a quiet second.
async fn stays_still(what: &str, read: impl Fn() -> u64) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = read();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let after = read();
    assert_eq!(before, after, "{what}: packets kept arriving ({before} → {after})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_one_way_mirror_holds_through_live_break_questions_and_a_reconnect() {
    let app = spawn_app().await;
    let court = app.court("Video Court").await;
    let session = video_session(&app, &court).await;
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let (guardian_id, guardian_token) = invite(&app, &court, &session, "guardian", "Mother of A").await;
    let (judge_id, judge_token) = invite(&app, &court, &session, "judge", "Judge Rahman").await;
    let (pros_id, pros_token) = invite(&app, &court, &session, "prosecutor", "Prosecutor Malik").await;
    let (def_id, def_token) = invite(&app, &court, &session, "defence_counsel", "Counsel Shah").await;
    let (acc_id, acc_token) = invite(&app, &court, &session, "accused", ACCUSED_NAME).await;

    let child = Client::join(&app, session.id, &child_token, child_id, false).await;
    let guardian = Client::join(&app, session.id, &guardian_token, guardian_id, false).await;
    let judge = Client::join(&app, session.id, &judge_token, judge_id, false).await;
    let pros = Client::join(&app, session.id, &pros_token, pros_id, false).await;
    let defence = Client::join(&app, session.id, &def_token, def_id, true).await;
    let accused = Client::join(&app, session.id, &acc_token, acc_id, true).await;

    // In the lobby the court and the accused already see each other, and
    // the child's room is private.
    eventually("the judge receives the accused in the lobby", || judge.count(&accused, "video") > 10).await;
    assert_eq!(judge.count(&child, "video"), 0, "the child was shown before the session went live");

    set_state(&app, &court.support, &session, "live").await;
    eventually("the judge sees and hears the child", || {
        judge.count(&child, "video") > 20 && judge.count(&child, "audio") > 20
    })
    .await;
    eventually("the child sees and hears the judge and the prosecutor (the questioner)", || {
        child.count(&judge, "video") > 20 && child.count(&pros, "audio") > 20
    })
    .await;
    eventually("the accused hears the child", || accused.count(&child, "audio") > 20).await;
    eventually("defence counsel hears the accused's private line", || defence.tracks_from(&accused, "audio") == 2)
        .await;
    assert_eq!(accused.count(&child, "video"), 0, "the accused saw the child without the judge's order");
    assert_eq!(child.count(&defence, "audio"), 0, "defence counsel reached the child while not questioning");

    // The private line: defence counsel gets the accused's main and private
    // audio; the judge and prosecutor get only the main one.
    assert_eq!(judge.tracks_from(&accused, "audio"), 1, "the judge received the private line");
    assert_eq!(pros.tracks_from(&accused, "audio"), 1, "the prosecutor received the private line");
    eventually("the accused hears his counsel's private line", || accused.tracks_from(&defence, "audio") == 2).await;
    assert_eq!(judge.tracks_from(&defence, "audio"), 1, "the judge received counsel's private line");

    // A break: the child's media goes to nobody.
    set_state(&app, &court.support, &session, "break").await;
    eventually("the child's page is told it is a break", || child.all_text().contains(r#""state":"break""#)).await;
    stays_still("the child's video to the judge on a break", || judge.count(&child, "video")).await;
    for (who, c) in [("judge", &judge), ("prosecutor", &pros), ("defence", &defence), ("accused", &accused)] {
        let before = c.count(&child, "audio") + c.count(&child, "video") + c.count(&guardian, "audio");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = c.count(&child, "audio") + c.count(&child, "video") + c.count(&guardian, "audio");
        assert_eq!(before, after, "the {who} received the child's side on a break");
    }

    set_state(&app, &court.judge, &session, "live").await;
    let resumed = judge.count(&child, "video");
    eventually("the child is seen again after the break", || judge.count(&child, "video") > resumed + 20).await;

    // Questions through the judge: counsel no longer reach the child, and
    // their written questions reach the judge only.
    let (status, body) = app
        .patch(
            &format!("/api/video-sessions/{}/settings", session.id),
            Some(&court.support),
            json!({"questions_through_judge": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the judge makes the order: {body}");
    let (status, body) = app
        .patch(
            &format!("/api/video-sessions/{}/settings", session.id),
            Some(&court.judge),
            json!({"questions_through_judge": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    stays_still("the prosecutor's audio to the child with questions through the judge", || child.count(&pros, "audio"))
        .await;
    pros.send(json!({"type": "question", "text": "Where were you on the evening of 3 May?"}));
    eventually("the judge receives the written question", || judge.all_text().contains("evening of 3 May")).await;
    assert!(!child.all_text().contains("evening of 3 May"), "the child received counsel's written question");

    // The child reconnects (a dropped link): still nothing of the accused.
    let before_reconnect = judge.count(&child, "video");
    child.hang_up().await;
    let child = Client::join(&app, session.id, &child_token, child_id, false).await;
    eventually("the judge sees the child again after the reconnect", || {
        judge.count(&child, "video") > before_reconnect + 20
    })
    .await;
    eventually("the reconnected child sees the judge", || child.count(&judge, "video") > 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // In every state, through the reconnect: zero packets of the accused on
    // the child side, and never his name or presence.
    for (who, c) in [("child", &child), ("guardian", &guardian)] {
        assert_eq!(c.count(&accused, "audio") + c.count(&accused, "video"), 0, "the {who} received the accused");
        assert_eq!(c.tracks_from(&accused, "audio") + c.tracks_from(&accused, "video"), 0, "{who}");
        let text = c.all_text();
        assert!(text.contains("Judge Rahman"), "the {who}'s participant list works: {text}");
        assert!(!text.contains(ACCUSED_NAME), "the {who} was told the accused's name");
        assert!(!text.contains(&format!("\"participant_id\":{acc_id}")), "the {who} was told the accused is present");
        assert!(!text.contains(&format!("p{acc_id}")), "an SDP to the {who} named the accused's stream");
    }
    assert!(judge.all_text().contains(ACCUSED_NAME), "the judge's list shows the accused");

    // The judge's order lets counsel view the recording once it is made.
    let (status, body) = app
        .patch(
            &format!("/api/video-sessions/{}/settings", session.id),
            Some(&court.judge),
            json!({"counsel_may_view_recordings": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Ending closes the recording, taken once, and hashes it.
    set_state(&app, &court.support, &session, "ended").await;
    let (status, body) = app.get(&format!("/api/hearings/{}/recordings", session.hearing_id), Some(&court.judge)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let child_video = items
        .iter()
        .find(|r| r["participant_role"] == "child_witness" && r["kind"] == "video" && r["bytes"].as_i64() > Some(32))
        .unwrap_or_else(|| panic!("the child's video was recorded: {body}"));
    assert!(items.iter().any(|r| r["participant_role"] == "child_witness" && r["kind"] == "audio"), "{body}");
    assert!(items.iter().any(|r| r["participant_role"] == "prosecutor" && r["kind"] == "audio"), "{body}");
    assert!(!items.iter().any(|r| r["participant_role"] == "accused"), "the accused was recorded: {body}");
    let href = child_video["href"].as_str().expect("href");
    let resp = app.client.get(format!("{}{href}", app.address)).bearer_auth(&court.judge).send().await.expect("file");
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"DKIF"));
    assert_eq!(hex::encode(Sha256::digest(&bytes)), child_video["sha256"].as_str().unwrap_or_default());
    // At rest the child's evidence is sealed; served, it is the evidence
    // recorded, whole and by range.
    for r in items.iter().filter(|r| r["participant_role"] == "child_witness") {
        let (id, href) = (r["id"].as_i64().expect("id"), r["href"].as_str().expect("href"));
        crate::at_rest::assert_sealed_and_served(&app, &court.judge, id, href).await;
    }
    let resp = app.client.get(format!("{}{href}", app.address)).bearer_auth(&court.support).send().await.expect("file");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "only the judge may play the recording");
    let (status, _) = app.get(&format!("/api/hearings/{}/recordings", session.hearing_id), Some(&court.support)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Counsel, who hold only an invite, view the real recording by the
    // order; the accused, by the same kind of invite, does not.
    let listed = format!("/api/video-sessions/{}/recordings?token={pros_token}", session.id);
    let (status, body) = app.get(&listed, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let counsel_copy = body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == child_video["id"]))
        .unwrap_or_else(|| panic!("counsel's list holds the child's video: {body}"));
    let href = counsel_copy["href"].as_str().expect("href");
    let resp = app.client.get(format!("{}{href}?token={pros_token}", app.address)).send().await.expect("file");
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.expect("bytes");
    assert_eq!(hex::encode(Sha256::digest(&bytes)), child_video["sha256"].as_str().unwrap_or_default());
    let resp = app.client.get(format!("{}{href}?token={acc_token}", app.address)).send().await.expect("file");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "the accused viewed the child's recording");
    let (status, audit) = app.get("/api/audit?entity=video_recording", Some(&court.judge)).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert!(
        audit.to_string().contains(child_video["sha256"].as_str().unwrap_or("?")),
        "the hash is in the audit trail"
    );

    // An ended session admits nobody and cannot be reopened.
    let (status, _) = app
        .post(&format!("/api/video-sessions/{}/state", session.id), Some(&court.support), json!({"state": "live"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    for c in [child, guardian, judge, pros, defence, accused] {
        c.hang_up().await;
    }
}

/// The HTTP status of a WebSocket upgrade attempt.
async fn upgrade_status(app: &TestApp, session_id: i64, token: &str) -> u16 {
    let url = format!("ws://127.0.0.1:{}/ws/video-sessions/{session_id}?token={token}", app.port);
    match tokio_tungstenite::connect_async(url).await {
        Ok((_, resp)) => resp.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("unexpected socket error: {e}"),
    }
}

fn forge(app: &TestApp, sid: i64, pid: i64, role: &str, exp_offset: i64, secret: &[u8]) -> String {
    let now = chrono::Utc::now().timestamp();
    let _ = app;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sid": sid, "pid": pid, "role": role, "aud": "amaan-invite", "iat": now, "exp": now + exp_offset}),
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("token")
}

#[tokio::test]
async fn bad_expired_foreign_and_withdrawn_invites_are_refused() {
    let app = spawn_app().await;
    let court = app.court("Token Court").await;
    let session = video_session(&app, &court).await;
    let other = {
        let (status, body) = app
            .post(
                &format!("/api/cases/{}/hearings", app.child_case(&court, "VID-OTHER", "Other Child").await),
                Some(&court.clerk),
                json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, s) =
            app.post(&format!("/api/hearings/{}/video-session", body["id"]), Some(&court.support), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        s["id"].as_i64().expect("id")
    };
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let secret = app.secret.expose().to_vec();

    assert_eq!(upgrade_status(&app, session.id, "not-a-token").await, 401);
    assert_eq!(upgrade_status(&app, other, &child_token).await, 401, "a token for another session");
    let expired = forge(&app, session.id, child_id, "child_witness", -60, &secret);
    assert_eq!(upgrade_status(&app, session.id, &expired).await, 401, "an expired token");
    let forged = forge(&app, session.id, child_id, "child_witness", 600, b"another-secret-another-secret-xxxxxxxx");
    assert_eq!(upgrade_status(&app, session.id, &forged).await, 401, "a token signed with another key");
    let promoted = forge(&app, session.id, child_id, "judge", 600, &secret);
    assert_eq!(upgrade_status(&app, session.id, &promoted).await, 401, "a token whose role was changed");
    let staff = app.login(&format!("c{}-judge", court.id), crate::helpers::PASSWORD).await;
    assert_eq!(upgrade_status(&app, session.id, &staff).await, 401, "a staff login is not an invite");
    assert_eq!(upgrade_status(&app, session.id, &child_token).await, 101, "the real invite is admitted");

    let (status, body) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/video-sessions/{}/invites/{child_id}", session.id),
            Some(&court.support),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(upgrade_status(&app, session.id, &child_token).await, 401, "a withdrawn invite");

    // Only the support officer invites; only runners change the state.
    let (status, _) = app
        .post(
            &format!("/api/video-sessions/{}/invites", session.id),
            Some(&court.clerk),
            json!({"role": "judge", "display_name": "X"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(&format!("/api/video-sessions/{}/state", session.id), Some(&court.clerk), json!({"state": "live"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(&format!("/api/video-sessions/{}/state", session.id), Some(&court.support), json!({"state": "break"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a break before the session is live");
    // The child's invite enters the audit trail by its party and pseudonym,
    // never by the child's name.
    let (status, audit) = app.get("/api/audit?entity=video_participant", Some(&court.judge)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!audit.to_string().contains("Ayesha"), "{audit}");
    assert!(audit.to_string().contains("Child A"), "{audit}");
}

/// Nodes share only the database. The session's media is hosted on node A;
/// the support officer and the judge use node B's REST API. Their changes
/// must reach A's forwarding server within a bounded wait (A polls the
/// session's version every 500 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_break_called_through_another_node_stops_the_childs_media_on_the_hosting_node() {
    let node_a = spawn_app().await;
    let node_b = node_a.spawn_node().await;
    let court = node_a.court("Two Node Court").await;
    let session = video_session(&node_a, &court).await;
    let (child_id, child_token) = invite(&node_a, &court, &session, "child_witness", "Child A").await;
    let (judge_id, judge_token) = invite(&node_a, &court, &session, "judge", "Judge Rahman").await;
    let (pros_id, pros_token) = invite(&node_a, &court, &session, "prosecutor", "Prosecutor Malik").await;
    let (officer_id, officer_token) = invite(&node_a, &court, &session, "support_officer", "Officer Bano").await;
    // Two nodes, two ids; an invite made through B names the node that
    // hosts the media (A), and B's socket sends no one into A's session.
    let (_, on_b) = node_b.get(&format!("/api/video-sessions/{}", session.id), Some(&court.support)).await;
    assert_eq!(on_b["node_id"], "local", "the session is hosted by node A: {on_b}");
    let through_b = node_b.invite(&court, session.id, "observer", "Court Observer").await;
    let ws_url = through_b["ws_url"].as_str().unwrap_or_default();
    let on_a = format!("ws://127.0.0.1:{}/ws/video-sessions/{}?token=", node_a.port, session.id);
    assert!(ws_url.starts_with(&on_a), "the invite names node A's address: {through_b}");
    let observer_token = through_b["token"].as_str().unwrap_or_default();
    assert_eq!(upgrade_status(&node_b, session.id, observer_token).await, 409, "node B hosts no media of it");
    let child = Client::join(&node_a, session.id, &child_token, child_id, false).await;
    let judge = Client::join(&node_a, session.id, &judge_token, judge_id, false).await;
    let pros = Client::join(&node_a, session.id, &pros_token, pros_id, false).await;
    let officer = Client::join(&node_a, session.id, &officer_token, officer_id, false).await;
    eventually("the support officer's page receives the timers on joining", || {
        officer.all_text().contains(r#""type":"timers""#)
    })
    .await;

    set_state(&node_b, &court.support, &session, "live").await;
    eventually("going live through node B lets the judge see the child on node A", || {
        judge.count(&child, "video") > 20
    })
    .await;
    eventually("the timers are pushed on the change", || officer.all_text().contains(r#""break_due_in_seconds":"#))
        .await;

    let called = std::time::Instant::now();
    set_state(&node_b, &court.support, &session, "break").await;
    eventually("the child's page on node A is told it is a break", || child.all_text().contains(r#""state":"break""#))
        .await;
    let waited = called.elapsed();
    assert!(waited < Duration::from_secs(3), "the break reached the hosting node only after {waited:?}");
    stays_still("the child's video to the judge on a break called through node B", || judge.count(&child, "video"))
        .await;
    stays_still("the child's audio to the prosecutor on that break", || pros.count(&child, "audio")).await;

    // The order, made through node B, applies on node A too.
    set_state(&node_b, &court.judge, &session, "live").await;
    let resumed = judge.count(&child, "video");
    eventually("the child is seen again after the break", || judge.count(&child, "video") > resumed + 20).await;
    let (status, body) = node_b
        .patch(
            &format!("/api/video-sessions/{}/settings", session.id),
            Some(&court.judge),
            json!({"questions_through_judge": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stays_still("the prosecutor's audio to the child once questions go through the judge", || {
        child.count(&pros, "audio")
    })
    .await;

    // A written question is kept: the judge who reconnects receives it.
    judge.hang_up().await;
    pros.send(json!({"type": "question", "text": "Did anyone speak to you before today?"}));
    eventually("the prosecutor is told the question is stored", || {
        pros.all_text().contains(r#""type":"question_sent""#)
    })
    .await;
    let judge = Client::join(&node_a, session.id, &judge_token, judge_id, false).await;
    eventually("the reconnected judge receives the stored question", || {
        judge.all_text().contains("Did anyone speak to you before today?")
    })
    .await;
    assert!(!child.all_text().contains("speak to you before"), "the child received counsel's question");

    // Ending through node B closes the recordings on node A.
    set_state(&node_b, &court.support, &session, "ended").await;
    let mut items = Vec::new();
    for _ in 0..50 {
        let (status, body) =
            node_b.get(&format!("/api/hearings/{}/recordings", session.hearing_id), Some(&court.judge)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        items = body["items"].as_array().cloned().unwrap_or_default();
        if !items.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        items.iter().any(|r| r["participant_role"] == "child_witness" && r["kind"] == "video"),
        "the hosting node stored the child's recording: {items:?}"
    );

    for c in [child, judge, pros, officer] {
        c.hang_up().await;
    }
}

/// A session starts with the court's profile: in a POCSO court questions
/// go through the judge from the start (s.33(2)), and the profile's break
/// interval and sitting limit are the session's timers unless the officer
/// sets others.
#[tokio::test]
async fn a_session_starts_with_the_order_and_the_timers_of_the_courts_profile() {
    let app = spawn_app().await;
    for (profile, through_judge) in [("in", true), ("pk", false)] {
        let court = app.court_of(&format!("Profile Court {profile}"), profile).await;
        let case_id = app.child_case(&court, &format!("PRF-{profile}"), "Ayesha Childname").await;
        let (status, hearing) = app
            .post(
                &format!("/api/cases/{case_id}/hearings"),
                Some(&court.clerk),
                json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{hearing}");
        let (status, s) =
            app.post(&format!("/api/hearings/{}/video-session", hearing["id"]), Some(&court.support), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        let rules = amaan::domain::rules::profile(profile).expect("profile");
        assert_eq!(s["questions_through_judge"], through_judge, "{profile}: {s}");
        assert_eq!(s["questioner"].is_null(), through_judge, "{profile}: {s}");
        assert_eq!(s["break_interval_minutes"], rules.sitting.break_every_minutes.value, "{profile}: {s}");
        assert_eq!(s["max_questioning_minutes"], rules.sitting.max_sitting_minutes.value, "{profile}: {s}");
        let left = i64::from(rules.sitting.max_sitting_minutes.value) * 60;
        assert_eq!(s["timers"]["questioning_seconds_left"].as_i64(), Some(left), "the limit reaches the timers: {s}");
    }
}

/// After its first offer a client only answers: another offer of its own
/// and an answer that does not answer the server's offer are refused, and
/// a second connection on the same invite closes the first before it can
/// publish, so the child's track is never sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_the_first_offer_only_the_server_offers_and_a_second_connection_replaces_the_first() {
    let app = spawn_app().await;
    let court = app.court("Offer Court").await;
    let session = video_session(&app, &court).await;
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let (judge_id, judge_token) = invite(&app, &court, &session, "judge", "Judge Rahman").await;
    let judge = Client::join(&app, session.id, &judge_token, judge_id, false).await;
    let child = Client::join_with(&app, session.id, &child_token, child_id, false, true).await;
    set_state(&app, &court.support, &session, "live").await;
    eventually("the judge sees the child", || judge.count(&child, "video") > 20).await;
    eventually("the child's cut answer was refused", || child.all_text().contains("does not match the server's offer"))
        .await;
    eventually("the child, answering properly after, sees the judge", || child.count(&judge, "video") > 20).await;

    // Each participant's link from its receiver reports: on loopback, good,
    // with a round trip measured; on the console's view and in /metrics.
    let path = format!("/api/video-sessions/{}", session.id);
    let mut link = Value::Null;
    for _ in 0..100 {
        let (_, s) = app.get(&path, Some(&court.support)).await;
        let judges = s["participants"].as_array().and_then(|ps| ps.iter().find(|p| p["id"] == judge_id).cloned());
        link = judges.map(|p| p["link"].clone()).unwrap_or_default();
        if link["rtt_ms"].is_number() {
            assert_eq!(
                s["participants"]
                    .as_array()
                    .and_then(|ps| ps.iter().find(|p| p["id"] == judge_id))
                    .map(|p| p["presence"].clone()),
                Some(json!("here"))
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(link["quality"], "good", "the judge's link on loopback: {link}");
    assert!(link["rtt_ms"].as_f64().is_some_and(|rtt| (0.0..300.0).contains(&rtt)), "{link}");
    assert!(link["loss_percent"].as_f64().is_some_and(|l| l < 2.0), "{link}");
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.expect("metrics");
    let metrics = metrics.text().await.unwrap_or_default();
    assert!(
        metrics.lines().any(|l| l.starts_with("amaan_video_link{")
            && l.contains(&format!("participant=\"{judge_id}\""))
            && l.contains("measure=\"rtt_ms\"")),
        "the judge's round trip is in /metrics"
    );
    assert!(!metrics.contains("Ayesha"), "a child's name reached the metrics");

    let sdp = judge.pc.local_description().await.expect("the judge's description").sdp;
    judge.send(json!({"type": "offer", "sdp": sdp}));
    eventually("a second client offer is refused", || judge.all_text().contains("only the server offers")).await;
    judge.send(json!({"type": "answer", "sdp": sdp}));
    eventually("an answer to no offer is refused", || judge.all_text().contains("no server offer to answer")).await;
    let still = judge.count(&child, "video");
    eventually("the refusals changed nothing", || judge.count(&child, "video") > still + 20).await;

    // The same invite again (a second tab): the first connection is closed
    // and its track stops; only the second one's reaches the judge.
    let first_tracks: Vec<String> = judge.per_track(&child, "video").into_keys().collect();
    assert_eq!(first_tracks.len(), 1, "one video track of the child");
    let second = Client::join(&app, session.id, &child_token, child_id, false).await;
    eventually("the judge receives the second connection's video", || {
        judge.per_track(&second, "video").iter().any(|(t, n)| !first_tracks.contains(t) && *n > 20)
    })
    .await;
    let first_track = first_tracks[0].clone();
    stays_still("the first connection's video once replaced, though it still sends", || {
        judge.per_track(&child, "video").get(&first_track).copied().unwrap_or(0)
    })
    .await;
    assert_eq!(
        judge.per_track(&second, "video").len(),
        2,
        "the judge was offered the first and the second connection's track, never a third"
    );
    for c in [child, second, judge] {
        c.hang_up().await;
    }
}

fn time(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{v} is no time: {e}"))
}

/// A child whose socket and ICE drop mid-testimony rejoins: the testimony
/// is one sitting in hashed segments, listed in order with the gap; the
/// child side still receives nothing of the accused; a room that outlived
/// its participants takes the order made meanwhile; and the session ended
/// after everyone left still stores its recordings and their trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_child_who_drops_mid_testimony_rejoins_into_one_sitting_of_hashed_segments() {
    let app = spawn_app().await;
    let court = app.court("Reconnect Court").await;
    let session = video_session(&app, &court).await;
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let (judge_id, judge_token) = invite(&app, &court, &session, "judge", "Judge Rahman").await;
    let (pros_id, pros_token) = invite(&app, &court, &session, "prosecutor", "Prosecutor Malik").await;
    let (acc_id, acc_token) = invite(&app, &court, &session, "accused", ACCUSED_NAME).await;
    let child = Client::join(&app, session.id, &child_token, child_id, false).await;
    let judge = Client::join(&app, session.id, &judge_token, judge_id, false).await;
    let pros = Client::join(&app, session.id, &pros_token, pros_id, false).await;
    let accused = Client::join(&app, session.id, &acc_token, acc_id, false).await;
    set_state(&app, &court.support, &session, "live").await;
    eventually("the judge sees the child", || judge.count(&child, "video") > 30).await;

    // The child's link drops: no `leave`, the socket and the peer just end.
    child.drop_link().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let child = Client::join(&app, session.id, &child_token, child_id, false).await;
    let before = judge.count(&child, "video");
    eventually("the judge sees the child again", || judge.count(&child, "video") > before + 30).await;
    eventually("the rejoined child sees the judge", || child.count(&judge, "video") > 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(child.count(&accused, "audio") + child.count(&accused, "video"), 0, "the child received the accused");
    assert_eq!(child.tracks_from(&accused, "audio") + child.tracks_from(&accused, "video"), 0);
    assert!(!child.all_text().contains(ACCUSED_NAME), "the rejoined child was told the accused's name");

    // Everyone leaves; the judge's order changes while nobody is there.
    for c in [child, judge, pros, accused] {
        c.hang_up().await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = app
        .patch(
            &format!("/api/video-sessions/{}/settings", session.id),
            Some(&court.judge),
            json!({"questions_through_judge": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let child = Client::join(&app, session.id, &child_token, child_id, false).await;
    let pros = Client::join(&app, session.id, &pros_token, pros_id, false).await;
    let judge = Client::join(&app, session.id, &judge_token, judge_id, false).await;
    eventually("the child sees the judge after everyone came back", || child.count(&judge, "video") > 20).await;
    assert_eq!(
        child.count(&pros, "audio") + child.count(&pros, "video"),
        0,
        "the room kept its old order: the prosecutor reached the child though questions go through the judge"
    );
    let recorded = judge.count(&child, "video");
    eventually("the third segment is recorded", || judge.count(&child, "video") > recorded + 30).await;
    for c in [child, pros, judge] {
        c.hang_up().await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // Ended with nobody connected: the recordings still reach the store.
    set_state(&app, &court.support, &session, "ended").await;
    let (status, body) = app.get(&format!("/api/video-sessions/{}/recordings", session.id), Some(&court.support)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let mut child_video: Vec<&Value> =
        items.iter().filter(|r| r["participant_role"] == "child_witness" && r["kind"] == "video").collect();
    child_video.sort_by_key(|r| r["segment"].as_i64());
    assert_eq!(child_video.len(), 3, "the child's video in three segments: {body}");
    for (i, seg) in child_video.iter().enumerate() {
        assert_eq!(seg["segment"].as_u64(), Some(i as u64 + 1), "{body}");
        assert_eq!(seg["sha256"].as_str().map(str::len), Some(64), "each segment is hashed: {body}");
        assert!(time(&seg["started_at"]) <= time(&seg["ended_at"]), "{seg}");
        if i == 0 {
            assert!(seg["gap_seconds"].is_null(), "{seg}");
        } else {
            assert!(seg["gap_seconds"].as_i64().is_some(), "the gap before segment {} is shown: {seg}", i + 1);
            assert!(time(&child_video[i - 1]["ended_at"]) <= time(&seg["started_at"]), "in order: {body}");
        }
    }
    assert!(child_video[1]["gap_seconds"].as_i64() >= Some(1), "the dropped link's gap: {body}");
    let (status, audit) = app.get("/api/audit?entity=video_recording&per_page=100", Some(&court.judge)).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    for seg in &child_video {
        let hash = seg["sha256"].as_str().unwrap_or("?");
        assert!(audit.to_string().contains(hash), "segment {} is in the audit trail", seg["segment"]);
    }
}

/// Sessions are routed by the node id they store, so on PostgreSQL (which
/// several nodes share) a node left with the default id beside another
/// registered node is refused at start; SQLite is one node's database.
#[tokio::test]
async fn a_node_with_the_default_id_is_refused_where_another_node_serves_postgres() {
    let node_a = spawn_app().await;
    let _node_b = node_a.spawn_node().await;
    let default = node_a.try_node(amaan::config::NodeSettings::single());
    if crate::helpers::is_postgres() {
        let why = default.expect_err("a second node with the default id starts on PostgreSQL");
        assert!(why.contains("AMAAN_NODE_ID") && why.contains("node-"), "{why}");
    } else {
        default.expect("on SQLite the default id starts");
    }
    let own = amaan::config::NodeSettings { id: "node-c".into(), ..amaan::config::NodeSettings::single() };
    node_a.try_node(own).expect("a node with its own id starts beside the others");
}

/// coturn on loopback with the REST scheme's shared secret, its log in `dir`.
struct Coturn {
    child: std::process::Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Coturn {
    fn start(dir: &std::path::Path, secret: &str) -> Option<Coturn> {
        let port = crate::process::free_port();
        let log = dir.join("turn.log");
        let child = std::process::Command::new("turnserver")
            .args(["-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--no-tls", "--no-dtls", "--no-cli"])
            .args(["--use-auth-secret", "--realm=amaan", "--allow-loopback-peers", "--simple-log", "--verbose"])
            .arg(format!("--listening-port={port}"))
            .arg(format!("--static-auth-secret={secret}"))
            .arg(format!("--log-file={}", log.display()))
            .arg(format!("--pidfile={}", dir.join("turn.pid").display()))
            .arg(format!("--userdb={}", dir.join("turndb").display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        Some(Coturn { child, port, log })
    }

    fn log(&self) -> String {
        // coturn adds the date to the log file's name.
        let dir = self.log.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        let mut text = String::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with("turn")
                && entry.path().extension().is_some_and(|e| e == "log")
            {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        text
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many relayed candidates a relay-only peer gathers with `server`.
async fn relay_candidates(server: RTCIceServer) -> usize {
    let config = RTCConfiguration {
        ice_servers: vec![server],
        ice_transport_policy: RTCIceTransportPolicy::Relay,
        ..RTCConfiguration::default()
    };
    let pc = rtc_api(None).new_peer_connection(config).await.expect("peer");
    pc.add_track(track(MIME_TYPE_OPUS, "audio") as Arc<dyn TrackLocal + Send + Sync>).await.expect("track");
    let offer = pc.create_offer(None).await.expect("offer");
    let sdp = local_sdp(&pc, offer).await;
    let _ = pc.close().await;
    sdp.lines().filter(|l| l.contains("typ relay")).count()
}

/// Each invite's TURN credentials (coturn's REST scheme): a relay-only
/// child and judge exchange media through a real coturn, while coturn
/// refuses a credential past its expiry, one whose password belongs to
/// another invite or session, and one signed with another secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relayed_peers_reach_each_other_through_coturn_with_their_own_invites_credentials() {
    let dir = tempfile::tempdir().expect("dir");
    let secret = "coturn-shared-secret-for-this-test";
    let Some(turn) = Coturn::start(dir.path(), secret) else {
        panic!("coturn's turnserver is not installed (Debian package coturn; .ci/run installs it)");
    };
    let turn_url = format!("turn:127.0.0.1:{}?transport=udp", turn.port);
    let node = amaan::config::NodeSettings {
        turn: Some(amaan::media::config::TurnRest { urls: vec![turn_url.clone()], secret: secret.as_bytes().to_vec() }),
        ..amaan::config::NodeSettings::single()
    };
    let app = crate::helpers::spawn_app_on(crate::helpers::no_channels(), node).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let court = app.court("Relay Court").await;
    let session = video_session(&app, &court).await;
    let (child_id, child_token) = invite(&app, &court, &session, "child_witness", "Child A").await;
    let (judge_id, judge_token) = invite(&app, &court, &session, "judge", "Judge Rahman").await;
    let child = Client::join_relayed(&app, session.id, &child_token, child_id).await;
    let judge = Client::join_relayed(&app, session.id, &judge_token, judge_id).await;

    // Each invite its own credentials, named after it, expiring with it.
    let welcome_of = |c: &Client| -> Value {
        let texts = c.texts.lock().expect("texts").clone();
        texts
            .iter()
            .filter_map(|t| serde_json::from_str::<Value>(t).ok())
            .find(|m| m["type"] == "welcome")
            .unwrap_or_default()
    };
    let (child_ice, judge_ice) = (welcome_of(&child)["ice_servers"].clone(), welcome_of(&judge)["ice_servers"].clone());
    let child_user = child_ice[0]["username"].as_str().unwrap_or_default().to_string();
    assert!(child_user.ends_with(&format!(":s{}p{child_id}", session.id)), "{child_ice}");
    assert_ne!(child_ice[0]["credential"], judge_ice[0]["credential"], "one credential for everyone");
    let expiry: i64 = child_user.split(':').next().and_then(|e| e.parse().ok()).unwrap_or(0);
    assert!(expiry > chrono::Utc::now().timestamp(), "{child_user}");

    set_state(&app, &court.support, &session, "live").await;
    eventually("the judge sees the relayed child", || judge.count(&child, "video") > 30).await;
    eventually("the relayed child sees the judge", || child.count(&judge, "video") > 30).await;
    let local = child.pc.local_description().await.expect("description").sdp;
    assert!(local.contains("typ relay") && !local.contains("typ host"), "the child offered only relayed candidates");
    let log = turn.log();
    assert!(log.contains(&format!("user <{child_user}>")), "coturn saw the child's own username: {log}");
    assert!(log.contains("ALLOCATE processed, success"), "coturn allocated a relay: {log}");

    // What coturn refuses.
    let server = |username: &str, credential: &str| RTCIceServer {
        urls: vec![turn_url.clone()],
        username: username.to_string(),
        credential: credential.to_string(),
    };
    let password = |user: &str| amaan::media::config::turn_password(secret.as_bytes(), user);
    assert!(relay_candidates(server(&child_user, &password(&child_user))).await > 0, "the invite's own credential");
    let past = chrono::Utc::now().timestamp() - 60;
    let expired = format!("{past}:s{}p{child_id}", session.id);
    assert_eq!(relay_candidates(server(&expired, &password(&expired))).await, 0, "an expired credential relayed");
    let other_session = format!("{expiry}:s{}p{child_id}", session.id + 1);
    assert_eq!(
        relay_candidates(server(&child_user, &password(&other_session))).await,
        0,
        "another session's password relayed under this invite's name"
    );
    let judges = judge_ice[0]["credential"].as_str().unwrap_or_default();
    assert_eq!(relay_candidates(server(&child_user, judges)).await, 0, "another invite's password relayed");
    let foreign = amaan::media::config::turn_password(b"another deployment's secret", &child_user);
    assert_eq!(relay_candidates(server(&child_user, &foreign)).await, 0, "a credential of another secret relayed");
    assert!(turn.log().contains("401"), "coturn answered the refused ones with 401: {}", turn.log());

    for c in [child, judge] {
        c.hang_up().await;
    }
}
