use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn staff_of_court_a_cannot_read_or_write_court_b() {
    let app = spawn_app().await;
    let a = app.court("Court A").await;
    let b = app.court("Court B").await;
    let b_case = app.child_case(&b, "B-1/2026", "Child Of B").await;

    for token in [&a.clerk, &a.judge, &a.support, &a.admin] {
        let (s, body) = app.get(&format!("/api/cases/{b_case}"), Some(token)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
        assert!(!body.to_string().contains("Child Of B"));
        let (s, body) = app.get(&format!("/api/cases/{b_case}/parties"), Some(token)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
        let (s, body) = app.get(&format!("/api/courts/{}/rooms", b.id), Some(token)).await;
        assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
        let (s, body) = app.get(&format!("/api/courts/{}", b.id), Some(token)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
    }
    let before = app.snapshot();
    let (s, body) = app
        .post(&format!("/api/cases/{b_case}/parties"), Some(&a.clerk), json!({"role": "witness", "name": "Intruder"}))
        .await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
    let (s, body) = app.patch(&format!("/api/cases/{b_case}"), Some(&a.clerk), json!({"offence": "changed"})).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
    let (s, body) = app
        .post(&format!("/api/courts/{}/rooms", b.id), Some(&a.admin), json!({"name": "Sneaky", "video_link": false}))
        .await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (s, body) = app
        .post(
            "/api/cases",
            Some(&a.clerk),
            json!({"number": "X", "offence": "x", "cognizance_date": crate::helpers::days_ago(60), "court_id": b.id}),
        )
        .await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(before, app.snapshot());

    // Lists show only the caller's court.
    let (s, list) = app.get("/api/cases", Some(&a.clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["total"], 0);
    let (_, courts) = app.get("/api/courts", Some(&a.judge)).await;
    assert_eq!(courts["total"], 1);
    assert_eq!(courts["items"][0]["id"], a.id);
}
