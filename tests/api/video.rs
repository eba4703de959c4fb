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
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
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

/// One participant: a WebSocket for signalling and a peer connection to
/// the server, sending audio, video and (for the accused and defence
/// counsel) a private audio line.
struct Client {
    participant_id: i64,
    pc: Arc<RTCPeerConnection>,
    counts: Counts,
    /// Every text frame the server sent this participant.
    texts: Arc<Mutex<Vec<String>>>,
    out: mpsc::UnboundedSender<String>,
    tasks: Vec<JoinHandle<()>>,
}

fn rtc_api() -> webrtc::api::API {
    let mut media = MediaEngine::default();
    media.register_default_codecs().expect("codecs");
    let registry = register_default_interceptors(Registry::new(), &mut media).expect("interceptors");
    let mut settings = SettingEngine::default();
    settings.set_include_loopback_candidate(true);
    settings.set_ip_filter(Box::new(|ip: IpAddr| ip.is_loopback()));
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
/// single-packet VP8 key frames.
fn send_media(tracks: Vec<(Arc<TrackLocalStaticRTP>, bool)>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let mut n: u32 = 0;
        loop {
            tick.tick().await;
            n = n.wrapping_add(1);
            for (i, (t, video)) in tracks.iter().enumerate() {
                let (pt, ts, payload): (u8, u32, Vec<u8>) = if *video {
                    (96, n * 1800, vec![0x10, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0x00, 0x00, 0x00])
                } else {
                    (111, n * 960, vec![0xfc, 0xff, 0xfe, 0x00])
                };
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
    async fn join(app: &TestApp, session_id: i64, token: &str, participant_id: i64, private_line: bool) -> Client {
        let url = format!("ws://127.0.0.1:{}/ws/video-sessions/{session_id}?token={token}", app.port);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("the socket opens");
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
        let pc = Arc::new(rtc_api().new_peer_connection(RTCConfiguration::default()).await.expect("peer"));
        let counts: Counts = Arc::default();
        let seen = Arc::clone(&counts);
        pc.on_track(Box::new(move |remote, _, _| {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                let key = (remote.stream_id(), remote.id(), remote.kind().to_string());
                tokio::spawn(async move {
                    while remote.read_rtp().await.is_ok() {
                        *seen.lock().expect("counts").entry(key.clone()).or_insert(0) += 1;
                    }
                });
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
        let texts: Arc<Mutex<Vec<String>>> = Arc::default();
        let (answered_tx, mut answered) = mpsc::unbounded_channel::<()>();
        let reader = {
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
                            let _ = out.send(json!({"type": "answer", "sdp": sdp}).to_string());
                        }
                        _ => {}
                    }
                }
            })
        };
        out.send(json!({"type": "join"}).to_string()).expect("join sent");
        let offer = pc.create_offer(None).await.expect("offer");
        let sdp = local_sdp(&pc, offer).await;
        out.send(json!({"type": "offer", "sdp": sdp, "channels": channels}).to_string()).expect("offer sent");
        tokio::time::timeout(Duration::from_secs(10), answered.recv()).await.expect("the server answers in time");
        let sender = send_media(sending);
        Client { participant_id, pc, counts, texts, out, tasks: vec![writer, reader, sender] }
    }

    fn count(&self, from: &Client, kind: &str) -> u64 {
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

    fn all_text(&self) -> String {
        self.texts.lock().expect("texts").join("\n")
    }

    fn send(&self, msg: Value) {
        let _ = self.out.send(msg.to_string());
    }

    async fn hang_up(self) {
        let _ = self.out.send(json!({"type": "leave"}).to_string());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = self.pc.close().await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

struct Session {
    id: i64,
    hearing_id: i64,
}

async fn video_session(app: &TestApp, court: &Court) -> Session {
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
async fn invite(app: &TestApp, court: &Court, session: &Session, role: &str, name: &str) -> (i64, String) {
    let body = app.invite(court, session.id, role, name).await;
    (body["participant"]["id"].as_i64().expect("pid"), body["token"].as_str().expect("token").to_string())
}

async fn set_state(app: &TestApp, token: &str, session: &Session, state: &str) -> Value {
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
