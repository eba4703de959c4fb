//! Court isolation over every route: staff of court A, each with the role
//! the route admits, aim at court B's ids. Every answer is a 403 or 404
//! problem, nothing of B comes back, and nothing is written.

use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Court, TestApp};

const B_CHILD: &str = "Bushra Of Court B";

/// A weekday at least a week ahead, at 10:00 in Karachi.
fn sitting_day() -> chrono::NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(7);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d += Duration::days(1);
    }
    d
}

struct CourtB {
    court: Court,
    case_id: i64,
    hearing_id: i64,
    adjournment_id: i64,
    session_id: i64,
    plan_id: Option<i64>,
}

async fn court_b(app: &TestApp) -> CourtB {
    let court = app.court("Court B").await;
    let case_id = app.child_case(&court, "B-1/2026", B_CHILD).await;
    let (_, room) = app
        .post(&format!("/api/courts/{}/rooms", court.id), Some(&court.admin), json!({"name": "B1", "video_link": true}))
        .await;
    app.waiting_areas(&court).await;
    let day = sitting_day();
    let (s, h) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "judge_id": court.judge_id, "room_id": room["id"], "child_testifies": true,
                   "mode": "video_link", "starts_at": format!("{day}T10:00:00+05:00"), "ends_at": format!("{day}T11:00:00+05:00")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    let hearing_id = h["id"].as_i64().expect("hearing");
    let (_, adj) = app
        .post(
            &format!("/api/hearings/{hearing_id}/adjournments"),
            Some(&court.clerk),
            json!({"requested_by": "prosecution", "reason_code": "witness_not_served", "details": "Summons returned unserved.",
                   "proposed_starts_at": format!("{}T10:00:00+05:00", day + Duration::days(7))}),
        )
        .await;
    let adjournment_id = adj["id"].as_i64().or_else(|| adj["adjournment_id"].as_i64()).expect("an adjournment id");
    let (s, sess) =
        app.post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{sess}");
    let (_, plan) = app.post("/api/plan", Some(&court.clerk), json!({"weeks": 2})).await;
    CourtB {
        court,
        case_id,
        hearing_id,
        adjournment_id,
        session_id: sess["id"].as_i64().expect("session"),
        plan_id: plan["plan_id"].as_i64().or_else(|| plan["id"].as_i64()),
    }
}

#[tokio::test]
async fn staff_of_one_court_reach_nothing_of_another_on_any_route() {
    let app = spawn_app().await;
    let a = app.court("Court A").await;
    let b = court_b(&app).await;
    let (bc, bcase, bh, badj, bs) = (b.court.id, b.case_id, b.hearing_id, b.adjournment_id, b.session_id);
    let day = sitting_day();
    let later = format!("{}T10:00:00+05:00", day + Duration::days(3));
    let mut routes: Vec<(&str, Method, String, Option<Value>)> = vec![
        ("judge", Method::GET, format!("/api/courts/{bc}"), None),
        ("admin", Method::PATCH, format!("/api/courts/{bc}"), Some(json!({"name": "Taken"}))),
        ("clerk", Method::GET, format!("/api/courts/{bc}/rooms"), None),
        ("admin", Method::POST, format!("/api/courts/{bc}/rooms"), Some(json!({"name": "X", "video_link": false}))),
        ("clerk", Method::GET, format!("/api/courts/{bc}/waiting-areas"), None),
        (
            "admin",
            Method::POST,
            format!("/api/courts/{bc}/waiting-areas"),
            Some(json!({"name": "X", "child_friendly": true, "entrance": "E"})),
        ),
        ("admin", Method::GET, format!("/api/users/{}", b.court.clerk_id), None),
        ("admin", Method::PATCH, format!("/api/users/{}", b.court.clerk_id), Some(json!({"active": false}))),
        ("clerk", Method::GET, format!("/api/cases?court_id={bc}"), None),
        ("clerk", Method::GET, format!("/api/cases/{bcase}"), None),
        ("clerk", Method::PATCH, format!("/api/cases/{bcase}"), Some(json!({"offence": "changed"}))),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/parties"), None),
        ("clerk", Method::POST, format!("/api/cases/{bcase}/parties"), Some(json!({"role": "witness", "name": "X"}))),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/hearings"), None),
        ("clerk", Method::POST, format!("/api/cases/{bcase}/hearings"), Some(json!({"kind": "mention"}))),
        ("clerk", Method::GET, format!("/api/hearings/{bh}"), None),
        ("judge", Method::GET, format!("/api/docket?judge_id={}", b.court.judge_id), None),
        ("clerk", Method::GET, format!("/api/courts/{bc}/child-cases"), None),
        ("clerk", Method::GET, format!("/api/courts/{bc}/cause-list?date={day}"), None),
        ("judge", Method::GET, format!("/api/courts/{bc}/escalations"), None),
        (
            "clerk",
            Method::POST,
            format!("/api/hearings/{bh}/adjournments"),
            Some(
                json!({"requested_by": "defence", "reason_code": "witness_not_served", "details": "Summons returned.", "proposed_starts_at": later}),
            ),
        ),
        ("judge", Method::GET, format!("/api/adjournments/{badj}"), None),
        (
            "judge",
            Method::POST,
            format!("/api/adjournments/{badj}/decision"),
            Some(
                json!({"decision": "grant", "reasons": "The witness could not be served in time for today's hearing."}),
            ),
        ),
        ("judge", Method::GET, format!("/api/cases/{bcase}/adjournments"), None),
        ("judge", Method::GET, format!("/api/courts/{bc}/adjournment-stats"), None),
        ("support", Method::POST, format!("/api/hearings/{bh}/video-session"), Some(json!({}))),
        ("judge", Method::GET, format!("/api/hearings/{bh}/recordings"), None),
        ("judge", Method::GET, format!("/api/hearings/{bh}/video-session"), None),
        ("support", Method::GET, format!("/api/video-sessions/{bs}"), None),
        (
            "support",
            Method::POST,
            format!("/api/video-sessions/{bs}/invites"),
            Some(json!({"role": "guardian", "party_id": 1})),
        ),
        ("support", Method::POST, format!("/api/video-sessions/{bs}/state"), Some(json!({"state": "live"}))),
        (
            "judge",
            Method::PATCH,
            format!("/api/video-sessions/{bs}/settings"),
            Some(json!({"questions_through_judge": true})),
        ),
        ("support", Method::GET, format!("/api/video-sessions/{bs}/visibility"), None),
        ("support", Method::GET, format!("/api/video-sessions/{bs}/recordings"), None),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/incidents"), None),
        (
            "support",
            Method::POST,
            format!("/api/cases/{bcase}/incidents"),
            Some(json!({"kind": "met_accused_side", "place": "corridor", "who": "accused", "occurred_at": later})),
        ),
        (
            "support",
            Method::POST,
            format!("/api/video-sessions/{bs}/evidence"),
            Some(json!({"child_evidence": "full"})),
        ),
        ("clerk", Method::GET, format!("/api/courts/{bc}/hearings?from={day}&to={day}"), None),
        ("clerk", Method::GET, format!("/api/courts/{bc}/judges"), None),
        ("clerk", Method::GET, format!("/api/hearings/slots?case_id={bcase}&kind=evidence&minutes=60"), None),
        ("clerk", Method::POST, format!("/api/hearings/{bh}/book"), Some(json!({"starts_at": later, "minutes": 60}))),
        ("clerk", Method::GET, format!("/api/hearings/{bh}/arrival-plan?side=child"), None),
        ("admin", Method::GET, format!("/api/courts/{bc}/holidays"), None),
        (
            "admin",
            Method::POST,
            format!("/api/courts/{bc}/holidays"),
            Some(json!({"day": day.to_string(), "name": "Not yours"})),
        ),
        ("admin", Method::DELETE, format!("/api/courts/{bc}/holidays/{day}"), None),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/counsel"), None),
        (
            "clerk",
            Method::POST,
            format!("/api/cases/{bcase}/counsel"),
            Some(json!({"name": "X", "enrolment_number": "1", "role": "defence_counsel"})),
        ),
        ("judge", Method::POST, format!("/api/hearings/{bh}/outcome"), Some(json!({"kind": "held", "details": "x"}))),
        ("clerk", Method::POST, format!("/api/hearings/{bh}/outcome"), Some(json!({"kind": "held", "details": "x"}))),
        ("support", Method::GET, format!("/api/hearings/{bh}/outcome"), None),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/course"), None),
        ("judge", Method::POST, format!("/api/cases/{bcase}/course"), Some(json!({"stage": "evidence"}))),
        ("judge", Method::GET, format!("/api/courts/{bc}/figures"), None),
        ("clerk", Method::GET, format!("/api/courts/{bc}/outcome-codes"), None),
        ("admin", Method::PUT, format!("/api/courts/{bc}/building"), Some(json!({"building_id": 1}))),
        (
            "clerk",
            Method::POST,
            format!("/api/cases/{bcase}/links"),
            Some(json!({"case_id": 1, "reason": "same_occurrence"})),
        ),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/links"), None),
        ("clerk", Method::DELETE, format!("/api/cases/{bcase}/links/1"), None),
        (
            "clerk",
            Method::POST,
            format!("/api/cases/{bcase}/associates"),
            Some(json!({"name": "Someone", "relation": "brother of the accused"})),
        ),
        ("clerk", Method::GET, format!("/api/cases/{bcase}/associates"), None),
        ("judge", Method::GET, format!("/api/case-groups/{bcase}"), None),
        ("clerk", Method::POST, format!("/api/case-groups/{bcase}/testimony-plan"), Some(json!({}))),
    ];
    if let Some(plan_id) = b.plan_id {
        routes.push(("clerk", Method::POST, "/api/plan/accept".into(), Some(json!({"plan_id": plan_id}))));
    }
    for (who, method, path, body) in routes {
        let token = match who {
            "admin" => &a.admin,
            "clerk" => &a.clerk,
            "judge" => &a.judge,
            _ => &a.support,
        };
        let before = app.snapshot();
        let (status, resp) = app.send(method.clone(), &path, Some(token), body).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{who} of court A: {method} {path} answered {status}: {resp}"
        );
        assert!(resp["type"].as_str().is_some_and(|t| t.starts_with(amaan::error::PROBLEM_BASE)), "{path}: {resp}");
        assert!(!resp.to_string().contains(B_CHILD), "{path} leaked court B's child");
        assert_eq!(before, app.snapshot(), "{who}: {method} {path} wrote to court B");
    }
    // The invite routes to the recordings: court A's counsel, allowed by A's
    // order, aim their invite at B's session and B's recording.
    let a_case = app.child_case(&a, "A-1/2026", "Child Of Court A").await;
    let (_, a_hearing) = app
        .post(
            &format!("/api/cases/{a_case}/hearings"),
            Some(&a.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    let (s, a_sess) =
        app.post(&format!("/api/hearings/{}/video-session", a_hearing["id"]), Some(&a.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{a_sess}");
    let a_sid = a_sess["id"].as_i64().expect("session");
    let (s, inv) = app
        .post(
            &format!("/api/video-sessions/{a_sid}/invites"),
            Some(&a.support),
            json!({"role": "prosecutor", "display_name": "Counsel of A"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let invite = inv["token"].as_str().expect("token").to_string();
    for (court, sid) in [(&a, a_sid), (&b.court, bs)] {
        let (s, body) = app
            .patch(
                &format!("/api/video-sessions/{sid}/settings"),
                Some(&court.judge),
                json!({"counsel_may_view_recordings": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let b_file = app.data_dir.path().join("court-b.ivf");
    std::fs::write(&b_file, B_CHILD).expect("B's recording");
    let b_rec = amaan::db::video::add_recording(
        &mut app.conn(),
        &amaan::db::video::NewRecording {
            session_id: bs,
            hearing_id: bh,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: b_file.to_string_lossy().into_owned(),
            sha256: "b".repeat(64),
            bytes: B_CHILD.len() as i64,
            created_at: Utc::now().naive_utc(),
        },
    )
    .expect("B's recording row")
    .id;
    for path in [
        format!("/api/video-sessions/{bs}/recordings?token={invite}"),
        format!("/api/video-sessions/{bs}/recordings/{b_rec}/file?token={invite}"),
        format!("/api/video-sessions/{a_sid}/recordings/{b_rec}/file?token={invite}"),
    ] {
        let before = app.snapshot();
        let (status, resp) = app.get(&path, None).await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
            "court A's invite: GET {path} answered {status}: {resp}"
        );
        assert!(resp["type"].as_str().is_some_and(|t| t.starts_with(amaan::error::PROBLEM_BASE)), "{path}: {resp}");
        assert!(!resp.to_string().contains(B_CHILD), "{path} leaked court B's recording");
        assert_eq!(before, app.snapshot(), "court A's invite: GET {path} wrote (a view?)");
    }
    let before = app.snapshot();
    let (status, resp) = app.get(&format!("/api/recordings/{b_rec}/file"), Some(&a.judge)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a judge of court A opened B's recording: {resp}");
    assert_eq!(before, app.snapshot(), "a refused file was audited as a view");

    // The audit trail is scoped too: a judge of A sees none of B's events.
    let (s, trail) = app.get(&format!("/api/audit?entity=case&entity_id={bcase}"), Some(&a.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(trail["total"], 0, "{trail}");
}
