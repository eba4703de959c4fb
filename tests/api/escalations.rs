//! Escalation reports: a rape trial not concluded within three months
//! (2016 Act) is reported to the Chief Justice from the case's history;
//! the court prints it and records who sent it and when; the monitor of
//! its district reads it, without a child's identity or any free text.

use chrono::{Days, Months, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, today, TestApp};
use crate::oversight::{
    child_case, court_of_profile, monitor, outcome, past_hearing, CHILD, CHILD_DOB, GUARDIAN_EMAIL, GUARDIAN_PHONE,
};

const ADJOURNMENT_DETAILS: &str = "Mr Raza is arguing a bail matter in the High Court today.";
const CONTINUES: &str = "Child A tired after an hour; the court rose.";
const CLOCK: &str = "rape2016_trial_three_months";

/// A page as text, with its content type.
pub(crate) async fn raw_get(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, String) {
    let resp = app.client.get(format!("{}{path}", app.address)).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, resp.text().await.unwrap_or_default())
}

/// A printed page takes its style from a file the server serves, as the
/// CSP (`style-src 'self'`, never `'unsafe-inline'`) blocks inline style:
/// the page has none, links `/css/print.css`, and that file is served as
/// CSS with the rules for the page's `body` class.
pub(crate) async fn assert_styled_by_served_css(app: &TestApp, path: &str, token: &str, body_class: &str) {
    let resp = app.client.get(format!("{}{path}", app.address)).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(csp.contains("style-src 'self';") && !csp.contains("unsafe-inline"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(!page.contains("<style") && !page.contains(" style="), "inline style the CSP would block: {page}");
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/css/print.css\">"), "{page}");
    assert!(page.contains(&format!("<body class=\"{body_class}\">")), "{page}");
    let css = app.client.get(format!("{}/css/print.css", app.address)).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    let ct = css.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(ct.starts_with("text/css"), "{ct}");
    let rules = css.text().await.unwrap();
    assert!(rules.contains(&format!("body.{body_class} {{")), "{rules}");
}

#[tokio::test]
async fn a_breached_escalating_clock_yields_a_report_whose_facts_match_the_cases_history() {
    let app = crate::helpers::spawn_app().await;
    let (court, room) = court_of_profile(&app, "Special Court Kasur", "pk", "Punjab", "Kasur").await;
    let (other, _) = court_of_profile(&app, "Special Court Okara", "pk", "Punjab", "Okara").await;
    let (case, _) = child_case(&app, &court, "K-44/2026", 100).await;

    // The history: defence counsel absent 60 days ago, the child heard in
    // part 45 days ago, an adjournment the defence asked for 30 days ago
    // (granted by the judge over the profile, 21 days), the accused not
    // produced 20 days ago.
    let absent = past_hearing(&app, &court, room, case, 60);
    outcome(
        &app,
        &court,
        absent,
        json!({"kind": "not_held", "reason_code": "defence_counsel_absent", "child_brought": true}),
    )
    .await;
    let part = past_hearing(&app, &court, room, case, 45);
    outcome(&app, &court, part, json!({"kind": "held", "child_evidence": "part", "continues_because": CONTINUES}))
        .await;
    let adjourned = past_hearing(&app, &court, room, case, 30);
    let adjournment_on = today() - Days::new(30);
    {
        use amaan::db::schema::adjournments as a;
        let mut conn = app.conn();
        let at = adjournment_on.and_hms_opt(5, 0, 0).unwrap();
        let row = amaan::db::adjournments::create(
            &mut conn,
            &amaan::db::adjournments::NewAdjournment {
                court_id: court.id,
                case_id: case,
                hearing_id: adjourned,
                requested_by: "defence".into(),
                reason_code: "counsel_engaged_elsewhere".into(),
                details: ADJOURNMENT_DETAILS.into(),
                proposed_starts_at: None,
                proposed_ends_at: None,
                remand_days: None,
                for_child_welfare: false,
                status: "granted".into(),
                refusals: None,
                recorded_by: court.clerk_id,
                created_at: at,
                overridden: true,
            },
        )
        .unwrap();
        diesel::update(a::table.find(row.id))
            .set((
                a::decided_by.eq(Some(court.judge_id)),
                a::decided_at.eq(Some(at)),
                a::decision_reasons.eq(Some("Granted because the senior counsel's brief is unavoidable.")),
                a::delay_days.eq(Some(21)),
            ))
            .execute(&mut conn)
            .unwrap();
        amaan::db::adjournments::mark_adjourned(&mut conn, adjourned).unwrap();
    }
    let custody = past_hearing(&app, &court, room, case, 20);
    outcome(
        &app,
        &court,
        custody,
        json!({"kind": "not_held", "reason_code": "accused_not_produced", "child_brought": true}),
    )
    .await;

    let path = format!("/api/cases/{case}/escalation-reports");
    let before = app.snapshot();
    for (token, body, status, field) in [
        (&court.judge, json!({"clock_id": "ar2021_s16_decision"}), StatusCode::UNPROCESSABLE_ENTITY, Some("clock_id")),
        (&court.judge, json!({"clock_id": "no_such_clock"}), StatusCode::UNPROCESSABLE_ENTITY, Some("clock_id")),
        (&court.judge, json!({}), StatusCode::UNPROCESSABLE_ENTITY, Some("clock_id")),
        (&court.clerk, json!({"clock_id": CLOCK}), StatusCode::FORBIDDEN, None),
        (&other.judge, json!({"clock_id": CLOCK}), StatusCode::NOT_FOUND, None),
    ] {
        let (s, problem) = app.post(&path, Some(token), body.clone()).await;
        assert_eq!(s, status, "{body} -> {problem}");
        if let Some(f) = field {
            assert_eq!(problem["field"], f, "{problem}");
        }
    }
    assert_eq!(app.snapshot(), before, "nothing was written");

    let (s, made) = app.post(&path, Some(&court.judge), json!({"clock_id": CLOCK})).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let r = &made["report"];
    let cognizance = today() - Days::new(100);
    let deadline = cognizance.checked_add_months(Months::new(3)).unwrap();
    assert_eq!(made["escalate_to"], "Chief Justice of the High Court");
    assert_eq!(r["clock"]["deadline"], json!(deadline));
    assert_eq!(r["clock"]["days_overdue"], (today() - deadline).num_days());
    assert_eq!(r["case"]["cognizance_date"], json!(cognizance));
    assert_eq!(r["case"]["number"], "K-44/2026");
    assert_eq!(r["case"]["children"], json!(["Child A"]));
    assert_eq!(r["generated_on"], json!(today()));

    let day = |n: u64| json!(today() - Days::new(n));
    let hearings: Vec<(Value, Value, Value, Value)> = r["hearings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["day"].clone(), h["result"].clone(), h["caused_by"].clone(), h["not_held_reason_label"].clone()))
        .collect();
    assert_eq!(
        hearings,
        [
            (day(60), json!("not_held"), json!("defence"), json!("Defence counsel was absent")),
            (day(45), json!("held"), Value::Null, Value::Null),
            (day(30), json!("adjourned"), Value::Null, Value::Null),
            (day(20), json!("not_held"), json!("state_custody"), json!("The accused was not produced from custody")),
        ],
        "{r}"
    );
    assert_eq!(r["hearings"][1]["child_evidence"], "part");
    let a = &r["adjournments"][0];
    assert_eq!(r["adjournments"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&a["requested_on"], &a["requested_by"], &a["reason_label"], &a["status"], &a["overridden"], &a["delay_days"]),
        (
            &day(30),
            &json!("defence"),
            &json!("Counsel is engaged in another court"),
            &json!("granted"),
            &json!(true),
            &json!(21)
        )
    );
    assert_eq!(
        r["delays_by_cause"],
        json!([
            {"cause": "defence", "hearings_not_held": 1, "adjournments_granted": 1, "days_adjourned": 21},
            {"cause": "state_custody", "hearings_not_held": 1, "adjournments_granted": 0, "days_adjourned": 0},
        ])
    );
    let text = made.to_string();
    for secret in [
        CHILD,
        "Zainab",
        CHILD_DOB,
        GUARDIAN_PHONE,
        GUARDIAN_EMAIL,
        ADJOURNMENT_DETAILS,
        "senior counsel",
        "Rashida",
        CONTINUES,
    ] {
        assert!(!text.contains(secret), "the report carries `{secret}`: {text}");
    }
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["sent"], false);

    // One report per case and clock.
    let (s, again) = app.post(&path, Some(&court.judge), json!({"clock_id": CLOCK})).await;
    assert_problem(s, &again, StatusCode::CONFLICT, "conflict");

    // Printable: one self-contained page with the same facts.
    let (s, ct, page) = raw_get(&app, &format!("/api/escalation-reports/{id}/print"), &court.admin).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    for fact in [
        "Chief Justice of the High Court",
        &deadline.to_string(),
        "Defence counsel was absent",
        "Counsel is engaged in another court",
        "K-44/2026",
        "Not yet recorded as sent",
    ] {
        assert!(page.contains(fact), "the page lacks `{fact}`");
    }
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "{page}");
    assert!(!page.contains(CHILD) && !page.contains(ADJOURNMENT_DETAILS));
    assert_styled_by_served_css(&app, &format!("/api/escalation-reports/{id}/print"), &court.admin, "report").await;

    // Sent: when and by whom, once, in the audit trail.
    let (s, sent) = app.post(&format!("/api/escalation-reports/{id}/sent"), Some(&court.judge), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    assert_eq!((sent["sent"].clone(), sent["sent_by"].clone()), (json!(true), json!(court.judge_id)));
    let sent_at: chrono::DateTime<Utc> = serde_json::from_value(sent["sent_at"].clone()).unwrap();
    assert!((Utc::now() - sent_at).num_minutes().abs() < 5, "{sent}");
    let (s, twice) = app.post(&format!("/api/escalation-reports/{id}/sent"), Some(&court.admin), json!({})).await;
    assert_problem(s, &twice, StatusCode::CONFLICT, "conflict");
    let (s, trail) = app.get(&format!("/api/audit?entity=escalation_report&entity_id={id}"), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    assert_eq!(trail["total"], 2, "generated and sent: {trail}");
    assert!(!trail.to_string().contains(CHILD), "{trail}");
    let (_, list) = app.get(&format!("/api/courts/{}/escalation-reports", court.id), Some(&court.judge)).await;
    assert_eq!(list["items"][0]["id"], id, "{list}");
    let (s, body) = app.get(&format!("/api/escalation-reports/{id}"), Some(&other.judge)).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");

    // The monitor of Kasur reads it as made; Okara's does not see it.
    let kasur = monitor(&app, "kasur-cell", json!({"province": "Punjab", "district": "Kasur"})).await;
    let okara = monitor(&app, "okara-cell", json!({"province": "Punjab", "district": "Okara"})).await;
    let (s, list) = app.get("/api/monitor/escalation-reports", Some(&kasur)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["report"], made["report"], "the monitor reads the report as it was made");
    assert_eq!(list["items"][0]["sent_by"], court.judge_id);
    let (s, one) = app.get(&format!("/api/monitor/escalation-reports/{id}"), Some(&kasur)).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    let (s, _, page) = raw_get(&app, &format!("/api/monitor/escalation-reports/{id}/print"), &kasur).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Chief Justice") && !page.contains(CHILD));
    let (_, none) = app.get("/api/monitor/escalation-reports", Some(&okara)).await;
    assert_eq!(none["items"], json!([]), "{none}");
    let (s, body) = app.get(&format!("/api/monitor/escalation-reports/{id}"), Some(&okara)).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
    // Court staff do not use the monitor's routes, nor the monitor the court's.
    let (s, body) = app.get(&format!("/api/monitor/escalation-reports/{id}"), Some(&court.judge)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (s, body) = app.get(&format!("/api/escalation-reports/{id}"), Some(&kasur)).await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
}
