//! One guard over every free-text field of every write route: a registered
//! child's name is refused with the field named, and nothing is written.
//! The walk below lists every write route of the API; a route without free
//! text is listed in `NO_FREE_TEXT` with what it takes instead, so that a
//! new write route has to be placed in one list or the other.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{days_ago, karachi, next_weekday, spawn_app, today};

const CHILD: &str = "Zainab Qamar";

/// Write routes that take no free text at all (ids, times, flags, enums),
/// or only a password: nothing to name a child in.
const NO_FREE_TEXT: &[&str] = &[
    "POST /api/auth/login (checked against an account, never stored)",
    "POST /api/auth/logout",
    "PATCH /api/users/{id} (active, password)",
    "POST /api/plan (weeks, from)",
    "POST /api/plan/accept (plan_id, hearing_ids)",
    "DELETE /api/courts/{id}/holidays/{day}",
    "POST /api/hearings/{id}/video-session (minutes)",
    "DELETE /api/video-sessions/{id}/invites/{participant}",
    "PATCH /api/video-sessions/{id}/settings (flags and enums)",
    "PUT /api/parties/{id}/contact (a phone number and an address, each parsed)",
    "PUT /api/parties/{id}/custody (prison_id)",
    "POST /api/notices/{id}/resend",
    "POST /api/notices/{id}/printed",
    "DELETE /api/prisons/{id}",
    "POST /api/video-sessions/{id}/invites/{participant}/send (channel, a parsed phone or address, language)",
    "POST /api/me/calendar-feed",
    "DELETE /api/me/calendar-feed",
];

#[tokio::test]
async fn every_free_text_field_of_every_write_route_refuses_a_registered_childs_name() {
    let app = spawn_app().await;
    let court = app.court("Free Text Court").await;
    let case_id = app.child_case(&court, "FT-1/2026", CHILD).await;
    let (_, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    let room_id = room["id"].as_i64().expect("room");
    app.waiting_areas(&court).await;
    let day = next_weekday(today() + chrono::Days::new(7), chrono::Weekday::Tue);
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "mention", "judge_id": court.judge_id, "room_id": room_id,
                   "starts_at": karachi(day, "11:00"), "ends_at": karachi(day, "11:30")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let hearing_id = hearing["id"].as_i64().expect("hearing");
    let (s, unbooked) =
        app.post(&format!("/api/cases/{case_id}/hearings"), Some(&court.clerk), json!({"kind": "charge"})).await;
    assert_eq!(s, StatusCode::CREATED, "{unbooked}");
    let unbooked = unbooked["id"].as_i64().expect("hearing");
    let later = karachi(day + chrono::Days::new(7), "11:00");
    let (_, adj) = app
        .post(
            &format!("/api/hearings/{hearing_id}/adjournments"),
            Some(&court.clerk),
            json!({"requested_by": "prosecution", "reason_code": "witness_not_served",
                   "details": "Summons returned unserved.", "proposed_starts_at": later}),
        )
        .await;
    let adjournment_id = adj["id"].as_i64().or_else(|| adj["adjournment_id"].as_i64()).expect("an adjournment");
    let (s, session) =
        app.post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let sid = session["id"].as_i64().expect("session");

    let c = court.id;
    let name = CHILD;
    let prose = format!("{CHILD} was not well enough to come.");
    let book_at = karachi(day, "14:00");
    let routes: Vec<(&str, &str, Method, String, Value, &str)> = vec![
        (
            "root",
            "POST /api/courts",
            Method::POST,
            "/api/courts".into(),
            json!({"name": format!("{name} Court"), "rule_profile": "pk", "time_zone": "Asia/Karachi"}),
            "name",
        ),
        ("admin", "PATCH /api/courts/{id}", Method::PATCH, format!("/api/courts/{c}"), json!({"name": name}), "name"),
        (
            "admin",
            "PATCH /api/courts/{id}",
            Method::PATCH,
            format!("/api/courts/{c}"),
            json!({"province": "Punjab", "district": format!("{name} town")}),
            "district",
        ),
        (
            "admin",
            "POST /api/courts/{id}/rooms",
            Method::POST,
            format!("/api/courts/{c}/rooms"),
            json!({"name": format!("{name} room"), "video_link": false}),
            "name",
        ),
        (
            "admin",
            "POST /api/courts/{id}/waiting-areas",
            Method::POST,
            format!("/api/courts/{c}/waiting-areas"),
            json!({"name": name, "child_friendly": true, "entrance": "East Gate"}),
            "name",
        ),
        (
            "admin",
            "POST /api/courts/{id}/waiting-areas",
            Method::POST,
            format!("/api/courts/{c}/waiting-areas"),
            json!({"name": "Second Room", "child_friendly": true, "entrance": format!("{name} gate")}),
            "entrance",
        ),
        (
            "admin",
            "POST /api/users",
            Method::POST,
            "/api/users".into(),
            json!({"username": "zainab.qamar", "password": "a-long-password-123", "role": "clerk"}),
            "username",
        ),
        (
            "admin",
            "POST /api/users",
            Method::POST,
            "/api/users".into(),
            json!({"username": "clerk-two", "display_name": name, "password": "a-long-password-123", "role": "clerk"}),
            "display_name",
        ),
        (
            "root",
            "POST /api/users",
            Method::POST,
            "/api/users".into(),
            json!({"username": "root-two", "display_name": name, "password": "a-long-password-123", "role": "admin"}),
            "display_name",
        ),
        (
            "clerk",
            "POST /api/cases",
            Method::POST,
            "/api/cases".into(),
            json!({"number": format!("FT-{name}"), "offence": "s.377-B PPC", "cognizance_date": days_ago(5)}),
            "number",
        ),
        (
            "clerk",
            "POST /api/cases",
            Method::POST,
            "/api/cases".into(),
            json!({"number": "FT-2/2026", "offence": format!("s.377-B PPC against {name}"), "cognizance_date": days_ago(5)}),
            "offence",
        ),
        (
            "clerk",
            "PATCH /api/cases/{id}",
            Method::PATCH,
            format!("/api/cases/{case_id}"),
            json!({"offence": "s.377-B PPC; the Qamar family's house"}),
            "offence",
        ),
        (
            "clerk",
            "POST /api/cases/{id}/parties",
            Method::POST,
            format!("/api/cases/{case_id}/parties"),
            json!({"role": "witness", "name": name}),
            "name",
        ),
        (
            "clerk",
            "POST /api/cases/{id}/hearings",
            Method::POST,
            format!("/api/cases/{case_id}/hearings"),
            json!({"kind": "mention", "reappearance_reason": prose}),
            "reappearance_reason",
        ),
        (
            "clerk",
            "POST /api/cases/{id}/hearings",
            Method::POST,
            format!("/api/cases/{case_id}/hearings"),
            json!({"kind": "mention", "judge_id": court.judge_id, "room_id": room_id, "starts_at": book_at,
                   "ends_at": karachi(day, "14:30"), "delay_reason": prose}),
            "delay_reason",
        ),
        (
            "clerk",
            "POST /api/hearings/{id}/book",
            Method::POST,
            format!("/api/hearings/{unbooked}/book"),
            json!({"starts_at": book_at, "minutes": 30, "reappearance_reason": prose}),
            "reappearance_reason",
        ),
        (
            "clerk",
            "POST /api/hearings/{id}/book",
            Method::POST,
            format!("/api/hearings/{unbooked}/book"),
            json!({"starts_at": book_at, "minutes": 30, "delay_reason": prose}),
            "delay_reason",
        ),
        (
            "admin",
            "POST /api/courts/{id}/holidays",
            Method::POST,
            format!("/api/courts/{c}/holidays"),
            json!({"day": (day + chrono::Days::new(1)).to_string(), "name": format!("{name} day")}),
            "name",
        ),
        (
            "clerk",
            "POST /api/cases/{id}/counsel",
            Method::POST,
            format!("/api/cases/{case_id}/counsel"),
            json!({"name": name, "enrolment_number": "LHC-1", "role": "prosecutor"}),
            "name",
        ),
        (
            "clerk",
            "POST /api/cases/{id}/counsel",
            Method::POST,
            format!("/api/cases/{case_id}/counsel"),
            json!({"name": "Ms Counsel", "enrolment_number": format!("{name} 1"), "role": "prosecutor"}),
            "enrolment_number",
        ),
        (
            "clerk",
            "POST /api/hearings/{id}/adjournments",
            Method::POST,
            format!("/api/hearings/{hearing_id}/adjournments"),
            json!({"requested_by": "defence", "reason_code": "witness_not_served", "details": prose}),
            "details",
        ),
        (
            "judge",
            "POST /api/adjournments/{id}/decision",
            Method::POST,
            format!("/api/adjournments/{adjournment_id}/decision"),
            json!({"decision": "refuse", "reasons": prose}),
            "reasons",
        ),
        (
            "support",
            "POST /api/video-sessions/{id}/invites",
            Method::POST,
            format!("/api/video-sessions/{sid}/invites"),
            json!({"role": "prosecutor", "display_name": format!("Adv. {name}")}),
            "display_name",
        ),
        (
            "clerk",
            "POST /api/courts/{id}/prisons",
            Method::POST,
            format!("/api/courts/{c}/prisons"),
            json!({"name": format!("{name} Jail"), "notice_email": "jail@example.org"}),
            "name",
        ),
        (
            "support",
            "POST /api/video-sessions/{id}/state",
            Method::POST,
            format!("/api/video-sessions/{sid}/state"),
            json!({"state": "live", "reason": prose}),
            "reason",
        ),
        (
            "support",
            "POST /api/cases/{id}/incidents",
            Method::POST,
            format!("/api/cases/{case_id}/incidents"),
            json!({"kind": "other_breach", "place": "court_room", "who": "not_applicable",
                   "occurred_at": karachi(today() - chrono::Days::new(1), "10:00"), "details": prose}),
            "details",
        ),
        (
            "support",
            "POST /api/video-sessions/{id}/evidence",
            Method::POST,
            format!("/api/video-sessions/{sid}/evidence"),
            json!({"child_evidence": "part", "continues_because": prose}),
            "continues_because",
        ),
        (
            "support",
            "POST /api/video-sessions/{id}/evidence",
            Method::POST,
            format!("/api/video-sessions/{sid}/evidence"),
            json!({"child_evidence": "full", "correction_reason": prose}),
            "correction_reason",
        ),
    ];
    for (who, route, method, path, body, field) in routes {
        let token = match who {
            "root" => &app.admin_token,
            "admin" => &court.admin,
            "clerk" => &court.clerk,
            "judge" => &court.judge,
            _ => &court.support,
        };
        let before = app.snapshot();
        let (status, resp) = app.send(method, &path, Some(token), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{route} `{field}`: {resp}");
        assert!(resp["type"].as_str().is_some_and(|t| t.ends_with("/validation")), "{route}: {resp}");
        assert_eq!(resp["field"], field, "{route}: the refusal names the field: {resp}");
        assert!(!resp.to_string().contains("Zainab"), "{route}: the refusal repeats the name: {resp}");
        assert_eq!(before, app.snapshot(), "{route} `{field}` wrote something");
    }
    assert!(!NO_FREE_TEXT.is_empty());

    // The same texts without the name go through: the guard is not a
    // refusal of everything.
    let (s, body) = app
        .patch(&format!("/api/cases/{case_id}"), Some(&court.clerk), json!({"offence": "s.377-B PPC; Child A's house"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "witness", "name": "Tariq Qamar"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "a relative shares a part of the name, not the name: {body}");
}
