use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, PASSWORD};

#[tokio::test]
async fn a_clerk_logs_in_and_gets_a_token_with_role_and_expiry() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let _ = court;
    let (status, body) =
        app.post("/api/auth/login", None, json!({"username": format!("c{}-clerk", 1), "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "clerk");
    assert!(body["token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    assert!(body["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let (s1, b1) = app.post("/api/auth/login", None, json!({"username": "root", "password": "wrong-password-1"})).await;
    let (s2, b2) =
        app.post("/api/auth/login", None, json!({"username": "nobody-here", "password": "wrong-password-1"})).await;
    assert_problem(s1, &b1, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!((s1, &b1), (s2, &b2));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (s, _) =
            app.post("/api/auth/login", None, json!({"username": "root", "password": "not-the-password"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, b) = app.post("/api/auth/login", None, json!({"username": "root", "password": PASSWORD})).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn every_api_route_but_login_needs_a_token() {
    let app = spawn_app().await;
    for path in ["/api/courts", "/api/cases", "/api/users", "/api/audit", "/api/auth/me"] {
        let (s, b) = app.get(path, None).await;
        assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let (s, b) = app.get("/api/courts", Some("not.a.token")).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn logout_revokes_the_token_at_once() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let (s, _) = app.get("/api/cases", Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.post("/api/auth/logout", Some(&court.clerk), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = app.get("/api/cases", Some(&court.clerk)).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn disabling_a_user_revokes_their_token_at_once() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let (s, b) =
        app.patch(&format!("/api/users/{}", court.clerk_id), Some(&court.admin), json!({"active": false})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = app.get("/api/cases", Some(&court.clerk)).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, _) = app
        .post("/api/auth/login", None, json!({"username": format!("c{}-clerk", court.id), "password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_and_metrics_answer_without_a_token() {
    let app = spawn_app().await;
    let (s, b) = app.get("/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["database"], "ok");
    let _ = app.get("/api/courts", Some(&app.admin_token)).await;
    let (s, b) = app.get("/metrics", None).await;
    assert_eq!(s, StatusCode::OK);
    let text = b.as_str().unwrap_or_default();
    assert!(text.contains("amaan_http_requests_total{method=\"GET\",route=\"/api/courts\",status=\"200\"}"), "{text}");
    // The forwarder's counters: nobody is on a video link yet.
    assert!(text.contains("amaan_video_forwarder{what=\"peers\"} 0"), "{text}");
    assert!(text.contains("amaan_video_forwarder{what=\"packets_late\"} 0"), "{text}");
}

#[tokio::test]
async fn a_failed_login_for_an_unknown_name_is_audited_without_what_was_typed() {
    let app = spawn_app().await;
    // A password typed into the name box must not stay in the trail.
    let typed = "MySecretPassw0rd!";
    let (s, _) = app.post("/api/auth/login", None, json!({"username": typed, "password": "anything-at-all"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, trail) = app.get("/api/audit?entity=user&per_page=100", Some(&app.admin_token)).await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    let failed: Vec<&serde_json::Value> = trail["items"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "login_failed").collect())
        .unwrap_or_default();
    assert_eq!(failed.len(), 1, "that an unknown name was tried is recorded: {trail}");
    assert!(failed[0]["entity_id"].is_null(), "{trail}");
    assert!(!trail.to_string().contains(typed), "the typed name is in the trail: {trail}");
    let mut conn = app.conn();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let hits: Vec<Hit> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE entity_id LIKE '%{typed}%' OR after_state LIKE '%{typed}%' \
         OR reason LIKE '%{typed}%'"
    ))
    .load(&mut conn)
    .expect("count");
    assert_eq!(hits.first().map(|h| h.n), Some(0), "the typed name is stored");
}

#[tokio::test]
async fn twenty_wrong_passwords_at_once_are_all_counted_and_the_account_rests() {
    let app = spawn_app().await;
    let court = app.court("Lockout Court").await;
    let username = format!("c{}-clerk", court.id);
    let guesses = (0..20).map(|i| {
        let app = &app;
        let username = username.clone();
        async move {
            app.post("/api/auth/login", None, json!({"username": username, "password": format!("wrong-guess-{i}")}))
                .await
                .0
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    assert!(answers.iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{answers:?}");
    let mut conn = app.conn();
    use diesel::prelude::*;
    let failed: i32 = amaan::db::schema::users::table
        .filter(amaan::db::schema::users::username.eq(&username))
        .select(amaan::db::schema::users::failed_logins)
        .first(&mut conn)
        .expect("the account");
    assert_eq!(failed, 20, "every wrong guess is counted");
    drop(conn);
    let (s, b) = app.post("/api/auth/login", None, json!({"username": username, "password": PASSWORD})).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
}
