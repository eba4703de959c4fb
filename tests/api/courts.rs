use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn an_administrator_sets_up_a_court_with_rooms_and_waiting_areas() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true, "capacity": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    assert_eq!(room["video_link"], true);
    let (s, area) = app
        .post(
            &format!("/api/courts/{}/waiting-areas", court.id),
            Some(&court.admin),
            json!({"name": "Children's room", "child_friendly": true, "entrance": "East gate"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{area}");
    assert_eq!(area["child_friendly"], true);

    // Staff of the court read what the administrator set up.
    let (s, rooms) = app.get(&format!("/api/courts/{}/rooms", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(rooms["total"], 1);
    assert_eq!(rooms["items"][0]["name"], "Court Room 1");
    let (s, areas) = app.get(&format!("/api/courts/{}/waiting-areas", court.id), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(areas["items"][0]["entrance"], "East gate");
    let (s, c) = app.get(&format!("/api/courts/{}", court.id), Some(&court.support)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["time_zone"], "Asia/Karachi");
    assert_eq!(c["rule_profile"], "pk");
}

#[tokio::test]
async fn a_clerk_registers_a_case_with_a_child_and_reads_it_back() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-1/2026", "Ayesha Noor").await;
    let (s, case) = app.get(&format!("/api/cases/{case_id}"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["number"], "CSA-1/2026");
    assert_eq!(case["child_victim"], true);
    assert_eq!(case["children"][0]["pseudonym"], "Child A");
    let parties = case["parties"].as_array().cloned().unwrap_or_default();
    assert_eq!(parties.len(), 4);
    let child = parties.iter().find(|p| p["role"] == "child_witness").cloned().unwrap_or_default();
    assert_eq!(child["name"], "Ayesha Noor");
    assert_eq!(child["side"], "child");
    assert_eq!(child["date_of_birth"], "2018-05-04");
    let accused = parties.iter().find(|p| p["role"] == "accused").cloned().unwrap_or_default();
    assert_eq!(accused["side"], "accused");
}

#[tokio::test]
async fn a_second_child_in_a_case_is_child_b() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-2/2026", "First Child").await;
    let (s, p) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "child_witness", "name": "Second Child", "date_of_birth": "2016-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["pseudonym"], "Child B");
}

#[tokio::test]
async fn each_role_is_allowed_only_its_own_writes() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-3/2026", "Some Child").await;
    let new_case = json!({"number": "CSA-9/2026", "offence": "x", "cognizance_date": crate::helpers::days_ago(60)});
    let new_room = json!({"name": "Room Z", "video_link": false});
    let new_party = json!({"role": "witness", "name": "A Witness"});
    // (who, method path, body, expected)
    let cases: Vec<(&str, &str, String, serde_json::Value, StatusCode)> = vec![
        ("judge", "POST", "/api/cases".into(), new_case.clone(), StatusCode::FORBIDDEN),
        ("support", "POST", "/api/cases".into(), new_case.clone(), StatusCode::FORBIDDEN),
        ("admin", "POST", "/api/cases".into(), new_case.clone(), StatusCode::FORBIDDEN),
        ("clerk", "POST", format!("/api/courts/{}/rooms", court.id), new_room.clone(), StatusCode::FORBIDDEN),
        ("judge", "POST", format!("/api/courts/{}/rooms", court.id), new_room.clone(), StatusCode::FORBIDDEN),
        ("judge", "POST", format!("/api/cases/{case_id}/parties"), new_party.clone(), StatusCode::FORBIDDEN),
        (
            "clerk",
            "POST",
            "/api/courts".into(),
            json!({"name": "X", "rule_profile": "pk", "time_zone": "Asia/Karachi"}),
            StatusCode::FORBIDDEN,
        ),
        // A court administrator manages their court, but only a system administrator makes courts.
        (
            "admin",
            "POST",
            "/api/courts".into(),
            json!({"name": "X", "rule_profile": "pk", "time_zone": "Asia/Karachi"}),
            StatusCode::FORBIDDEN,
        ),
        ("clerk", "GET", "/api/users".into(), json!(null), StatusCode::FORBIDDEN),
        ("support", "GET", "/api/audit".into(), json!(null), StatusCode::FORBIDDEN),
        ("clerk", "GET", "/api/audit".into(), json!(null), StatusCode::FORBIDDEN),
        ("clerk", "POST", "/api/cases".into(), new_case.clone(), StatusCode::CREATED),
        ("admin", "POST", format!("/api/courts/{}/rooms", court.id), new_room.clone(), StatusCode::CREATED),
        ("clerk", "POST", format!("/api/cases/{case_id}/parties"), new_party.clone(), StatusCode::CREATED),
        ("judge", "GET", format!("/api/cases/{case_id}"), json!(null), StatusCode::OK),
        ("support", "GET", format!("/api/cases/{case_id}"), json!(null), StatusCode::OK),
        ("judge", "GET", "/api/audit".into(), json!(null), StatusCode::OK),
        ("admin", "GET", "/api/users".into(), json!(null), StatusCode::OK),
    ];
    for (who, method, path, body, want) in cases {
        let token = match who {
            "admin" => &court.admin,
            "clerk" => &court.clerk,
            "judge" => &court.judge,
            _ => &court.support,
        };
        let before = app.snapshot();
        let (s, b) =
            if method == "GET" { app.get(&path, Some(token)).await } else { app.post(&path, Some(token), body).await };
        if want == StatusCode::FORBIDDEN {
            assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
            assert_eq!(before, app.snapshot(), "{who} {method} {path} changed the database");
        } else {
            assert_eq!(s, want, "{who} {method} {path}: {b}");
        }
    }
}

#[tokio::test]
async fn lists_paginate() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    for i in 0..5 {
        let (s, _) = app
            .post(
                "/api/cases",
                Some(&court.clerk),
                json!({"number": format!("N-{i}"), "offence": "x", "cognizance_date": crate::helpers::days_ago(60)}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, page2) = app.get("/api/cases?page=2&per_page=2", Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page2["total"], 5);
    assert_eq!(page2["items"].as_array().map(|a| a.len()), Some(2));
    assert_eq!(page2["items"][0]["number"], "N-2");
    let (s, b) = app.get("/api/cases?per_page=1000", Some(&court.clerk)).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation");
}
