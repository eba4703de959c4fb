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
    // Named at the event of its chain that follows the gap.
    assert!(v["first_bad_seq"].as_i64() >= Some(3), "{v}");
    assert!(v["problem"].as_str().is_some_and(|p| p.contains("missing")), "{v}");
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

#[tokio::test]
async fn a_judge_verifies_only_their_courts_events_and_a_system_administrator_the_whole_chain() {
    let app = spawn_app().await;
    let a = app.court("Court A").await;
    let b = app.court("Court B").await;
    app.child_case(&a, "A-1/2026", "A Child").await;
    app.child_case(&b, "B-1/2026", "B Child").await;
    let count = |court: i64| {
        let mut conn = app.conn();
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM audit_events WHERE court_id = {court}"))
            .load::<N>(&mut conn)
            .expect("count")
            .first()
            .map(|r| r.n)
            .unwrap_or(-1)
    };
    let (s, v) = app.get("/api/audit/verify", Some(&a.judge)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["court_id"], a.id, "{v}");
    assert_eq!(v["events"], count(a.id), "a judge's check reads the court's events, not the trail: {v}");

    // Court B's event is altered behind the app's back: court A's judge is
    // told nothing of court B; court B's judge and the system administrator
    // are told where.
    let tampered: i64 = {
        let mut conn = app.conn();
        #[derive(QueryableByName)]
        struct Seq {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            seq: i64,
        }
        let seq = diesel::sql_query(format!("SELECT MAX(seq) AS seq FROM audit_events WHERE court_id = {}", b.id))
            .load::<Seq>(&mut conn)
            .expect("seq")
            .first()
            .map(|r| r.seq)
            .expect("court B has events");
        diesel::sql_query(format!("UPDATE audit_events SET actor_role = 'judge' WHERE seq = {seq}"))
            .execute(&mut conn)
            .expect("tamper");
        seq
    };
    let (_, v) = app.get("/api/audit/verify", Some(&a.judge)).await;
    assert_eq!(v["intact"], true, "court A's check is not about court B: {v}");
    let (_, v) = app.get("/api/audit/verify", Some(&b.judge)).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_bad_seq"], tampered, "{v}");
    let (_, v) = app.get("/api/audit/verify", Some(&app.admin_token)).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_bad_seq"], tampered, "{v}");
    assert!(v.get("court_id").is_none(), "the whole chain: {v}");
    // A judge cannot ask about another court.
    let (s, v) = app.get(&format!("/api/audit/verify?court_id={}", b.id), Some(&a.judge)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
}

#[tokio::test]
async fn a_deleted_event_between_two_of_a_courts_events_is_caught_by_the_courts_check() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-1/2026", "A Child").await;
    let (_, parties) = app.get("/api/audit?entity=party&per_page=10", Some(&court.judge)).await;
    let seq = parties["items"][1]["seq"].as_i64().expect("a party event");
    {
        let mut conn = app.conn();
        diesel::sql_query(format!("DELETE FROM audit_events WHERE seq = {seq}")).execute(&mut conn).expect("tamper");
    }
    let _ = case_id;
    let (_, v) = app.get("/api/audit/verify", Some(&court.judge)).await;
    assert_eq!(v["intact"], false, "{v}");
    assert!(v["first_bad_seq"].as_i64() > Some(seq), "the court's next event names the gap: {v}");
    assert!(v["problem"].as_str().is_some_and(|p| p.contains("missing")), "{v}");
}
