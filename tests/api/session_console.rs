use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Court, TestApp};

async fn session_with(app: &TestApp, court: &Court, roles: &[&str]) -> i64 {
    let case_id = app.child_case(court, &format!("CON-{}", court.id), "Ayesha Childname").await;
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let (s, session) =
        app.post(&format!("/api/hearings/{}/video-session", hearing["id"]), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let id = session["id"].as_i64().expect("session id");
    for role in roles {
        app.invite(court, id, role, &format!("The {role}")).await;
    }
    id
}

/// What `from`'s main track gives `to`: "av", "a", "v" or "".
fn cell(m: &Value, from: &str, to: &str) -> String {
    let roles: Vec<&str> = m["roles"].as_array().expect("roles").iter().filter_map(Value::as_str).collect();
    let i = roles.iter().position(|r| *r == from).expect("sender in the matrix");
    let j = roles.iter().position(|r| *r == to).expect("receiver in the matrix");
    let c = &m["cells"][i][j];
    format!("{}{}", if c["audio"] == true { "a" } else { "" }, if c["video"] == true { "v" } else { "" })
}

#[tokio::test]
async fn the_console_draws_the_one_way_mirror_in_effect_and_it_follows_the_state() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let other = app.court("Special Court Okara").await;
    let id = session_with(&app, &court, &["child_witness", "judge", "accused"]).await;
    let path = format!("/api/video-sessions/{id}/visibility");

    let (s, lobby) = app.get(&path, Some(&court.support)).await;
    assert_eq!(s, StatusCode::OK, "{lobby}");
    assert_eq!(lobby["roles"], json!(["child_witness", "judge", "accused"]), "the roles invited, in a fixed order");
    assert_eq!(cell(&lobby, "child_witness", "judge"), "", "in the lobby nobody in court sees the child");

    let (s, _) =
        app.post(&format!("/api/video-sessions/{id}/state"), Some(&court.support), json!({"state": "live"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, live) = app.get(&path, Some(&court.judge)).await;
    assert_eq!(cell(&live, "child_witness", "judge"), "av");
    assert_eq!(cell(&live, "judge", "child_witness"), "av");
    assert_eq!(
        cell(&live, "child_witness", "accused"),
        "a",
        "the accused hears the child and, by default, does not see her"
    );
    assert_eq!(cell(&live, "accused", "child_witness"), "", "nothing of the accused reaches the child");
    let refusal = &live["cells"][2][0];
    assert!(refusal["section"].as_str().is_some_and(|s| s.contains("s.36")), "the cell names its rule: {refusal}");

    let (s, _) =
        app.post(&format!("/api/video-sessions/{id}/state"), Some(&court.support), json!({"state": "break"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, on_break) = app.get(&path, Some(&court.support)).await;
    assert_eq!(cell(&on_break, "child_witness", "judge"), "", "on a break the child's media goes to nobody");

    let (s, _) = app.get(&path, Some(&other.support)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another court's session is not there");
}

#[tokio::test]
async fn the_support_officer_reads_recording_hashes_but_a_clerk_does_not() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let id = session_with(&app, &court, &["child_witness"]).await;
    let path = format!("/api/video-sessions/{id}/recordings");
    let (s, body) = app.get(&path, Some(&court.support)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["items"], json!([]), "nothing recorded before the session goes live");
    let (s, _) = app.get(&path, Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
