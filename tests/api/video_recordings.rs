//! Who may view the recorded evidence: the judge always; counsel, who hold
//! only an invite, while the judge's order allows it; never the child's
//! side, the accused or an observer. Each file served is a `view` in the
//! audit trail. The recordings here are written straight to the store, as
//! the forwarding server writes them; video.rs records real ones.

#![allow(clippy::expect_used)] // a failed step should stop the story with its reason

use amaan::db::{self, video::NewRecording};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, Court, TestApp};

struct Session {
    id: i64,
    hearing_id: i64,
}

async fn session(app: &TestApp, court: &Court, number: &str) -> Session {
    let case_id = app.child_case(court, number, "Ayesha Childname").await;
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (s, body) =
        app.post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    Session { id: body["id"].as_i64().expect("session id"), hearing_id }
}

/// Returns (participant id, invite token).
async fn invite(app: &TestApp, court: &Court, s: &Session, role: &str) -> (i64, String) {
    let body = app.invite(court, s.id, role, &format!("The {role}")).await;
    (body["participant"]["id"].as_i64().expect("pid"), body["token"].as_str().expect("token").to_string())
}

/// A recording of the child's video as the forwarding server leaves it: a
/// file in the data directory, sealed under the master key, and its row
/// with the SHA-256 of the evidence.
fn recorded(app: &TestApp, s: &Session, content: &[u8]) -> (i64, String) {
    let path = app.data_dir.path().join(format!("rec-{}-{}.ivf.sealed", s.id, content.len()));
    crate::at_rest::seal(&path, content);
    let sha256 = hex::encode(Sha256::digest(content));
    let mut conn = app.conn();
    let r = db::video::add_recording(
        &mut conn,
        &NewRecording {
            session_id: s.id,
            hearing_id: s.hearing_id,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: path.to_string_lossy().into_owned(),
            sha256: sha256.clone(),
            bytes: content.len() as i64,
            created_at: chrono::Utc::now().naive_utc(),
        },
    )
    .expect("the recording row");
    (r.id, sha256)
}

async fn set_order(app: &TestApp, token: &str, s: &Session, allowed: bool) -> (StatusCode, Value) {
    app.patch(
        &format!("/api/video-sessions/{}/settings", s.id),
        Some(token),
        json!({"counsel_may_view_recordings": allowed}),
    )
    .await
}

fn list_path(s: &Session, token: &str) -> String {
    format!("/api/video-sessions/{}/recordings?token={token}", s.id)
}

fn file_path(session_id: i64, recording_id: i64, token: &str) -> String {
    format!("/api/video-sessions/{session_id}/recordings/{recording_id}/file?token={token}")
}

/// Status, content type and body of a GET without a staff login.
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app.client.get(format!("{}{path}", app.address)).send().await.expect("request sent");
    let status = resp.status();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}

/// Refused as a problem, with nothing of the recording in the answer.
async fn refused(app: &TestApp, path: &str, want: StatusCode, why: &str) {
    let (status, ct, body) = fetch(app, path).await;
    assert_eq!(status, want, "{why}: {path} answered {status}: {}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "application/problem+json", "{why}");
    assert!(!body.starts_with(b"DKIF"), "{why}: the file was served");
}

/// The `view` events of one recording, oldest first, as the judge reads them.
async fn views(app: &TestApp, court: &Court, recording_id: i64) -> Vec<Value> {
    let (s, trail) = app
        .get(&format!("/api/audit?entity=video_recording&entity_id={recording_id}&per_page=100"), Some(&court.judge))
        .await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    trail["items"].as_array().cloned().unwrap_or_default().into_iter().filter(|e| e["action"] == "view").collect()
}

#[tokio::test]
async fn counsel_view_the_recording_only_while_the_judges_order_allows_it_and_the_child_side_and_accused_never() {
    let app = spawn_app().await;
    let court = app.court("Recording Court").await;
    let s = session(&app, &court, "REC-1").await;
    let (pros_id, pros) = invite(&app, &court, &s, "prosecutor").await;
    let (_, defence) = invite(&app, &court, &s, "defence_counsel").await;
    let mut never = Vec::new();
    for role in ["accused", "child_witness", "guardian", "intermediary", "observer", "support_officer", "judge"] {
        never.push((role, invite(&app, &court, &s, role).await.1));
    }
    let content = b"DKIF\0\0\x20\0VP80 the child's evidence, taken once".to_vec();
    let (rec, sha256) = recorded(&app, &s, &content);

    // By default the order keeps the recording with the judge; the judge
    // finds the session by its hearing.
    let (status, view) = app.get(&format!("/api/hearings/{}/video-session", s.hearing_id), Some(&court.judge)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["id"], s.id, "{view}");
    assert_eq!(view["counsel_may_view_recordings"], false, "the order is shown with the session: {view}");
    for token in [&pros, &defence] {
        refused(&app, &list_path(&s, token), StatusCode::FORBIDDEN, "counsel before the order allows it").await;
        refused(&app, &file_path(s.id, rec, token), StatusCode::FORBIDDEN, "counsel before the order allows it").await;
    }

    // The order is the judge's alone.
    let (status, body) = set_order(&app, &court.support, &s, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the support officer changed the order: {body}");
    let (status, body) = set_order(&app, &court.judge, &s, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["counsel_may_view_recordings"], true, "{body}");

    for token in [&pros, &defence] {
        let (status, list) = app.get(&list_path(&s, token), None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let item = &list["items"][0];
        assert_eq!(item["id"], rec, "{list}");
        assert_eq!(item["sha256"], sha256.as_str(), "{list}");
        let href = item["href"].as_str().expect("href");
        assert_eq!(href, format!("/api/video-sessions/{}/recordings/{rec}/file", s.id));
        let resp =
            app.client.get(format!("{}{href}?token={token}", app.address)).send().await.expect("the file is fetched");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers().get("x-content-sha256").and_then(|v| v.to_str().ok()), Some(sha256.as_str()));
        let bytes = resp.bytes().await.expect("bytes");
        assert_eq!(hex::encode(Sha256::digest(&bytes)), sha256, "the bytes served are the bytes recorded");
    }
    // The child's side, the accused, observers, the support officer's
    // invite and an invite minted "for the judge" never, whatever the order
    // says: the judge views the recordings with the judge's own login.
    for (role, token) in &never {
        refused(&app, &list_path(&s, token), StatusCode::FORBIDDEN, role).await;
        refused(&app, &file_path(s.id, rec, token), StatusCode::FORBIDDEN, role).await;
    }

    // Each file served is in the trail, as the participant who saw it.
    let seen = views(&app, &court, rec).await;
    assert_eq!(seen.len(), 2, "one view per file served: {seen:?}");
    assert_eq!(seen[0]["actor_role"], "video:prosecutor", "{seen:?}");
    assert_eq!(seen[1]["actor_role"], "video:defence_counsel", "{seen:?}");
    let after: Value = serde_json::from_str(seen[0]["after_state"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(after["participant_id"], pros_id, "{after}");
    assert_eq!(after["sha256"], sha256.as_str(), "{after}");
    assert_eq!(after["counsel_name"], "The prosecutor", "the view names the counsel: {after}");
    assert!(after["counsel_id"].as_i64().is_some(), "{after}");
    assert!(after["invited_by"].as_i64().is_some(), "who minted the invite is named: {after}");

    // The judge withdraws it: counsel are refused at once.
    let (status, body) = set_order(&app, &court.judge, &s, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    refused(&app, &file_path(s.id, rec, &pros), StatusCode::FORBIDDEN, "counsel after the order is withdrawn").await;
    refused(&app, &list_path(&s, &defence), StatusCode::FORBIDDEN, "counsel after the order is withdrawn").await;

    // The judge still views it on the staff route, and that is a view too.
    let resp = app
        .client
        .get(format!("{}/api/recordings/{rec}/file", app.address))
        .bearer_auth(&court.judge)
        .send()
        .await
        .expect("the judge's file");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(hex::encode(Sha256::digest(resp.bytes().await.expect("bytes"))), sha256);
    let seen = views(&app, &court, rec).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[2]["actor_role"], "judge", "{seen:?}");
    assert!(seen[2]["actor_id"].as_i64().is_some(), "the judge is named: {seen:?}");
    let after: Value = serde_json::from_str(seen[2]["after_state"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(after["username"], format!("c{}-judge", court.id), "{after}");

    // The order's changes are in the trail with the session.
    let (_, trail) = app.get(&format!("/api/audit?entity=video_session&entity_id={}", s.id), Some(&court.judge)).await;
    assert!(trail.to_string().contains("counsel_may_view_recordings"), "{trail}");
    let (_, verify) = app.get("/api/audit/verify", Some(&court.judge)).await;
    assert_eq!(verify["intact"], true, "the chain holds with the views in it: {verify}");
}

#[tokio::test]
async fn foreign_forged_and_withdrawn_invites_see_no_recording_and_leave_no_view() {
    let app = spawn_app().await;
    let court = app.court("Token Recording Court").await;
    let s = session(&app, &court, "REC-A").await;
    let other = session(&app, &court, "REC-B").await;
    let (pros_id, pros) = invite(&app, &court, &s, "prosecutor").await;
    let (_, other_pros) = invite(&app, &court, &other, "prosecutor").await;
    let (rec, sha256) = recorded(&app, &s, b"DKIF recording of session A");
    let (other_rec, _) = recorded(&app, &other, b"DKIF recording of session B, longer");
    for x in [&s, &other] {
        let (status, body) = set_order(&app, &court.judge, x, true).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    let unauth = StatusCode::UNAUTHORIZED;
    refused(&app, &list_path(&other, &pros), unauth, "a token for another session").await;
    refused(&app, &file_path(other.id, other_rec, &pros), unauth, "a token for another session").await;
    refused(&app, &file_path(s.id, other_rec, &pros), StatusCode::NOT_FOUND, "a recording of another session").await;
    refused(&app, &file_path(other.id, rec, &other_pros), StatusCode::NOT_FOUND, "a recording of another session")
        .await;
    refused(&app, &file_path(s.id, rec, "not-a-token"), unauth, "garbage").await;
    refused(&app, &format!("/api/video-sessions/{}/recordings/{rec}/file", s.id), unauth, "no token").await;
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: Value, secret: &[u8]| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .expect("token")
    };
    let secret = app.secret.expose().to_vec();
    let claims = |role: &str, exp: i64| json!({"sid": s.id, "pid": pros_id, "role": role, "aud": "amaan-invite", "iat": now - 60, "exp": exp});
    let expired = sign(claims("prosecutor", now - 30), &secret);
    refused(&app, &file_path(s.id, rec, &expired), unauth, "an expired invite").await;
    let forged = sign(claims("prosecutor", now + 600), b"another-secret-another-secret-xxxxxxxx");
    refused(&app, &file_path(s.id, rec, &forged), unauth, "an invite signed with another key").await;
    let promoted = sign(claims("judge", now + 600), &secret);
    refused(&app, &file_path(s.id, rec, &promoted), unauth, "an invite whose role was changed").await;
    refused(&app, &file_path(s.id, rec, &court.judge), unauth, "a staff login is not an invite").await;
    assert!(views(&app, &court, rec).await.is_empty(), "a refusal is not a view");

    // The recordings outlive the session: the invite still views them once
    // it has ended, and the judge may still withdraw access.
    let (status, body) =
        app.post(&format!("/api/video-sessions/{}/state", s.id), Some(&court.support), json!({"state": "ended"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, bytes) = fetch(&app, &file_path(s.id, rec, &pros)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha256);
    let (status, body) = app
        .patch(
            &format!("/api/video-sessions/{}/settings", s.id),
            Some(&court.judge),
            json!({"accused_may_see_child": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing forwarded changes after the end: {body}");
    let (status, body) = set_order(&app, &court.judge, &s, false).await;
    assert_eq!(status, StatusCode::OK, "access to the recordings may change after the end: {body}");
    refused(&app, &file_path(s.id, rec, &pros), StatusCode::FORBIDDEN, "withdrawn after the end").await;
    let (status, body) = set_order(&app, &court.judge, &s, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A withdrawn invite is refused.
    let (status, body) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/video-sessions/{}/invites/{pros_id}", s.id),
            Some(&court.support),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    refused(&app, &list_path(&s, &pros), unauth, "a withdrawn invite").await;
    refused(&app, &file_path(s.id, rec, &pros), unauth, "a withdrawn invite").await;
    assert_eq!(views(&app, &court, rec).await.len(), 1, "only the one file served is a view");

    // The support officer's console keeps its hashes-only list.
    let (status, body) = app.get(&format!("/api/video-sessions/{}/recordings", s.id), Some(&court.support)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["sha256"], sha256.as_str(), "{body}");
    assert!(body["items"][0].get("href").is_none(), "the console gets no file link: {body}");
}

#[tokio::test]
async fn a_judge_invite_minted_by_the_support_officer_never_reaches_the_recordings_even_after_the_end() {
    let app = spawn_app().await;
    let court = app.court("Minted Invite Court").await;
    let s = session(&app, &court, "REC-J").await;
    let (_, judge_invite) = invite(&app, &court, &s, "judge").await;
    let (rec, _) = recorded(&app, &s, b"DKIF the child's evidence");
    let (status, body) = set_order(&app, &court.judge, &s, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) =
        app.post(&format!("/api/video-sessions/{}/state", s.id), Some(&court.support), json!({"state": "ended"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    refused(&app, &list_path(&s, &judge_invite), StatusCode::FORBIDDEN, "a minted judge invite").await;
    refused(&app, &file_path(s.id, rec, &judge_invite), StatusCode::FORBIDDEN, "a minted judge invite").await;
    // Nor does the support officer's own login.
    let (status, _) = app.get(&format!("/api/recordings/{rec}/file"), Some(&court.support)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(views(&app, &court, rec).await.is_empty(), "a refusal is not a view");
}

#[tokio::test]
async fn a_counsel_invite_not_bound_to_a_counsel_of_the_case_does_not_reach_the_recordings() {
    let app = spawn_app().await;
    let court = app.court("Unbound Counsel Court").await;
    let s = session(&app, &court, "REC-U").await;
    let (status, inv) = app
        .post(
            &format!("/api/video-sessions/{}/invites", s.id),
            Some(&court.support),
            json!({"role": "prosecutor", "display_name": "Someone Says Prosecutor"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let unbound = inv["token"].as_str().expect("token").to_string();
    let (rec, _) = recorded(&app, &s, b"DKIF the child's evidence");
    let (status, body) = set_order(&app, &court.judge, &s, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    refused(&app, &file_path(s.id, rec, &unbound), StatusCode::FORBIDDEN, "an unbound counsel invite").await;
    // A counsel of the case in the other role is not the one to bind.
    let case_id = app.case_of_session(&court, s.id).await;
    let (status, c) = app
        .post(
            &format!("/api/cases/{case_id}/counsel"),
            Some(&court.clerk),
            json!({"name": "Defence Advocate", "enrolment_number": "LHC-9", "role": "defence_counsel"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, body) = app
        .post(
            &format!("/api/video-sessions/{}/invites", s.id),
            Some(&court.support),
            json!({"role": "prosecutor", "display_name": "Defence Advocate", "counsel_id": c["counsel"]["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "counsel_id", "{body}");
    // Bound to the case's defence counsel, the invite reaches it by order.
    let (status, inv) = app
        .post(
            &format!("/api/video-sessions/{}/invites", s.id),
            Some(&court.support),
            json!({"role": "defence_counsel", "display_name": "Defence Advocate", "counsel_id": c["counsel"]["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let bound = inv["token"].as_str().expect("token").to_string();
    let (status, _, _) = fetch(&app, &file_path(s.id, rec, &bound)).await;
    assert_eq!(status, StatusCode::OK);
    let seen = views(&app, &court, rec).await;
    let after: Value = serde_json::from_str(seen[0]["after_state"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(after["counsel_name"], "Defence Advocate", "{after}");
    assert_eq!(after["enrolment_number"], "LHC-9", "{after}");
}
