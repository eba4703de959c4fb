//! The docket at a real court's load (issue 20): the facts it reads are
//! kept in the writes' own transactions and a check finds any that drift;
//! its lines carry codes and figures that match the rules; answers travel
//! compressed, except those that carry a token.

use std::io::Read;
use std::process::Command;

use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Court, TestApp, PASSWORD};
use amaan::domain::{clocks, priority, rules};

const REASONS: &str =
    "The witness was not served through no fault of the prosecution, and a short date keeps the trial on time.";

fn karachi_today() -> NaiveDate {
    amaan::domain::calendar::local_date("Asia/Karachi", Utc::now())
}

/// The `n`-th Monday-to-Friday day after `after`.
fn sitting_day(after: NaiveDate, n: usize) -> NaiveDate {
    let mut day = after;
    let mut left = n;
    while left > 0 {
        day = day + Days::new(1);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// A pk court with a room, waiting areas, and one child case taken
/// cognizance of `cognizance_days_ago`, its hearing booked for the next
/// sitting day and adjourned (asked by the clerk, granted by the judge) to
/// a later one. Returns the court, the case and the new hearing's day.
struct Story {
    app: TestApp,
    court: Court,
    case_id: i64,
    cognizance: NaiveDate,
    child_born: NaiveDate,
    new_day: NaiveDate,
}

async fn adjourned_once() -> Story {
    let app = spawn_app().await;
    let court = app.court("Special Court Sahiwal").await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    app.waiting_areas(&court).await;
    let today = karachi_today();
    let cognizance = today - Days::new(10);
    let child_born = today.with_year(today.year() - 9).unwrap_or(today) - Days::new(30);
    let (s, case) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": "CSA-20/2026", "offence": "s.376 PPC", "cognizance_date": cognizance, "accused_in_custody": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().unwrap();
    for p in [
        json!({"role": "accused", "name": "Accused Person"}),
        json!({"role": "child_witness", "name": "Hina Akram", "date_of_birth": child_born}),
    ] {
        let (s, body) = app.post(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk), p).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let day = sitting_day(today, 1);
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({
                "kind": "evidence", "judge_id": court.judge_id, "room_id": room["id"],
                "starts_at": format!("{day}T10:00:00+05:00"), "ends_at": format!("{day}T11:00:00+05:00"),
                "child_testifies": true,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let new_day = sitting_day(today, 6);
    let (s, asked) = app
        .post(
            &format!("/api/hearings/{}/adjournments", hearing["id"]),
            Some(&court.clerk),
            json!({
                "requested_by": "prosecution", "reason_code": "witness_not_served",
                "details": "Recorded at the bench on the party's oral request.",
                "proposed_starts_at": format!("{new_day}T10:00:00+05:00"),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let (s, granted) = app
        .post(
            &format!("/api/adjournments/{}/decision", asked["id"]),
            Some(&court.judge),
            json!({"decision": "grant", "reasons": REASONS}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    Story { app, court, case_id, cognizance, child_born, new_day }
}

/// `amaan facts check` on the test's database: its exit code and output.
pub(crate) fn facts_check(app: &TestApp) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amaan"))
        .args(["facts", "check"])
        .env("DATABASE_URL", &app.database_url)
        .env("AMAAN_MASTER_KEY", crate::helpers::MASTER_KEY)
        .env_remove("AMAAN_MASTER_KEY_FILE")
        .env("AMAAN_DATA_DIR", app.data_dir.path())
        .env("AMAAN_LOG", "warn")
        .output()
        .expect("amaan runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn the_facts_check_agrees_after_the_api_and_names_a_hearing_edited_behind_its_back() {
    let story = adjourned_once().await;
    let (code, out) = facts_check(&story.app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("facts agree"), "{out}");

    // Someone marks the new hearing adjourned by hand, with no request,
    // no grant and no facts kept.
    diesel::sql_query("UPDATE hearings SET status = 'adjourned' WHERE case_id = $1 AND status = 'scheduled'")
        .bind::<diesel::sql_types::BigInt, _>(story.case_id)
        .execute(&mut story.app.conn())
        .unwrap();
    let (code, out) = facts_check(&story.app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("case {}: adjournments kept 1, recomputed 2", story.case_id)), "{out}");
}

#[tokio::test]
async fn docket_lines_follow_every_write_and_a_line_altered_behind_its_back_is_named() {
    let story = adjourned_once().await;
    let docket_of = |day: NaiveDate| format!("/api/docket?judge_id={}&date={day}", story.court.judge_id);
    let (s, before) = story.app.get(&docket_of(story.new_day), Some(&story.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    assert_eq!(before["items"].as_array().map(Vec::len), Some(1), "{before}");
    assert_eq!(before["items"][0]["hearing"]["room_name"], "Court Room 1");

    // A room renamed, and the custody of the accused changed, by hand: the
    // triggers keep the lines in step with the tables whoever writes them.
    let mut conn = story.app.conn();
    diesel::sql_query("UPDATE court_rooms SET name = 'Court Room 1 (child-friendly)' WHERE court_id = $1")
        .bind::<diesel::sql_types::BigInt, _>(story.court.id)
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("UPDATE cases SET accused_in_custody = false WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(story.case_id)
        .execute(&mut conn)
        .unwrap();
    let (_, after) = story.app.get(&docket_of(story.new_day), Some(&story.court.judge)).await;
    let item = &after["items"][0];
    assert_eq!(item["hearing"]["room_name"], "Court Room 1 (child-friendly)", "{item}");
    assert_eq!(item["case"]["accused_in_custody"], false, "{item}");
    assert!(part(item, "accused_in_custody").is_null(), "no custody points once released: {item}");
    let (code, out) = facts_check(&story.app);
    assert_eq!(code, 0, "{out}");

    // A line itself edited: the docket would show a case as decided (and
    // drop it); the check names the hearing and the case.
    diesel::sql_query("UPDATE docket_lines SET case_status = 'decided' WHERE case_id = $1 AND status = 'scheduled'")
        .bind::<diesel::sql_types::BigInt, _>(story.case_id)
        .execute(&mut conn)
        .unwrap();
    let (_, hidden) = story.app.get(&docket_of(story.new_day), Some(&story.court.judge)).await;
    assert_eq!(hidden["items"].as_array().map(Vec::len), Some(0), "{hidden}");
    let (code, out) = facts_check(&story.app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("case {}: docket line kept hearing", story.case_id)), "{out}");
    assert!(out.contains("a different line"), "{out}");

    // The operator's repair writes the lines again from the tables.
    let rebuilt = Command::new(env!("CARGO_BIN_EXE_amaan"))
        .args(["facts", "rebuild-lines"])
        .env("DATABASE_URL", &story.app.database_url)
        .env("AMAAN_MASTER_KEY", crate::helpers::MASTER_KEY)
        .env_remove("AMAAN_MASTER_KEY_FILE")
        .env("AMAAN_DATA_DIR", story.app.data_dir.path())
        .env("AMAAN_LOG", "warn")
        .output()
        .expect("amaan runs");
    assert!(rebuilt.status.success(), "{}", String::from_utf8_lossy(&rebuilt.stderr));
    let (code, out) = facts_check(&story.app);
    assert_eq!(code, 0, "{out}");
    let (_, back) = story.app.get(&docket_of(story.new_day), Some(&story.court.judge)).await;
    assert_eq!(back["items"].as_array().map(Vec::len), Some(1), "{back}");
}

/// The dockets a node has sent again and written, from its `/metrics`.
async fn docket_answers(app: &TestApp) -> (i64, i64) {
    let (_, metrics) = app.get("/metrics", None).await;
    let text = metrics.as_str().unwrap_or_default().to_string();
    let count = |answer: &str| {
        let label = format!("amaan_docket_answers{{answer=\"{answer}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&label)).and_then(|v| v.trim().parse().ok()).unwrap_or(-1)
    };
    (count("kept"), count("written"))
}

#[tokio::test]
async fn a_kept_docket_is_sent_again_only_until_a_write_on_any_node_changes_it() {
    let story = adjourned_once().await;
    // Two nodes on one database, as behind a load balancer: the judge reads
    // from this one, the clerk writes through the other.
    let other = story.app.spawn_node().await;
    let judge = Some(story.court.judge.as_str());
    let docket = format!("/api/docket?judge_id={}&date={}", story.court.judge_id, story.new_day);
    let (s, first) = story.app.get(&docket, judge).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let (_, again) = story.app.get(&docket, judge).await;
    assert_eq!(again, first, "nothing changed: the same docket");
    let (kept, written) = docket_answers(&story.app).await;
    assert_eq!((kept, written), (1, 1), "the second read was the kept answer");

    // The clerk books a second hearing of the case that day through the
    // other node: the judge's next read on this node lists it.
    let (s, hearing) = other
        .post(
            &format!("/api/cases/{}/hearings", story.case_id),
            Some(&story.court.clerk),
            json!({
                "kind": "arguments", "judge_id": story.court.judge_id, "room_id": first["items"][0]["hearing"]["room_id"],
                "starts_at": format!("{}T14:00:00+05:00", story.new_day),
                "ends_at": format!("{}T14:30:00+05:00", story.new_day),
                "child_testifies": false,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let (_, booked) = story.app.get(&docket, judge).await;
    let ids: Vec<&Value> = booked["items"].as_array().unwrap().iter().map(|i| &i["hearing"]["id"]).collect();
    assert_eq!(ids.len(), 2, "{booked}");
    assert!(ids.contains(&&hearing["id"]), "{booked}");

    // An adjournment marked overridden by hand (no line of the docket
    // changes): the docket shows the override beside the case.
    assert!(booked["items"][0].get("overrides").is_none(), "{booked}");
    diesel::sql_query("UPDATE adjournments SET overridden = true WHERE case_id = $1")
        .bind::<diesel::sql_types::BigInt, _>(story.case_id)
        .execute(&mut story.app.conn())
        .unwrap();
    let (_, overridden) = story.app.get(&docket, judge).await;
    for item in overridden["items"].as_array().unwrap() {
        assert_eq!(item["overrides"].as_array().map(Vec::len), Some(1), "{item}");
    }

    // The clerk, who may see the same names, is sent the same kept answer.
    let (_, clerks) = story.app.get(&docket, Some(&story.court.clerk)).await;
    assert_eq!(clerks["items"], overridden["items"]);
    let (_, judges) = story.app.get(&docket, judge).await;
    assert_eq!(judges, overridden);
    let (kept, written) = docket_answers(&story.app).await;
    assert_eq!((kept, written), (3, 3), "written afresh after each write, kept otherwise");
}

fn part<'a>(item: &'a Value, factor: &str) -> &'a Value {
    item["breakdown"].as_array().unwrap().iter().find(|p| p["factor"] == factor).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_docket_line_carries_figures_that_match_the_current_rules() {
    let story = adjourned_once().await;
    let profile = rules::profile("pk").unwrap();
    let today = karachi_today();
    let (s, docket) = story
        .app
        .get(&format!("/api/docket?judge_id={}&date={}", story.court.judge_id, story.new_day), Some(&story.court.judge))
        .await;
    assert_eq!(s, StatusCode::OK, "{docket}");
    assert_eq!(docket["from"], story.new_day.to_string());
    assert_eq!(docket["to"], story.new_day.to_string());
    let items = docket["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{docket}");
    let item = &items[0];

    // Adjourned once, counted from the kept facts.
    assert_eq!(item["adjournments"], 1);
    let adjourned = part(item, "adjournments");
    assert_eq!(adjourned["count"], 1, "{item}");
    assert_eq!(adjourned["points"], priority::PER_ADJOURNMENT);

    // The child's age against the profile's age of a child, with its section.
    let age = amaan::domain::privacy::age_in_years(story.child_born, today);
    let young = part(item, "youngest_child");
    assert_eq!(young["age"], age);
    assert_eq!(young["under"], profile.child.under_age.value);
    assert_eq!(young["section"], profile.child.under_age.section.as_str());
    assert_eq!(young["points"], i64::from(profile.child.under_age.value - age) * priority::PER_YEAR_YOUNGER);
    assert_eq!(part(item, "child_victim")["points"], priority::CHILD_VICTIM);
    assert_eq!(part(item, "accused_in_custody")["points"], priority::IN_CUSTODY);
    let waiting = part(item, "days_since_cognizance");
    assert_eq!(waiting["days"], 10);
    assert_eq!(waiting["on"], story.cognizance.to_string());

    // Every clock of the profile, by id, with the deadline its rule sets;
    // titles come once, in both languages.
    let facts = clocks::CaseFacts::new(story.cognizance, true, true);
    let want = clocks::case_clocks(profile, &facts, today);
    let got = item["clocks"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{item}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["id"], w.id.as_str());
        assert_eq!(g["deadline"], w.deadline.to_string());
        assert_eq!(g["days_left"], w.days_left);
        assert_eq!(g["state"], "running");
        assert!(g.get("title").is_none(), "a line names its clock by id only: {g}");
        let title = docket["clock_titles"].as_array().unwrap().iter().find(|t| t["id"] == w.id.as_str()).unwrap();
        assert_eq!(title["title"], w.title.as_str());
        assert!(title["title_ur"].as_str().is_some_and(|t| !t.is_empty() && !t.is_ascii()), "{title}");
    }
    let nearest = part(item, "nearest_deadline");
    let near = clocks::nearest_running(&want).unwrap();
    assert_eq!(nearest["clock"], near.id.as_str());
    assert_eq!(nearest["days"], near.days_left);
    let score: i64 = item["breakdown"].as_array().unwrap().iter().map(|p| p["points"].as_i64().unwrap()).sum();
    assert_eq!(item["score"], score);

    // Codes and figures, no sentences.
    let text = item.to_string();
    for prose in ["\"reason\"", "local_start", "appearances", "breach_duty"] {
        assert!(!text.contains(prose), "{prose} in {text}");
    }
}

/// A GET with `Accept-Encoding`; the status, the encoding and the raw body.
async fn fetch(app: &TestApp, path: &str, token: Option<&str>, accept: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut req = app.client.get(format!("{}{path}", app.address)).header("accept-encoding", accept);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let enc = resp.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(String::from);
    (resp.status(), enc, resp.bytes().await.unwrap().to_vec())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn a_compressed_docket_decompresses_to_the_same_json() {
    let story = adjourned_once().await;
    let path = format!("/api/docket?judge_id={}&from={}&to={}", story.court.judge_id, karachi_today(), story.new_day);
    let token = Some(story.court.judge.as_str());
    let (s, enc, plain) = fetch(&story.app, &path, token, "identity").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(enc, None);
    let plain: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(plain["items"].as_array().map(Vec::len), Some(1), "{plain}");

    let (s, enc, gz) = fetch(&story.app, &path, token, "gzip").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(enc.as_deref(), Some("gzip"));
    assert_eq!(serde_json::from_slice::<Value>(&gunzip(&gz)).unwrap(), plain);

    let (s, enc, br) = fetch(&story.app, &path, token, "br").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(enc.as_deref(), Some("br"));
    assert_eq!(serde_json::from_slice::<Value>(&unbrotli(&br)).unwrap(), plain);
}

#[tokio::test]
async fn a_login_answer_carrying_a_token_is_never_compressed() {
    let app = spawn_app().await;
    let court = app.court("Special Court Okara").await;
    let resp = app
        .client
        .post(format!("{}/api/auth/login", app.address))
        .header("accept-encoding", "gzip, br")
        .json(&json!({"username": format!("c{}-clerk", court.id), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let enc = resp.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(String::from);
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(matches!(enc.as_deref(), None | Some("identity")), "{enc:?}");
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(body["token"].as_str().is_some_and(|t| t.len() > 20), "{body}");
}

#[tokio::test]
async fn the_pages_files_travel_compressed_with_validators_and_a_cache_policy() {
    let app = spawn_app().await;
    let url = format!("{}/js/core/strings.js", app.address);
    let resp = app.client.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(h.get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    assert_eq!(h.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-cache"));
    assert!(h.get("last-modified").is_some());
    let etag = h.get("etag").and_then(|v| v.to_str().ok()).unwrap().to_string();
    let text = gunzip(&resp.bytes().await.unwrap());
    let on_disk =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/js/core/strings.js")).unwrap();
    assert_eq!(text, on_disk);

    // The browser asks again with the validator: nothing crosses the link.
    let again = app.client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let favicon = app.client.get(format!("{}/favicon.svg", app.address)).send().await.unwrap();
    assert_eq!(favicon.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("public, max-age=604800"));
}
