use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_write_leaves_an_event_and_the_chain_verifies() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-1/2026", "A Child").await;
    let (s, body) = app.get(&format!("/api/audit?entity=case&entity_id={case_id}"), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["action"], "create");
    assert_eq!(body["items"][0]["actor_role"], "clerk");
    let (s, parties) = app.get("/api/audit?entity=party", Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(parties["total"], 4);
    let (s, v) = app.get("/api/audit/verify", Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["intact"], true, "{v}");
}

#[tokio::test]
async fn a_row_edited_behind_the_apps_back_is_caught_by_the_verifier() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    app.child_case(&court, "CSA-1/2026", "A Child").await;
    let (_, v) = app.get("/api/audit/verify", Some(&app.admin_token)).await;
    assert_eq!(v["intact"], true);
    {
        let mut conn = app.conn();
        diesel::sql_query("UPDATE audit_events SET actor_role = 'judge' WHERE seq = 7")
            .execute(&mut conn)
            .expect("tamper");
    }
    let (s, v) = app.get("/api/audit/verify", Some(&app.admin_token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_bad_seq"], 7);
}

#[tokio::test]
async fn a_deleted_event_is_caught_by_the_verifier() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    app.child_case(&court, "CSA-1/2026", "A Child").await;
    {
        let mut conn = app.conn();
        diesel::sql_query("DELETE FROM audit_events WHERE seq = 3").execute(&mut conn).expect("tamper");
    }
    let (_, v) = app.get("/api/audit/verify", Some(&app.admin_token)).await;
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad_seq"], 3);
}

#[tokio::test]
async fn failed_logins_are_in_the_trail() {
    let app = spawn_app().await;
    let _ =
        app.post("/api/auth/login", None, serde_json::json!({"username": "root", "password": "wrong-password"})).await;
    let (_, body) = app.get("/api/audit?entity=user", Some(&app.admin_token)).await;
    let actions: Vec<String> = body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(actions.contains(&"login_failed".to_string()), "{actions:?}");
    assert!(actions.contains(&"login".to_string()));
}
