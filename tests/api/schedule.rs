//! Scheduling with separation, through the API: each hard constraint, the
//! never-meet plan (also across two hearings of one day), races between
//! clerks, arrival plans, bulk plans and the court calendar.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Court, TestApp};
use amaan::domain::roles::StaffRole;

/// The first `weekday` at least `after` days from today (Karachi's date is
/// at most a day ahead of UTC; `after` ≥ 2 keeps it in the future there).
fn next(weekday: Weekday, after: i64) -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(after);
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    d
}

/// A Karachi wall-clock time as RFC 3339.
fn karachi(day: NaiveDate, hm: &str) -> String {
    format!("{day}T{hm}:00+05:00")
}

/// A court building: a video-link room and a plain one; a children's room
/// at the East Gate, a general hall at the Main Gate and a holding room at
/// the Lock-up Gate (or all on one gate); and a second judge.
struct Building {
    court: Court,
    room_video: i64,
    room_plain: i64,
    judge2: i64,
}

async fn building(app: &TestApp, one_gate: bool) -> Building {
    building_of(app, one_gate, "pk").await
}

/// The same building for a court under another rule profile.
async fn building_of(app: &TestApp, one_gate: bool, rule_profile: &str) -> Building {
    let court = app.court_of(&format!("Special Court Kasur ({rule_profile})"), rule_profile).await;
    let mut rooms = Vec::new();
    for (name, video) in [("Court Room 1", true), ("Court Room 2", false)] {
        let (s, r) = app
            .post(
                &format!("/api/courts/{}/rooms", court.id),
                Some(&court.admin),
                json!({"name": name, "video_link": video}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        rooms.push(r["id"].as_i64().unwrap_or_default());
    }
    let gate = |g: &'static str| if one_gate { "Main Gate" } else { g };
    for (name, child, entrance) in [
        ("Children's Room", true, gate("East Gate")),
        ("Main Hall", false, "Main Gate"),
        ("Holding Room", false, gate("Lock-up Gate")),
    ] {
        let (s, a) = app
            .post(
                &format!("/api/courts/{}/waiting-areas", court.id),
                Some(&court.admin),
                json!({"name": name, "child_friendly": child, "entrance": entrance}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
    }
    let judge2 = app.add_user(&format!("c{}-judge2", court.id), StaffRole::Judge, Some(court.id));
    Building { court, room_video: rooms[0], room_plain: rooms[1], judge2 }
}

/// A case: with a child witness (and guardian) when `child`, always an
/// accused; cognizance `days_ago` days back.
async fn case(app: &TestApp, court: &Court, number: &str, child: bool, days_ago: i64) -> i64 {
    let cognizance = Utc::now().date_naive() - Duration::days(days_ago);
    let (s, body) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": number, "offence": "s.377-B PPC", "cognizance_date": cognizance}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap_or_default();
    let mut parties = vec![json!({"role": "accused", "name": format!("Accused {number}")})];
    if child {
        parties
            .push(json!({"role": "child_witness", "name": format!("Nadia {number}"), "date_of_birth": "2016-03-01"}));
        parties.push(json!({"role": "guardian", "name": format!("Guardian {number}")}));
    }
    parties.push(json!({"role": "prosecutor", "name": "State Prosecutor"}));
    for p in parties {
        let (s, body) = app.post(&format!("/api/cases/{id}/parties"), Some(&court.clerk), p).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    id
}

/// An unscheduled hearing of a case.
async fn hearing(app: &TestApp, court: &Court, case_id: i64, kind: &str, child_testifies: bool, video: bool) -> i64 {
    let mode = if video { "video_link" } else { "in_person" };
    let (s, body) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": kind, "child_testifies": child_testifies, "mode": mode}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap_or_default()
}

async fn book(app: &TestApp, court: &Court, hearing_id: i64, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/hearings/{hearing_id}/book"), Some(&court.clerk), body).await
}

fn at(day: NaiveDate, hm: &str, minutes: i64, judge: i64, room: i64) -> Value {
    json!({"starts_at": karachi(day, hm), "minutes": minutes, "judge_id": judge, "room_id": room})
}

async fn violations(app: &TestApp, court: &Court, from: NaiveDate, to: NaiveDate) -> Value {
    let (s, body) = app.get(&format!("/api/schedule/violations?from={from}&to={to}"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

fn assert_refused(status: StatusCode, body: &Value, want_status: StatusCode, rule: &str) {
    assert_eq!(status, want_status, "{body}");
    let text = body.to_string();
    assert!(body["rule"] == rule || text.contains(&format!("({rule})")), "expected rule `{rule}`: {body}");
}

#[tokio::test]
async fn slots_come_earliest_first_with_their_never_meet_plan() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let c = case(&app, &b.court, "S-1/2026", true, 3).await;
    let day = next(Weekday::Tue, 3);
    let (s, body) = app
        .get(
            &format!("/api/hearings/slots?case_id={c}&kind=mention&minutes=60&from={day}&limit=3"),
            Some(&b.court.clerk),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let slots = body["slots"].as_array().cloned().unwrap_or_default();
    let starts: Vec<&str> = slots.iter().filter_map(|s| s["local_start"].as_str()).collect();
    assert_eq!(starts, vec![format!("{day} 09:00"), format!("{day} 09:15"), format!("{day} 09:30")]);
    let sides = slots[0]["sides"].as_array().cloned().unwrap_or_default();
    let child = sides.iter().find(|s| s["side"] == "child").cloned().unwrap_or_default();
    let accused = sides.iter().find(|s| s["side"] == "accused").cloned().unwrap_or_default();
    assert_eq!(child["waiting_area"], "Children's Room");
    assert_ne!(accused["waiting_area"], "Children's Room");
    assert!(accused["arrives_at"].as_str() < child["arrives_at"].as_str(), "the accused arrives first");
    assert!(child["departs_at"].as_str() < accused["departs_at"].as_str(), "the child leaves first");
}

#[tokio::test]
async fn a_clerk_cannot_book_a_judge_who_sits_in_another_hearing_then() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Wed, 3);
    let h1 = hearing(&app, &b.court, case(&app, &b.court, "J-1", false, 3).await, "mention", false, false).await;
    let h2 = hearing(&app, &b.court, case(&app, &b.court, "J-2", false, 3).await, "mention", false, false).await;
    let (s, body) = book(&app, &b.court, h1, at(day, "10:00", 60, b.court.judge_id, b.room_video)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = book(&app, &b.court, h2, at(day, "10:30", 60, b.court.judge_id, b.room_plain)).await;
    assert_refused(s, &body, StatusCode::CONFLICT, "judge_free");
    // the slot finder offers this judge only the times around his hearing
    let c3 = case(&app, &b.court, "J-3", false, 3).await;
    let (_, slots) = app
        .get(
            &format!(
                "/api/hearings/slots?case_id={c3}&kind=mention&minutes=60&from={day}&judge_id={}&limit=5",
                b.court.judge_id
            ),
            Some(&b.court.clerk),
        )
        .await;
    let starts: Vec<&str> =
        slots["slots"].as_array().into_iter().flatten().filter_map(|s| s["local_start"].as_str()).collect();
    let want: Vec<String> =
        ["09:00", "11:00", "11:15", "11:30", "11:45"].iter().map(|t| format!("{day} {t}")).collect();
    assert_eq!(starts, want, "{slots}");
    let (s, _) = book(&app, &b.court, h2, at(day, "11:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_clerk_cannot_book_a_court_room_another_hearing_holds() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Wed, 3);
    let h1 = hearing(&app, &b.court, case(&app, &b.court, "R-1", false, 3).await, "mention", false, false).await;
    let h2 = hearing(&app, &b.court, case(&app, &b.court, "R-2", false, 3).await, "mention", false, false).await;
    let (s, _) = book(&app, &b.court, h1, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = book(&app, &b.court, h2, at(day, "10:30", 60, b.judge2, b.room_plain)).await;
    assert_refused(s, &body, StatusCode::CONFLICT, "room_free");
}

#[tokio::test]
async fn every_counsel_must_be_free_even_in_another_case() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Thu, 3);
    let c1 = case(&app, &b.court, "K-1", false, 3).await;
    let c2 = case(&app, &b.court, "K-2", false, 3).await;
    for c in [c1, c2] {
        let (s, body) = app
            .post(
                &format!("/api/cases/{c}/counsel"),
                Some(&b.court.clerk),
                json!({"name": "Adv. Rehana Aslam", "enrolment_number": "LHC-1234", "role": "defence_counsel"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let h1 = hearing(&app, &b.court, c1, "bail", false, false).await;
    let h2 = hearing(&app, &b.court, c2, "bail", false, false).await;
    let (s, _) = book(&app, &b.court, h1, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = book(&app, &b.court, h2, at(day, "10:30", 60, b.judge2, b.room_video)).await;
    assert_refused(s, &body, StatusCode::CONFLICT, "counsel_free");
}

#[tokio::test]
async fn a_child_on_a_video_link_needs_a_video_link_room() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Tue, 3);
    let h = hearing(&app, &b.court, case(&app, &b.court, "V-1", true, 3).await, "evidence", true, true).await;
    let (s, body) = book(&app, &b.court, h, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "video_link_room");
    assert_eq!(body["section"], "Qanun-e-Shahadat Order 1984 art.164");
    let (s, body) = book(&app, &b.court, h, at(day, "10:00", 60, b.court.judge_id, b.room_video)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // the child on the link never passes the court-room door
    let child = body["booking"]["sides"].as_array().into_iter().flatten().find(|s| s["side"] == "child").cloned();
    assert_eq!(child.map(|c| c["enters_court_at"].is_null()), Some(true));
}

#[tokio::test]
async fn a_child_testifies_only_in_child_friendly_hours_within_the_maximum_sitting_with_breaks() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Tue, 3);
    let h = hearing(&app, &b.court, case(&app, &b.court, "C-1", true, 3).await, "evidence", true, false).await;
    let (s, body) = book(&app, &b.court, h, at(day, "14:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "child_friendly_hours");
    let (s, body) = book(&app, &b.court, h, at(day, "09:30", 150, b.court.judge_id, b.room_plain)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "max_child_sitting");
    let (s, body) = book(&app, &b.court, h, at(day, "09:30", 120, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["booking"]["breaks"].as_array().map(Vec::len), Some(2), "{body}");
    // the slot finder offers a child only child-friendly times (pk: 09:30 to 13:00)
    let c2 = case(&app, &b.court, "C-2", true, 3).await;
    let (_, slots) = app
        .get(
            &format!("/api/hearings/slots?case_id={c2}&kind=evidence&child_testifies=true&from={day}"),
            Some(&b.court.clerk),
        )
        .await;
    for slot in slots["slots"].as_array().into_iter().flatten() {
        let hm = slot["local_start"].as_str().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_string();
        assert!(hm.as_str() >= "09:30" && hm.as_str() <= "11:00", "{slot}");
    }
    assert!(
        slots["ruled_out"].as_array().into_iter().flatten().any(|r| r["rule"] == "child_friendly_hours"),
        "{slots}"
    );
}

#[tokio::test]
async fn a_second_appearance_of_the_child_needs_a_recorded_reason() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Tue, 3);
    let c = case(&app, &b.court, "A-1", true, 3).await;
    let first = hearing(&app, &b.court, c, "evidence", true, false).await;
    let second = hearing(&app, &b.court, c, "cross_examination", true, false).await;
    let (s, body) = book(&app, &b.court, first, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let later = day + Duration::days(1);
    let (s, body) = book(&app, &b.court, second, at(later, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "child_not_recalled");
    assert_eq!(body["section"], "Anti-Rape (Investigation and Trial) Act 2021");
    let mut with_reason = at(later, "10:00", 60, b.court.judge_id, b.room_plain);
    with_reason["reappearance_reason"] = json!("Defence cross-examination ordered on 20 Nov under s.33(5)");
    let (s, body) = book(&app, &b.court, second, with_reason).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // the reason is in the audit trail
    let (_, trail) = app.get(&format!("/api/audit?entity=hearing&entity_id={second}"), Some(&b.court.judge)).await;
    assert!(trail.to_string().contains("Defence cross-examination ordered"), "{trail}");
}

#[tokio::test]
async fn the_court_sits_only_on_working_days_in_its_hours_and_not_on_its_holidays() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let h = hearing(&app, &b.court, case(&app, &b.court, "W-1", false, 3).await, "mention", false, false).await;
    let saturday = next(Weekday::Sat, 3);
    let (s, body) = book(&app, &b.court, h, at(saturday, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("working_day")), "{body}");
    let tuesday = next(Weekday::Tue, 3);
    let (s, body) = book(&app, &b.court, h, at(tuesday, "15:30", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("court_hours")), "{body}");

    // only an administrator edits the calendar
    let holiday = json!({"day": tuesday, "name": "Iqbal Day"});
    let (s, body) =
        app.post(&format!("/api/courts/{}/holidays", b.court.id), Some(&b.court.clerk), holiday.clone()).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (s, body) = app.post(&format!("/api/courts/{}/holidays", b.court.id), Some(&b.court.admin), holiday).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = book(&app, &b.court, h, at(tuesday, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("holiday")), "{body}");
    let (_, list) = app.get(&format!("/api/courts/{}/holidays", b.court.id), Some(&b.court.clerk)).await;
    assert_eq!(list["items"][0]["name"], "Iqbal Day");
    let (s, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/courts/{}/holidays/{tuesday}", b.court.id),
            Some(&b.court.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = book(&app, &b.court, h, at(tuesday, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, trail) = app.get("/api/audit?entity=court_holiday", Some(&b.court.judge)).await;
    assert_eq!(trail["total"], 2, "adding and removing a holiday are both audited: {trail}");
}

#[tokio::test]
async fn a_booking_after_the_statutory_clock_needs_a_reason_when_an_earlier_slot_is_free() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    // cognizance 85 days ago: pk's three-month trial clock (the 2016 Act)
    // runs out within a week
    let c = case(&app, &b.court, "D-1", true, 85).await;
    let h = hearing(&app, &b.court, c, "evidence", true, false).await;
    let late_day = next(Weekday::Tue, 20);
    let (s, body) = book(&app, &b.court, h, at(late_day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "statutory_clock");
    assert_eq!(body["section"], "Criminal Law (Amendment) (Offences relating to Rape) Act 2016 (amending CrPC 1898)");
    let mut with_reason = at(late_day, "10:00", 60, b.court.judge_id, b.room_plain);
    with_reason["delay_reason"] = json!("The child is in hospital until next month");
    let (s, body) = book(&app, &b.court, h, with_reason).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["booking"]["after_deadline"], true);
}

#[tokio::test]
async fn another_hearings_accused_at_a_shared_gate_keeps_the_child_away_then() {
    // One gate for the whole building: the child of one case must not arrive
    // while the accused of another case leaves through it.
    let app = spawn_app().await;
    let b = building(&app, true).await;
    let day = next(Weekday::Wed, 3);
    let other = hearing(&app, &b.court, case(&app, &b.court, "G-1", false, 3).await, "bail", false, false).await;
    let child = hearing(&app, &b.court, case(&app, &b.court, "G-2", true, 3).await, "mention", false, false).await;
    let (s, body) = book(&app, &b.court, other, at(day, "09:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // the accused leaves through the gate at 09:55+30 = 10:25; a child
    // arriving 10:00 for a 10:30 hearing would meet him there
    let (s, body) = book(&app, &b.court, child, at(day, "10:30", 60, b.judge2, b.room_video)).await;
    assert_refused(s, &body, StatusCode::CONFLICT, "never_meet");
    assert!(body["detail"].as_str().unwrap_or_default().contains("entrance"), "{body}");
    let (s, body) = book(&app, &b.court, child, at(day, "11:30", 60, b.judge2, b.room_video)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v = violations(&app, &b.court, day, day).await;
    assert_eq!(v["bookings"], 2);
    assert_eq!(v["violations"], json!([]), "{v}");
}

#[tokio::test]
async fn the_child_sides_arrival_plan_says_nothing_about_the_accused_side() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Tue, 3);
    let c = case(&app, &b.court, "P-1", true, 3).await;
    let h = hearing(&app, &b.court, c, "evidence", true, false).await;
    let (s, body) = book(&app, &b.court, h, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let (s, accused) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=accused"), Some(&b.court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{accused}");
    assert_eq!(accused["waiting_area"], "Main Hall");
    assert_eq!(accused["arrive_at"], "09:00");
    assert_eq!(accused["depart_at"], "11:25");

    let (s, child) = app.get(&format!("/api/hearings/{h}/arrival-plan?side=child"), Some(&b.court.support)).await;
    assert_eq!(s, StatusCode::OK, "{child}");
    assert_eq!(child["waiting_area"], "Children's Room");
    assert_eq!(child["entrance"], "East Gate");
    assert_eq!(child["arrive_at"], "09:30");
    let text = app
        .client
        .get(format!("{}/api/hearings/{h}/arrival-plan?side=child&format=text", app.address))
        .bearer_auth(&b.court.clerk)
        .send()
        .await
        .expect("sent");
    assert!(text.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/plain"));
    let text = text.text().await.unwrap_or_default();
    let html = app
        .client
        .get(format!("{}/api/hearings/{h}/arrival-plan?side=child", app.address))
        .header("accept", "text/html")
        .bearer_auth(&b.court.clerk)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .unwrap_or_default();
    assert!(html.starts_with("<!doctype html>") && html.contains("Children&#39;s Room"), "{html}");
    for printed in [child.to_string(), text.clone(), html] {
        for secret in ["Holding Room", "Lock-up Gate", "Main Hall", "Main Gate", "Accused P-1", "09:00", "11:25"] {
            assert!(!printed.contains(secret), "the child's plan mentions `{secret}`: {printed}");
        }
        // nor the child's own name: the plan is printed and sent
        assert!(!printed.contains("Nadia P-1"));
    }
    assert!(text.contains("09:30") && text.contains("East Gate"), "{text}");
}

#[tokio::test]
async fn many_clerks_racing_for_one_room_and_time_exactly_one_wins() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let day = next(Weekday::Thu, 3);
    let mut hearings = Vec::new();
    for i in 0..12 {
        let c = case(&app, &b.court, &format!("RACE-{i}"), false, 3).await;
        hearings.push(hearing(&app, &b.court, c, "mention", false, false).await);
    }
    let attempts = hearings.iter().enumerate().map(|(i, h)| {
        // half ask for the first judge, half for the second: the room is
        // what they all race for
        let judge = if i % 2 == 0 { b.court.judge_id } else { b.judge2 };
        book(&app, &b.court, *h, at(day, "10:00", 60, judge, b.room_plain))
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let lost = results.iter().filter(|(s, _)| *s == StatusCode::CONFLICT).count();
    assert_eq!((won, lost), (1, 11), "{results:?}");
    let v = violations(&app, &b.court, day, day).await;
    assert_eq!((v["bookings"].clone(), v["violations"].clone()), (json!(1), json!([])), "{v}");
}

#[tokio::test]
async fn two_clerks_racing_for_one_gate_cannot_both_win() {
    // One gate: an accused leaving at 10:25 and a child arriving at 10:00
    // cannot both be booked, on each of four days, all at once.
    let app = spawn_app().await;
    let b = building(&app, true).await;
    let mut attempts = Vec::new();
    let mut days = Vec::new();
    for i in 0..4 {
        let day = next(Weekday::Mon, 3) + Duration::days(i);
        days.push(day);
        let adult =
            hearing(&app, &b.court, case(&app, &b.court, &format!("GA-{i}"), false, 3).await, "bail", false, false)
                .await;
        let child =
            hearing(&app, &b.court, case(&app, &b.court, &format!("GC-{i}"), true, 3).await, "mention", false, false)
                .await;
        attempts.push((i, book(&app, &b.court, adult, at(day, "09:00", 60, b.court.judge_id, b.room_plain))));
        attempts.push((i, book(&app, &b.court, child, at(day, "10:30", 60, b.judge2, b.room_video))));
    }
    let (days_of, futures): (Vec<i64>, Vec<_>) = attempts.into_iter().unzip();
    let results = futures_util::future::join_all(futures).await;
    for i in 0..4 {
        let of_day: Vec<&(StatusCode, Value)> =
            results.iter().zip(&days_of).filter(|(_, d)| **d == i).map(|(r, _)| r).collect();
        let won = of_day.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        let lost = of_day.iter().filter(|(s, _)| *s == StatusCode::CONFLICT).count();
        assert_eq!((won, lost), (1, 1), "day {i}: {of_day:?}");
    }
    let v = violations(&app, &b.court, days[0], days[3]).await;
    assert_eq!((v["bookings"].clone(), v["violations"].clone()), (json!(4), json!([])), "{v}");
}

#[tokio::test]
async fn a_bulk_plan_is_deterministic_and_accepted_in_part_then_whole() {
    let app = spawn_app().await;
    let b = building(&app, false).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let child = i % 2 == 0;
        let c = case(&app, &b.court, &format!("PL-{i}"), child, 3 + i).await;
        ids.push(hearing(&app, &b.court, c, if child { "evidence" } else { "charge" }, child, child && i == 4).await);
    }
    // a child who already testified, asked for again without a reason
    let recalled_case = case(&app, &b.court, "PL-R", true, 3).await;
    let first = hearing(&app, &b.court, recalled_case, "evidence", true, false).await;
    let day = next(Weekday::Tue, 3);
    let (s, _) = book(&app, &b.court, first, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
    assert_eq!(s, StatusCode::OK);
    let recalled = hearing(&app, &b.court, recalled_case, "cross_examination", true, false).await;

    let (s, plan) = app.post("/api/plan", Some(&b.court.clerk), json!({"weeks": 2})).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let (_, again) = app.post("/api/plan", Some(&b.court.clerk), json!({"weeks": 2})).await;
    assert_eq!(plan["placed"], again["placed"], "the same input gives the same plan");
    let placed: Vec<i64> =
        plan["placed"].as_array().into_iter().flatten().filter_map(|p| p["booking"]["hearing_id"].as_i64()).collect();
    let mut sorted = placed.clone();
    sorted.sort();
    assert_eq!(sorted, ids);
    // child-victim hearings first
    let firsts: Vec<bool> = plan["placed"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| !p["booking"]["sides"].as_array().into_iter().flatten().any(|s| s["side"] == "child"))
        .collect();
    assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "child-victim hearings are planned first: {firsts:?}");
    let unplaced = plan["unplaced"].as_array().cloned().unwrap_or_default();
    assert_eq!(unplaced.len(), 1, "{plan}");
    assert_eq!(unplaced[0]["hearing_id"], recalled);
    assert_eq!(unplaced[0]["why"]["rule"], "child_not_recalled");

    let plan_id = plan["plan_id"].as_i64().unwrap_or_default();
    let (s, part) = app
        .post("/api/plan/accept", Some(&b.court.clerk), json!({"plan_id": plan_id, "hearing_ids": [placed[0]]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{part}");
    assert_eq!(part["booked"].as_array().map(Vec::len), Some(1));
    let (s, whole) = app.post("/api/plan/accept", Some(&b.court.clerk), json!({"plan_id": plan_id})).await;
    assert_eq!(s, StatusCode::OK, "{whole}");
    assert_eq!(whole["booked"].as_array().map(Vec::len), Some(5), "{whole}");
    assert_eq!(whole["refused"][0]["hearing_id"], placed[0], "already booked: {whole}");
    let from = Utc::now().date_naive();
    let v = violations(&app, &b.court, from, from + Duration::days(20)).await;
    assert_eq!((v["bookings"].clone(), v["violations"].clone()), (json!(7), json!([])), "{v}");
    let (_, trail) = app.get("/api/audit?entity=schedule_plan", Some(&b.court.judge)).await;
    assert_eq!(trail["total"], 2);
}

#[tokio::test]
async fn each_courts_refusals_cite_its_own_rule_profile() {
    let app = spawn_app().await;
    let day = next(Weekday::Tue, 3);
    for (profile, hours, video, child_from) in [
        ("pk", "Anti-Rape (Trial Procedure) Rules 2022", "Qanun-e-Shahadat Order 1984 art.164", "09:30"),
        ("in", "POCSO Act 2012 s.33(4)", "POCSO Act 2012 s.36(2)", "10:00"),
        ("uk", "CrimPR 3.9(7)", "YJCEA 1999 s.24", "10:00"),
    ] {
        let b = building_of(&app, false, profile).await;
        let c = case(&app, &b.court, &format!("{profile}-1"), true, 3).await;
        let h = hearing(&app, &b.court, c, "evidence", true, true).await;
        let (s, body) = book(&app, &b.court, h, at(day, "14:00", 60, b.court.judge_id, b.room_video)).await;
        assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
        assert_eq!((body["rule"].as_str(), body["section"].as_str()), (Some("child_friendly_hours"), Some(hours)));
        let (s, body) = book(&app, &b.court, h, at(day, "10:00", 60, b.court.judge_id, b.room_plain)).await;
        assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
        assert_eq!((body["rule"].as_str(), body["section"].as_str()), (Some("video_link_room"), Some(video)));
        if profile == "pk" {
            assert!(!body.to_string().contains("POCSO"), "a pk court cites no POCSO section: {body}");
        }
        // the slot finder explains the early hours by the same section
        let (_, slots) = app
            .get(
                &format!(
                    "/api/hearings/slots?case_id={c}&kind=evidence&child_testifies=true&mode=video_link&from={day}"
                ),
                Some(&b.court.clerk),
            )
            .await;
        let first = slots["slots"][0]["local_start"].as_str().unwrap_or_default().to_string();
        assert_eq!(first, format!("{day} {child_from}"), "{profile}: {slots}");
        let early = slots["ruled_out"].as_array().into_iter().flatten().find(|r| r["rule"] == "child_friendly_hours");
        assert_eq!(early.map(|r| r["section"].clone()), Some(json!(hours)), "{profile}: {slots}");
        // a direct hearing with times meets the same rules as a booking
        let direct = json!({"kind": "evidence", "judge_id": b.judge2, "room_id": b.room_plain, "child_testifies": true,
            "mode": "video_link", "starts_at": karachi(day, "11:00"), "ends_at": karachi(day, "12:00")});
        let c2 = case(&app, &b.court, &format!("{profile}-2"), true, 3).await;
        let (s, body) = app.post(&format!("/api/cases/{c2}/hearings"), Some(&b.court.clerk), direct).await;
        assert_eq!((s, body["section"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(video)), "{body}");
    }
    // uk questions a child for at most ninety minutes; pk for two hours
    let uk = building_of(&app, false, "uk").await;
    let pk = building_of(&app, false, "pk").await;
    for (b, want) in [(&uk, StatusCode::UNPROCESSABLE_ENTITY), (&pk, StatusCode::OK)] {
        let h = hearing(&app, &b.court, case(&app, &b.court, "LONG-1", true, 3).await, "evidence", true, false).await;
        let (s, body) = book(&app, &b.court, h, at(day, "10:00", 120, b.court.judge_id, b.room_plain)).await;
        assert_eq!(s, want, "{body}");
        if s != StatusCode::OK {
            assert_eq!(
                (body["rule"].as_str(), body["section"].as_str()),
                (Some("max_child_sitting"), Some("CrimPR 3.9(7)(b)"))
            );
        }
    }
}

#[tokio::test]
async fn a_hearing_made_with_its_times_meets_every_rule_a_booking_does_and_gets_its_never_meet_plan() {
    // One gate: the same story as the booking path's shared gate, told
    // through POST /api/cases/{id}/hearings.
    let app = spawn_app().await;
    let b = building(&app, true).await;
    let day = next(Weekday::Wed, 3);
    let direct = |judge: i64, room: i64, from: &str, to: &str, child: bool| {
        json!({"kind": "mention", "judge_id": judge, "room_id": room, "child_testifies": child,
               "starts_at": karachi(day, from), "ends_at": karachi(day, to)})
    };
    let adult_case = case(&app, &b.court, "DG-1", false, 3).await;
    let (s, adult) = app
        .post(
            &format!("/api/cases/{adult_case}/hearings"),
            Some(&b.court.clerk),
            direct(b.court.judge_id, b.room_plain, "09:00", "10:00", false),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{adult}");
    assert_eq!(adult["status"], "scheduled");
    assert!(adult["booking"]["sides"].as_array().is_some_and(|s| !s.is_empty()), "{adult}");

    // the child would arrive at 10:00 by the gate the accused leaves through until 10:25
    let child_case = case(&app, &b.court, "DG-2", true, 3).await;
    let path = format!("/api/cases/{child_case}/hearings");
    let before = app.snapshot();
    let (s, body) =
        app.post(&path, Some(&b.court.clerk), direct(b.judge2, b.room_video, "10:30", "11:30", false)).await;
    assert_problem(s, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap_or_default().contains("(never_meet)"), "{body}");
    assert_eq!(app.snapshot(), before, "a refused hearing writes nothing");
    // nor at a time that has passed, nor at a weekend, nor for a child at 14:00
    let mut past = direct(b.judge2, b.room_video, "10:00", "11:00", false);
    past["starts_at"] = json!("2026-01-06T10:00:00+05:00");
    past["ends_at"] = json!("2026-01-06T11:00:00+05:00");
    let (s, body) = app.post(&path, Some(&b.court.clerk), past).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_in_the_past")), "{body}");
    let saturday = next(Weekday::Sat, 3);
    let weekend = json!({"kind": "mention", "judge_id": b.judge2, "room_id": b.room_video,
        "starts_at": karachi(saturday, "10:00"), "ends_at": karachi(saturday, "11:00")});
    let (s, body) = app.post(&path, Some(&b.court.clerk), weekend).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("working_day")), "{body}");
    let (s, body) = app.post(&path, Some(&b.court.clerk), direct(b.judge2, b.room_video, "14:00", "15:00", true)).await;
    assert_eq!((s, body["rule"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("child_friendly_hours")), "{body}");
    assert_eq!(app.snapshot(), before);

    // a time that keeps every rule is booked with each side's own plan
    let (s, made) =
        app.post(&path, Some(&b.court.clerk), direct(b.judge2, b.room_video, "11:30", "12:30", false)).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap_or_default();
    let (s, child) = app.get(&format!("/api/hearings/{id}/arrival-plan?side=child"), Some(&b.court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{child}");
    assert_eq!((child["waiting_area"].as_str(), child["arrive_at"].as_str()), (Some("Children's Room"), Some("11:00")));
    let (s, trail) = app.get(&format!("/api/audit?entity=hearing&entity_id={id}"), Some(&b.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    let actions: Vec<&str> =
        trail["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"create") && actions.contains(&"book"), "{trail}");
    let v = violations(&app, &b.court, day, day).await;
    assert_eq!((v["bookings"].clone(), v["violations"].clone()), (json!(2), json!([])), "{v}");
}
