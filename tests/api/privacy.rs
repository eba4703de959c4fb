use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{days_ago, spawn_app};

const CHILD: &str = "Zainab Qamar";

#[tokio::test]
async fn the_childs_name_reaches_only_clerk_judge_and_support_officer() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-7/2026", CHILD).await;
    let paths = [format!("/api/cases/{case_id}"), format!("/api/cases/{case_id}/parties"), "/api/cases".to_string()];
    for (who, token) in [("clerk", &court.clerk), ("judge", &court.judge), ("support", &court.support)] {
        let (s, body) = app.get(&paths[0], Some(token)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.to_string().contains(CHILD), "{who} should see the child's name");
        assert!(body.to_string().contains("2018-05-04"));
    }
    // The court's administrator and a system administrator see a pseudonym and an age.
    for token in [&court.admin, &app.admin_token] {
        for path in &paths {
            let path = if path == "/api/cases" { format!("/api/cases?court_id={}", court.id) } else { path.clone() };
            let (s, body) = app.get(&path, Some(token)).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            let text = body.to_string();
            assert!(!text.contains(CHILD), "{path} leaked the name: {text}");
            assert!(!text.contains("Zainab"), "{path} leaked the first name");
            assert!(!text.contains("2018-05-04"), "{path} leaked the date of birth");
            assert!(text.contains("Child A"), "{path} should carry the pseudonym: {text}");
        }
    }
    let (_, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.admin)).await;
    let child = parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["role"] == "child_witness").cloned())
        .unwrap_or_default();
    assert_eq!(child["name"], "Child A");
    assert!(child["age"].as_i64().is_some_and(|a| a >= 8));
    assert_eq!(child["identity_withheld"], true);
}

#[tokio::test]
async fn the_audit_trail_never_holds_the_childs_name() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    app.child_case(&court, "CSA-8/2026", CHILD).await;
    let (s, body) = app.get("/api/audit?per_page=100", Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body["total"].as_i64().is_some_and(|n| n >= 5));
    assert!(!body.to_string().contains(CHILD));
    assert!(!body.to_string().contains("2018-05-04"));
    assert!(body.to_string().contains("Child A"));
}

/// A video session for a new hearing of the case, as the support officer
/// opens it; returns (session id, hearing id).
async fn video_session(app: &crate::helpers::TestApp, court: &crate::helpers::Court, case_id: i64) -> (i64, i64) {
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (s, session) =
        app.post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    (session["id"].as_i64().expect("session id"), hearing_id)
}

fn party_of(parties: &Value, role: &str) -> i64 {
    parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["role"] == role))
        .and_then(|p| p["id"].as_i64())
        .expect("a party in that role")
}

/// Joins a session over the signalling socket and returns it.
async fn joined(
    app: &crate::helpers::TestApp,
    session_id: i64,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("ws://127.0.0.1:{}/ws/video-sessions/{session_id}?token={token}", app.port);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the socket opens");
    ws.send(Message::Text(json!({"type": "join"}).to_string().into())).await.expect("join sent");
    ws
}

/// The names in the latest participant list a socket receives that holds
/// `count` people.
async fn names_seen(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    count: usize,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = tokio::time::timeout(left, ws.next()).await.expect("a participant list in time");
        let Some(Ok(Message::Text(text))) = frame else { continue };
        let msg: Value = serde_json::from_str(&text).unwrap_or_default();
        if msg["type"] == "participants" && msg["items"].as_array().is_some_and(|a| a.len() == count) {
            return msg["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["display_name"].as_str().map(str::to_string))
                .collect();
        }
    }
}

#[tokio::test]
async fn a_child_side_invite_is_tied_to_a_party_and_counsel_and_the_accused_see_only_the_pseudonym() {
    let app = spawn_app().await;
    let court = app.court("Video Privacy Court").await;
    let case_id = app.child_case(&court, "VP-1/2026", CHILD).await;
    let other_case = app.child_case(&court, "VP-2/2026", "Bushra Other").await;
    let (sid, _) = video_session(&app, &court, case_id).await;
    let (_, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk)).await;
    let (_, others) = app.get(&format!("/api/cases/{other_case}/parties"), Some(&court.clerk)).await;
    let child = party_of(&parties, "child_witness");
    let guardian = party_of(&parties, "guardian");
    let accused = party_of(&parties, "accused");
    let path = format!("/api/video-sessions/{sid}/invites");

    // Refused, with the field named and nothing written: a child-side
    // invite by a typed name, without a party, for the wrong party or a
    // party of another case; anyone's display name holding the child's name.
    for (body, field) in [
        (json!({"role": "child_witness", "display_name": CHILD}), "display_name"),
        (json!({"role": "child_witness", "display_name": "Child A", "party_id": child}), "display_name"),
        (json!({"role": "child_witness"}), "party_id"),
        (json!({"role": "child_witness", "party_id": accused}), "party_id"),
        (json!({"role": "guardian", "party_id": child}), "party_id"),
        (json!({"role": "child_witness", "party_id": party_of(&others, "child_witness")}), "party_id"),
        (json!({"role": "defence_counsel", "display_name": format!("Adv. {CHILD}")}), "display_name"),
        (json!({"role": "observer", "display_name": "qamar, ZAINAB"}), "display_name"),
        (json!({"role": "accused", "display_name": "Accused", "party_id": accused}), "party_id"),
    ] {
        let before = app.snapshot();
        let (s, resp) = app.post(&path, Some(&court.support), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(resp["field"], field, "{body}: {resp}");
        assert!(!resp.to_string().contains("Zainab"), "the refusal repeats the name: {resp}");
        assert_eq!(before, app.snapshot(), "{body} wrote something");
    }

    // Tied to the party, each is shown by the privacy rule.
    let (s, inv) = app.post(&path, Some(&court.support), json!({"role": "child_witness", "party_id": child})).await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["participant"]["display_name"], "Child A", "{inv}");
    assert_eq!(inv["participant"]["party_id"], child, "{inv}");
    let child_token = inv["token"].as_str().expect("token").to_string();
    let (s, inv) = app.post(&path, Some(&court.support), json!({"role": "guardian", "party_id": guardian})).await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["participant"]["display_name"], "Guardian of Child A", "{inv}");
    let accused_token =
        app.invite(&court, sid, "accused", "Accused Person").await["token"].as_str().unwrap().to_string();
    let defence_token =
        app.invite(&court, sid, "defence_counsel", "Defence Counsel").await["token"].as_str().unwrap().to_string();
    let judge_token = app.invite(&court, sid, "judge", "Judge Rahman").await["token"].as_str().unwrap().to_string();

    let mut child_ws = joined(&app, sid, &child_token).await;
    let mut judge_ws = joined(&app, sid, &judge_token).await;
    let mut accused_ws = joined(&app, sid, &accused_token).await;
    let mut defence_ws = joined(&app, sid, &defence_token).await;
    let judge_sees = names_seen(&mut judge_ws, 4).await;
    assert!(judge_sees.contains(&CHILD.to_string()), "the judge may see the child's name: {judge_sees:?}");
    for (who, ws) in [("accused", &mut accused_ws), ("defence counsel", &mut defence_ws)] {
        let seen = names_seen(ws, 4).await;
        assert!(seen.contains(&"Child A".to_string()), "{who}: {seen:?}");
        assert!(!seen.iter().any(|n| n.contains("Zainab") || n.contains("Qamar")), "{who} was told the name: {seen:?}");
    }
    let child_sees = names_seen(&mut child_ws, 3).await;
    assert!(
        !child_sees.iter().any(|n| n.contains("Accused")),
        "the child never learns the accused is here: {child_sees:?}"
    );

    // Staff reading the session, and the trail, see the pseudonym.
    let (_, session) = app.get(&format!("/api/video-sessions/{sid}"), Some(&court.support)).await;
    assert!(!session.to_string().contains("Zainab"), "{session}");
    let (_, trail) = app.get("/api/audit?entity=video_participant&per_page=100", Some(&court.judge)).await;
    assert!(!trail.to_string().contains("Zainab"), "{trail}");
}

#[tokio::test]
async fn direction_controls_are_refused_in_case_numbers_and_names_and_nothing_is_written() {
    let app = spawn_app().await;
    let court = app.court("Bidi Court").await;
    let case_id = app.child_case(&court, "BD-1/2026", CHILD).await;
    for c in
        ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
    {
        for (path, token, body, field) in [
            (
                "/api/cases".to_string(),
                &court.clerk,
                json!({"number": format!("CSA-{c}6202/7"), "offence": "s.377-B PPC", "cognizance_date": days_ago(3)}),
                "number",
            ),
            (
                format!("/api/cases/{case_id}/parties"),
                &court.clerk,
                json!({"role": "witness", "name": format!("Aslam{c} Khan")}),
                "name",
            ),
            (
                format!("/api/courts/{}/rooms", court.id),
                &court.admin,
                json!({"name": format!("Room {c}1"), "video_link": false}),
                "name",
            ),
            (
                "/api/users".to_string(),
                &court.admin,
                json!({"username": "new-clerk", "display_name": format!("Clerk {c}Two"), "password": "a-long-password-123", "role": "clerk"}),
                "display_name",
            ),
        ] {
            let before = app.snapshot();
            let (s, resp) = app.post(&path, Some(token), body).await;
            crate::helpers::assert_problem(s, &resp, StatusCode::UNPROCESSABLE_ENTITY, "validation");
            assert_eq!(resp["field"], field, "{path} U+{:04X}: {resp}", u32::from(c));
            assert_eq!(before, app.snapshot(), "{path} with U+{:04X} wrote something", u32::from(c));
        }
    }
    // Right-to-left letters themselves are names like any other.
    let (s, body) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "witness", "name": "اسلم خان"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}
