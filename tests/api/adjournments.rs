//! Adjournment control: a clerk's request meets the court's rule profile
//! (pk: CrPC 1898 s.344, the 2016 and 2021 Acts); only a judge decides, and
//! only a judge with written reasons overrides a rule.

use amaan::domain::calendar::local_date;
use chrono::{Datelike, Days, Months, NaiveDate, Utc, Weekday};
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, is_postgres, spawn_app, Court, TestApp, PASSWORD};

const CHILD: &str = "Zainab Qamar";
const REASONS: &str =
    "The witness was not served through no fault of the prosecution, and a short date keeps the trial on time.";
const OVERRIDE: &str = "Defence counsel was admitted to hospital this morning, and the child's evidence cannot fairly proceed without counsel.";

/// A pk court (Asia/Karachi, 09:00 to 16:00, Monday to Friday) with one
/// court room and the waiting areas a never-meet plan needs.
struct Desk {
    app: TestApp,
    court: Court,
    room_id: i64,
    today: NaiveDate,
}

/// `n`-th day after `after` on which a Monday-to-Friday court sits.
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

/// Karachi keeps +05:00 all year.
fn at(day: NaiveDate, hhmm: &str) -> String {
    format!("{day}T{hhmm}:00+05:00")
}

fn asking(by: &str, reason: &str, day: NaiveDate) -> Value {
    json!({
        "requested_by": by,
        "reason_code": reason,
        "details": "Recorded at the bench on the party's oral request.",
        "proposed_starts_at": at(day, "10:00"),
    })
}

fn rules_of(problem: &Value) -> Vec<String> {
    problem["refusals"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["rule"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

impl Desk {
    async fn open() -> Desk {
        let app = spawn_app().await;
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
        let today = local_date("Asia/Karachi", Utc::now());
        Desk { room_id: room["id"].as_i64().unwrap(), app, court, today }
    }

    /// A case taken cognizance of `days_ago`; with a child witness unless `adult`.
    async fn case(&self, number: &str, days_ago: u64, child: bool) -> i64 {
        let cognizance = self.today - Days::new(days_ago);
        let (s, body) = self
            .app
            .post(
                "/api/cases",
                Some(&self.court.clerk),
                json!({"number": number, "offence": "s.376 PPC", "cognizance_date": cognizance, "accused_in_custody": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let mut parties = vec![json!({"role": "accused", "name": "Accused Person"})];
        if child {
            parties.push(json!({"role": "child_witness", "name": CHILD, "date_of_birth": "2018-05-04"}));
        } else {
            parties.push(json!({"role": "witness", "name": "Adult Complainant"}));
        }
        for p in parties {
            let (s, body) = self.app.post(&format!("/api/cases/{id}/parties"), Some(&self.court.clerk), p).await;
            assert_eq!(s, StatusCode::CREATED, "{body}");
        }
        id
    }

    /// An hour's hearing from `hhmm` on `day` with the court's judge in its room.
    async fn hearing(&self, case_id: i64, day: NaiveDate, hhmm: &str, child_testifies: bool) -> i64 {
        let (h, m) = hhmm.split_once(':').unwrap();
        let end = format!("{:02}:{m}", h.parse::<u32>().unwrap() + 1);
        let (s, body) = self
            .app
            .post(
                &format!("/api/cases/{case_id}/hearings"),
                Some(&self.court.clerk),
                json!({
                    "kind": "evidence", "judge_id": self.court.judge_id, "room_id": self.room_id,
                    "starts_at": at(day, hhmm), "ends_at": at(day, &end), "child_testifies": child_testifies,
                }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// An hour's hearing today from `hhmm` at which the child testifies.
    fn seed_today(&self, case_id: i64, hhmm: &str) -> i64 {
        let local = self.today.and_time(chrono::NaiveTime::parse_from_str(hhmm, "%H:%M").unwrap());
        let starts = local - chrono::Duration::hours(5);
        self.app.seed_hearing(&amaan::db::hearings::NewHearing {
            case_id,
            kind: "evidence".into(),
            judge_id: Some(self.court.judge_id),
            room_id: Some(self.room_id),
            starts_at: Some(starts),
            ends_at: Some(starts + chrono::Duration::hours(1)),
            child_testifies: true,
            mode: "in_person".into(),
            status: "scheduled".into(),
            created_at: Utc::now().naive_utc(),
        })
    }

    async fn ask(&self, hearing_id: i64, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/api/hearings/{hearing_id}/adjournments"), Some(&self.court.clerk), body).await
    }

    /// A request the rules let through, waiting for the judge.
    async fn pending(&self, hearing_id: i64, body: Value) -> i64 {
        let (s, a) = self.ask(hearing_id, body).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(a["status"], "pending");
        a["id"].as_i64().unwrap()
    }

    /// A request refused by `rule`; returns the recorded request's id.
    async fn refused(&self, hearing_id: i64, body: Value, rule: &str) -> (i64, Value) {
        let (s, problem) = self.ask(hearing_id, body).await;
        assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
        assert_eq!(problem["rule"], rule, "{problem}");
        assert!(problem["section"].as_str().is_some_and(|s| !s.is_empty()), "{problem}");
        (problem["adjournment_id"].as_i64().unwrap(), problem)
    }

    async fn decide(&self, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/api/adjournments/{id}/decision"), Some(token), body).await
    }

    /// Grants with reasons; returns the new hearing's id.
    async fn grant(&self, id: i64) -> i64 {
        let (s, d) = self.decide(&self.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        d["new_hearing"]["id"].as_i64().unwrap()
    }

    async fn hearing_status(&self, id: i64) -> String {
        let (s, h) = self.app.get(&format!("/api/hearings/{id}"), Some(&self.court.clerk)).await;
        assert_eq!(s, StatusCode::OK, "{h}");
        h["status"].as_str().unwrap().to_string()
    }

    async fn of_case(&self, case_id: i64) -> Value {
        let (s, body) = self.app.get(&format!("/api/cases/{case_id}/adjournments"), Some(&self.court.judge)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body
    }

    async fn audit_of(&self, id: i64) -> Vec<Value> {
        let (s, body) = self
            .app
            .get(&format!("/api/audit?entity=adjournment&entity_id={id}&per_page=100"), Some(&self.court.judge))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body["items"].as_array().cloned().unwrap_or_default()
    }
}

#[tokio::test]
async fn adjourn_a_proper_request_waits_for_the_judge_whose_grant_moves_the_hearing() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-1/2026", 10, true).await;
    let day = sitting_day(desk.today, 1);
    let hearing = desk.hearing(case_id, day, "10:00", true).await;
    let new_day = sitting_day(desk.today, 6);
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", new_day)).await;

    // One request waits per hearing; the hearing still stands until the judge decides.
    let (s, body) = desk.ask(hearing, asking("defence", "witness_not_served", new_day)).await;
    assert_problem(s, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");

    // CrPC s.344(1): the order is in writing with reasons, even when no rule is broken.
    let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant"})).await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "adjournment.reasons_in_writing");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");

    let (s, d) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["adjournment"]["status"], "granted");
    assert_eq!(d["adjournment"]["overridden"], false);
    assert_eq!(d["adjournment"]["delay_days"], (new_day - day).num_days());
    assert_eq!(desk.hearing_status(hearing).await, "adjourned");
    let new = &d["new_hearing"];
    assert_eq!(new["status"], "scheduled");
    assert_eq!(new["judge_id"], desk.court.judge_id);
    assert_eq!(new["room_id"], desk.room_id);
    assert_eq!(new["child_testifies"], true);
    assert_eq!(new["kind"], "evidence");
    assert_eq!(new["starts_at"], format!("{new_day}T05:00:00Z"));
    assert_eq!(new["ends_at"], format!("{new_day}T06:00:00Z"));

    let listed = desk.of_case(case_id).await;
    assert_eq!(listed["adjourned"], 1);
    assert_eq!(listed["overrides"], json!([]));
    // The store's counts, for the docket to use, agree.
    let mut conn = desk.app.conn();
    assert_eq!(amaan::db::adjournments::count_for_case(&mut conn, case_id).unwrap(), 1);
    let many = amaan::db::adjournments::count_for_cases(&mut conn, &[case_id, case_id + 1000]).unwrap();
    assert_eq!((many.get(&case_id), many.get(&(case_id + 1000))), (Some(&1), None));
    #[derive(diesel::QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql =
        format!("SELECT {} AS n FROM cases c WHERE c.id = {case_id}", amaan::db::adjournments::COUNT_FOR_CASE_SQL);
    let counted: Vec<Counted> = diesel::RunQueryDsl::load(diesel::sql_query(sql), &mut conn).unwrap();
    assert_eq!(counted.first().map(|c| c.n), Some(1));
    drop(conn);
    // The docket counts the same adjournment against the case.
    let path = format!("/api/docket?judge_id={}&from={new_day}&to={new_day}", desk.court.judge_id);
    let (s, docket) = desk.app.get(&path, Some(&desk.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{docket}");
    let item = docket["items"].as_array().and_then(|items| items.iter().find(|i| i["hearing"]["id"] == new["id"]));
    assert_eq!(item.map(|i| i["adjournments"].clone()), Some(json!(1)), "{docket}");
    let events = desk.audit_of(id).await;
    let grant = events.iter().find(|e| e["action"] == "grant").expect("a grant event");
    assert_eq!(grant["reason"], REASONS);
}

#[tokio::test]
async fn adjourn_refuses_a_reason_the_profile_bars_in_a_child_case() {
    let desk = Desk::open().await;
    let child_case = desk.case("CSA-2/2026", 10, true).await;
    let hearing = desk.hearing(child_case, sitting_day(desk.today, 1), "10:00", true).await;
    let body = asking("defence", "counsel_engaged_elsewhere", sitting_day(desk.today, 5));
    let (id, problem) = desk.refused(hearing, body.clone(), "adjournment.reasons.counsel_engaged_elsewhere").await;
    assert_eq!(problem["section"], "CrPC 1898 s.344(1)");
    // Recorded, so the judge can see it and the figures count it.
    let (s, a) = desk.app.get(&format!("/api/adjournments/{id}"), Some(&desk.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["status"], "refused_by_rule");
    assert_eq!(a["refusals"][0]["rule"], "adjournment.reasons.counsel_engaged_elsewhere");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");

    // The same reason in a case without a child goes to the judge.
    let adult_case = desk.case("CR-3/2026", 10, false).await;
    let adult_hearing = desk.hearing(adult_case, sitting_day(desk.today, 1), "12:00", false).await;
    desk.pending(adult_hearing, body).await;
}

#[tokio::test]
async fn adjourn_refuses_more_adjournments_than_the_case_allows() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-4/2026", 10, true).await;
    let mut hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    // pk allows three a case: one each for the prosecution, the defence and the court.
    for (n, (by, reason)) in
        [("prosecution", "witness_not_served"), ("defence", "witness_not_served"), ("court", "judge_on_leave")]
            .iter()
            .enumerate()
    {
        let id = desk.pending(hearing, asking(by, reason, sitting_day(desk.today, 2 + n))).await;
        hearing = desk.grant(id).await;
    }
    assert_eq!(desk.of_case(case_id).await["adjourned"], 3);
    let (_, problem) = desk
        .refused(
            hearing,
            asking("child_side", "child_unwell_certified", sitting_day(desk.today, 6)),
            "adjournment.max_per_case",
        )
        .await;
    assert_eq!(rules_of(&problem), ["adjournment.max_per_case"], "the child's side had none of its own");
    assert!(problem["detail"].as_str().unwrap().contains("3 of the 3"), "{problem}");
}

#[tokio::test]
async fn adjourn_refuses_a_second_adjournment_for_the_same_party() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-5/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let id = desk.pending(hearing, asking("defence", "witness_not_served", sitting_day(desk.today, 2))).await;
    let next = desk.grant(id).await;
    let (_, problem) = desk
        .refused(next, asking("defence", "judge_on_leave", sitting_day(desk.today, 4)), "adjournment.max_per_party")
        .await;
    assert_eq!(rules_of(&problem), ["adjournment.max_per_party"]);
    // Another party still may.
    desk.pending(next, asking("prosecution", "judge_on_leave", sitting_day(desk.today, 4))).await;
}

#[tokio::test]
async fn adjourn_refuses_the_same_reason_from_the_same_party_twice_in_a_row() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-6/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", sitting_day(desk.today, 2))).await;
    let next = desk.grant(id).await;
    let (_, problem) = desk
        .refused(
            next,
            asking("prosecution", "witness_not_served", sitting_day(desk.today, 4)),
            "adjournment.same_reason_twice_refused",
        )
        .await;
    // pk's one-per-party limit refuses it too; the more specific rule is named first.
    assert_eq!(rules_of(&problem), ["adjournment.same_reason_twice_refused", "adjournment.max_per_party"]);
}

#[tokio::test]
async fn adjourn_refuses_a_new_date_past_the_three_month_trial_clock() {
    let desk = Desk::open().await;
    // Cognizance 70 days ago: the Rape Act 2016 clock has about three weeks left.
    let case_id = desk.case("CSA-7/2026", 70, true).await;
    let deadline = (desk.today - Days::new(70)).checked_add_months(Months::new(3)).unwrap();
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let late = sitting_day(deadline, 1);
    let (_, problem) = desk
        .refused(hearing, asking("prosecution", "witness_not_served", late), "clock.rape2016_trial_three_months")
        .await;
    assert!(problem["section"].as_str().unwrap().contains("2016"), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains(&deadline.to_string()), "{problem}");
    let in_time = sitting_day(desk.today, 3);
    assert!(in_time <= deadline);
    desk.pending(hearing, asking("prosecution", "witness_not_served", in_time)).await;
}

#[tokio::test]
async fn adjourn_once_the_clock_is_broken_only_the_earliest_feasible_date_passes() {
    let desk = Desk::open().await;
    // Cognizance 150 days ago: both pk clocks have run out.
    let case_id = desk.case("CSA-8/2026", 150, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    // The next court day is a holiday, and on the one after the judge sits
    // in another case through the child's hours: the earliest feasible date
    // is the scheduler's, which knows both.
    let holiday = sitting_day(desk.today, 2);
    let (s, body) = desk
        .app
        .post(
            &format!("/api/courts/{}/holidays", desk.court.id),
            Some(&desk.court.admin),
            json!({"day": holiday, "name": "Iqbal Day"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let other = desk.case("CSA-9/2026", 5, true).await;
    for hhmm in ["09:30", "10:30", "11:30"] {
        desk.hearing(other, sitting_day(desk.today, 3), hhmm, false).await;
    }
    let earliest = sitting_day(desk.today, 4);

    let (_, problem) = desk
        .refused(
            hearing,
            asking("prosecution", "witness_not_served", sitting_day(desk.today, 5)),
            "clock.rape2016_trial_three_months",
        )
        .await;
    assert!(problem["detail"].as_str().unwrap().contains(&earliest.to_string()), "{problem}");
    assert!(rules_of(&problem).contains(&"clock.ar2021_s16_decision".to_string()), "{problem}");
    desk.pending(hearing, asking("prosecution", "witness_not_served", earliest)).await;
}

#[tokio::test]
async fn adjourn_refuses_sine_die_and_a_remand_beyond_fifteen_days() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-10/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let sine_die = json!({"requested_by": "prosecution", "reason_code": "witness_not_served", "details": "Next date to be fixed later."});
    let (_, problem) = desk.refused(hearing, sine_die, "adjournment.fixed_date_required").await;
    assert_eq!(problem["section"], "CrPC 1898 s.344; PLD 2023 Lahore 334");

    let mut remand = asking("prosecution", "witness_not_served", sitting_day(desk.today, 5));
    remand["remand_days"] = json!(20);
    let (_, problem) = desk.refused(hearing, remand.clone(), "adjournment.max_remand_days").await;
    assert_eq!(problem["section"], "CrPC 1898 s.344(1) proviso");
    remand["remand_days"] = json!(15);
    desk.pending(hearing, remand).await;
}

#[tokio::test]
async fn adjourn_a_party_cannot_adjourn_the_day_the_child_testifies_unless_for_the_child() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-11/2026", 10, true).await;
    // The child is in court today (under way, so written to the store: the
    // API books only times still ahead).
    let first = desk.seed_today(case_id, "13:00");
    let second = desk.seed_today(case_id, "14:30");
    let next = sitting_day(desk.today, 3);
    let (_, problem) =
        desk.refused(first, asking("defence", "witness_not_served", next), "adjournment.child_present_rule").await;
    assert_eq!(rules_of(&problem), ["adjournment.child_present_rule"]);
    // The party's word that it is for the child sends it to the judge, flagged.
    let mut welfare = asking("defence", "witness_not_served", next);
    welfare["for_child_welfare"] = json!(true);
    desk.pending(first, welfare).await;
    // So does a reason the profile marks as the child's welfare.
    desk.pending(second, asking("child_side", "child_unwell_certified", next)).await;
}

#[tokio::test]
async fn adjourn_a_judge_overrides_a_refusal_only_with_written_reasons_and_a_clerk_never() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-12/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let (id, _) = desk
        .refused(
            hearing,
            asking("defence", "counsel_engaged_elsewhere", sitting_day(desk.today, 4)),
            "adjournment.reasons.counsel_engaged_elsewhere",
        )
        .await;
    let before = desk.app.snapshot();

    let (s, body) = desk.decide(&desk.court.clerk, id, json!({"decision": "grant", "reasons": OVERRIDE})).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    for reasons in [json!(null), json!(""), json!("Granted."), json!("Counsel is unwell and cannot attend today")] {
        let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": reasons})).await;
        assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
        assert_eq!(body["rule"], "adjournment.reasons.counsel_engaged_elsewhere", "{body}");
        assert!(body["detail"].as_str().unwrap().contains("written reasons"), "{body}");
    }
    assert_eq!(desk.app.snapshot(), before, "a refused override writes nothing");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");

    let (s, d) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": OVERRIDE})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["adjournment"]["status"], "granted");
    assert_eq!(d["adjournment"]["overridden"], true);
    assert_eq!(d["adjournment"]["decision_reasons"], OVERRIDE);
    assert_eq!(desk.hearing_status(hearing).await, "adjourned");

    // Beside the case, for the docket.
    let listed = desk.of_case(case_id).await;
    assert_eq!(listed["adjourned"], 1);
    let shown = &listed["overrides"][0];
    assert_eq!(shown["adjournment_id"], id);
    assert_eq!(shown["reasons"], OVERRIDE);
    assert_eq!(shown["rules"][0]["rule"], "adjournment.reasons.counsel_engaged_elsewhere");
    // On the judge's docket, beside the case's new hearing.
    let (s, docket) = desk
        .app
        .get(
            &format!("/api/docket?from={}&to={}", desk.today, desk.today + chrono::Duration::days(30)),
            Some(&desk.court.judge),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{docket}");
    let line =
        docket["items"].as_array().unwrap().iter().find(|i| i["case"]["id"] == case_id).expect("the case is listed");
    assert_eq!(line["overrides"][0]["reasons"], OVERRIDE, "{line}");
    assert_eq!(line["overrides"][0]["rules"][0]["rule"], "adjournment.reasons.counsel_engaged_elsewhere");
    // In the audit trail, with the judge's words.
    let events = desk.audit_of(id).await;
    let o = events.iter().find(|e| e["action"] == "override").expect("an override event");
    assert_eq!(o["reason"], OVERRIDE);
    assert_eq!(o["actor_role"], "judge");
    assert!(!serde_json::to_string(&events).unwrap().contains(CHILD));
}

#[tokio::test]
async fn adjourn_a_grant_lands_on_a_sitting_day_when_the_judge_is_free() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-13/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", sitting_day(desk.today, 4))).await;
    let mut saturday = sitting_day(desk.today, 1);
    while saturday.weekday() != Weekday::Sat {
        saturday = saturday + Days::new(1);
    }
    let (s, body) = desk
        .decide(
            &desk.court.judge,
            id,
            json!({"decision": "grant", "reasons": REASONS, "new_starts_at": at(saturday, "10:00")}),
        )
        .await;
    // The new date is booked by the scheduler, whose rule refuses it.
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "working_day", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("does not sit"), "{body}");
    let evening = at(sitting_day(desk.today, 4), "17:00");
    let (s, body) = desk
        .decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS, "new_starts_at": evening}))
        .await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "court_hours", "{body}");
    // The judge's other hearing holds the proposed slot.
    let other = desk.case("CSA-14/2026", 5, false).await;
    desk.hearing(other, sitting_day(desk.today, 4), "10:00", false).await;
    let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
    assert_problem(s, &body, StatusCode::CONFLICT, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("(judge_free)"), "{body}");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");
    // The judge fixes a free hour that day instead.
    let (s, d) = desk
        .decide(
            &desk.court.judge,
            id,
            json!({"decision": "grant", "reasons": REASONS, "new_starts_at": at(sitting_day(desk.today, 4), "12:00")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["new_hearing"]["starts_at"], format!("{}T07:00:00Z", sitting_day(desk.today, 4)));
}

#[tokio::test]
async fn adjourn_a_judge_may_refuse_and_the_request_is_then_closed() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-15/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let id = desk.pending(hearing, asking("defence", "witness_not_served", sitting_day(desk.today, 4))).await;
    let (s, d) = desk
        .decide(
            &desk.court.judge,
            id,
            json!({"decision": "refuse", "reasons": "The witness can be served by tomorrow."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["adjournment"]["status"], "refused");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");
    let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
    assert_problem(s, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(desk.of_case(case_id).await["adjourned"], 0);
}

#[tokio::test]
async fn adjourn_details_that_name_the_child_are_refused_before_they_reach_the_trail() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-16/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let before = desk.app.snapshot();
    let mut body = asking("child_side", "child_unwell_certified", sitting_day(desk.today, 4));
    body["details"] = json!("Zainab has a fever; certificate filed.");
    let (s, problem) = desk.ask(hearing, body).await;
    assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(problem["field"], "details");
    assert_eq!(desk.app.snapshot(), before);
}

#[tokio::test]
async fn adjourn_two_judges_deciding_at_once_leave_exactly_one_decision() {
    let desk = Desk::open().await;
    let second_id = desk.app.add_user("second-judge", amaan::domain::roles::StaffRole::Judge, Some(desk.court.id));
    assert!(second_id > 0);
    let second = desk.app.login("second-judge", PASSWORD).await;
    for round in 0..3 {
        let case_id = desk.case(&format!("CSA-R{round}/2026"), 10, true).await;
        let hearing = desk.hearing(case_id, sitting_day(desk.today, 1 + round), "10:00", true).await;
        let id = desk
            .pending(hearing, asking("prosecution", "witness_not_served", sitting_day(desk.today, 6 + round)))
            .await;
        let grant = json!({"decision": "grant", "reasons": REASONS});
        let refuse = json!({"decision": "refuse", "reasons": "The prosecution had enough time to serve the witness."});
        let ((s1, d1), (s2, d2)) =
            tokio::join!(desk.decide(&desk.court.judge, id, grant), desk.decide(&second, id, refuse));
        let mut statuses = [s1, s2];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{d1} {d2}");
        let winner = if s1 == StatusCode::OK { &d1 } else { &d2 };
        let (_, stored) = desk.app.get(&format!("/api/adjournments/{id}"), Some(&desk.court.judge)).await;
        assert_eq!(stored["status"], winner["adjournment"]["status"]);
        assert_eq!(stored["decided_by"], winner["adjournment"]["decided_by"]);
        let decisions = desk.audit_of(id).await.iter().filter(|e| e["action"] != "request").count();
        assert_eq!(decisions, 1, "one decision in the trail");
        let (_, hearings) = desk.app.get(&format!("/api/cases/{case_id}/hearings"), Some(&desk.court.clerk)).await;
        let scheduled = hearings["items"].as_array().unwrap().iter().filter(|h| h["status"] == "scheduled").count();
        assert_eq!(scheduled, 1, "either the old hearing stands or exactly one new one replaced it");
    }
    let (s, v) = desk.app.get("/api/audit/verify", Some(&desk.court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["intact"], true, "{v}");
}

/// A trigger that makes one statement of the reschedule fail, as a full disk
/// or a lost connection would, after the earlier steps have run.
fn inject_failure(desk: &Desk, table: &str, event: &str) {
    let sql = if is_postgres() {
        format!(
            "CREATE OR REPLACE FUNCTION amaan_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER amaan_test_fail BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION amaan_test_fail();"
        )
    } else {
        format!("CREATE TRIGGER amaan_test_fail BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
    };
    desk.app.conn().batch_execute(&sql).unwrap();
}

fn remove_failure(desk: &Desk, table: &str) {
    let sql = if is_postgres() {
        format!("DROP TRIGGER amaan_test_fail ON {table};")
    } else {
        "DROP TRIGGER amaan_test_fail;".to_string()
    };
    desk.app.conn().batch_execute(&sql).unwrap();
}

#[tokio::test]
async fn adjourn_a_failure_mid_reschedule_leaves_the_database_as_it_was() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-17/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", sitting_day(desk.today, 4))).await;
    let (_, request_before) = desk.app.get(&format!("/api/adjournments/{id}"), Some(&desk.court.judge)).await;
    let (_, hearings_before) = desk.app.get(&format!("/api/cases/{case_id}/hearings"), Some(&desk.court.clerk)).await;

    // The new hearing's insert fails after the old one was marked adjourned;
    // then the request's update fails after the new hearing was inserted.
    for (table, event) in [("hearings", "INSERT"), ("adjournments", "UPDATE")] {
        let before = desk.app.snapshot();
        inject_failure(&desk, table, event);
        let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
        remove_failure(&desk, table);
        assert_problem(s, &body, StatusCode::INTERNAL_SERVER_ERROR, "internal");
        assert_eq!(desk.app.snapshot(), before, "failing at {table}: no row added or lost");
        let (_, request_after) = desk.app.get(&format!("/api/adjournments/{id}"), Some(&desk.court.judge)).await;
        assert_eq!(request_after, request_before, "failing at {table}: the request is untouched");
        let (_, hearings_after) =
            desk.app.get(&format!("/api/cases/{case_id}/hearings"), Some(&desk.court.clerk)).await;
        assert_eq!(hearings_after, hearings_before, "failing at {table}: the hearing is still scheduled");
    }
    let (s, v) = desk.app.get("/api/audit/verify", Some(&desk.court.judge)).await;
    assert_eq!((s, v["intact"].clone()), (StatusCode::OK, json!(true)), "{v}");

    // With the fault gone the same decision goes through whole.
    let new = desk.grant(id).await;
    assert_eq!(desk.hearing_status(hearing).await, "adjourned");
    assert_eq!(desk.hearing_status(new).await, "scheduled");
}

#[tokio::test]
async fn adjourn_figures_count_requests_refusals_grants_and_overrides_by_reason_and_party() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-18/2026", 10, true).await;
    let day = sitting_day(desk.today, 1);
    let hearing = desk.hearing(case_id, day, "10:00", true).await;
    // The prosecution's request is granted…
    let first_day = sitting_day(desk.today, 3);
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", first_day)).await;
    let next = desk.grant(id).await;
    // …the defence's is refused by rule and overridden…
    let second_day = sitting_day(desk.today, 7);
    let (refused, _) = desk
        .refused(
            next,
            asking("defence", "counsel_engaged_elsewhere", second_day),
            "adjournment.reasons.counsel_engaged_elsewhere",
        )
        .await;
    let (s, d) = desk.decide(&desk.court.judge, refused, json!({"decision": "grant", "reasons": OVERRIDE})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    // …and the court's own request waits.
    let other = desk.case("CSA-19/2026", 10, true).await;
    let other_hearing = desk.hearing(other, sitting_day(desk.today, 2), "12:00", false).await;
    desk.pending(other_hearing, asking("court", "judge_on_leave", sitting_day(desk.today, 5))).await;

    let path = format!("/api/courts/{}/adjournment-stats?from={}&to={}", desk.court.id, desk.today, desk.today);
    let (s, f) = desk.app.get(&path, Some(&desk.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(
        (&f["requests"], &f["refused_by_rule"], &f["granted"], &f["overridden"], &f["pending"]),
        (&json!(3), &json!(1), &json!(2), &json!(1), &json!(1)),
        "{f}"
    );
    assert_eq!(f["by_party"]["defence"]["overridden"], 1);
    assert_eq!(f["by_party"]["prosecution"]["granted"], 1);
    assert_eq!(f["by_party"]["court"]["pending"], 1);
    assert_eq!(f["by_reason"]["counsel_engaged_elsewhere"]["refused_by_rule"], 1);
    assert_eq!(f["by_reason"]["witness_not_served"]["requests"], 1);
    let delays = [(first_day - day).num_days(), (second_day - first_day).num_days()];
    let average = (delays[0] + delays[1]) as f64 / 2.0;
    assert_eq!(f["average_delay_days"].as_f64(), Some(average), "{f}");

    // A period before any request counts nothing; another court's clerk sees nothing.
    let yesterday = desk.today - Days::new(1);
    let (_, empty) = desk
        .app
        .get(
            &format!("/api/courts/{}/adjournment-stats?from={yesterday}&to={yesterday}", desk.court.id),
            Some(&desk.court.judge),
        )
        .await;
    assert_eq!(empty["requests"], 0);
    assert_eq!(empty["average_delay_days"], Value::Null);
    let stranger = desk.app.court("Court B").await;
    let (s, body) = desk.app.get(&path, Some(&stranger.clerk)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn adjourn_a_granted_new_date_gets_each_sides_own_never_meet_plan_in_the_trail() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-20/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let new_day = sitting_day(desk.today, 5);
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", new_day)).await;
    let new = desk.grant(id).await;

    // Each side has its own arrival plan for the new date, as the scheduler gives it.
    let plan = |side: &'static str| {
        let app = &desk.app;
        let token = desk.court.clerk.clone();
        async move {
            let (s, p) = app.get(&format!("/api/hearings/{new}/arrival-plan?side={side}"), Some(&token)).await;
            assert_eq!(s, StatusCode::OK, "{side}: {p}");
            p
        }
    };
    let (child, accused) = (plan("child").await, plan("accused").await);
    assert_eq!(child["date"], json!(new_day));
    assert_eq!(
        (child["waiting_area"].as_str(), child["entrance"].as_str()),
        (Some("Children's Room"), Some("East Gate"))
    );
    assert_ne!(accused["waiting_area"], child["waiting_area"]);
    assert_ne!(accused["entrance"], child["entrance"]);
    // 10:00 sitting, 30 minutes' stagger: the accused is in first and out last.
    assert_eq!((accused["arrive_at"].as_str(), child["arrive_at"].as_str()), (Some("09:00"), Some("09:30")));
    assert!(child["depart_at"].as_str() < accused["depart_at"].as_str(), "{child} {accused}");
    // The adjourned hearing's plan is not the new one's.
    let (s, _) =
        desk.app.get(&format!("/api/hearings/{hearing}/arrival-plan?side=child"), Some(&desk.court.clerk)).await;
    assert_eq!(s, StatusCode::CONFLICT, "an adjourned hearing has no arrival plan");

    // The trail has the new hearing made and then booked, plan and all, by the judge.
    let (s, trail) =
        desk.app.get(&format!("/api/audit?entity=hearing&entity_id={new}&per_page=100"), Some(&desk.court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    let items = trail["items"].as_array().unwrap();
    let actions: Vec<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"create") && actions.contains(&"book"), "{trail}");
    let book = items.iter().find(|e| e["action"] == "book").unwrap();
    assert_eq!(book["actor_role"], "judge");
    let text = book.to_string();
    assert!(text.contains("adjournment") && text.contains("East Gate") && text.contains("sides"), "{book}");
    let (_, v) = desk.app.get("/api/audit/verify", Some(&desk.court.judge)).await;
    assert_eq!(v["intact"], true, "{v}");
}

#[tokio::test]
async fn adjourn_a_new_date_the_scheduler_refuses_refuses_the_grant_and_writes_nothing() {
    let desk = Desk::open().await;
    let case_id = desk.case("CSA-21/2026", 10, true).await;
    let hearing = desk.hearing(case_id, sitting_day(desk.today, 1), "10:00", true).await;
    let day = sitting_day(desk.today, 4);
    let id = desk.pending(hearing, asking("prosecution", "witness_not_served", day)).await;
    let before = desk.app.snapshot();

    // The court sits until 16:00, but a child testifies only until 13:00 under pk.
    let (s, body) = desk
        .decide(
            &desk.court.judge,
            id,
            json!({"decision": "grant", "reasons": REASONS, "new_starts_at": at(day, "14:00")}),
        )
        .await;
    assert_problem(s, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule-refused");
    assert_eq!(body["rule"], "child_friendly_hours", "{body}");
    assert_eq!(body["section"], "Anti-Rape (Trial Procedure) Rules 2022", "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&format!("cannot be moved to {day} 14:00")), "{body}");
    assert_eq!(desk.app.snapshot(), before, "a refused grant writes nothing");
    assert_eq!(desk.hearing_status(hearing).await, "scheduled");
    let (_, a) = desk.app.get(&format!("/api/adjournments/{id}"), Some(&desk.court.judge)).await;
    assert_eq!(a["status"], "pending", "{a}");

    // Another case now holds the judge and the court room at the proposed
    // hour: the grant is refused as a clash.
    let other = desk.case("CSA-22/2026", 5, false).await;
    desk.hearing(other, day, "10:00", false).await;
    let before = desk.app.snapshot();
    let (s, body) = desk.decide(&desk.court.judge, id, json!({"decision": "grant", "reasons": REASONS})).await;
    assert_problem(s, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(desk.app.snapshot(), before);

    // A time that keeps every rule goes through.
    let (s, d) = desk
        .decide(
            &desk.court.judge,
            id,
            json!({"decision": "grant", "reasons": REASONS, "new_starts_at": at(day, "11:30")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["new_hearing"]["starts_at"], format!("{day}T06:30:00Z"));
}
