//! The priority docket, the child-cases list, the acronym cause list and
//! escalations, told as the stories of a pk (Asia/Karachi) court.

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Court, TestApp};
use amaan::domain::roles::StaffRole;

fn karachi_today() -> NaiveDate {
    amaan::domain::calendar::local_date("Asia/Karachi", Utc::now())
}

fn years_ago(today: NaiveDate, years: u32, extra_days: i64) -> NaiveDate {
    today.checked_sub_months(Months::new(years * 12)).unwrap() - Duration::days(extra_days)
}

async fn room(app: &TestApp, court: &Court, name: &str) -> i64 {
    let (s, body) = app
        .post(&format!("/api/courts/{}/rooms", court.id), Some(&court.admin), json!({"name": name, "video_link": true}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// A case registered by the clerk; with a child witness when `child` names one.
async fn case(
    app: &TestApp,
    court: &Court,
    number: &str,
    cognizance: NaiveDate,
    child: Option<(&str, NaiveDate)>,
) -> i64 {
    let (s, body) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": number, "offence": "s.376 PPC", "cognizance_date": cognizance, "accused_in_custody": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let mut parties = vec![json!({"role": "accused", "name": format!("Accused of {number}")})];
    if let Some((name, dob)) = child {
        parties.push(json!({"role": "child_witness", "name": name, "date_of_birth": dob}));
        // Named for the case, not the child: a guardian's name holding the
        // child's whole name is refused like any free text (issue 15).
        parties.push(json!({"role": "guardian", "name": format!("Guardian of {number}")}));
    }
    for p in parties {
        let (s, body) = app.post(&format!("/api/cases/{id}/parties"), Some(&court.clerk), p).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    id
}

/// A 45-minute hearing at `hour`:00 Karachi time on `day`, at which the
/// child testifies by video link. Written to the store: the docket lists
/// what is there, and these stories need hearings the scheduler would not
/// book today (in the past, on whatever weekday tomorrow is, after the
/// child-friendly hours).
async fn hearing(
    app: &TestApp,
    _court: &Court,
    case_id: i64,
    judge_id: i64,
    room_id: i64,
    day: NaiveDate,
    hour: u32,
) -> i64 {
    let starts = day.and_hms_opt(hour, 0, 0).unwrap() - Duration::hours(5);
    app.seed_hearing(&amaan::db::hearings::NewHearing {
        case_id,
        kind: "evidence".into(),
        judge_id: Some(judge_id),
        room_id: Some(room_id),
        starts_at: Some(starts),
        ends_at: Some(starts + Duration::minutes(45)),
        child_testifies: true,
        mode: "video_link".into(),
        status: "scheduled".into(),
        created_at: Utc::now().naive_utc(),
    })
}

/// Adjourned as a court adjourns: the clerk records `by`'s request, the
/// judge grants it to 10:00 on `to`. The case's facts count it. Returns
/// the new hearing.
async fn adjourn(app: &TestApp, court: &Court, hearing_id: i64, by: &str, to: NaiveDate) -> i64 {
    let (s, asked) = app
        .post(
            &format!("/api/hearings/{hearing_id}/adjournments"),
            Some(&court.clerk),
            json!({
                "requested_by": by, "reason_code": "witness_not_served",
                "details": "Recorded at the bench on the party's oral request.",
                "proposed_starts_at": format!("{to}T10:00:00+05:00"),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let reasons =
        "The witness was not served through no fault of the prosecution, and a short date keeps the trial on time.";
    let (s, granted) = app
        .post(
            &format!("/api/adjournments/{}/decision", asked["id"]),
            Some(&court.judge),
            json!({"decision": "grant", "reasons": reasons}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    granted["new_hearing"]["id"].as_i64().unwrap()
}

/// The `n`-th Monday-to-Friday day after `after`.
fn sitting_day(after: NaiveDate, n: usize) -> NaiveDate {
    let mut day = after;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

fn numbers(items: &Value, path: &[&str]) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| path.iter().fold(i, |v, k| &v[*k]).as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_docket_puts_a_broken_clock_first_then_the_youngest_child_nearest_its_deadline() {
    let app = spawn_app().await;
    let court = app.court("Special Court Lahore").await;
    let other_judge = app.add_user("second-judge", StaffRole::Judge, Some(court.id));
    let r1 = room(&app, &court, "Court Room 1").await;
    let today = karachi_today();
    let tomorrow = today + Duration::days(1);

    // pk: the 2016 Act's three months run from cognizance.
    let adult = case(&app, &court, "ADULT-1", today - Duration::days(40), None).await;
    let older_child =
        case(&app, &court, "CHILD-15", today - Duration::days(80), Some(("Hamid Older", years_ago(today, 15, 20))))
            .await;
    let young_child =
        case(&app, &court, "CHILD-7", today - Duration::days(80), Some(("Iqra Younger", years_ago(today, 7, 20))))
            .await;
    let broken =
        case(&app, &court, "BROKEN-12", today - Duration::days(100), Some(("Bilal Broken", years_ago(today, 12, 20))))
            .await;

    // The older child's case was adjourned twice: a hearing of 20 days ago
    // at the prosecution's request, then its successor at the defence's,
    // each time to a date the clock allows.
    app.waiting_areas(&court).await;
    let h = hearing(&app, &court, older_child, court.judge_id, r1, today - Duration::days(20), 10).await;
    let h = adjourn(&app, &court, h, "prosecution", sitting_day(today, 3)).await;
    adjourn(&app, &court, h, "defence", sitting_day(today, 4)).await;
    // Listed earliest-first in the opposite of priority order.
    hearing(&app, &court, adult, court.judge_id, r1, tomorrow, 9).await;
    hearing(&app, &court, older_child, court.judge_id, r1, tomorrow, 10).await;
    hearing(&app, &court, young_child, court.judge_id, r1, tomorrow, 11).await;
    hearing(&app, &court, broken, court.judge_id, r1, tomorrow, 13).await;
    // Outside the range, and another judge's: not on this docket.
    hearing(&app, &court, young_child, court.judge_id, r1, today + Duration::days(9), 10).await;
    hearing(&app, &court, adult, other_judge, r1, tomorrow, 15).await;

    let path = format!("/api/docket?judge_id={}&from={tomorrow}&to={tomorrow}", court.judge_id);
    let (s, body) = app.get(&path, Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = &body["items"];
    assert_eq!(numbers(items, &["case", "number"]), vec!["BROKEN-12", "CHILD-7", "CHILD-15", "ADULT-1"], "{body}");

    let scores: Vec<i64> = items.as_array().unwrap().iter().map(|i| i["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let first = &items[0];
    assert_eq!(first["breakdown"][0]["factor"], "broken_clock", "{first}");
    assert!(first["breakdown"][0]["days"].as_i64().unwrap() > 0, "{first}");
    assert!(first["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["state"] == "broken" && c["days_left"].as_i64().unwrap() < 0));
    let young = &items[1];
    assert_eq!(young["children"][0]["pseudonym"], "Child A");
    assert_eq!(young["children"][0]["age"], 7);
    assert_eq!(young["children"][0]["name"], "Iqra Younger", "a clerk may see the child's name");
    let clock = young["clocks"].as_array().unwrap().iter().find(|c| c["id"] == "rape2016_trial_three_months").unwrap();
    assert!((5..=15).contains(&clock["days_left"].as_i64().unwrap()), "{clock}");
    assert_eq!(items[2]["adjournments"], 2);
    assert_eq!(items[3]["child_victim"], false);

    // The judge sees the same docket without naming themself.
    let (s, own) = app.get(&format!("/api/docket?from={tomorrow}&to={tomorrow}"), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{own}");
    assert_eq!(numbers(&own["items"], &["case", "number"]), numbers(items, &["case", "number"]));
}

#[tokio::test]
async fn child_cases_lists_every_open_child_case_by_deadline_even_with_nothing_listed() {
    let app = spawn_app().await;
    let court = app.court("Special Court Multan").await;
    let r1 = room(&app, &court, "Court Room 1").await;
    let today = karachi_today();

    let listed =
        case(&app, &court, "LISTED", today - Duration::days(60), Some(("Sara Listed", years_ago(today, 9, 0)))).await;
    let unlisted =
        case(&app, &court, "UNLISTED", today - Duration::days(85), Some(("Omar Unlisted", years_ago(today, 10, 0))))
            .await;
    let broken =
        case(&app, &court, "BROKEN", today - Duration::days(100), Some(("Nida Broken", years_ago(today, 13, 0)))).await;
    case(&app, &court, "ADULT", today - Duration::days(100), None).await;
    let disposed =
        case(&app, &court, "DISPOSED", today - Duration::days(95), Some(("Ali Disposed", years_ago(today, 8, 0))))
            .await;
    for step in [json!({"stage": "decided", "decision": "transferred"}), json!({"stage": "disposed"})] {
        let (s, body) = app.post(&format!("/api/cases/{disposed}/course"), Some(&court.judge), step).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    hearing(&app, &court, listed, court.judge_id, r1, today + Duration::days(3), 10).await;
    let _ = (unlisted, broken);

    let (s, body) = app.get(&format!("/api/courts/{}/child-cases", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = &body["items"];
    assert_eq!(numbers(items, &["case", "number"]), vec!["BROKEN", "UNLISTED", "LISTED"], "{body}");
    // Figures, not prose: the page says "nothing listed, N days left" in
    // the reader's language.
    assert!(items[1]["next_hearing"].is_null() && items[1]["days_to_deadline"].as_i64().unwrap() > 0, "{}", items[1]);
    assert!(items[2]["next_hearing"]["starts_at"].is_string(), "{}", items[2]);
    assert!(items[0]["days_to_deadline"].as_i64().unwrap() < 0);
    assert!(items.as_array().unwrap().iter().all(|i| i.get("status_line").is_none()), "{body}");

    // The broken three-month clock goes up to the Chief Justice: the judge
    // and the court's administrator see it, by pseudonym only.
    for token in [&court.judge, &court.admin] {
        let (s, body) = app.get(&format!("/api/courts/{}/escalations", court.id), Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        let numbers: Vec<&str> = items.iter().map(|i| i["case_number"].as_str().unwrap()).collect();
        assert!(numbers.contains(&"BROKEN") && numbers.contains(&"ADULT"), "{body}");
        assert!(!numbers.contains(&"DISPOSED") && !numbers.contains(&"LISTED"), "{body}");
        assert!(items.iter().all(|i| i["escalate_to"] == "Chief Justice of the High Court"));
        assert!(!body.to_string().contains("Nida Broken"));
    }
}

#[tokio::test]
async fn the_cause_list_names_no_child_and_no_party() {
    let app = spawn_app().await;
    let court = app.court("Special Court Karachi").await;
    let r1 = room(&app, &court, "Court Room 1").await;
    let today = karachi_today();
    let day = today + Duration::days(2);
    let child_case = case(
        &app,
        &court,
        "CSA-77/2026",
        today - Duration::days(30),
        Some(("Zarmeena Qudsia", NaiveDate::from_ymd_opt(2017, 3, 9).unwrap())),
    )
    .await;
    let adult_case = case(&app, &court, "SA-12/2026", today - Duration::days(30), None).await;
    hearing(&app, &court, adult_case, court.judge_id, r1, day, 9).await;
    hearing(&app, &court, child_case, court.judge_id, r1, day, 11).await;
    hearing(&app, &court, child_case, court.judge_id, r1, day + Duration::days(1), 11).await;

    for token in [&court.clerk, &court.judge, &court.support, &court.admin] {
        let (s, body) = app.get(&format!("/api/courts/{}/cause-list?date={day}", court.id), Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let text = TestApp::text_of(&body);
        for secret in ["Zarmeena", "Qudsia", "2017-03-09", "Accused of", "Guardian of"] {
            assert!(!text.contains(secret), "the cause list leaked `{secret}`: {text}");
        }
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{body}");
        assert_eq!(items[0]["case_number"], "CSA-77/2026", "the child's case is listed first");
        assert_eq!(items[0]["children"], json!(["Child A"]));
        assert_eq!(items[0]["in_camera"], true, "a child's case is heard in camera under the pk profile");
        assert_eq!(items[1]["in_camera"], false);
        assert_eq!(items[0]["local_time"], "11:00");
        assert_eq!(items[1]["children"], json!([]));
    }
}

#[tokio::test]
async fn only_the_courts_judges_and_clerks_read_dockets_and_child_cases() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let other = app.court("Court B").await;
    let today = karachi_today();
    let docket = format!("/api/docket?judge_id={}&from={today}&to={today}", court.judge_id);

    for token in [&court.support, &court.admin, &app.admin_token] {
        let (s, body) = app.get(&docket, Some(token)).await;
        assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
        let (s, body) = app.get(&format!("/api/courts/{}/child-cases", court.id), Some(token)).await;
        assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (s, body) = app.get(&docket, None).await;
    assert_problem(s, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    // Another court's judge is not found, not merely refused.
    for token in [&other.clerk, &other.judge] {
        let (s, body) = app.get(&docket, Some(token)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
        for list in ["child-cases", "cause-list", "escalations"] {
            let (s, body) = app.get(&format!("/api/courts/{}/{list}", court.id), Some(token)).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{list}: {body}");
        }
    }
    // A clerk must say whose docket; a clerk's id is no judge.
    let (s, body) = app.get("/api/docket", Some(&court.clerk)).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (s, body) = app.get(&format!("/api/docket?judge_id={}", court.clerk_id), Some(&court.clerk)).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
    let (s, body) = app
        .get(
            &format!("/api/docket?judge_id={}&from={today}&to={}", court.judge_id, today + Duration::days(90)),
            Some(&court.clerk),
        )
        .await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    // Escalations are for the judge and the court administrator, not clerks.
    let (s, body) = app.get(&format!("/api/courts/{}/escalations", court.id), Some(&court.clerk)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (s, body) = app.get(&format!("/api/courts/{}/cause-list", court.id), None).await;
    assert_problem(s, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}
