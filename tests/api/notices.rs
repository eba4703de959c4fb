//! Notices that reach people: a booking tells each party with a contact its
//! own side's plan, in the same transaction; a refused booking tells no one;
//! a real SMTP server receives each email notice once, with nothing of the
//! child's name or the other side's plan; a failing SMS gateway is retried,
//! then the notice is marked failed where the clerk sees it.

use std::io::Write;
use std::time::Duration;

use chrono::Weekday;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, karachi, next_weekday, no_channels, spawn_app, spawn_app_with, today, Court, TestApp,
};

pub(crate) const CHILD: &str = "Mehwish Bibi";

/// A Kasur court with a video room and the three waiting areas, a child
/// case whose guardian and accused have contacts; returns the case and the
/// ids of the guardian, accused and child parties.
pub(crate) async fn court_with_contacts(app: &TestApp) -> (Court, i64, i64, Value) {
    let court = app.court("Special Court Kasur").await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    app.waiting_areas(&court).await;
    let case_id = app.child_case(&court, "CSA-5/2026", CHILD).await;
    let (_, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk)).await;
    let id_of = |role: &str| {
        parties["items"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["role"] == role))
            .and_then(|p| p["id"].as_i64())
            .expect(role)
    };
    let (guardian, accused) = (id_of("guardian"), id_of("accused"));
    let (s, body) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/parties/{guardian}/contact"),
            Some(&court.clerk),
            Some(json!({"phone": "0300 1234567", "email": "guardian@example.org", "language": "ur"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["phone"], "+923001234567", "kept as E.164");
    let (s, body) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/parties/{accused}/contact"),
            Some(&court.clerk),
            Some(json!({"email": "accused.counsel@example.org", "language": "en"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    (court, case_id, guardian, json!({"room": room["id"], "accused": accused}))
}

pub(crate) async fn book(app: &TestApp, court: &Court, case_id: i64, room: &Value, hhmm: &str) -> (StatusCode, Value) {
    let day = next_weekday(today(), Weekday::Tue);
    let end = format!("{:02}:{}", hhmm[..2].parse::<u32>().unwrap_or(10) + 1, &hhmm[3..]);
    app.post(
        &format!("/api/cases/{case_id}/hearings"),
        Some(&court.clerk),
        json!({"kind": "evidence", "judge_id": court.judge_id, "room_id": room, "starts_at": karachi(day, hhmm),
               "ends_at": karachi(day, &end), "child_testifies": true, "mode": "video_link"}),
    )
    .await
}

pub(crate) fn stored_notices(app: &TestApp, hearing: i64) -> Vec<(i64, String, String, String)> {
    use amaan::db::schema::notices::dsl as n;
    let mut conn = app.conn();
    n::notices
        .filter(n::hearing_id.eq(hearing))
        .order(n::id)
        .select((n::party_id, n::channel, n::address, n::body))
        .load::<(i64, String, String, String)>(&mut conn)
        .expect("notices")
        .into_iter()
        // The address is sealed at rest; opened as the worker opens it.
        .map(|(p, c, a, b)| {
            (p, c, amaan::db::identity::open(amaan::db::identity::NOTICE_ADDRESS, &a).expect("a sealed address"), b)
        })
        .collect()
}

#[tokio::test]
async fn a_booking_tells_each_reachable_party_its_own_sides_plan_and_a_refused_one_tells_no_one() {
    let app = spawn_app().await;
    let (court, case_id, guardian, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let accused = ids["accused"].as_i64().expect("accused");

    let (s, listed) = app.get(&format!("/api/hearings/{h}/notices"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        4,
        "the guardian by email and SMS, the accused by email, defence counsel on paper; the child never: {listed}"
    );
    assert!(items.iter().all(|n| n["kind"] == "booked"), "{listed}");
    let on_paper: Vec<&Value> = items.iter().filter(|n| n["channel"] == "paper").collect();
    assert_eq!(on_paper.len(), 1, "{listed}");
    assert_eq!(on_paper[0]["status"], "to_print", "defence counsel has no phone or email: {listed}");
    assert!(items.iter().filter(|n| n["channel"] != "paper").all(|n| n["status"] == "queued"), "{listed}");
    assert!(!listed.to_string().contains("example.org"), "the list does not repeat addresses: {listed}");

    let (_, child_plan) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=child"), Some(&court.clerk)).await;
    let (_, accused_plan) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=accused"), Some(&court.clerk)).await;
    for (party, _, _, body) in stored_notices(&app, h) {
        assert!(!body.contains(CHILD) && !body.contains("Mehwish"), "a notice names the child: {body}");
        let (own, other) = if party == guardian { (&child_plan, &accused_plan) } else { (&accused_plan, &child_plan) };
        // Defence counsel stands on the accused's side too.
        assert!(body.contains(own["entrance"].as_str().expect("entrance")), "its own gate: {body}");
        assert!(body.contains(own["waiting_area"].as_str().expect("area")), "its own area: {body}");
        assert!(!body.contains(other["entrance"].as_str().expect("entrance")), "the other side's gate: {body}");
        assert!(!body.contains(other["waiting_area"].as_str().expect("area")), "the other side's area: {body}");
        if party == guardian {
            assert!(body.contains("آپ کے بچے کی سماعت"), "in Urdu, of 'your child's hearing': {body}");
        } else {
            assert_ne!(party, guardian);
            let _ = accused;
        }
    }

    // Another case's hearing in the same room at the same time is refused,
    // and the refused booking queued nothing.
    let other = app.child_case(&court, "CSA-6/2026", "Another Child").await;
    let before = app.snapshot();
    let (s, body) = book(&app, &court, other, &ids["room"], "10:00").await;
    assert!(s.is_client_error(), "{body}");
    assert_eq!(app.snapshot()["notices"], before["notices"], "a refused booking queues nothing");
}

#[tokio::test]
async fn a_bad_phone_or_email_or_a_childs_own_contact_is_refused_and_nothing_written() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let case_id = app.child_case(&court, "CSA-7/2026", CHILD).await;
    let other = app.court("Special Court Okara").await;
    let (_, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk)).await;
    let id_of = |role: &str| {
        parties["items"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["role"] == role))
            .and_then(|p| p["id"].as_i64())
            .expect(role)
    };
    let before = app.snapshot();
    for (party, body, field) in [
        (id_of("guardian"), json!({"phone": "12", "language": "en"}), "phone"),
        (id_of("guardian"), json!({"email": "not an address", "language": "en"}), "email"),
        (id_of("guardian"), json!({"email": "g@example.org", "language": "fr"}), "language"),
        (id_of("guardian"), json!({"language": "en"}), "phone"),
        (id_of("child_witness"), json!({"phone": "03001234567", "language": "ur"}), "party"),
    ] {
        let (s, problem) = app
            .send(reqwest::Method::PUT, &format!("/api/parties/{party}/contact"), Some(&court.clerk), Some(body))
            .await;
        assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let (s, _) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/parties/{}/contact", id_of("guardian")),
            Some(&other.clerk),
            Some(json!({"phone": "03001234567", "language": "ur"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another court's party is not there");
    assert_eq!(app.snapshot(), before, "nothing was written");
}

/// aiosmtpd (PyPI), saving what it receives into a maildir. `None` where
/// it is not installed: the test says so, and fails under CI=true.
pub(crate) fn smtp_server(dir: &std::path::Path) -> Option<(std::process::Child, u16)> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(dir.join(sub)).ok()?;
    }
    let port = crate::process::free_port();
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, port));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut child = child;
    let _ = child.kill();
    None
}

pub(crate) fn messages_in(dir: &std::path::Path) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}

pub(crate) async fn wait_for(app: &TestApp, court: &Court, h: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut items = Vec::new();
    for _ in 0..300 {
        let (_, listed) = app.get(&format!("/api/hearings/{h}/notices"), Some(&court.clerk)).await;
        items = listed["items"].as_array().cloned().unwrap_or_default();
        if done(&items) {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the notices of hearing {h} did not settle: {}", Value::Array(items));
}

#[tokio::test]
async fn a_real_smtp_server_receives_each_email_notice_once_and_a_failing_gateway_is_retried_then_marked_failed() {
    let maildir = tempfile::tempdir().expect("maildir");
    let Some((mut smtp, port)) = smtp_server(maildir.path()) else {
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!! SKIPPED: aiosmtpd is not installed (python3 -m pip install aiosmtpd) !!!!\n"
        );
        assert!(std::env::var("CI").is_err(), "CI=true and the SMTP notice test was skipped");
        return;
    };
    // An SMS gateway that is down: it answers 500 to everything.
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("gateway");
    let gateway_port = gateway.local_addr().expect("addr").port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in gateway.incoming().flatten() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut stream = stream;
            let mut buf = [0u8; 8192];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = stream
                .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    let mut channels = no_channels();
    channels.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    channels.sms_url = Some(format!("http://127.0.0.1:{gateway_port}/send"));
    let app = spawn_app_with(channels).await;
    let (court, case_id, _, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");

    let items = wait_for(&app, &court, h, |items| {
        items.iter().all(|n| {
            (n["channel"] == "email" && n["status"] == "sent")
                || (n["channel"] == "sms" && n["status"] == "failed")
                || n["channel"] == "paper"
        })
    })
    .await;
    let emails = items.iter().filter(|n| n["channel"] == "email").count();
    assert_eq!(emails, 2);
    let sms = items.iter().find(|n| n["channel"] == "sms").expect("the guardian's SMS");
    assert_eq!(sms["attempts"], 3, "retried up to the limit: {sms}");
    assert!(sms["last_error"].as_str().is_some_and(|e| e.contains("500")), "the clerk sees why: {sms}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 3, "one gateway call per attempt");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = messages_in(maildir.path());
    assert_eq!(received.len(), emails, "one message per email notice, no more");
    let everything = received.join("\n");
    assert!(!everything.contains(CHILD) && !everything.contains("Mehwish"), "no message names the child");
    assert!(everything.contains("guardian@example.org") && everything.contains("accused.counsel@example.org"));
    for n in &items {
        if n["channel"] == "email" {
            let id = n["provider_id"].as_str().expect("the Message-ID");
            assert_eq!(everything.matches(id).count(), 1, "notice {id} arrived once");
        }
    }

    // The clerk resends the failed SMS: queued again, tried again.
    let sms_id = sms["id"].as_i64().expect("id");
    let (s, again) = app.post(&format!("/api/notices/{sms_id}/resend"), Some(&court.clerk), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    wait_for(&app, &court, h, |items| {
        items.iter().any(|n| n["id"] == sms_id && n["status"] == "failed" && n["attempts"] == 3)
    })
    .await;
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 6);
    let _ = smtp.kill();
}

fn kinds_of(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|n| (n["kind"].as_str().unwrap_or("").into(), n["channel"].as_str().unwrap_or("").into()))
        .collect()
}

async fn notices_of(app: &TestApp, court: &Court, h: i64) -> Vec<Value> {
    let (s, listed) = app.get(&format!("/api/hearings/{h}/notices"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    listed["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn moving_adjourning_and_cancelling_a_hearing_tell_each_party_again() {
    let app = spawn_app().await;
    let (court, case_id, guardian, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let day = next_weekday(today(), Weekday::Tue);

    // A move the rules refuse (into the past) tells no one.
    let before = app.snapshot();
    let (s, body) = app
        .post(
            &format!("/api/hearings/{h}/book"),
            Some(&court.clerk),
            json!({"starts_at": karachi(today() - chrono::Days::new(7), "10:00"), "minutes": 60}),
        )
        .await;
    assert!(s.is_client_error(), "{body}");
    assert_eq!(app.snapshot()["notices"], before["notices"], "a refused move queues nothing");

    // Moved to 11:00: each party is told again, of its own side's new plan.
    let (s, moved) = app
        .post(
            &format!("/api/hearings/{h}/book"),
            Some(&court.clerk),
            json!({"starts_at": karachi(day, "11:00"), "minutes": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    let items = notices_of(&app, &court, h).await;
    let changed: Vec<_> = kinds_of(&items).into_iter().filter(|(k, _)| k == "changed").collect();
    assert_eq!(changed.len(), 4, "as many as were booked: {items:?}");
    let guardian_sms = stored_notices(&app, h)
        .into_iter()
        .filter(|(p, ch, _, _)| *p == guardian && ch == "sms")
        .map(|(_, _, _, body)| body)
        .next_back()
        .expect("the guardian's changed SMS");
    assert!(guardian_sms.contains(" اب ") && guardian_sms.contains("11:00"), "{guardian_sms}");

    // Adjourned: the judge's grant books the new date, whose notices say so.
    let (s, asked) = app
        .post(
            &format!("/api/hearings/{h}/adjournments"),
            Some(&court.clerk),
            json!({"requested_by": "prosecution", "reason_code": "witness_not_served",
                   "details": "Recorded at the bench on the party's oral request.",
                   "proposed_starts_at": karachi(day + chrono::Days::new(7), "10:00")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let (s, decided) = app
        .post(
            &format!("/api/adjournments/{}/decision", asked["id"]),
            Some(&court.judge),
            json!({"decision": "grant", "reasons": "The witness was not served through no fault of the prosecution."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{decided}");
    let next = decided["new_hearing"]["id"].as_i64().expect("the new hearing");
    let items = notices_of(&app, &court, next).await;
    assert_eq!(kinds_of(&items).iter().filter(|(k, _)| k == "adjourned").count(), 4, "{items:?}");

    // Cancelled: the case is decided, its listed hearing cancelled, and each
    // party told, in that transaction.
    let (s, body) = app
        .post(
            &format!("/api/cases/{case_id}/course"),
            Some(&court.judge),
            json!({"stage": "decided", "decision": "transferred"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let items = notices_of(&app, &court, next).await;
    assert_eq!(kinds_of(&items).iter().filter(|(k, _)| k == "cancelled").count(), 4, "{items:?}");
    let cancelled: Vec<String> = stored_notices(&app, next).into_iter().skip(4).map(|(_, _, _, body)| body).collect();
    assert!(cancelled.iter().all(|b| b.contains("منسوخ") || b.contains("cancelled")), "{cancelled:?}");
}

#[tokio::test]
async fn an_accused_in_custody_is_produced_by_a_notice_to_his_prison_and_an_unknown_prison_is_refused() {
    let app = spawn_app().await;
    let (court, case_id, _, ids) = court_with_contacts(&app).await;
    let accused = ids["accused"].as_i64().expect("accused");
    let other = app.court("Special Court Okara").await;

    // Bad input changes nothing: a bad address, a prison that does not
    // exist, another court's prison, a prison for someone not accused.
    let (s, theirs) = app
        .post(
            &format!("/api/courts/{}/prisons", other.id),
            Some(&other.clerk),
            json!({"name": "Okara Jail", "notice_email": "okara.jail@example.org"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{theirs}");
    let before = app.snapshot();
    let (s, p) = app
        .post(
            &format!("/api/courts/{}/prisons", court.id),
            Some(&court.clerk),
            json!({"name": "District Jail", "notice_email": "nowhere"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(p["field"], "notice_email");
    for prison in [json!(987654), theirs["id"].clone()] {
        let (s, p) = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/parties/{accused}/custody"),
                Some(&court.clerk),
                Some(json!({"prison_id": prison})),
            )
            .await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(p["field"], "prison_id", "{p}");
    }
    let (s, _) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/prisons/{}", theirs["id"]),
            Some(&court.clerk),
            Some(json!({"name": "Mine", "notice_email": "x@example.org"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another court's prison is not there");
    assert_eq!(app.snapshot(), before, "nothing was written");

    // The court's list: added by the admin or clerk, changed, read by staff.
    let (s, jail) = app
        .post(
            &format!("/api/courts/{}/prisons", court.id),
            Some(&court.admin),
            json!({"name": "District Jail Kasur", "notice_email": "old@example.org"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{jail}");
    let jail_id = jail["id"].as_i64().expect("id");
    let (s, jail) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/prisons/{jail_id}"),
            Some(&court.clerk),
            Some(json!({"name": "District Jail Kasur", "notice_email": "superintendent.kasur@example.org"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{jail}");
    let (s, listed) = app.get(&format!("/api/courts/{}/prisons", court.id), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");
    let (s, held) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/parties/{accused}/custody"),
            Some(&court.clerk),
            Some(json!({"prison_id": jail_id})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{held}");
    let (s, _) = app.send(reqwest::Method::DELETE, &format!("/api/prisons/{jail_id}"), Some(&court.clerk), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "a prison holding someone stays");

    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let items = notices_of(&app, &court, h).await;
    let production: Vec<&Value> = items.iter().filter(|n| n["kind"] == "production").collect();
    assert_eq!(production.len(), 1, "{items:?}");
    let (_, child_plan) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=child"), Some(&court.clerk)).await;
    let (_, accused_plan) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=accused"), Some(&court.clerk)).await;
    let (_, _, address, body) = stored_notices(&app, h)
        .into_iter()
        .find(|(p, _, address, _)| *p == accused && address.contains("superintendent"))
        .expect("the production notice");
    assert_eq!(address, "superintendent.kasur@example.org");
    assert!(body.contains("produce the accused Accused Person"), "{body}");
    assert!(body.contains(accused_plan["entrance"].as_str().expect("gate")), "{body}");
    assert!(!body.contains(child_plan["entrance"].as_str().expect("gate")), "{body}");
    assert!(!body.contains(child_plan["waiting_area"].as_str().expect("area")), "{body}");
    assert!(!body.contains(CHILD), "{body}");
    // Reached through the prison, the accused gets no notice of his own.
    assert!(!items.iter().any(|n| n["party_id"] == accused && n["kind"] == "booked"), "{items:?}");
}

#[tokio::test]
async fn the_clerk_prints_a_paper_notice_in_the_partys_language() {
    let app = spawn_app().await;
    let (court, case_id, _, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let items = notices_of(&app, &court, h).await;
    let paper = items.iter().find(|n| n["channel"] == "paper").expect("a paper notice");
    let id = paper["id"].as_i64().expect("id");
    // A Kasur court writes to a party without a contact in Urdu.
    assert_eq!(paper["language"], "ur");
    let resp = app
        .client
        .get(format!("{}/api/notices/{id}/print", app.address))
        .bearer_auth(&court.clerk)
        .send()
        .await
        .expect("print");
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.expect("page");
    assert!(page.contains("lang=\"ur\" dir=\"rtl\""), "{page}");
    assert!(page.contains("سماعت") && page.contains("Special Court Kasur"), "{page}");
    assert!(!page.contains(CHILD), "{page}");
    crate::escalations::assert_styled_by_served_css(&app, &format!("/api/notices/{id}/print"), &court.clerk, "notice")
        .await;
    let (s, done) = app.post(&format!("/api/notices/{id}/printed"), Some(&court.clerk), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "printed");
    let email = items.iter().find(|n| n["channel"] == "email").expect("an email");
    let (s, _) = app.post(&format!("/api/notices/{}/printed", email["id"]), Some(&court.clerk), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "an email is not printed");
}

/// Everything the SMTP server saved, decoded, with each `.ics` parsed by
/// Python's `icalendar` package (tests/api/mail_dump.py).
pub(crate) fn mail_dump(dir: &std::path::Path) -> Vec<Value> {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/mail_dump.py"))
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "mail_dump.py: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from mail_dump.py")
}

/// Whether the `icalendar` package is there; fails under CI=true if not.
pub(crate) fn have_python_icalendar() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import icalendar, aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let _ = writeln!(std::io::stderr(), "\n!!!! SKIPPED: python3 -m pip install icalendar aiosmtpd !!!!\n");
        assert!(std::env::var("CI").is_err(), "CI=true and a notices test was skipped");
    }
    ok
}

/// A whole HTTP request's body off the stream, for the stand-in gateway.
fn read_request(stream: &mut std::net::TcpStream) -> String {
    crate::sms_gateway::read_whole(stream).1
}

#[tokio::test]
async fn nothing_the_smtp_server_or_gateway_received_names_the_child_or_the_other_sides_plan() {
    if !have_python_icalendar() {
        return;
    }
    let maildir = tempfile::tempdir().expect("maildir");
    let (mut smtp, port) = smtp_server(maildir.path()).expect("aiosmtpd");
    // A gateway that takes every SMS and keeps what it was sent.
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("gateway");
    let gateway_port = gateway.local_addr().expect("addr").port();
    let sms_bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let kept = sms_bodies.clone();
    std::thread::spawn(move || {
        for (i, stream) in gateway.incoming().flatten().enumerate() {
            let mut stream = stream;
            let body = read_request(&mut stream);
            if let Ok(mut k) = kept.lock() {
                k.push(body);
            }
            let answer = format!("{{\"id\":\"gw-{i}\"}}");
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .as_bytes(),
            );
        }
    });
    let mut channels = no_channels();
    channels.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    channels.sms_url = Some(format!("http://127.0.0.1:{gateway_port}/send"));
    let app = spawn_app_with(channels).await;
    let (court, case_id, guardian, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let day = next_weekday(today(), Weekday::Tue);
    let (s, moved) = app
        .post(
            &format!("/api/hearings/{h}/book"),
            Some(&court.clerk),
            json!({"starts_at": karachi(day, "11:00"), "minutes": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");

    // The support officer sends the guardian the video-link invite by SMS.
    let (s, session) = app.post(&format!("/api/hearings/{h}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let sid = session["id"].as_i64().expect("session");
    let invite = app.invite(&court, sid, "guardian", "unused").await;
    let pid = invite["participant"]["id"].as_i64().expect("participant");
    let before = app.snapshot();
    let (s, bad) = app
        .post(
            &format!("/api/video-sessions/{sid}/invites/{pid}/send"),
            Some(&court.support),
            json!({"channel": "sms", "to": "12"}),
        )
        .await;
    assert_problem(s, &bad, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(bad["field"], "to");
    assert_eq!(app.snapshot(), before, "a bad number writes nothing");
    let (s, sent) = app
        .post(&format!("/api/video-sessions/{sid}/invites/{pid}/send"), Some(&court.support), json!({"channel": "sms"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["kind"], "video_invite");
    assert_eq!(sent["party_id"], guardian);

    let items =
        wait_for(&app, &court, h, |items| items.iter().all(|n| n["channel"] == "paper" || n["status"] == "sent")).await;
    let emails = items.iter().filter(|n| n["channel"] == "email").count();
    let sms = items.iter().filter(|n| n["channel"] == "sms").count();
    assert_eq!(
        (emails, sms),
        (4, 3),
        "booked and moved, to the guardian and the accused's side; and the invite: {items:?}"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let mail = mail_dump(maildir.path());
    let texts = sms_bodies.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(mail.len(), emails);
    assert_eq!(texts.len(), sms);
    assert!(texts.iter().any(|t| t.contains("/join.html#session=")), "the invite's link went by SMS: {texts:?}");

    // The grep: the child's name nowhere; the guardian's messages nothing of
    // the accused side's gate, area or arrival times, and the other way about.
    let plans = |side: &'static str| {
        let app = &app;
        let court = &court;
        async move {
            let (_, p) = app.get(&format!("/api/hearings/{h}/arrival-plan?side={side}"), Some(&court.clerk)).await;
            p
        }
    };
    let (child_plan, accused_plan) = (plans("child").await, plans("accused").await);
    let secret = |p: &Value| -> Vec<String> {
        vec![
            p["entrance"].as_str().unwrap_or("?").to_string(),
            p["waiting_area"].as_str().unwrap_or("?").to_string(),
            format!("at {}", p["arrive_at"].as_str().unwrap_or("?")),
            format!("{} بجے", p["arrive_at"].as_str().unwrap_or("?")),
        ]
    };
    for m in &mail {
        let text = m.to_string();
        assert!(!text.contains(CHILD) && !text.contains("Mehwish"), "a message names the child: {text}");
        let (own, other) = if m["to"].as_str().is_some_and(|t| t.contains("guardian")) {
            (&child_plan, &accused_plan)
        } else {
            (&accused_plan, &child_plan)
        };
        for s in secret(other) {
            assert!(!text.contains(&s), "{} got the other side's {s}: {text}", m["to"]);
        }
        assert!(text.contains(own["entrance"].as_str().unwrap_or("?")), "its own gate: {text}");
        // Each email carries its one hearing as an .ics, read by an
        // independent parser: the party's own event, in UTC.
        let cal = &m["calendars"][0];
        assert_eq!(cal["method"], "REQUEST", "{m}");
        let event = &cal["events"][0];
        assert!(event["uid"].as_str().is_some_and(|u| u.starts_with(&format!("hearing-{h}-party-"))), "{event}");
        assert!(event["dtstart"].as_str().is_some_and(|d| d.ends_with("+00:00")), "{event}");
    }
    for t in &texts {
        assert!(!t.contains(CHILD) && !t.contains("Mehwish"), "an SMS names the child: {t}");
        for s in secret(&accused_plan) {
            assert!(!t.contains(&s), "the guardian's SMS carries the accused side's {s}: {t}");
        }
    }
    // The moved hearing's event replaces the booked one: same UID, a later SEQUENCE.
    let guardian_events: Vec<&Value> = mail
        .iter()
        .filter(|m| m["to"].as_str().is_some_and(|t| t.contains("guardian")))
        .map(|m| &m["calendars"][0]["events"][0])
        .collect();
    assert_eq!(guardian_events.len(), 2);
    assert_eq!(guardian_events[0]["uid"], guardian_events[1]["uid"]);
    let seqs: std::collections::BTreeSet<i64> = guardian_events.iter().filter_map(|e| e["sequence"].as_i64()).collect();
    assert_eq!(seqs.len(), 2, "{guardian_events:?}");
    let _ = smtp.kill();
}

#[tokio::test]
async fn staff_subscribe_to_a_private_calendar_feed_of_their_hearings_and_can_revoke_it() {
    if !have_python_icalendar() {
        return;
    }
    let app = spawn_app().await;
    let (court, case_id, _, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let (s, made) = app.post("/api/me/calendar-feed", Some(&court.judge), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let url = made["url"].as_str().expect("url").to_string();
    let fetch = |url: String| {
        let client = app.client.clone();
        async move {
            let r = client.get(url).send().await.expect("feed");
            let status = r.status();
            let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            (status, ctype, r.text().await.unwrap_or_default())
        }
    };
    let (s, ctype, text) = fetch(url.clone()).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(ctype.starts_with("text/calendar"), "{ctype}");
    assert!(!text.contains(CHILD) && !text.contains("Guardian Person"), "{text}");
    let file = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(file.path(), &text).expect("write");
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/mail_dump.py"))
        .arg("--ics")
        .arg(file.path())
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("json");
    let events = parsed["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "the judge's one hearing: {parsed}");
    assert_eq!(events[0]["uid"], format!("hearing-{h}@amaan"));
    assert!(events[0]["summary"].as_str().is_some_and(|s| s.contains("CSA-5/2026")), "{parsed}");
    assert!(events[0]["location"].as_str().is_some_and(|s| s.contains("Court Room 1")), "{parsed}");

    // A new URL replaces the old; a revoked feed is gone.
    let (_, again) = app.post("/api/me/calendar-feed", Some(&court.judge), json!({})).await;
    let newer = again["url"].as_str().expect("url").to_string();
    assert_eq!(fetch(url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(newer.clone()).await.0, StatusCode::OK);
    let (s, _) = app.send(reqwest::Method::DELETE, "/api/me/calendar-feed", Some(&court.judge), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(fetch(newer).await.0, StatusCode::NOT_FOUND);
    // Nothing of the secret is in the audit trail.
    let (_, audit) = app.get("/api/audit", Some(&court.judge)).await;
    assert!(!audit.to_string().contains(made["url"].as_str().unwrap_or("?").rsplit('/').next().unwrap_or("?")));
}
