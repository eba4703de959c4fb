//! What leaves the server besides the API's answers: caches, other sites'
//! pages, the metrics, and the files on disk (issue 15, items 8 and 9).

use amaan::config::{Secret, Settings};
use amaan::startup::Application;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::spawn_app;

#[tokio::test]
async fn answers_that_may_carry_a_childs_identity_are_never_stored_by_a_cache() {
    let app = spawn_app().await;
    let court = app.court("Cache Court").await;
    let case_id = app.child_case(&court, "NS-1/2026", "Zainab Qamar").await;
    for path in [format!("/api/cases/{case_id}"), format!("/api/cases/{case_id}/parties"), "/api/auth/me".to_string()] {
        let resp =
            app.client.get(format!("{}{path}", app.address)).bearer_auth(&court.clerk).send().await.expect("answer");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let cache = resp.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(cache, "no-store", "{path}");
    }
    // A login's answer carries a token: not stored either.
    let resp = app
        .client
        .post(format!("{}/api/auth/login", app.address))
        .json(&json!({"username": "root", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
}

/// The HTTP status of a signalling upgrade sent with `origin`.
async fn upgrade_with_origin(port: u16, session_id: i64, token: &str, origin: Option<&str>) -> u16 {
    let url = format!("ws://127.0.0.1:{port}/ws/video-sessions/{session_id}?token={token}");
    let mut req = url.into_client_request().expect("a request");
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((mut ws, resp)) => {
            let _ = ws.close(None).await;
            let _ = ws.next().await;
            resp.status().as_u16()
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("upgrade failed oddly: {e}"),
    }
}

#[tokio::test]
async fn the_signalling_socket_refuses_a_page_of_another_origin() {
    let app = spawn_app().await;
    let court = app.court("Origin Court").await;
    let case_id = app.child_case(&court, "OR-1/2026", "Ayesha Childname").await;
    let (_, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    let (s, session) =
        app.post(&format!("/api/hearings/{}/video-session", hearing["id"]), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let sid = session["id"].as_i64().expect("session");
    let invite = app.invite(&court, sid, "judge", "Judge Rahman").await;
    let token = invite["token"].as_str().expect("token");
    for evil in ["https://evil.example", "null", "http://127.0.0.1.evil.example"] {
        assert_eq!(upgrade_with_origin(app.port, sid, token, Some(evil)).await, 403, "Origin {evil}");
    }
    let ours = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(upgrade_with_origin(app.port, sid, token, Some(&ours)).await, 101, "our own pages");
    assert_eq!(upgrade_with_origin(app.port, sid, token, None).await, 101, "a client that is not a browser page");
}

fn settings(dir: &std::path::Path) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: dir.join("db").join("amaan.db").to_string_lossy().into_owned(),
        data_dir: dir.join("data"),
        jwt_secret: Secret::new(b"test-secret-test-secret-test-secret-0123".to_vec()),
        master_key: crate::helpers::master_key(),
        token_ttl_minutes: 60,
        pool_size: 2,
        web_dir: dir.join("no-pages"),
        login_attempts_per_minute: 30,
        public_origin: None,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries: amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
        notices: crate::helpers::no_channels(),
        node: amaan::config::NodeSettings::single(),
    }
}

#[tokio::test]
async fn metrics_can_move_to_their_own_address_behind_a_token() {
    let dir = tempfile::tempdir().expect("dir");
    let mut s = settings(dir.path());
    s.metrics_bind = Some("127.0.0.1:0".into());
    s.metrics_token = Some(Secret::new(b"metrics-token-0123456789".to_vec()));
    let app = Application::build(s).expect("the app builds");
    let (port, metrics_port) = (app.port(), app.metrics_port().expect("a metrics address"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let get = |url: String, token: Option<&'static str>| {
        let mut r = client.get(url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.expect("answer").status() }
    };
    assert_eq!(get(format!("http://127.0.0.1:{port}/health"), None).await, StatusCode::OK);
    assert_eq!(
        get(format!("http://127.0.0.1:{port}/metrics"), None).await,
        StatusCode::NOT_FOUND,
        "not on the main address"
    );
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    assert_eq!(get(metrics.clone(), None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(metrics.clone(), Some("wrong-token-0123456789")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(metrics, Some("metrics-token-0123456789")).await, StatusCode::OK);
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_made_private_and_the_database_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let app = Application::build(settings(dir.path())).expect("the app builds");
    let mode = |p: std::path::PathBuf| std::fs::metadata(&p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode(dir.path().join("data")), 0o700, "the data directory");
    assert_eq!(mode(dir.path().join("db")), 0o700, "the database's directory");
    // A write, so that SQLite's journal files exist too.
    let mut conn = app.state.pool.get().expect("conn");
    amaan::db::audit::record(
        &mut conn,
        &amaan::db::audit::Actor::system(),
        amaan::db::audit::Change::new("test", "file", 1),
    )
    .expect("a write");
    for name in ["amaan.db", "amaan.db-wal", "amaan.db-shm"] {
        let path = dir.path().join("db").join(name);
        if path.exists() {
            assert_eq!(mode(path), 0o600, "{name}");
        } else {
            assert_ne!(name, "amaan.db", "the database file exists");
        }
    }
}
