//! Writes of different courts do not wait on each other (issue 16): on
//! PostgreSQL a booking holds only the audit chain rows of its court's
//! building, so while one court's write is held open a clerk of a court in
//! another building still books, and clerks of the held court and of a
//! court sharing its building wait until it ends. On SQLite (one writer)
//! the same bookings all complete and the trail verifies.
//!
//! Every wait here is bounded: a regression fails the test, never hangs it.

use std::sync::mpsc;
use std::time::Duration;

use chrono::Weekday;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{is_postgres, karachi, next_weekday, spawn_app, today, Court, TestApp};
use crate::process::{self, run_to_end};
use amaan::db::audit;

/// Longer than any booking takes on a loaded machine; only a regression
/// (a booking queued behind the held court) reaches it.
const BOUND: Duration = Duration::from_secs(60);

/// A court with a room, waiting areas and a child case: what a clerk needs
/// to book a hearing with its times.
struct Clerk {
    court: Court,
    room: i64,
    case_id: i64,
}

async fn clerk(app: &TestApp, name: &str) -> Clerk {
    let court = app.court(name).await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    app.waiting_areas(&court).await;
    let case_id = app.child_case(&court, &format!("LK-{}/2026", court.id), "Lock Child").await;
    Clerk { room: room["id"].as_i64().expect("room id"), court, case_id }
}

/// The request of a hearing made with its times (booked in the same
/// transaction), `day` at `hhmm` for 45 minutes.
fn booking(app: &TestApp, c: &Clerk, day: chrono::NaiveDate, hhmm: &str) -> reqwest::RequestBuilder {
    let (h, m) = hhmm.split_once(':').expect("hh:mm");
    let ends = format!("{h}:{:02}", m.parse::<u32>().expect("minutes") + 45);
    app.client.post(format!("{}/api/cases/{}/hearings", app.address, c.case_id)).bearer_auth(&c.court.clerk).json(
        &json!({
            "kind": "charge", "judge_id": c.court.judge_id, "room_id": c.room,
            "starts_at": karachi(day, hhmm), "ends_at": karachi(day, &ends),
            "child_testifies": false, "mode": "in_person",
        }),
    )
}

async fn answered(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = tokio::time::timeout(BOUND, request.send())
        .await
        .expect("the request answered in bounded time")
        .expect("the response");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Puts the courts in one building.
async fn one_building(app: &TestApp, courts: &[&Court]) {
    let (s, b) = app.post("/api/buildings", Some(&app.admin_token), json!({"name": "Sessions Courts Kasur"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    for c in courts {
        let (s, body) = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/courts/{}/building", c.id),
                Some(&app.admin_token),
                Some(json!({"building_id": b["id"]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
}

/// A court write held open by the test, as `court_tx` holds one: the audit
/// head FOR SHARE, then the court's chain row FOR UPDATE, on a connection
/// of its own. It ends (rolled back) when `release` is sent or dropped, or
/// after `BOUND` whatever happens.
fn hold_court(url: &str, court: i64) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (release, released) = mpsc::channel::<()>();
    let (ready, is_ready) = mpsc::channel::<()>();
    let url = url.to_string();
    let holder = std::thread::spawn(move || {
        let mut c = diesel::PgConnection::establish(&url).expect("the holder connects");
        c.batch_execute(&format!(
            "BEGIN; SELECT 1 FROM audit_head WHERE id = 1 FOR SHARE; \
             SELECT chain_id FROM audit_chains WHERE chain_id = {court} FOR UPDATE;"
        ))
        .expect("the court's chain row is held");
        let _ = ready.send(());
        let _ = released.recv_timeout(BOUND);
        let _ = c.batch_execute("ROLLBACK;");
    });
    is_ready.recv_timeout(BOUND).expect("the hold began");
    (release, holder)
}

/// How many of the server's connections wait for a chain row's lock.
fn waiting_on_chains(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn();
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND wait_event_type = 'Lock' AND query LIKE '%FROM audit_chains%FOR UPDATE%'",
    )
    .get_result::<Count>(&mut conn)
    .expect("pg_stat_activity")
    .n
}

async fn until_waiting(app: &TestApp, want: i64) {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let n = waiting_on_chains(app);
        if n >= want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{n} of {want} bookings came to wait on the held court");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_trail_intact(app: &TestApp, courts: &[&Court]) {
    let v = audit::verify(&mut app.conn()).expect("verify");
    assert!(v.intact, "{v:?}");
    for c in courts {
        let v = audit::verify_court(&mut app.conn(), c.id).expect("verify the court");
        assert!(v.intact && v.events > 0, "{v:?}");
    }
    let (ok, said) = run_to_end(process::amaan_on(app.data_dir.path(), &app.database_url, &["audit", "verify"]));
    assert!(ok && said.contains("intact"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_court_write_stops_only_its_own_building() {
    let app = spawn_app().await;
    let a = clerk(&app, "Held Court").await;
    let b = clerk(&app, "Court Elsewhere").await;
    let c = clerk(&app, "Court Next Door").await;
    one_building(&app, &[&a.court, &c.court]).await;
    let day = next_weekday(today() + chrono::Days::new(2), Weekday::Tue);
    let next_day = day + chrono::Days::new(1);

    if !is_postgres() {
        // One writer: nothing is held apart, and every booking completes.
        let (sa, sb, sc) = tokio::join!(
            answered(booking(&app, &a, day, "10:00")),
            answered(booking(&app, &b, day, "10:00")),
            answered(booking(&app, &c, next_day, "12:00")),
        );
        for (s, body) in [sa, sb, sc] {
            assert_eq!(s, StatusCode::CREATED, "{body}");
        }
        assert_trail_intact(&app, &[&a.court, &b.court, &c.court]);
        return;
    }

    let (release, holder) = hold_court(&app.database_url, a.court.id);
    // The notices worker comes round every 300 ms. Were it to take the
    // audit head for writing, it would queue behind the hold, and every
    // court writer after it (PostgreSQL queues locks fairly): give it the
    // time to come round while A is held. This pause can only make the
    // test stricter, never fail it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Court B is in no building of A's: its clerk books while A is held.
    let (s, body) = answered(booking(&app, &b, day, "10:00")).await;
    assert_eq!(s, StatusCode::CREATED, "a court of another building books while court A's write is open: {body}");
    // A's own clerk, and the clerk of the court sharing A's building, wait.
    let in_a = tokio::spawn(answered(booking(&app, &a, day, "10:00")));
    let in_c = tokio::spawn(answered(booking(&app, &c, next_day, "12:00")));
    until_waiting(&app, 2).await;
    assert!(!in_a.is_finished() && !in_c.is_finished(), "both wait while court A's write is open");
    // Meanwhile B still books, and its clerk records an adjournment request.
    let (s, body) = answered(booking(&app, &b, next_day, "10:00")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let hearing = body["id"].as_i64().expect("hearing id");
    let request = app
        .client
        .post(format!("{}/api/hearings/{hearing}/adjournments", app.address))
        .bearer_auth(&b.court.clerk)
        .json(&json!({"requested_by": "prosecution", "reason_code": "witness_not_served",
                      "details": "Next date to be fixed later."}));
    let (s, body) = answered(request).await;
    // Refused by the profile's rule (no date fixed), and recorded.
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["adjournment_id"].is_i64(), "the request is recorded while court A's write is open: {body}");
    release.send(()).expect("the holder is waiting");
    tokio::task::spawn_blocking(move || holder.join()).await.expect("join").expect("the holder ended");
    for waiting in [in_a, in_c] {
        let (s, body) = tokio::time::timeout(BOUND, waiting).await.expect("booked once released").expect("task");
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    assert_trail_intact(&app, &[&a.court, &b.court, &c.court]);
}

/// Many courts' clerks at once: every event is numbered once (the global
/// `seq` from a sequence on PostgreSQL) and every chain stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerks_of_many_courts_booking_at_once_keep_every_chain_whole() {
    let app = spawn_app().await;
    let mut clerks = Vec::new();
    for i in 0..4 {
        clerks.push(clerk(&app, &format!("Busy Court {i}")).await);
    }
    let first = next_weekday(today() + chrono::Days::new(2), Weekday::Tue);
    let mut waiting = Vec::new();
    for c in &clerks {
        // A day apart, so that no booking's never-meet plan meets another's.
        for day in [first, first + chrono::Days::new(1), first + chrono::Days::new(2)] {
            waiting.push(tokio::spawn(answered(booking(&app, c, day, "10:00"))));
        }
    }
    for w in waiting {
        let (s, body) = w.await.expect("task");
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let courts: Vec<&Court> = clerks.iter().map(|c| &c.court).collect();
    assert_trail_intact(&app, &courts);
}
