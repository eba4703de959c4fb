//! What happened at each hearing: the judge (or the clerk for the judge)
//! records it; the child's appearances, the case's course and the clocks
//! they stop follow from it. Told as the stories of an `in` (POCSO) and a
//! `pk` court, both sitting in Karachi's time zone.

use chrono::{Days, Duration, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, karachi, next_weekday, spawn_app, today, Court, TestApp};

const CHILD: &str = "Zainab Qamar";

struct Sitting {
    app: TestApp,
    court: Court,
    room_id: i64,
}

fn clock<'a>(clocks: &'a Value, id: &str) -> &'a Value {
    clocks
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no clock {id}: {clocks}"))
}

impl Sitting {
    async fn open(profile: &str) -> Sitting {
        let app = spawn_app().await;
        let court = app.court_of(&format!("Special Court ({profile})"), profile).await;
        let (s, room) = app
            .post(
                &format!("/api/courts/{}/rooms", court.id),
                Some(&court.admin),
                json!({"name": "Court Room 1", "video_link": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{room}");
        app.waiting_areas(&court).await;
        Sitting { room_id: room["id"].as_i64().unwrap(), app, court }
    }

    /// A case taken cognizance of `days_ago`, with a child witness named
    /// `CHILD` unless `adult`.
    async fn case(&self, number: &str, days_ago: u64, child: bool, custody: bool) -> i64 {
        let (s, body) = self
            .app
            .post(
                "/api/cases",
                Some(&self.court.clerk),
                json!({"number": number, "offence": "s.4 POCSO", "cognizance_date": today() - Days::new(days_ago), "accused_in_custody": custody}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let mut parties = vec![json!({"role": "accused", "name": "Accused Person"})];
        if child {
            parties.push(json!({"role": "child_witness", "name": CHILD, "date_of_birth": "2016-05-04"}));
        }
        for p in parties {
            let (s, body) = self.app.post(&format!("/api/cases/{id}/parties"), Some(&self.court.clerk), p).await;
            assert_eq!(s, StatusCode::CREATED, "{body}");
        }
        id
    }

    /// An hour's hearing at 10:00 Karachi time on `day`, written to the
    /// store as listed: the stories need hearings that already took place.
    fn hearing(&self, case_id: i64, day: NaiveDate, child_testifies: bool) -> i64 {
        let starts = day.and_hms_opt(10, 0, 0).unwrap() - Duration::hours(5);
        self.app.seed_hearing(&amaan::db::hearings::NewHearing {
            case_id,
            kind: "evidence".into(),
            judge_id: Some(self.court.judge_id),
            room_id: Some(self.room_id),
            starts_at: Some(starts),
            ends_at: Some(starts + Duration::hours(1)),
            child_testifies,
            mode: "video_link".into(),
            status: "scheduled".into(),
            created_at: Utc::now().naive_utc(),
        })
    }

    async fn outcome(&self, token: &str, hearing_id: i64, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/api/hearings/{hearing_id}/outcome"), Some(token), body).await
    }

    async fn course(&self, case_id: i64) -> Value {
        let (s, body) = self.app.get(&format!("/api/cases/{case_id}/course"), Some(&self.court.judge)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body
    }

    async fn docket(&self, day: NaiveDate) -> Value {
        let path = format!("/api/docket?judge_id={}&from={day}&to={day}", self.court.judge_id);
        let (s, body) = self.app.get(&path, Some(&self.court.clerk)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body
    }

    async fn audit(&self, entity: &str, id: i64) -> Vec<Value> {
        let path = format!("/api/audit?entity={entity}&entity_id={id}&per_page=100");
        let (s, body) = self.app.get(&path, Some(&self.court.judge)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body["items"].as_array().cloned().unwrap_or_default()
    }
}

fn yesterday() -> NaiveDate {
    today() - Days::new(1)
}

#[tokio::test]
async fn in_a_childs_evidence_recorded_in_full_within_30_days_meets_pocso_s35_1() {
    let s = Sitting::open("in").await;
    let on_time = s.case("POCSO-1", 10, true, false).await;
    let late = s.case("POCSO-2", 40, true, false).await;
    let h1 = s.hearing(on_time, yesterday(), true);
    let h2 = s.hearing(late, yesterday(), true);

    // Before anything is recorded: the first clock runs, the second is broken.
    let course = s.course(on_time).await;
    assert_eq!(clock(&course["clocks"], "pocso_s35_1_child_evidence")["state"], "running", "{course}");
    let course = s.course(late).await;
    assert_eq!(clock(&course["clocks"], "pocso_s35_1_child_evidence")["state"], "broken", "{course}");

    let full =
        json!({"kind": "held", "child_evidence": "full", "proceedings": ["examination_in_chief", "cross_examination"]});
    let (st, body) = s.outcome(&s.court.judge, h1, full.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["hearing"]["status"], "held");
    assert_eq!(body["outcome"]["child_evidence"], "full");
    assert_eq!(body["appearances"][0]["pseudonym"], "Child A");
    assert_eq!(body["appearances"][0]["mode"], "video_link");
    let c = clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence");
    assert_eq!(c["state"], "met", "{body}");
    assert_eq!(c["section"], "POCSO Act 2012 s.35(1)");
    assert_eq!(body["course"]["stage"], "evidence", "evidence taken moves the case to evidence: {body}");
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, testified once");
    assert_eq!(body["course"]["facts"]["child_evidence_on"], yesterday().to_string());
    assert_eq!(body["course"]["facts"]["trial_started_on"], yesterday().to_string());

    let (st, body) = s.outcome(&s.court.judge, h2, full).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence")["state"], "met_late", "{body}");

    // The case page and the docket read the same from the case's facts.
    let (st, page) = s.app.get(&format!("/api/cases/{on_time}"), Some(&s.court.clerk)).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(page["appearances"][0], "Child A: brought once, testified once");
    assert_eq!(page["status"], "evidence");
    let docket = s.docket(yesterday()).await;
    let item = docket["items"].as_array().unwrap().iter().find(|i| i["case"]["id"] == on_time).unwrap();
    assert_eq!(clock(&item["clocks"], "pocso_s35_1_child_evidence")["state"], "met", "{item}");
    assert_eq!(item["hearing"]["outcome"]["kind"], "held");
    // The docket sends the figures; the page words them.
    assert_eq!((&item["children"][0]["brought"], &item["children"][0]["testified"]), (&json!(1), &json!(1)));
    assert_eq!(item["children"][0]["name"], CHILD, "a clerk may see the child's name");
    // The posted list says the hearing was held, not what the child said.
    let (st, list) =
        s.app.get(&format!("/api/courts/{}/cause-list?date={}", s.court.id, yesterday()), Some(&s.court.clerk)).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let line = list["items"].as_array().unwrap().iter().find(|l| l["case_number"] == "POCSO-1").unwrap();
    assert_eq!(line["outcome"]["kind"], "held", "{line}");
    assert!(line["outcome"]["child_evidence"].is_null(), "{line}");

    // Part evidence does not stop the clock: it continues, with its reason.
    let third = s.case("POCSO-3", 12, true, false).await;
    let h3 = s.hearing(third, yesterday(), true);
    let part = json!({"kind": "held", "child_evidence": "part", "continues_because": "Child A tired after an hour; the court rose."});
    let (st, body) = s.outcome(&s.court.judge, h3, part).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence")["state"], "running", "{body}");
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, testified once");
}

#[tokio::test]
async fn not_held_because_the_accused_was_not_produced_counts_against_custody_not_the_child() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-7", 20, true, true).await;
    let h = s.hearing(case, yesterday(), true);

    // The child was listed: whether the child was brought must be said.
    let (st, body) =
        s.outcome(&s.court.judge, h, json!({"kind": "not_held", "reason_code": "accused_not_produced"})).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(body["field"], "child_brought");

    let (st, body) = s
        .outcome(
            &s.court.judge,
            h,
            json!({"kind": "not_held", "reason_code": "accused_not_produced", "child_brought": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let o = &body["outcome"];
    assert_eq!(o["kind"], "not_held");
    assert_eq!(o["caused_by"], "state_custody", "{o}");
    assert_eq!(o["reason"]["label"], "The accused was not produced from custody");
    assert!(o["reason"]["label_ur"].as_str().is_some_and(|l| !l.is_empty()));
    assert_eq!(body["hearing"]["status"], "not_held");
    // The child came for nothing: an appearance without evidence, and the
    // s.35(1) clock still runs.
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, not yet heard", "{body}");
    assert_eq!(clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence")["state"], "running");
    assert_eq!(body["course"]["stage"], "open");
    // The day's list says what became of the hearing.
    let (st, list) =
        s.app.get(&format!("/api/courts/{}/cause-list?date={}", s.court.id, yesterday()), Some(&s.court.clerk)).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["outcome"]["kind"], "not_held", "{list}");
    assert_eq!(list["items"][0]["outcome"]["caused_by"], "state_custody");
    assert!(!list.to_string().contains(CHILD));
    // The figures of delay count it against custody, and the child's trip.
    let (st, f) = s.app.get(&format!("/api/courts/{}/figures", s.court.id), Some(&s.court.judge)).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(f["not_held"]["by_cause"], json!({"state_custody": 1}), "{f}");
    assert_eq!(f["not_held"]["by_reason"]["accused_not_produced"], 1);
    assert_eq!(f["appearances"]["without_evidence"], 1);
}

#[tokio::test]
async fn a_decided_and_disposed_case_leaves_the_docket_the_child_cases_and_the_escalations() {
    let s = Sitting::open("pk").await;
    // pk: the 2016 Act's three months broke ten days ago; the Chief Justice
    // is to be told.
    let case = s.case("ATA-9", 100, true, true).await;
    let held = s.hearing(case, yesterday(), true);
    let tomorrow = today() + Days::new(1);
    let next = s.hearing(case, tomorrow, false);
    let (st, body) = s.app.get(&format!("/api/courts/{}/escalations", s.court.id), Some(&s.court.judge)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(s.docket(tomorrow).await["items"].as_array().map(Vec::len), Some(1));

    let (st, body) = s
        .outcome(
            &s.court.judge,
            held,
            json!({"kind": "held", "child_evidence": "full", "proceedings": ["arguments_heard", "judgment_reserved"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["course"]["stage"], "judgment_reserved", "{body}");

    // Disposal comes only after the decision.
    let course = format!("/api/cases/{case}/course");
    let (st, body) = s.app.post(&course, Some(&s.court.judge), json!({"stage": "disposed"})).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (st, body) =
        s.app.post(&course, Some(&s.court.judge), json!({"stage": "decided", "decision": "convicted"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["stage"], "decided");
    assert_eq!(body["facts"]["decided_on"], today().to_string());
    assert_eq!(clock(&body["clocks"], "rape2016_trial_three_months")["state"], "met_late", "{body}");
    assert_eq!(clock(&body["clocks"], "ar2021_s16_decision")["state"], "met", "{body}");
    let (st, body) = s.app.post(&course, Some(&s.court.judge), json!({"stage": "disposed"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["pending"], false);

    assert_eq!(s.docket(tomorrow).await["items"].as_array().map(Vec::len), Some(0), "it left the docket");
    let (_, body) = s.app.get(&format!("/api/courts/{}/escalations", s.court.id), Some(&s.court.judge)).await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "and the escalations: {body}");
    let (_, body) = s.app.get(&format!("/api/courts/{}/child-cases", s.court.id), Some(&s.court.clerk)).await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "and the child cases: {body}");
    // What was still listed is cancelled; its history stays readable.
    let (_, h) = s.app.get(&format!("/api/hearings/{next}"), Some(&s.court.clerk)).await;
    assert_eq!(h["status"], "cancelled");
    let history = s.course(case).await;
    let stages: Vec<&str> = history["steps"].as_array().unwrap().iter().filter_map(|s| s["stage"].as_str()).collect();
    assert_eq!(stages, ["judgment_reserved", "decided", "disposed"], "{history}");
    assert_eq!(history["steps"][1]["decision"], "convicted");
    let trail = s.audit("case", case).await;
    assert!(trail.iter().any(|e| e["action"] == "decide"), "{trail:?}");
}

#[tokio::test]
async fn an_outcome_for_a_hearing_not_yet_begun_or_of_another_court_is_refused_and_nothing_is_written() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-11", 5, true, false).await;
    let future = s.hearing(case, next_weekday(today(), Weekday::Wed), true);
    let past = s.hearing(case, yesterday(), true);
    let other = s.app.court_of("Another Special Court", "in").await;
    let held = json!({"kind": "held", "child_evidence": "full"});
    s.app.add_user("second-judge", amaan::domain::roles::StaffRole::Judge, Some(s.court.id));
    let token = s.app.login("second-judge", crate::helpers::PASSWORD).await;

    let before = s.app.snapshot();
    let (st, body) = s.outcome(&s.court.judge, future, held.clone()).await;
    assert_problem(st, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("not begun"), "{body}");
    for token in [&other.judge, &other.clerk] {
        let (st, body) = s.outcome(token, past, held.clone()).await;
        assert_problem(st, &body, StatusCode::NOT_FOUND, "not-found");
        let (st, body) = s.app.get(&format!("/api/hearings/{past}/outcome"), Some(token)).await;
        assert_problem(st, &body, StatusCode::NOT_FOUND, "not-found");
    }
    // A support officer does not record outcomes; a judge who did not sit
    // does not either.
    let (st, body) = s.outcome(&s.court.support, past, held.clone()).await;
    assert_problem(st, &body, StatusCode::FORBIDDEN, "forbidden");
    let (st, body) = s.outcome(&token, past, held.clone()).await;
    assert_problem(st, &body, StatusCode::FORBIDDEN, "forbidden");
    // Bad reports, each naming its field.
    for (body, field) in [
        (json!({"proceedings": ["arguments_heard"]}), "kind"),
        (json!({"kind": "adjourned"}), "kind"),
        (json!({"kind": "not_held"}), "reason_code"),
        (json!({"kind": "not_held", "reason_code": "rain", "child_brought": false}), "reason_code"),
        (json!({"kind": "not_held", "reason_code": "other", "child_brought": false}), "details"),
        (json!({"kind": "held", "child_evidence": "part"}), "continues_because"),
        (json!({"kind": "held", "child_evidence": "full", "details": "Zainab answered every question."}), "details"),
        (json!({"kind": "held", "child_evidence": "full", "children": [999999]}), "children"),
        (json!({"kind": "held", "child_evidence": "full", "correction_reason": "Typo."}), "correction_reason"),
        (json!({"kind": "held", "child_evidence": "full", "details": "a\u{0}b"}), "details"),
    ] {
        let (st, problem) = s.outcome(&s.court.judge, past, body.clone()).await;
        assert_problem(st, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["field"], field, "{body} -> {problem}");
    }
    assert_eq!(s.app.snapshot(), before, "nothing was written");
    assert!(!s.audit("hearing", past).await.iter().any(|e| e.to_string().contains("Zainab")));
}

#[tokio::test]
async fn a_correction_keeps_the_first_record_and_is_audited_with_its_reason() {
    let s = Sitting::open("pk").await;
    let case = s.case("ATA-3", 20, true, false).await;
    let h = s.hearing(case, yesterday(), true);
    let (st, first) = s
        .outcome(
            &s.court.clerk,
            h,
            json!({"kind": "not_held", "reason_code": "defence_counsel_absent", "child_brought": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    assert_eq!(first["outcome"]["on_behalf_of"], s.court.judge_id, "the clerk records for the judge");
    assert_eq!(first["outcome"]["recorded_by"], s.court.clerk_id);
    let first_id = first["outcome"]["id"].as_i64().unwrap();

    let corrected = json!({"kind": "held", "child_evidence": "full", "proceedings": ["cross_examination"]});
    let before = s.app.snapshot();
    let (st, body) = s.outcome(&s.court.judge, h, corrected.clone()).await;
    assert_problem(st, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("correction_reason"), "{body}");
    assert_eq!(s.app.snapshot(), before);

    let mut with_reason = corrected;
    with_reason["correction_reason"] =
        json!("Recorded against the wrong case; counsel was present and Child A testified.");
    let (st, body) = s.outcome(&s.court.judge, h, with_reason).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let history = body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{body}");
    assert_eq!(history[0]["id"], first_id);
    assert_eq!(history[0]["current"], false);
    assert_eq!(history[0]["reason"]["code"], "defence_counsel_absent", "the first record is kept as it was");
    assert_eq!(history[0]["superseded_by"], history[1]["id"]);
    assert_eq!(history[1]["corrects"], first_id);
    assert_eq!(body["outcome"]["id"], history[1]["id"]);
    assert_eq!(body["hearing"]["status"], "held");
    assert_eq!(
        body["course"]["children"][0]["line"], "Child A: brought once, testified once",
        "one appearance per hearing"
    );

    let (st, read) = s.app.get(&format!("/api/hearings/{h}/outcome"), Some(&s.court.support)).await;
    assert_eq!(st, StatusCode::OK, "{read}");
    assert_eq!(read["history"].as_array().map(Vec::len), Some(2));

    let trail = s.audit("hearing_outcome", history[1]["id"].as_i64().unwrap()).await;
    let correction = trail.iter().find(|e| e["action"] == "correct").expect("the correction is audited");
    assert!(correction["reason"].as_str().unwrap().contains("wrong case"), "{correction}");
    assert!(correction["before_state"].as_str().unwrap().contains("defence_counsel_absent"), "{correction}");
    let recorded = s.audit("hearing_outcome", first_id).await;
    let by_clerk = recorded.iter().find(|e| e["action"] == "record").expect("the first record is audited");
    assert_eq!(by_clerk["actor_id"], s.court.clerk_id, "the clerk is named");
    assert!(by_clerk["after_state"].as_str().unwrap().contains(&format!("\"on_behalf_of\":{}", s.court.judge_id)));
    assert!(!trail.iter().chain(&recorded).any(|e| e.to_string().contains("Zainab")), "no child's name in the trail");
}

#[tokio::test]
async fn in_a_child_heard_in_full_is_not_booked_again_without_a_reason_pocso_s33_5() {
    let s = Sitting::open("in").await;
    let heard = s.case("POCSO-21", 15, true, false).await;
    let sent_home = s.case("POCSO-22", 15, true, false).await;
    let h1 = s.hearing(heard, yesterday(), true);
    let h2 = s.hearing(sent_home, yesterday(), true);
    let (st, body) = s.outcome(&s.court.judge, h1, json!({"kind": "held", "child_evidence": "full"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = s
        .outcome(
            &s.court.judge,
            h2,
            json!({"kind": "not_held", "reason_code": "video_link_failed", "child_brought": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    let listing = |day: NaiveDate| {
        json!({
            "kind": "cross_examination", "judge_id": s.court.judge_id, "room_id": s.room_id, "mode": "video_link",
            "starts_at": karachi(day, "10:00"), "ends_at": karachi(day, "11:00"), "child_testifies": true,
        })
    };
    let tuesday = next_weekday(today(), Weekday::Tue);
    let thursday = next_weekday(tuesday, Weekday::Thu);

    // Brought once and sent home unheard: listing the child again is no recall.
    let (st, body) =
        s.app.post(&format!("/api/cases/{sent_home}/hearings"), Some(&s.court.clerk), listing(tuesday)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    // Heard in full: a second listing is refused without a reason, citing
    // the profile's section (POCSO s.33(5)), and allowed with one.
    let path = format!("/api/cases/{heard}/hearings");
    let before = s.app.snapshot();
    let (st, body) = s.app.post(&path, Some(&s.court.clerk), listing(thursday)).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "child_not_recalled");
    assert_eq!(body["section"], "POCSO Act 2012 s.33(5)");
    assert!(body["detail"].as_str().unwrap().contains("recorded in full"), "{body}");
    assert_eq!(s.app.snapshot(), before, "nothing was written");
    let mut with_reason = listing(thursday);
    with_reason["reappearance_reason"] =
        json!("The Special Court ordered further cross-examination on a fresh document.");
    let (st, body) = s.app.post(&path, Some(&s.court.clerk), with_reason).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn uk_the_custody_time_limit_stops_when_the_trial_starts() {
    let s = Sitting::open("uk").await;
    let case = s.case("T2026-0042", 170, true, true).await;
    let h = s.hearing(case, yesterday(), false);
    let course = s.course(case).await;
    let ctl = clock(&course["clocks"], "ctl_crown_court_182_days");
    assert_eq!(ctl["state"], "running", "{course}");
    // A listing after the custody deadline needs a reason while the trial
    // has not started.
    let late_day = next_weekday(today() + Days::new(20), Weekday::Tue);
    let listing = json!({
        "kind": "mention", "judge_id": s.court.judge_id, "room_id": s.room_id,
        "starts_at": karachi(late_day, "14:00"), "ends_at": karachi(late_day, "14:30"),
    });
    let path = format!("/api/cases/{case}/hearings");
    let (st, body) = s.app.post(&path, Some(&s.court.clerk), listing.clone()).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "statutory_clock", "{body}");

    let (st, body) = s
        .outcome(&s.court.clerk, h, json!({"kind": "held", "proceedings": ["examination_in_chief", "other_witnesses"]}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(clock(&body["course"]["clocks"], "ctl_crown_court_182_days")["state"], "met", "{body}");
    assert_eq!(body["course"]["facts"]["trial_started_on"], yesterday().to_string());
    assert_eq!(body["course"]["stage"], "evidence");
    // The child was not listed, so was not brought.
    assert_eq!(body["course"]["children"][0]["line"], "Child A: not yet brought to court, not yet heard");
    // Once started, the custody clock binds no later listing.
    let (st, body) = s.app.post(&path, Some(&s.court.clerk), listing).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    let (st, codes) = s.app.get(&format!("/api/courts/{}/outcome-codes", s.court.id), Some(&s.court.judge)).await;
    assert_eq!(st, StatusCode::OK, "{codes}");
    let other = codes["not_held"].as_array().unwrap().iter().find(|r| r["code"] == "other").unwrap();
    assert_eq!(other["needs_details"], true);
    let compounded = codes["decisions"].as_array().unwrap().iter().find(|r| r["code"] == "compounded").unwrap();
    assert_eq!(compounded["allowed_in_child_cases"], false);
}

#[tokio::test]
async fn a_video_session_with_the_child_going_live_is_an_appearance_and_the_outcome_attaches_the_recordings() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-31", 8, true, false).await;
    let h = s.hearing(case, yesterday(), true);
    let (st, session) =
        s.app.post(&format!("/api/hearings/{h}/video-session"), Some(&s.court.support), json!({})).await;
    assert_eq!(st, StatusCode::CREATED, "{session}");
    let sid = session["id"].as_i64().unwrap();
    // A child-side invite names the child's party (the privacy rule decides what others see).
    let (_, parties) = s.app.get(&format!("/api/cases/{case}/parties"), Some(&s.court.clerk)).await;
    let child_party = parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["role"] == "child_witness"))
        .and_then(|p| p["id"].as_i64())
        .unwrap();
    let state = format!("/api/video-sessions/{sid}/state");
    // Live without the child on the link: nobody was brought.
    let (st, body) = s.app.post(&state, Some(&s.court.support), json!({"state": "live"})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(s.course(case).await["children"][0]["brought"], 0);
    let (st, body) = s.app.post(&state, Some(&s.court.support), json!({"state": "break"})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = s
        .app
        .post(
            &format!("/api/video-sessions/{sid}/invites"),
            Some(&s.court.support),
            json!({"role": "child_witness", "party_id": child_party}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    for _ in 0..2 {
        let (st, body) = s.app.post(&state, Some(&s.court.support), json!({"state": "live"})).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let (st, body) = s.app.post(&state, Some(&s.court.support), json!({"state": "break"})).await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    let course = s.course(case).await;
    assert_eq!(
        course["children"][0]["line"], "Child A: brought once, not yet heard",
        "one appearance per hearing: {course}"
    );
    assert_eq!(course["children"][0]["appearances"][0]["source"], "video_session");

    // A recording of the session, as the media layer writes it.
    let mut conn = s.app.conn();
    amaan::db::video::add_recording(
        &mut conn,
        &amaan::db::video::NewRecording {
            session_id: sid,
            hearing_id: h,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: "recordings/test.webm".into(),
            sha256: "ab".repeat(32),
            bytes: 1024,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    drop(conn);
    let (st, body) = s.outcome(&s.court.judge, h, json!({"kind": "held", "child_evidence": "full"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, testified once");
    assert_eq!(body["recordings"][0]["sha256"], "ab".repeat(32));
    let trail = s.audit("hearing_outcome", body["outcome"]["id"].as_i64().unwrap()).await;
    assert!(trail[0]["after_state"].as_str().unwrap().contains(&"ab".repeat(32)), "{trail:?}");
}

impl Sitting {
    /// A video session of hearing `h`, with the case's child invited when
    /// `with_child`, taken live and ended, one recording of the child's
    /// video left by the media layer. Returns the session's id.
    async fn ended_session(&self, case_id: i64, h: i64, with_child: bool, sha256: &str) -> i64 {
        let (st, session) =
            self.app.post(&format!("/api/hearings/{h}/video-session"), Some(&self.court.support), json!({})).await;
        assert_eq!(st, StatusCode::CREATED, "{session}");
        let sid = session["id"].as_i64().unwrap();
        let (_, parties) = self.app.get(&format!("/api/cases/{case_id}/parties"), Some(&self.court.clerk)).await;
        let child = parties["items"].as_array().and_then(|a| a.iter().find(|p| p["role"] == "child_witness")).cloned();
        let invite = match (with_child, child) {
            (true, Some(c)) => json!({"role": "child_witness", "party_id": c["id"]}),
            _ => json!({"role": "prosecutor", "display_name": "Public Prosecutor"}),
        };
        let (st, body) =
            self.app.post(&format!("/api/video-sessions/{sid}/invites"), Some(&self.court.support), invite).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        let state = format!("/api/video-sessions/{sid}/state");
        let (st, body) = self.app.post(&state, Some(&self.court.support), json!({"state": "live"})).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let mut conn = self.app.conn();
        amaan::db::video::add_recording(
            &mut conn,
            &amaan::db::video::NewRecording {
                session_id: sid,
                hearing_id: h,
                participant_role: "child_witness".into(),
                kind: "video".into(),
                file_path: format!("recordings/{sid}.webm"),
                sha256: sha256.into(),
                bytes: 2048,
                created_at: Utc::now().naive_utc(),
            },
        )
        .unwrap();
        drop(conn);
        sid
    }

    async fn end(&self, sid: i64) {
        let (st, body) = self
            .app
            .post(&format!("/api/video-sessions/{sid}/state"), Some(&self.court.support), json!({"state": "ended"}))
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn the_console_marks_the_childs_evidence_from_an_ended_session_with_its_recording_hashes() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-41", 8, true, false).await;
    let h = s.hearing(case, yesterday(), true);
    let hash = "cd".repeat(32);
    let sid = s.ended_session(case, h, true, &hash).await;
    let path = format!("/api/video-sessions/{sid}/evidence");
    let part = json!({"child_evidence": "part", "continues_because": "Child A tired after forty minutes; cross-examination continues."});

    // Still live: nothing to mark yet.
    let before = s.app.snapshot();
    let (st, body) = s.app.post(&path, Some(&s.court.support), part.clone()).await;
    assert_problem(st, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("is live"), "{body}");
    assert_eq!(s.app.snapshot(), before, "nothing was written");
    s.end(sid).await;

    // Another court's session is not there; a clerk does not run sessions;
    // bad reports name their field; none of them writes anything.
    let other = s.app.court_of("Another Special Court", "in").await;
    let before = s.app.snapshot();
    for token in [&other.support, &other.judge] {
        let (st, body) = s.app.post(&path, Some(token), part.clone()).await;
        assert_problem(st, &body, StatusCode::NOT_FOUND, "not-found");
    }
    let (st, body) = s.app.post(&path, Some(&s.court.clerk), part.clone()).await;
    assert_problem(st, &body, StatusCode::FORBIDDEN, "forbidden");
    for (bad, field) in [
        (json!({"child_evidence": "part"}), "continues_because"),
        (json!({"child_evidence": "none"}), "child_evidence"),
        (json!({"child_evidence": "most"}), "child_evidence"),
        (json!({"child_evidence": "part", "continues_because": format!("{CHILD} was tired.")}), "continues_because"),
        (json!({"child_evidence": "full", "continues_because": "It goes on."}), "continues_because"),
    ] {
        let (st, problem) = s.app.post(&path, Some(&s.court.support), bad.clone()).await;
        assert_problem(st, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["field"], field, "{bad} -> {problem}");
        assert!(!problem.to_string().contains("Zainab"), "{problem}");
    }
    assert_eq!(s.app.snapshot(), before, "nothing was written");

    // In part: the hearing held, the child brought on the link and heard,
    // recorded by the support officer for the judge who sat, the hashes attached.
    let (st, body) = s.app.post(&path, Some(&s.court.support), part).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["hearing"]["status"], "held");
    assert_eq!(body["outcome"]["kind"], "held");
    assert_eq!(body["outcome"]["child_evidence"], "part");
    assert_eq!(body["outcome"]["child_mode"], "video_link");
    assert_eq!(body["outcome"]["on_behalf_of"], s.court.judge_id, "recorded for the judge who sat");
    assert_eq!(body["recordings"][0]["sha256"], hash);
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, testified once", "{body}");
    assert_eq!(clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence")["state"], "running", "in part: {body}");
    let first = body["outcome"]["id"].as_i64().unwrap();
    let trail = s.audit("hearing_outcome", first).await;
    let record = trail.iter().find(|e| e["action"] == "record").expect("audited");
    let after = record["after_state"].as_str().unwrap();
    assert!(after.contains(&hash), "the recording's hash is in the trail: {after}");
    assert!(after.contains(&format!("\"video_session\":{sid}")), "{after}");
    assert!(!trail.iter().any(|e| e.to_string().contains("Zainab")), "no child's name in the trail");

    // In full later the same day: a correction, its reason required, the
    // first record kept.
    let full = json!({"child_evidence": "full"});
    let before = s.app.snapshot();
    let (st, body) = s.app.post(&path, Some(&s.court.support), full).await;
    assert_problem(st, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("correction_reason"), "{body}");
    assert_eq!(s.app.snapshot(), before);
    let (st, body) = s
        .app
        .post(
            &path,
            Some(&s.court.judge),
            json!({"child_evidence": "full", "correction_reason": "Child A finished after the break; the evidence is complete."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["history"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(body["history"][0]["child_evidence"], "part");
    assert_eq!(body["outcome"]["child_evidence"], "full");
    assert_eq!(body["outcome"]["corrects"], first);
    assert_eq!(clock(&body["course"]["clocks"], "pocso_s35_1_child_evidence")["state"], "met", "{body}");
    assert_eq!(body["course"]["children"][0]["line"], "Child A: brought once, testified once");
}

#[tokio::test]
async fn the_console_marks_no_evidence_from_a_session_the_child_was_not_in() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-42", 8, true, false).await;
    let h = s.hearing(case, yesterday(), true);
    let sid = s.ended_session(case, h, false, &"ef".repeat(32)).await;
    s.end(sid).await;
    let before = s.app.snapshot();
    let (st, body) = s
        .app
        .post(&format!("/api/video-sessions/{sid}/evidence"), Some(&s.court.support), json!({"child_evidence": "full"}))
        .await;
    assert_problem(st, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("no child witness"), "{body}");
    assert_eq!(s.app.snapshot(), before, "nothing was written");
    let (st, body) = s
        .app
        .post("/api/video-sessions/999999/evidence", Some(&s.court.support), json!({"child_evidence": "full"}))
        .await;
    assert_problem(st, &body, StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn nothing_is_listed_in_a_decided_or_disposed_case() {
    let s = Sitting::open("pk").await;
    let case = s.case("ATA-51", 30, true, false).await;
    let (st, unbooked) =
        s.app.post(&format!("/api/cases/{case}/hearings"), Some(&s.court.clerk), json!({"kind": "arguments"})).await;
    assert_eq!(st, StatusCode::CREATED, "{unbooked}");
    let unbooked = unbooked["id"].as_i64().unwrap();
    let course = format!("/api/cases/{case}/course");
    let (st, body) =
        s.app.post(&course, Some(&s.court.judge), json!({"stage": "decided", "decision": "acquitted"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    let day = next_weekday(today(), Weekday::Wed);
    let listing = json!({
        "kind": "mention", "judge_id": s.court.judge_id, "room_id": s.room_id,
        "starts_at": karachi(day, "10:00"), "ends_at": karachi(day, "10:30"),
    });
    let hearings = format!("/api/cases/{case}/hearings");
    for stage in ["decided", "disposed"] {
        if stage == "disposed" {
            let (st, body) = s.app.post(&course, Some(&s.court.judge), json!({"stage": "disposed"})).await;
            assert_eq!(st, StatusCode::CREATED, "{body}");
        }
        let before = s.app.snapshot();
        for (path, body) in [
            (hearings.clone(), listing.clone()),
            (hearings.clone(), json!({"kind": "mention"})),
            (
                format!("/api/hearings/{unbooked}/book"),
                json!({"starts_at": karachi(day, "11:00"), "minutes": 30, "judge_id": s.court.judge_id, "room_id": s.room_id}),
            ),
        ] {
            let (st, problem) = s.app.post(&path, Some(&s.court.clerk), body).await;
            assert_problem(st, &problem, StatusCode::CONFLICT, "conflict");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(&format!("case ATA-51 is {stage}")), "{path}: names the case's status: {detail}");
        }
        assert_eq!(s.app.snapshot(), before, "nothing was written");
    }
}

#[tokio::test]
async fn a_courts_figures_give_the_days_to_the_childs_evidence_and_to_decision_and_the_share_within_each_clock() {
    let s = Sitting::open("in").await;
    // Three children heard 9, 19 and 39 days after cognizance; one of the
    // cases decided 50 days after it.
    let mut heard = Vec::new();
    for (n, days_ago) in [(1, 10), (2, 20), (3, 40)] {
        let case = s.case(&format!("FIG-{n}"), days_ago, true, false).await;
        let h = s.hearing(case, yesterday(), true);
        let (st, body) = s.outcome(&s.court.judge, h, json!({"kind": "held", "child_evidence": "full"})).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        heard.push(case);
    }
    let decided = s.case("FIG-4", 50, true, false).await;
    let (st, body) = s
        .app
        .post(
            &format!("/api/cases/{decided}/course"),
            Some(&s.court.judge),
            json!({"stage": "decided", "decision": "acquitted"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    s.case("ADULT-1", 10, false, false).await;

    let from = today() - Days::new(60);
    let path = format!("/api/courts/{}/figures?from={from}&to={}", s.court.id, today());
    let (st, f) = s.app.get(&path, Some(&s.court.clerk)).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(f["child_cases"], 4, "{f}");
    assert_eq!(f["cognizance_to_child_evidence"], json!({"cases": 3, "median_days": 19.0, "p90_days": 39}), "{f}");
    assert_eq!(f["cognizance_to_decision"], json!({"cases": 1, "median_days": 50.0, "p90_days": 50}));
    let s35_1 = clock(&f["clocks"], "pocso_s35_1_child_evidence");
    // FIG-1 and FIG-2 met, FIG-3 late (each heard yesterday), FIG-4 closed
    // unheard by its decision (its deadline passed in the period).
    assert_eq!(
        (s35_1["met"].as_u64(), s35_1["met_late"].as_u64(), s35_1["closed"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{s35_1}"
    );
    assert_eq!(s35_1["share_within"], 0.667);
    assert_eq!(f["hearings_held"], 3);
    assert_eq!(f["appearances"]["children"], 3);
    assert_eq!(f["appearances"]["per_child"], 1.0);

    let (st, body) = s
        .app
        .get(&format!("/api/courts/{}/figures?from={}&to={from}", s.court.id, today()), Some(&s.court.clerk))
        .await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let other = s.app.court_of("Another Special Court", "in").await;
    let (st, body) = s.app.get(&path, Some(&other.clerk)).await;
    assert_problem(st, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn in_a_step_of_the_course_is_checked_by_the_profile_and_nothing_is_written_when_refused() {
    let s = Sitting::open("in").await;
    let case = s.case("POCSO-41", 30, true, false).await;
    let path = format!("/api/cases/{case}/course");
    let before = s.app.snapshot();
    // POCSO offences are not compoundable (CrPC 1973 s.320).
    let (st, body) =
        s.app.post(&path, Some(&s.court.judge), json!({"stage": "decided", "decision": "compounded"})).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "course.decisions.compounded");
    assert!(body["section"].as_str().unwrap().contains("s.320"), "{body}");
    for (step, field) in [
        (json!({"stage": "arguments", "reasons": "Zainab's mother asked for time."}), "reasons"),
        (json!({"stage": "evidence", "on": (today() + Days::new(1)).to_string()}), "on"),
        (json!({"stage": "evidence", "on": (today() - Days::new(31)).to_string()}), "on"),
        (json!({"stage": "arguments", "decision": "acquitted"}), "decision"),
        (json!({"stage": "decided"}), "decision"),
        (json!({"stage": "open"}), "stage"),
        (json!({"stage": "disposed"}), "stage"),
        (json!({"stage": "closed"}), "stage"),
    ] {
        let (st, problem) = s.app.post(&path, Some(&s.court.judge), step.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{step} -> {problem}");
        assert_eq!(problem["field"], field, "{step} -> {problem}");
    }
    let (st, body) = s.app.post(&path, Some(&s.court.support), json!({"stage": "evidence"})).await;
    assert_problem(st, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(s.app.snapshot(), before, "nothing was written");

    let (st, body) = s.app.post(&path, Some(&s.court.clerk), json!({"stage": "arguments"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = s.app.post(&path, Some(&s.court.judge), json!({"stage": "evidence"})).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(body["detail"].as_str().unwrap().contains("forward"), "{body}");
    // A case is no longer moved by PATCH.
    let (st, body) =
        s.app.patch(&format!("/api/cases/{case}"), Some(&s.court.clerk), json!({"status": "disposed"})).await;
    assert_problem(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(body["field"], "status");
}
