//! Families' feedback: the guardian's notice carries a link; the link works
//! once, without an account; bad or repeated answers are refused; the
//! answers reach the monitor of the court's district, and the court reads
//! counts of five or more only.

use reqwest::StatusCode;
use serde_json::{json, Value};

use chrono::Days;

use crate::helpers::{assert_problem, today, TestApp};
use crate::notices::book;
use crate::oversight::{child_case, court_in, monitor, past_hearing, CHILD};

const REPORT: &str = "A man from the accused's family followed us to the gate.";

/// The token of the feedback link in a notice's text.
fn token_in(body: &str) -> Option<String> {
    let at = body.find("/feedback.html#t=")? + "/feedback.html#t=".len();
    Some(body[at..].chars().take_while(char::is_ascii_hexdigit).collect())
}

async fn answer(app: &TestApp, token: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"token": token, "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post("/api/feedback", None, body).await
}

async fn officer_link(app: &TestApp, token: &str, hearing: i64, party: i64) -> (StatusCode, Value) {
    app.post(&format!("/api/hearings/{hearing}/feedback-links"), Some(token), json!({"party_id": party})).await
}

#[tokio::test]
async fn a_familys_link_works_once_reaches_the_monitor_only_and_the_court_sees_counts_of_five_or_more() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let (other, _) = court_in(&app, "Special Court Okara", "Punjab", "Okara").await;
    let (case, child) = child_case(&app, &court, "K-12/2026", 10).await;
    let (s, hearing) = book(&app, &court, case, &json!(room), "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().unwrap();

    // The guardian's notices (email and SMS) carry one link; no one else's does.
    let (_, parties) = app.get(&format!("/api/cases/{case}/parties"), Some(&court.clerk)).await;
    let guardian =
        parties["items"].as_array().unwrap().iter().find(|p| p["role"] == "guardian").unwrap()["id"].as_i64().unwrap();
    let stored: Vec<(i64, String)> = {
        use amaan::db::schema::notices::dsl as n;
        use diesel::prelude::*;
        n::notices.filter(n::hearing_id.eq(h)).select((n::party_id, n::body)).load(&mut app.conn()).unwrap()
    };
    let mut tokens = Vec::new();
    for (party, body) in &stored {
        match (*party == guardian, token_in(body)) {
            (true, Some(t)) => tokens.push(t),
            (true, None) => panic!("the guardian's notice has no feedback link: {body}"),
            (false, Some(_)) => panic!("another party's notice has a feedback link: {body}"),
            (false, None) => {}
        }
    }
    assert_eq!(tokens.len(), 2, "{stored:?}");
    assert_eq!(tokens[0], tokens[1], "one link for the notice's channels");
    let token = tokens[0].clone();
    assert_eq!(token.len(), 48);

    let (s, link) = app.post("/api/feedback/open", None, json!({"token": token})).await;
    assert_eq!(s, StatusCode::OK, "{link}");
    assert_eq!(
        (link["court"].as_str(), link["language"].as_str(), &link["answered"]),
        (Some("Special Court Kasur"), Some("ur"), &json!(false))
    );
    assert!(!link.to_string().contains("K-12") && !link.to_string().contains(CHILD), "{link}");

    // Bad answers are refused with a problem and change nothing.
    let before = app.snapshot();
    let unknown = "0".repeat(48);
    for (body, status) in [
        (json!({"token": unknown, "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes"}), 404),
        (json!({"token": "abc", "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes"}), 404),
        (json!({"token": token, "saw_accused_side": "maybe", "waited": "under_half_hour", "respected": "yes"}), 0),
        (json!({"token": token, "saw_accused_side": "no", "respected": "yes"}), 0),
        (
            json!({"token": token, "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes", "name": "x"}),
            0,
        ),
        (
            json!({"token": token, "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes", "report": format!("{CHILD} cried all day.")}),
            422,
        ),
        (
            json!({"token": token, "saw_accused_side": "no", "waited": "under_half_hour", "respected": "yes", "report": "x".repeat(1001)}),
            422,
        ),
    ] {
        let (s, problem) = app.post("/api/feedback", None, body.clone()).await;
        if status == 0 {
            assert!(s.is_client_error(), "{body} -> {s} {problem}");
        } else {
            assert_eq!(s.as_u16(), status, "{body} -> {problem}");
        }
        assert!(problem["type"].is_string() && problem["detail"].is_string(), "a problem: {problem}");
    }
    let (s, problem) = app.post("/api/feedback/open", None, json!({"token": unknown})).await;
    assert_problem(s, &problem, StatusCode::NOT_FOUND, "not-found");
    assert_eq!(app.snapshot(), before, "nothing was written");

    let (s, got) = answer(
        &app,
        &token,
        json!({"saw_accused_side": "came_close", "waited": "one_to_two_hours", "respected": "no", "report": REPORT, "language": "ur"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{got}");
    let (s, again) = answer(&app, &token, json!({})).await;
    assert_problem(s, &again, StatusCode::CONFLICT, "conflict");
    let (_, link) = app.post("/api/feedback/open", None, json!({"token": token})).await;
    assert_eq!(link["answered"], true);

    // The support officer's own link for the same party and hearing finds
    // it answered; for a later hearing it takes the answer, marked so.
    let (s, made) = officer_link(&app, &court.support, h, guardian).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert!(made["url"].as_str().unwrap().contains("/feedback.html#t="), "{made}");
    let (s, again) = answer(&app, made["token"].as_str().unwrap(), json!({})).await;
    assert_problem(s, &again, StatusCode::CONFLICT, "conflict");
    let accused =
        parties["items"].as_array().unwrap().iter().find(|p| p["role"] == "accused").unwrap()["id"].as_i64().unwrap();
    let (s, problem) = officer_link(&app, &court.support, h, accused).await;
    assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (s, problem) = officer_link(&app, &court.clerk, h, guardian).await;
    assert_problem(s, &problem, StatusCode::FORBIDDEN, "forbidden");
    let (s, problem) = officer_link(&app, &other.support, h, guardian).await;
    assert_problem(s, &problem, StatusCode::NOT_FOUND, "not-found");
    for days_ago in 1..=6 {
        let earlier = past_hearing(&app, &court, room, case, days_ago);
        let (s, made) = officer_link(&app, &court.support, earlier, child).await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        let (s, got) = answer(&app, made["token"].as_str().unwrap(), json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{got}");
    }

    // The monitor of Kasur reads each answer; Okara's none.
    let kasur = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let okara = monitor(&app, "okara-cell", json!({"province": "Punjab", "district": "Okara"})).await;
    // The listed hearing lies ahead: the period reaches it.
    let period = format!("from={}&to={}", today() - Days::new(30), today() + Days::new(14));
    let (s, seen) = app.get(&format!("/api/monitor/feedback?{period}"), Some(&kasur)).await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "{seen}");
    let family = items.iter().find(|i| i["report"] == REPORT).expect("the family's own answer");
    assert_eq!(
        (&family["saw_accused_side"], &family["respected"], &family["entered_by_staff"], &family["language"]),
        (&json!("came_close"), &json!("no"), &json!(false), &json!("ur"))
    );
    assert_eq!(items.iter().filter(|i| i["entered_by_staff"] == true).count(), 6);
    assert!(!seen.to_string().contains(CHILD) && !seen.to_string().contains("K-12"), "{seen}");
    let (_, none) = app.get(&format!("/api/monitor/feedback?{period}"), Some(&okara)).await;
    assert_eq!(none["items"], json!([]), "{none}");

    // Court staff: 403 on the answers; counts of five or more of their own court.
    for token in [&court.judge, &court.clerk, &court.support, &court.admin] {
        let (s, body) = app.get("/api/monitor/feedback", Some(token)).await;
        assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (s, counts) = app.get(&format!("/api/courts/{}/feedback?{period}", court.id), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{counts}");
    assert_eq!(counts["responses"], 7);
    assert_eq!(counts["saw_accused_side"], json!({"no": 6, "saw_from_afar": null, "came_close": null}), "{counts}");
    assert_eq!(counts["respected"], json!({"yes": 6, "partly": null, "no": null}), "{counts}");
    assert_eq!(counts["with_report"], Value::Null, "one report is under five");
    assert!(!counts.to_string().contains(REPORT), "{counts}");
    let (s, body) = app.get(&format!("/api/courts/{}/feedback", court.id), Some(&other.judge)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (_, few) = app.get(&format!("/api/courts/{}/feedback", other.id), Some(&other.judge)).await;
    assert_eq!(few["responses"], Value::Null, "{few}");
}

#[tokio::test]
async fn the_feedback_link_a_family_receives_is_a_full_address_under_the_public_origin() {
    // A gateway that takes every SMS and keeps what it was sent.
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("gateway");
    let gateway_port = gateway.local_addr().expect("addr").port();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for (i, stream) in gateway.incoming().flatten().enumerate() {
            let mut stream = stream;
            let body = crate::sms_gateway::read_whole(&mut stream).1;
            if let Ok(mut k) = kept.lock() {
                k.push(body);
            }
            let answer = format!("{{\"id\":\"gw-{i}\"}}");
            let _ = std::io::Write::write_all(
                &mut stream,
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .as_bytes(),
            );
        }
    });
    let mut channels = crate::helpers::no_channels();
    channels.sms_url = Some(format!("http://127.0.0.1:{gateway_port}/send"));
    let app = crate::helpers::spawn_app_at(
        channels,
        amaan::config::NodeSettings::single(),
        Some("https://amaan.example.org".into()),
    )
    .await;
    let (court, room) = court_in(&app, "Special Court Kasur", "Punjab", "Kasur").await;
    let (case, _) = child_case(&app, &court, "K-13/2026", 10).await;
    let (s, hearing) = book(&app, &court, case, &json!(room), "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().unwrap();
    crate::notices::wait_for(&app, &court, h, |items| {
        items.iter().filter(|n| n["channel"] == "sms").all(|n| n["status"] == "sent")
    })
    .await;

    let stored: Vec<String> = {
        use amaan::db::schema::notices::dsl as n;
        use diesel::prelude::*;
        n::notices.filter(n::hearing_id.eq(h)).select(n::body).load(&mut app.conn()).unwrap()
    };
    let token = stored.iter().find_map(|b| token_in(b)).expect("a notice with the link");
    let texts = received.lock().map(|v| v.clone()).unwrap_or_default();
    let with_link: Vec<&String> = texts.iter().filter(|t| t.contains("/feedback.html#t=")).collect();
    assert_eq!(with_link.len(), 1, "the guardian's SMS alone carries the link: {texts:?}");
    let full = format!("https://amaan.example.org/feedback.html#t={token}");
    assert!(with_link[0].contains(&format!(": {full}")), "a full address, not a path: {}", with_link[0]);
}
