//! Security headers, closed CORS, and logs that never name a child.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::process::{add_user, drop_database, free_port, fresh_database_url, login, start_logging_to};

#[tokio::test]
async fn pages_and_api_answers_carry_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/api/courts", "/health"] {
        let resp = app.client.get(format!("{}{path}", app.address)).send().await.expect("sent");
        let h = resp.headers();
        assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"), "{path}");
        assert_eq!(h.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"), "{path}");
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn another_origin_is_not_allowed_to_call_the_api() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/cases", app.address))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("sent");
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
    let resp = app
        .client
        .get(format!("{}/api/courts", app.address))
        .bearer_auth(&app.admin_token)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_servers_logs_never_name_a_child() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fresh_database_url(dir.path(), "logs");
    add_user(dir.path(), &db, "root", "admin", None);
    let log = dir.path().join("server.log");
    let port = free_port();
    let mut server = start_logging_to(dir.path(), &db, port, Some(&log)).await;
    let client = reqwest::Client::new();
    let root = login(&client, &server.base, "root").await;
    let court: serde_json::Value = client
        .post(format!("{}/api/courts", server.base))
        .bearer_auth(&root)
        .json(&json!({"name": "Log Court", "rule_profile": "in", "time_zone": "Asia/Kolkata"}))
        .send()
        .await
        .expect("court")
        .json()
        .await
        .expect("json");
    let court_id = court["id"].as_i64().expect("id");
    add_user(dir.path(), &db, "clerk", "clerk", Some(court_id));
    let clerk = login(&client, &server.base, "clerk").await;
    let case: serde_json::Value = client
        .post(format!("{}/api/cases", server.base))
        .bearer_auth(&clerk)
        .json(&json!({"number": "L-1", "offence": "s.6 POCSO", "cognizance_date": crate::helpers::days_ago(60)}))
        .send()
        .await
        .expect("case")
        .json()
        .await
        .expect("json");
    let case_id = case["id"].as_i64().expect("id");
    for body in [
        json!({"role": "child_witness", "name": "Priyanka Sharmavati", "date_of_birth": "2017-03-03"}),
        // A refused request carrying the name is logged too: it must not name her either.
        json!({"role": "child_witness", "name": "Priyanka Sharmavati", "date_of_birth": "2999-03-03"}),
    ] {
        let _ = client
            .post(format!("{}/api/cases/{case_id}/parties", server.base))
            .bearer_auth(&clerk)
            .json(&body)
            .send()
            .await;
    }
    let _ = client.get(format!("{}/api/cases/{case_id}", server.base)).bearer_auth(&clerk).send().await;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("/api/cases/{id}/parties"), "the log should show the requests: {text}");
    assert!(text.contains("user_id"), "the log should name the acting user's id");
    assert!(!text.contains("Priyanka") && !text.contains("Sharmavati"), "the log names the child:\n{text}");
    assert!(!text.contains("2017-03-03"));
    drop_database(&db);
}
