//! Oversight: a monitoring cell reads the figures of delay of the courts of
//! its province or district, and nothing of another; never a child's name,
//! birth date, contact or any free text; and its open data withholds every
//! count under five.

use chrono::{Datelike, Days, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, today, Court, TestApp, PASSWORD};

pub(crate) const CHILD: &str = "Zainab Qamar";
pub(crate) const CHILD_DOB: &str = "2016-05-04";
pub(crate) const GUARDIAN_PHONE: &str = "+923001234567";
pub(crate) const GUARDIAN_EMAIL: &str = "guardian.qamar@example.org";
const DETAILS: &str = "Counsel for the accused fell ill in chambers.";

/// A court of `province`/`district` with a video-link room, as the system
/// administrator registers it.
pub(crate) async fn court_in(app: &TestApp, name: &str, province: &str, district: &str) -> (Court, i64) {
    court_of_profile(app, name, "in", province, district).await
}

/// The same, under another rule profile.
pub(crate) async fn court_of_profile(
    app: &TestApp,
    name: &str,
    profile: &str,
    province: &str,
    district: &str,
) -> (Court, i64) {
    let court = app
        .court_from(json!({"name": name, "rule_profile": profile, "time_zone": "Asia/Karachi",
                           "province": province, "district": district}))
        .await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    app.waiting_areas(&court).await;
    (court, room["id"].as_i64().unwrap())
}

/// A child case taken cognizance of `days_ago`, its child named `CHILD`,
/// the guardian reachable by phone and email. Returns (case, child party).
pub(crate) async fn child_case(app: &TestApp, court: &Court, number: &str, days_ago: u64) -> (i64, i64) {
    let (s, body) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": number, "offence": "s.4 POCSO", "cognizance_date": today() - Days::new(days_ago)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let case = body["id"].as_i64().unwrap();
    let mut child = 0;
    for p in [
        json!({"role": "child_witness", "name": CHILD, "date_of_birth": CHILD_DOB}),
        json!({"role": "guardian", "name": "Rashida Qamar"}),
        json!({"role": "accused", "name": "Accused Person"}),
    ] {
        let (s, body) = app.post(&format!("/api/cases/{case}/parties"), Some(&court.clerk), p.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        match p["role"].as_str() {
            Some("child_witness") => child = body["id"].as_i64().unwrap(),
            Some("guardian") => {
                let (s, body) = app
                    .send(
                        Method::PUT,
                        &format!("/api/parties/{}/contact", body["id"]),
                        Some(&court.clerk),
                        Some(json!({"phone": GUARDIAN_PHONE, "email": GUARDIAN_EMAIL, "language": "ur"})),
                    )
                    .await;
                assert!(s.is_success(), "{body}");
            }
            _ => {}
        }
    }
    (case, child)
}

/// An hour's hearing at 10:00 Karachi time `days_ago`, as listed.
pub(crate) fn past_hearing(app: &TestApp, court: &Court, room: i64, case: i64, days_ago: u64) -> i64 {
    let day = today() - Days::new(days_ago);
    let starts = day.and_hms_opt(10, 0, 0).unwrap() - Duration::hours(5);
    app.seed_hearing(&amaan::db::hearings::NewHearing {
        case_id: case,
        kind: "evidence".into(),
        judge_id: Some(court.judge_id),
        room_id: Some(room),
        starts_at: Some(starts),
        ends_at: Some(starts + Duration::hours(1)),
        child_testifies: true,
        mode: "video_link".into(),
        status: "scheduled".into(),
        created_at: Utc::now().naive_utc(),
    })
}

pub(crate) async fn outcome(app: &TestApp, court: &Court, hearing: i64, body: Value) {
    let (s, answer) = app.post(&format!("/api/hearings/{hearing}/outcome"), Some(&court.judge), body).await;
    assert_eq!(s, StatusCode::CREATED, "{answer}");
}

pub(crate) async fn monitor(app: &TestApp, username: &str, scope: Value) -> String {
    let (s, body) = app
        .post(
            "/api/users",
            Some(&app.admin_token),
            json!({"username": username, "password": PASSWORD, "role": "monitor", "scope": scope}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    app.login(username, PASSWORD).await
}

#[tokio::test]
async fn a_monitor_reads_its_districts_courts_and_nothing_of_another_district() {
    let app = crate::helpers::spawn_app().await;
    let (kasur, kasur_room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let (okara, okara_room) = court_in(&app, "Special Court Okara", "Punjab", "Okara").await;
    let (karachi, _) = court_in(&app, "Special Court Karachi", "Sindh", "Karachi").await;
    // Kasur: a child heard in full 9 days after cognizance; a hearing not
    // held because the accused was not produced. Okara: two heard.
    let (case, _) = child_case(&app, &kasur, "K-1", 10).await;
    let h = past_hearing(&app, &kasur, kasur_room, case, 1);
    outcome(&app, &kasur, h, json!({"kind": "held", "child_evidence": "full"})).await;
    let (case, _) = child_case(&app, &kasur, "K-2", 20).await;
    let h = past_hearing(&app, &kasur, kasur_room, case, 2);
    outcome(&app, &kasur, h, json!({"kind": "not_held", "reason_code": "accused_not_produced", "child_brought": true}))
        .await;
    for n in 1..=2 {
        let (case, _) = child_case(&app, &okara, &format!("O-{n}"), 15).await;
        let h = past_hearing(&app, &okara, okara_room, case, 1);
        outcome(&app, &okara, h, json!({"kind": "held", "child_evidence": "full"})).await;
    }

    let district = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let province = monitor(&app, "punjab-cell", json!({"province": "Punjab"})).await;

    let (s, courts) = app.get("/api/monitor/courts", Some(&district)).await;
    assert_eq!(s, StatusCode::OK, "{courts}");
    let ids: Vec<i64> = courts["items"].as_array().unwrap().iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(ids, [kasur.id], "{courts}");

    let (s, d) = app.get("/api/monitor/dashboard", Some(&district)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let t = &d["totals"];
    assert_eq!(t["courts"], 1);
    assert_eq!(t["child_cases"]["pending"], 2, "{t}");
    assert_eq!(t["hearings"]["held"], 1);
    assert_eq!(t["hearings"]["not_held_by_cause"], json!({"state_custody": 1}));
    assert_eq!(t["cognizance_to_child_evidence"]["median_days"], 9.0);
    assert_eq!(t["child_evidence_in_time"]["met"], 1, "POCSO s.35(1) met: {t}");
    assert_eq!(t["appearances"]["children"], 2);
    assert!(d["months"].as_array().is_some_and(|m| !m.is_empty()), "{d}");
    let month_held: u64 =
        d["months"].as_array().unwrap().iter().filter_map(|m| m["figures"]["hearings"]["held"].as_u64()).sum();
    assert_eq!(month_held, 1, "the months add up to the period");

    // Another district's court, the district itself, another province: not there.
    for path in [
        format!("/api/monitor/dashboard?court_id={}", okara.id),
        format!("/api/monitor/dashboard?court_id={}", karachi.id),
        "/api/monitor/dashboard?province=Punjab&district=Okara".to_string(),
        "/api/monitor/dashboard?province=Sindh".to_string(),
        format!("/api/monitor/export?court_id={}", okara.id),
    ] {
        let (s, body) = app.get(&path, Some(&district)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
        assert!(!body.to_string().contains("Okara\""), "{body}");
    }
    let (s, csv) = app.get("/api/monitor/export", Some(&district)).await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv.as_str().unwrap().to_string();
    assert!(csv.contains("Special Court Kasur") && !csv.contains("Okara") && !csv.contains("Karachi"), "{csv}");

    // The province's cell: its two districts as rows, Sindh nowhere.
    let (s, p) = app.get("/api/monitor/dashboard?province=Punjab", Some(&province)).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["rows_by"], "district");
    let rows: Vec<(&str, u64)> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["district"].as_str().unwrap(), r["figures"]["hearings"]["held"].as_u64().unwrap()))
        .collect();
    assert_eq!(rows, [("Kasur", 1), ("Okara", 2)]);
    assert_eq!(p["totals"]["hearings"]["held"], 3);
    assert_eq!(p["totals"]["courts"], 2);
    let (s, body) = app.get(&format!("/api/monitor/dashboard?court_id={}", karachi.id), Some(&province)).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");

    // The court's own routes are not a monitor's.
    for path in [
        format!("/api/courts/{}/figures", kasur.id),
        format!("/api/courts/{}/child-cases", kasur.id),
        format!("/api/courts/{}/escalations", kasur.id),
        format!("/api/cases?court_id={}", kasur.id),
    ] {
        let (s, body) = app.get(&path, Some(&district)).await;
        assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    // Court staff do not read the monitor's routes.
    let (s, body) = app.get("/api/monitor/dashboard", Some(&kasur.judge)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn only_the_system_administrator_makes_a_monitor_and_a_monitor_has_a_scope_and_no_court() {
    let app = crate::helpers::spawn_app().await;
    let (court, _) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let before = app.snapshot();
    for (token, body, field) in [
        (&app.admin_token, json!({"username": "m1", "password": PASSWORD, "role": "monitor"}), "scope"),
        (
            &app.admin_token,
            json!({"username": "m2", "password": PASSWORD, "role": "monitor", "court_id": court.id, "scope": {"province": "Punjab"}}),
            "court_id",
        ),
        (
            &app.admin_token,
            json!({"username": "m3", "password": PASSWORD, "role": "clerk", "court_id": court.id, "scope": {"province": "Punjab"}}),
            "scope",
        ),
        (
            &court.admin,
            json!({"username": "m4", "password": PASSWORD, "role": "monitor", "scope": {"province": "Punjab"}}),
            "court_id",
        ),
    ] {
        let (s, problem) = app.post("/api/users", Some(token), body.clone()).await;
        assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["field"], field, "{body} -> {problem}");
    }
    assert_eq!(app.snapshot(), before, "nothing was written");
    let (s, body) =
        app.patch(&format!("/api/courts/{}", court.id), Some(&court.admin), json!({"district": "Okara"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!((body["province"].as_str(), body["district"].as_str()), (Some("Punjab"), Some("Okara")));
    let (s, body) = app
        .post(
            "/api/courts",
            Some(&app.admin_token),
            json!({"name": "Nowhere Court", "rule_profile": "pk", "time_zone": "Asia/Karachi", "district": "Okara"}),
        )
        .await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(body["field"], "district");
}

/// Ids of court A's records, for filling a route's path.
struct Ids {
    court: i64,
    case: i64,
    hearing: i64,
    party: i64,
    session: i64,
    user: i64,
}

fn fill(path: &str, ids: &Ids) -> String {
    let id = if path.starts_with("/api/courts/") {
        ids.court
    } else if path.starts_with("/api/cases/") {
        ids.case
    } else if path.starts_with("/api/hearings/") {
        ids.hearing
    } else if path.starts_with("/api/parties/") {
        ids.party
    } else if path.starts_with("/api/video-sessions/") {
        ids.session
    } else if path.starts_with("/api/users/") {
        ids.user
    } else {
        1
    };
    path.replace("{id}", &id.to_string())
        .replace("{sid}", &ids.session.to_string())
        .replace("{participant}", "1")
        .replace("{day}", &today().to_string())
}

#[tokio::test]
async fn no_answer_to_a_monitor_on_any_route_holds_a_childs_identity_or_free_text() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let (case, party) = child_case(&app, &court, "K-7/2026", 12).await;
    let h = past_hearing(&app, &court, room, case, 1);
    outcome(
        &app,
        &court,
        h,
        json!({"kind": "not_held", "reason_code": "other", "details": DETAILS, "caused_by": "defence", "child_brought": true}),
    )
    .await;
    let (s, session) = app.post(&format!("/api/hearings/{h}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let ids = Ids {
        court: court.id,
        case,
        hearing: h,
        party,
        session: session["id"].as_i64().unwrap(),
        user: court.clerk_id,
    };
    let token = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;

    let (_, doc) = app.get("/api/openapi.json", None).await;
    let paths = doc["paths"].as_object().expect("paths");
    let secrets =
        [CHILD, "Zainab", CHILD_DOB, GUARDIAN_PHONE, "3001234567", GUARDIAN_EMAIL, DETAILS, "Rashida", "K-7/2026"];
    let from = today() - Days::new(60);
    let mut answered = Vec::new();
    for (path, item) in paths {
        for (method, _) in item.as_object().unwrap() {
            if path == "/api/auth/logout" {
                continue; // it would end the walk's own login
            }
            let m: Method = method.to_uppercase().parse().unwrap();
            let mut url = fill(path, &ids);
            if path.starts_with("/api/monitor/") {
                url.push_str(&format!("?from={from}&to={}", today()));
            }
            let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));
            let before = app.snapshot();
            let (status, resp) = app.send(m.clone(), &url, Some(&token), body).await;
            let text = resp.to_string();
            for secret in secrets {
                assert!(!text.contains(secret), "{method} {url} answered the monitor with `{secret}`: {text}");
            }
            if m != Method::POST || !path.starts_with("/api/auth/") {
                assert_eq!(app.snapshot(), before, "{method} {url} wrote for a monitor");
            }
            if status.is_success() {
                answered.push(format!("{method} {path}"));
            }
        }
    }
    answered.sort();
    // A monitor reads its own routes, the service's, and its own account; nothing else.
    for route in &answered {
        assert!(
            route.contains("/api/monitor/")
                || route.contains("/api/auth/")
                || route.contains("/api/openapi.json")
                || route.ends_with(" /health")
                || route.ends_with(" /metrics"),
            "a monitor was answered on {route}: {answered:?}"
        );
    }
    for own in ["get /api/monitor/courts", "get /api/monitor/dashboard", "get /api/monitor/export"] {
        assert!(answered.iter().any(|r| r == own), "{own} was not answered: {answered:?}");
    }
    // What the dashboard did count, it counted without the text.
    let (_, d) = app.get("/api/monitor/dashboard", Some(&token)).await;
    assert_eq!(d["totals"]["hearings"]["not_held_by_cause"], json!({"defence": 1}), "{d}");
}

/// `n` hearings of one child case each, recorded with `body`.
async fn hearings_recorded(app: &TestApp, court: &Court, room: i64, tag: &str, n: usize, body: Value) {
    for i in 0..n {
        let (case, _) = child_case(app, court, &format!("{tag}-{i}"), 20).await;
        let h = past_hearing(app, court, room, case, 1 + (i as u64 % 3));
        outcome(app, court, h, body.clone()).await;
    }
}

fn figure<'a>(rows: &'a Value, metric: &str) -> &'a Value {
    rows["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["metric"] == metric))
        .unwrap_or_else(|| panic!("no {metric} in {rows}"))
}

#[tokio::test]
async fn the_open_data_withholds_every_count_under_five_and_what_would_give_it_away() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    hearings_recorded(&app, &court, room, "HELD", 6, json!({"kind": "held", "child_evidence": "full"})).await;
    let not_held = |cause: &str| json!({"kind": "not_held", "reason_code": "other", "details": "The court did not sit.", "caused_by": cause, "child_brought": false});
    hearings_recorded(&app, &court, room, "CRT", 5, not_held("court")).await;
    hearings_recorded(&app, &court, room, "DEF", 2, not_held("defence")).await;
    let token = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let from = today() - Days::new(30);

    let (s, data) = app.get(&format!("/api/monitor/export?format=json&from={from}"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{data}");
    assert_eq!(data["smallest_shown"], 5);
    let columns: Vec<&str> = data["columns"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(columns, ["from", "to", "level", "province", "district", "court", "metric", "value", "suppressed"]);
    assert_eq!(figure(&data, "hearings_held")["value"], 6.0);
    assert_eq!(figure(&data, "hearings_not_held")["value"], 7.0);
    assert_eq!(figure(&data, "hearings_not_held_defence")["suppressed"], true, "2 is under five");
    assert_eq!(figure(&data, "hearings_not_held_defence")["value"], Value::Null);
    assert_eq!(
        figure(&data, "hearings_not_held_court")["suppressed"],
        true,
        "5 would give the 2 away (7 - 5), so it is withheld with it"
    );
    assert_eq!(figure(&data, "child_cases_pending")["value"], 13.0);
    assert_eq!(figure(&data, "days_to_child_evidence_cases")["value"], 6.0);
    assert!(figure(&data, "days_to_child_evidence_median")["value"].is_number(), "over six cases");
    assert_eq!(figure(&data, "adjournments_requested")["suppressed"], true, "none is under five too");
    // Every count shown is five or more; medians, percentiles and shares
    // are figures, not counts.
    for row in data["rows"].as_array().unwrap() {
        let metric = row["metric"].as_str().unwrap();
        let is_count = !["median", "p90", "share", "rate"].iter().any(|k| metric.contains(k));
        if is_count && row["suppressed"] == false {
            assert!(row["value"].as_f64().is_some_and(|x| x >= 5.0), "a count under five is shown: {row}");
        }
        if row["suppressed"] == true {
            assert_eq!(row["value"], Value::Null, "{row}");
        }
    }

    let resp = app
        .client
        .get(format!("{}/api/monitor/export?from={from}", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("from,to,level,province,district,court,metric,value,suppressed"));
    let defence = lines.clone().find(|l| l.contains(",hearings_not_held_defence,")).expect("the defence row");
    assert!(defence.ends_with(",hearings_not_held_defence,,true"), "{defence}");
    let held = csv.lines().find(|l| l.contains(",hearings_held,")).unwrap();
    assert!(held.ends_with(",hearings_held,6,false"), "{held}");
    // The period is whole calendar months: the kept figures are by month.
    let first = from.with_day(1).unwrap();
    let next_month = (today().with_day(1).unwrap() + Days::new(32)).with_day(1).unwrap();
    let last = next_month.pred_opt().unwrap();
    assert!(held.starts_with(&format!("{first},{last},court,Punjab,Kasur,Special Court Kasur,")), "{held}");

    // Bad queries are problems naming what is wrong.
    let (s, body) = app.get("/api/monitor/export?format=xml", Some(&token)).await;
    assert_problem(s, &body, StatusCode::BAD_REQUEST, "bad-request");
    assert!(body["detail"].as_str().unwrap().contains("xml"), "{body}");
    let (s, body) = app.get("/api/monitor/dashboard?from=2026-13-01", Some(&token)).await;
    assert_problem(s, &body, StatusCode::BAD_REQUEST, "bad-request");
    let (s, body) = app.get(&format!("/api/monitor/dashboard?from={}&to={from}", today()), Some(&token)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(body["field"], "to");
}

#[tokio::test]
async fn an_incident_is_recorded_by_the_support_officer_or_clerk_and_counted_never_read_by_the_monitor() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let (other, _) = court_in(&app, "Special Court Okara", "Punjab", "Okara").await;
    let (case, _) = child_case(&app, &court, "K-9", 12).await;
    let h = past_hearing(&app, &court, room, case, 1);
    let path = format!("/api/cases/{case}/incidents");
    let yesterday = crate::helpers::karachi(today() - Days::new(1), "09:40");
    let met = json!({"kind": "met_accused_side", "place": "corridor", "who": "accused_family",
                     "occurred_at": yesterday, "hearing_id": h,
                     "details": "Child A's family passed the accused's brothers at the lift."});

    let before = app.snapshot();
    let tomorrow = crate::helpers::karachi(today() + Days::new(1), "09:40");
    for (token, body, status, field) in [
        (
            &court.support,
            json!({"kind": "met_accused_side", "place": "corridor", "who": "accused", "occurred_at": tomorrow}),
            422,
            Some("occurred_at"),
        ),
        (
            &court.support,
            json!({"kind": "saw_accused_side", "place": "corridor", "who": "not_applicable", "occurred_at": yesterday}),
            422,
            Some("who"),
        ),
        (
            &court.support,
            json!({"kind": "other_breach", "place": "court_room", "who": "not_applicable", "occurred_at": yesterday}),
            422,
            Some("details"),
        ),
        (
            &court.support,
            json!({"kind": "met_accused_side", "place": "lift", "who": "accused", "occurred_at": yesterday}),
            422,
            Some("place"),
        ),
        (
            &court.clerk,
            json!({"kind": "met_accused_side", "place": "corridor", "who": "accused", "occurred_at": yesterday, "details": format!("{CHILD} cried.")}),
            422,
            Some("details"),
        ),
        (&court.judge, met.clone(), 403, None),
        (&other.support, met.clone(), 404, None),
    ] {
        let (s, problem) = app.post(&path, Some(token), body.clone()).await;
        assert_eq!(s.as_u16(), status, "{body} -> {problem}");
        if let Some(f) = field {
            assert_eq!(problem["field"], f, "{body} -> {problem}");
        }
    }
    assert_eq!(app.snapshot(), before, "nothing was written");

    let (s, first) = app.post(&path, Some(&court.support), met).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, body) = app
        .post(
            &path,
            Some(&court.clerk),
            json!({"kind": "other_breach", "place": "court_room", "who": "not_applicable", "occurred_at": yesterday,
                   "details": "The screen between the witness box and the dock was not put up."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, list) = app.get(&path, Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let (s, trail) =
        app.get(&format!("/api/audit?entity=incident&entity_id={}", first["id"]), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(trail["total"], 1, "audited: {trail}");

    // Counted on the court's figures and the monitor's dashboard; the
    // monitor never reads the details.
    let (_, f) = app.get(&format!("/api/courts/{}/figures", court.id), Some(&court.clerk)).await;
    assert_eq!(f["incidents"], json!({"total": 2, "by_kind": {"met_accused_side": 1, "other_breach": 1}}), "{f}");
    let token = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let (s, d) = app.get("/api/monitor/dashboard", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["totals"]["incidents"]["total"], 2, "{d}");
    assert!(!d.to_string().contains("lift") && !d.to_string().contains("screen"), "{d}");
    let (s, body) = app.get(&path, Some(&token)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (_, data) = app.get("/api/monitor/export?format=json", Some(&token)).await;
    assert_eq!(figure(&data, "incidents")["suppressed"], true, "two is under five");
}

#[tokio::test]
async fn the_command_line_makes_a_monitor_only_with_a_scope() {
    use std::io::Write;
    use std::process::Stdio;

    use crate::process::{amaan, drop_database, fresh_database_url};
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database_url(dir.path(), "monitor_cli");
    let add = |args: &[&str]| {
        let mut cmd = amaan(dir.path(), &db);
        cmd.args(["user", "add", "--password-stdin"]).args(args);
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(b"monitor-cli-password\n").unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, err) = add(&["--username", "cell-0", "--role", "monitor"]);
    assert!(!ok && err.contains("--province"), "a monitor without a scope: {err}");
    let (ok, err) = add(&["--username", "cell-1", "--role", "clerk", "--court", "1", "--province", "Punjab"]);
    assert!(!ok && err.contains("only a monitor"), "{err}");
    let (ok, err) = add(&["--username", "cell-2", "--role", "monitor", "--province", "Punjab", "--district", "Kasur"]);
    assert!(ok, "{err}");
    let (ok, err) = add(&["--username", "cell-3", "--role", "monitor", "--province", "Sindh"]);
    assert!(ok, "{err}");

    let scopes: Vec<(String, String, Option<String>)> = {
        use amaan::db::schema::{monitor_scopes as s, users as u};
        use diesel::prelude::*;
        let mut c = amaan::db::DbConn::establish(amaan::db::sqlite_path(&db)).unwrap();
        let rows: Vec<(i64, String, Option<String>)> =
            s::table.order(s::id).select((s::user_id, s::province, s::district)).load(&mut c).unwrap();
        rows.into_iter()
            .map(|(user, p, d)| (u::table.find(user).select(u::username).first::<String>(&mut c).unwrap(), p, d))
            .collect()
    };
    assert_eq!(
        scopes,
        [("cell-2".into(), "Punjab".into(), Some("Kasur".into())), ("cell-3".into(), "Sindh".into(), None)]
    );
    drop_database(&db);
}

#[tokio::test]
async fn the_kept_figures_equal_those_recomputed_after_the_apis_writes_and_the_check_names_a_write_behind_its_back() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    // A child heard in full, then brought back when the hearing was not
    // held (a recall); a second case with nothing yet; an incident.
    let (case, _) = child_case(&app, &court, "K-1", 40).await;
    let h = past_hearing(&app, &court, room, case, 20);
    outcome(&app, &court, h, json!({"kind": "held", "child_evidence": "full"})).await;
    let not_held = past_hearing(&app, &court, room, case, 5);
    outcome(
        &app,
        &court,
        not_held,
        json!({"kind": "not_held", "reason_code": "accused_not_produced", "child_brought": true}),
    )
    .await;
    child_case(&app, &court, "K-2", 3).await;
    let yesterday = crate::helpers::karachi(today() - Days::new(1), "09:40");
    let (s, body) = app
        .post(
            &format!("/api/cases/{case}/incidents"),
            Some(&court.support),
            json!({"kind": "saw_accused_side", "place": "corridor", "who": "accused", "occurred_at": yesterday}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    let (courts, differences) = amaan::app::kept_figures::check(&mut app.conn()).expect("the check runs");
    assert!(courts >= 1);
    assert!(differences.is_empty(), "{differences:?}");
    let token = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let (s, d) = app.get("/api/monitor/dashboard", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let t = &d["totals"];
    assert_eq!(t["child_cases"]["pending"], 2, "{t}");
    assert_eq!(t["hearings"]["held"], 1, "{t}");
    assert_eq!(t["hearings"]["not_held_by_cause"], json!({"state_custody": 1}), "{t}");
    assert_eq!(t["appearances"]["recalls"], 1, "{t}");
    assert_eq!(t["appearances"]["appearances"], 2, "{t}");
    assert_eq!(t["incidents"]["total"], 1, "{t}");
    assert_eq!(t["cognizance_to_child_evidence"]["median_days"], 20.0, "{t}");
    let (code, out) = crate::lean::facts_check(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("figures agree"), "{out}");

    // Someone changes who caused the hearing to fail, by hand.
    use diesel::RunQueryDsl;
    diesel::sql_query("UPDATE hearing_outcomes SET caused_by = 'defence' WHERE hearing_id = $1")
        .bind::<diesel::sql_types::BigInt, _>(not_held)
        .execute(&mut app.conn())
        .expect("the update runs");
    let month = (today() - Days::new(5)).format("%Y-%m").to_string();
    let (code, out) = crate::lean::facts_check(&app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("court {} figures of {month}: kept", court.id)), "{out}");
    assert!(out.contains("\"defence\":1"), "{out}");
}
