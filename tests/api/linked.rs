//! Mass-victim cases: courts that share a building, linked cases, the
//! accused's associates, and the planned testimony of a linked group's
//! children.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, days_ago, spawn_app, Court, TestApp};

async fn building(app: &TestApp, name: &str) -> i64 {
    let (s, b) = app.post("/api/buildings", Some(&app.admin_token), json!({ "name": name })).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().expect("building id")
}

async fn place(app: &TestApp, court: &Court, building: i64) {
    let (s, b) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/courts/{}/building", court.id),
            Some(&court.admin),
            Some(json!({ "building_id": building })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn case(app: &TestApp, court: &Court, number: &str, cognizance_days_ago: u64) -> i64 {
    let (s, b) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": number, "offence": "s.377-B PPC", "cognizance_date": days_ago(cognizance_days_ago)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().expect("case id")
}

async fn party(app: &TestApp, court: &Court, case_id: i64, body: Value) -> Value {
    let (s, p) = app.post(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk), body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p
}

async fn link(app: &TestApp, court: &Court, a: i64, b: i64) -> (StatusCode, Value) {
    app.post(&format!("/api/cases/{a}/links"), Some(&court.clerk), json!({"case_id": b, "reason": "same_occurrence"}))
        .await
}

async fn video_room(app: &TestApp, court: &Court, name: &str) {
    let (s, b) = app
        .post(&format!("/api/courts/{}/rooms", court.id), Some(&court.admin), json!({"name": name, "video_link": true}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn cases_link_within_one_building_and_never_across_two() {
    let app = spawn_app().await;
    let a = app.court("Sessions Court Kasur I").await;
    let b = app.court("Sessions Court Kasur II").await;
    let far = app.court("Sessions Court Lahore").await;
    let kasur = building(&app, "Kasur Judicial Complex").await;
    place(&app, &a, kasur).await;
    place(&app, &b, kasur).await;
    let one = case(&app, &a, "FIR 1/2015", 10).await;
    let two = case(&app, &a, "FIR 2/2015", 10).await;
    let three = case(&app, &b, "FIR 3/2015", 10).await;
    let lahore = case(&app, &far, "FIR 9/2015", 10).await;

    let (s, l) = link(&app, &a, one, two).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    // a case of the other court in the same building
    let (s, l) = link(&app, &a, one, three).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");

    // a court in another building: refused with the reason, nothing written
    let before = app.snapshot();
    let (s, p) = link(&app, &a, two, lahore).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(p["detail"].as_str().unwrap_or_default().contains("another building"), "{p}");
    let (s, p) = link(&app, &a, one, one).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (s, p) = link(&app, &a, two, one).await;
    assert_problem(s, &p, StatusCode::CONFLICT, "conflict");
    let (s, p) = app
        .post(&format!("/api/cases/{one}/links"), Some(&a.clerk), json!({"case_id": two, "reason": "because"}))
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(app.snapshot(), before, "a refused link wrote something");

    // the group is the three cases, seen from any of them
    let (s, g) = app.get(&format!("/api/cases/{two}/links"), Some(&a.judge)).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["group"], json!([one, two, three]));

    let (s, _) =
        app.send(reqwest::Method::DELETE, &format!("/api/cases/{two}/links/{one}"), Some(&a.clerk), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, g) = app.get(&format!("/api/cases/{two}/links"), Some(&a.clerk)).await;
    assert_eq!(g["group"], json!([two]));
    let (s, p) =
        app.send(reqwest::Method::DELETE, &format!("/api/cases/{two}/links/{one}"), Some(&a.clerk), None).await;
    assert_problem(s, &p, StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn an_associate_with_a_child_side_identity_is_refused() {
    let app = spawn_app().await;
    let court = app.court("Sessions Court Kasur").await;
    let first = app.child_case(&court, "FIR 11/2015", "Ayesha Bibi").await;
    let second = case(&app, &court, "FIR 12/2015", 10).await;
    let (s, l) = link(&app, &court, first, second).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let (_, parties) = app.get(&format!("/api/cases/{first}/parties"), Some(&court.clerk)).await;
    let child_party = parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["role"] == "child_witness"))
        .map(|p| p["id"].clone())
        .expect("the child");

    let before = app.snapshot();
    let path = format!("/api/cases/{second}/associates");
    // the child of the linked case, however it is spelled
    let (s, p) = app.post(&path, Some(&court.clerk), json!({"name": "ayesha   BIBI", "relation": "cousin"})).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(!p.to_string().contains("Ayesha"), "the refusal repeats the child's name: {p}");
    // the guardian
    let (s, p) = app.post(&path, Some(&court.clerk), json!({"name": "Guardian Person", "relation": "neighbour"})).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    // the child's party named by id
    let (s, p) = app
        .post(&path, Some(&court.clerk), json!({"name": "Someone Else", "relation": "x", "party_id": child_party}))
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (s, p) = app.post(&path, Some(&court.clerk), json!({"name": "", "relation": "brother"})).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(app.snapshot(), before, "a refused associate wrote something");

    let (s, a) =
        app.post(&path, Some(&court.clerk), json!({"name": "Rashid Khan", "relation": "brother of the accused"})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, list) = app.get(&path, Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    // the group names it, on the accused side
    let (s, g) = app.get(&format!("/api/case-groups/{first}"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["associates"][0]["name"], "Rashid Khan");
}

/// Two courts in one building; three linked cases; one child a witness in
/// two of them; two siblings with one guardian.
async fn kasur_group(app: &TestApp) -> (Court, Court, i64, i64) {
    let a = app.court("Anti-Rape Court Kasur I").await;
    let b = app.court("Anti-Rape Court Kasur II").await;
    let kasur = building(app, "Kasur Judicial Complex").await;
    place(app, &a, kasur).await;
    place(app, &b, kasur).await;
    app.waiting_areas(&a).await;
    video_room(app, &a, "Video Room 1").await;
    video_room(app, &b, "Video Room 2").await;
    let one = case(app, &a, "FIR 21/2015", 5).await;
    let two = case(app, &a, "FIR 22/2015", 5).await;
    let three = case(app, &b, "FIR 23/2015", 5).await;
    for (x, y) in [(one, two), (one, three)] {
        let (s, l) = link(app, &a, x, y).await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
    }
    // siblings in case one, with one guardian
    let mother = party(app, &a, one, json!({"role": "guardian", "name": "Shazia Parveen"})).await;
    let elder = party(
        app,
        &a,
        one,
        json!({"role": "child_witness", "name": "Hina Parveen", "date_of_birth": "2012-03-01", "guardian_party_id": mother["id"]}),
    )
    .await;
    party(
        app,
        &a,
        one,
        json!({"role": "child_witness", "name": "Sana Parveen", "date_of_birth": "2015-07-09", "guardian_party_id": mother["id"]}),
    )
    .await;
    party(app, &a, one, json!({"role": "accused", "name": "Accused One"})).await;
    // the elder sister is a witness in case two as well: one person
    party(
        app,
        &a,
        two,
        json!({"role": "child_witness", "name": "Hina Parveen", "date_of_birth": "2012-03-01", "same_person_as": elder["id"]}),
    )
    .await;
    party(app, &a, two, json!({"role": "accused", "name": "Accused Two"})).await;
    // another court's child
    party(app, &b, three, json!({"role": "child_witness", "name": "Bilal Ahmed", "date_of_birth": "2011-01-20"})).await;
    party(app, &b, three, json!({"role": "accused", "name": "Accused Three"})).await;
    let (s, x) = app
        .post(
            &format!("/api/cases/{one}/associates"),
            Some(&a.clerk),
            json!({"name": "Rashid Khan", "relation": "brother of Accused One"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    (a, b, one, three)
}

#[tokio::test]
async fn a_linked_groups_children_are_each_planned_once_with_what_if_answers() {
    let app = spawn_app().await;
    let (a, b, one, three) = kasur_group(&app).await;
    let before = app.snapshot();
    // an hour each, so that the two sisters fit in one morning's child hours
    let (s, plan) =
        app.post(&format!("/api/case-groups/{one}/testimony-plan"), Some(&a.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    assert_eq!(app.snapshot(), before, "a plan is a proposal: nothing is written");

    // three persons: the child in two cases is heard once
    assert_eq!(plan["children"], 3, "{plan}");
    let sittings = plan["sittings"].as_array().cloned().unwrap_or_default();
    assert_eq!(sittings.len(), 3, "{plan}");
    assert_eq!(plan["not_placed"], json!([]));
    let mut ids: Vec<i64> = sittings.iter().filter_map(|s| s["child"]["id"].as_i64()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    // the profile lets one testimony be read in each linked case
    assert_eq!(plan["evidence_read_in_each"], true);
    let hina = sittings.iter().find(|s| s["child"]["name"] == "Hina Parveen").expect("Hina's sitting");
    assert_eq!(hina["read_in"].as_array().map(Vec::len), Some(2), "{hina}");
    // siblings on one day, the younger first
    let sana = sittings.iter().find(|s| s["child"]["name"] == "Sana Parveen").expect("Sana's sitting");
    let day = |s: &Value| s["booking"]["local_start"].as_str().unwrap_or_default()[..10].to_string();
    assert_eq!(day(hina), day(sana));
    assert!(sana["booking"]["starts_at"].as_str() < hina["booking"]["starts_at"].as_str());
    assert_eq!(hina["family"], sana["family"]);
    // the other court's child: a pseudonym and an age to this clerk
    let other =
        sittings.iter().find(|s| s["case_id"] != json!(one) && s["child"]["name"] != "Hina Parveen").expect("a third");
    assert_eq!(other["child"]["identity_withheld"], true, "{other}");
    assert!(!plan.to_string().contains("Bilal"), "another court's child named: {plan}");
    assert!(other["child"]["age"].as_i64().is_some());
    // every sitting has both sides apart: the child side in a child-friendly room
    for s in &sittings {
        let sides = s["booking"]["sides"].as_array().cloned().unwrap_or_default();
        let child = sides.iter().find(|x| x["side"] == "child").expect("a child side");
        let accused = sides.iter().find(|x| x["side"] == "accused").expect("an accused side");
        assert_ne!(child["waiting_area_id"], accused["waiting_area_id"]);
    }
    // court B's clerk plans the same group from its own case, and sees its
    // own child by name and court A's children by pseudonym
    let (s, from_b) =
        app.post(&format!("/api/case-groups/{three}/testimony-plan"), Some(&b.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{from_b}");
    assert_eq!(from_b["group"], plan["group"]);
    assert!(from_b.to_string().contains("Bilal Ahmed") && !from_b.to_string().contains("Parveen"), "{from_b}");
    // the plan states how many are in time; what-if never loses a child in time
    assert_eq!(plan["in_time"].as_u64().unwrap_or(0) as usize + plan["late"].as_array().map_or(0, Vec::len), 3);
    let answers = plan["what_if"].as_array().cloned().unwrap_or_default();
    assert!(answers.len() >= 3, "{plan}");
    for w in &answers {
        assert!(w["gained"].as_i64().unwrap_or(-1) >= 0, "{w}");
        assert!(w["in_time"].as_u64() >= plan["in_time"].as_u64(), "{w}");
    }
    // the associate comes with the accused side
    assert_eq!(plan["associates"][0]["side"], "accused");
}

#[tokio::test]
async fn a_testimony_plan_refuses_bad_input_and_roles_without_the_docket() {
    let app = spawn_app().await;
    let (a, _b, one, _) = kasur_group(&app).await;
    let path = format!("/api/case-groups/{one}/testimony-plan");
    for (body, field) in [
        (json!({"minutes": 7}), "minutes"),
        (json!({"video_days": "mon,funday"}), "video_days"),
        (json!({"from": days_ago(3)}), "from"),
        (json!({"from": days_ago(0)}), "from"),
        (json!({"until": days_ago(30)}), "until"),
    ] {
        let (s, p) = app.post(&path, Some(&a.clerk), body.clone()).await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert!(p.to_string().contains(field), "{body} → {p}");
    }
    let (s, p) = app.post(&path, Some(&a.clerk), json!({"minutes": "ninety"})).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let (s, p) = app.post(&path, Some(&a.support), json!({})).await;
    assert_problem(s, &p, StatusCode::FORBIDDEN, "forbidden");
    // another court's clerk outside the building does not see the group
    let far = app.court("Sessions Court Lahore").await;
    let (s, p) = app.post(&path, Some(&far.clerk), json!({})).await;
    assert_problem(s, &p, StatusCode::NOT_FOUND, "not-found");
    // a group with no child to hear
    let lone = case(&app, &a, "FIR 99/2015", 3).await;
    let (s, p) = app.post(&format!("/api/case-groups/{lone}/testimony-plan"), Some(&a.clerk), json!({})).await;
    assert_problem(s, &p, StatusCode::CONFLICT, "conflict");
}

async fn hearing(app: &TestApp, court: &Court, case_id: i64, kind: &str) -> i64 {
    let (s, body) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": kind, "child_testifies": false, "mode": "in_person"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("hearing id")
}

async fn plain_room(app: &TestApp, court: &Court, name: &str) -> i64 {
    let (s, r) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": name, "video_link": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r["id"].as_i64().expect("room id")
}

#[tokio::test]
async fn courts_of_one_building_share_its_gates_and_waiting_areas() {
    let app = spawn_app().await;
    let a = app.court("Sessions Court Kasur I").await;
    let b = app.court("Sessions Court Kasur II").await;
    // one gate for the building; the waiting areas were registered by court A
    for (name, child) in [("Children's Room", true), ("Main Hall", false), ("Holding Room", false)] {
        let (s, body) = app
            .post(
                &format!("/api/courts/{}/waiting-areas", a.id),
                Some(&a.admin),
                json!({"name": name, "child_friendly": child, "entrance": "Main Gate"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let room_a = plain_room(&app, &a, "Court Room A").await;
    let room_b = plain_room(&app, &b, "Court Room B").await;
    let kasur = building(&app, "Kasur Judicial Complex").await;
    place(&app, &a, kasur).await;
    place(&app, &b, kasur).await;

    let day = crate::helpers::next_weekday(crate::helpers::today() + chrono::Days::new(2), chrono::Weekday::Wed);
    let adult = case(&app, &b, "B-1", 3).await;
    party(&app, &b, adult, json!({"role": "accused", "name": "Accused B"})).await;
    let child_case = app.child_case(&a, "A-1", "Nadia Bibi").await;
    let other = hearing(&app, &b, adult, "bail").await;
    let child = hearing(&app, &a, child_case, "mention").await;
    // court B has no waiting area of its own: its accused waits in the building's
    let at = |hm: &str, judge: i64, room: i64| json!({"starts_at": crate::helpers::karachi(day, hm), "minutes": 60, "judge_id": judge, "room_id": room});
    let (s, body) =
        app.post(&format!("/api/hearings/{other}/book"), Some(&b.clerk), at("09:00", b.judge_id, room_b)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // court B's accused leaves through the one gate until 10:25: court A's
    // child may not arrive at 10:00 for 10:30
    let (s, body) =
        app.post(&format!("/api/hearings/{child}/book"), Some(&a.clerk), at("10:30", a.judge_id, room_a)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap_or_default().contains("entrance"), "{body}");
    let (s, body) =
        app.post(&format!("/api/hearings/{child}/book"), Some(&a.clerk), at("11:30", a.judge_id, room_a)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // the validator of each court reads the building, and reports its own hearings
    for court in [&a, &b] {
        let (s, v) = app.get(&format!("/api/schedule/violations?from={day}&to={day}"), Some(&court.clerk)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["bookings"], 1, "{v}");
        assert_eq!(v["violations"], json!([]), "{v}");
    }
}

fn child_party(parties: &Value, name: &str) -> i64 {
    parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("no party {name}: {parties}"))
}

#[tokio::test]
async fn siblings_are_the_children_of_the_guardian_named_at_registration() {
    let app = spawn_app().await;
    let court = app.court("Anti-Rape Court Kasur").await;
    app.waiting_areas(&court).await;
    video_room(&app, &court, "Video Room 1").await;
    let one = case(&app, &court, "FIR 31/2015", 5).await;
    let two = case(&app, &court, "FIR 32/2015", 5).await;
    let apart = case(&app, &court, "FIR 39/2015", 5).await;
    let (s, l) = link(&app, &court, one, two).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let mother = party(&app, &court, one, json!({"role": "guardian", "name": "Rukhsana Bibi"})).await["id"].clone();
    let accused = party(&app, &court, one, json!({"role": "accused", "name": "Accused One"})).await["id"].clone();
    let stranger =
        party(&app, &court, apart, json!({"role": "guardian", "name": "Other Guardian"})).await["id"].clone();
    // a second guardian in case one, who brings nobody here: a case with
    // two guardians no longer decides who is whose sibling
    party(&app, &court, one, json!({"role": "guardian", "name": "Neighbour Guardian"})).await;

    let path = |case_id: i64| format!("/api/cases/{case_id}/parties");
    let child = |name: &str, dob: &str, guardian: &Value| json!({"role": "child_witness", "name": name, "date_of_birth": dob, "guardian_party_id": guardian});
    let before = app.snapshot();
    for (case_id, body) in [
        // the guardian must be a guardian
        (one, child("Asma Bibi", "2013-01-01", &accused)),
        // of this case or a linked one
        (one, child("Asma Bibi", "2013-01-01", &stranger)),
        (one, child("Asma Bibi", "2013-01-01", &json!(999_999))),
        // and is named only for a child witness
        (one, json!({"role": "witness", "name": "Adult Witness", "guardian_party_id": mother})),
    ] {
        let (s, p) = app.post(&path(case_id), Some(&court.clerk), body.clone()).await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert!(p.to_string().contains("guardian_party_id"), "{body} → {p}");
        assert!(!p.to_string().contains("Asma"), "the refusal repeats the child's name: {p}");
    }
    assert_eq!(app.snapshot(), before, "a refused party wrote something");

    // two sisters in two linked cases, brought by one mother; a third child
    // of case one with no guardian named
    party(&app, &court, one, child("Asma Bibi", "2013-01-01", &mother)).await;
    party(&app, &court, two, child("Iqra Bibi", "2016-06-06", &mother)).await;
    party(&app, &court, two, json!({"role": "accused", "name": "Accused Two"})).await;
    party(&app, &court, one, json!({"role": "child_witness", "name": "Zara Khan", "date_of_birth": "2014-02-02"}))
        .await;
    let (s, audit) = app.get(&format!("/api/audit?entity=party&per_page=100"), Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains("guardian_party_id"), "the guardian link is not audited: {audit}");

    let (s, g) = app.get(&format!("/api/case-groups/{one}"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let family = |name: &str| {
        g["children"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["party"]["name"] == name))
            .map(|c| c["family"].clone())
            .unwrap_or_else(|| panic!("no child {name}: {g}"))
    };
    assert_eq!(family("Asma Bibi"), family("Iqra Bibi"));
    assert_ne!(family("Asma Bibi"), family("Zara Khan"));

    // the plan brings the sisters on one day, the younger first
    let (s, plan) =
        app.post(&format!("/api/case-groups/{one}/testimony-plan"), Some(&court.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let sitting = |name: &str| {
        plan["sittings"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["child"]["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no sitting for {name}: {plan}"))
    };
    let (asma, iqra) = (sitting("Asma Bibi"), sitting("Iqra Bibi"));
    let day = |s: &Value| s["booking"]["local_start"].as_str().unwrap_or_default()[..10].to_string();
    assert_eq!(day(&asma), day(&iqra));
    assert!(iqra["booking"]["starts_at"].as_str() < asma["booking"]["starts_at"].as_str());
}

#[tokio::test]
async fn a_child_whose_evidence_is_recorded_in_full_is_not_planned_again() {
    let app = spawn_app().await;
    let (a, b, one, three) = kasur_group(&app).await;
    let (_, parties) = app.get(&format!("/api/cases/{one}/parties"), Some(&a.clerk)).await;
    let sana = child_party(&parties, "Sana Parveen");
    // Sana testified yesterday in full
    let starts = crate::helpers::today().pred_opt().unwrap_or_default().and_hms_opt(5, 0, 0).unwrap_or_default();
    let heard = app.seed_hearing(&amaan::db::hearings::NewHearing {
        case_id: one,
        kind: "evidence".into(),
        judge_id: Some(a.judge_id),
        room_id: None,
        starts_at: Some(starts),
        ends_at: Some(starts + chrono::Duration::hours(1)),
        child_testifies: true,
        mode: "video_link".into(),
        status: "scheduled".into(),
        created_at: chrono::Utc::now().naive_utc(),
    });
    let (s, body) = app
        .post(
            &format!("/api/hearings/{heard}/outcome"),
            Some(&a.judge),
            json!({"kind": "held", "child_evidence": "full", "children": [sana]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    let (s, plan) =
        app.post(&format!("/api/case-groups/{one}/testimony-plan"), Some(&a.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    assert_eq!(plan["children"], 3, "{plan}");
    assert_eq!(plan["already_heard"]["count"], 1, "{plan}");
    assert_eq!(plan["already_heard"]["children"][0]["name"], "Sana Parveen");
    let sittings = plan["sittings"].as_array().cloned().unwrap_or_default();
    assert_eq!(sittings.len(), 2, "{plan}");
    assert!(sittings.iter().all(|s| s["party_id"] != json!(sana)), "Sana is planned again: {plan}");
    assert_eq!(plan["in_time"].as_u64().unwrap_or(0) as usize + plan["late"].as_array().map_or(0, Vec::len), 2);
    // to the other court's clerk, the heard child is a pseudonym
    let (s, from_b) =
        app.post(&format!("/api/case-groups/{three}/testimony-plan"), Some(&b.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{from_b}");
    assert_eq!(from_b["already_heard"]["count"], 1);
    assert_eq!(from_b["already_heard"]["children"][0]["identity_withheld"], true, "{from_b}");
    assert!(!from_b.to_string().contains("Parveen"), "{from_b}");
}

/// The sittings of a plan as the booking takes them.
fn to_book(sittings: &[Value]) -> Vec<Value> {
    sittings
        .iter()
        .map(|s| {
            json!({
                "party_id": s["party_id"],
                "starts_at": s["booking"]["starts_at"],
                "ends_at": s["booking"]["ends_at"],
                "judge_id": s["booking"]["judge_id"],
                "room_id": s["booking"]["room_id"],
            })
        })
        .collect()
}

#[tokio::test]
async fn the_clerk_books_a_planned_group_all_or_nothing_and_only_once() {
    let app = spawn_app().await;
    let (a, _b, one, _three) = kasur_group(&app).await;
    let plan_path = format!("/api/case-groups/{one}/testimony-plan");
    let (s, plan) = app.post(&plan_path, Some(&a.clerk), json!({"minutes": 60})).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let sittings = plan["sittings"].as_array().cloned().unwrap_or_default();
    assert_eq!(sittings.len(), 3, "{plan}");
    let (own, other): (Vec<Value>, Vec<Value>) =
        sittings.iter().cloned().partition(|s| s["child"]["identity_withheld"] != json!(true));
    assert_eq!((own.len(), other.len()), (2, 1), "{plan}");
    let book_path = format!("{plan_path}/book");

    // all or nothing: the other court's child cannot be booked by this
    // clerk, and the two that could are not booked either
    let before = app.snapshot();
    let (s, p) = app.post(&book_path, Some(&a.clerk), json!({ "sittings": to_book(&sittings) })).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(p["detail"].as_str().unwrap_or_default().contains("another court"), "{p}");
    assert_eq!(app.snapshot(), before, "a refused plan booked something");
    // bad input: nothing, twice the same child, a bad time, a stranger
    let mut twice = to_book(&own);
    twice.push(twice[0].clone());
    let mut bad_time = to_book(&own);
    bad_time[0]["starts_at"] = json!("tomorrow at ten");
    let mut stranger = to_book(&own);
    stranger[0]["party_id"] = json!(999_999);
    for body in [
        json!({"sittings": []}),
        json!({"sittings": twice}),
        json!({"sittings": bad_time}),
        json!({"sittings": stranger}),
    ] {
        let (s, p) = app.post(&book_path, Some(&a.clerk), body.clone()).await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
    let (s, p) = app.post(&book_path, Some(&a.support), json!({ "sittings": to_book(&own) })).await;
    assert_problem(s, &p, StatusCode::FORBIDDEN, "forbidden");
    // a sitting moved onto another's room and time: the same refusal as a
    // booking by hand (the room is taken, or a side would meet)
    let mut clash = to_book(&own);
    clash[1]["starts_at"] = clash[0]["starts_at"].clone();
    clash[1]["ends_at"] = clash[0]["ends_at"].clone();
    let (s, p) = app.post(&book_path, Some(&a.clerk), json!({ "sittings": clash })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");
    assert_eq!(app.snapshot(), before, "a refused plan booked something");

    // the court's own children's sittings, booked in one request
    let (s, booked) = app.post(&book_path, Some(&a.clerk), json!({ "sittings": to_book(&own) })).await;
    assert_eq!(s, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["booked"], 2, "{booked}");
    let hearings: Vec<i64> =
        booked["hearings"].as_array().map(|v| v.iter().filter_map(Value::as_i64).collect()).unwrap_or_default();
    assert_eq!(hearings.len(), 2);
    let (s, listed) = app.get(&format!("/api/cases/{one}/hearings"), Some(&a.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    for h in &hearings {
        let found = listed["items"].as_array().and_then(|a| a.iter().find(|x| x["id"] == json!(h))).cloned();
        let found = found.unwrap_or_else(|| panic!("hearing {h} not listed: {listed}"));
        assert_eq!(found["status"], "scheduled", "{found}");
        assert_eq!(found["child_testifies"], true, "{found}");
    }
    // booked as planned, and the validator finds nothing wrong on those days
    for (s, planned) in booked["sittings"].as_array().cloned().unwrap_or_default().iter().zip(&own) {
        assert_eq!(s["booking"]["starts_at"], planned["booking"]["starts_at"], "{s}");
        assert_eq!(s["booking"]["room_id"], planned["booking"]["room_id"], "{s}");
    }
    let days: Vec<String> =
        own.iter().map(|s| s["booking"]["local_start"].as_str().unwrap_or_default()[..10].to_string()).collect();
    let (from, to) = (days.iter().min().cloned().unwrap_or_default(), days.iter().max().cloned().unwrap_or_default());
    let (s, v) = app.get(&format!("/api/schedule/violations?from={from}&to={to}"), Some(&a.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["bookings"], 2, "{v}");
    assert_eq!(v["violations"], json!([]), "{v}");
    let (s, audit) = app.get(&format!("/api/audit?entity=case&entity_id={one}&per_page=100"), Some(&a.judge)).await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains("book_plan"), "{audit}");

    // the same plan again: refused, no second sitting for anyone
    let after = app.snapshot();
    let (s, p) = app.post(&book_path, Some(&a.clerk), json!({ "sittings": to_book(&own) })).await;
    assert_problem(s, &p, StatusCode::CONFLICT, "conflict");
    assert!(p["detail"].as_str().unwrap_or_default().contains("already has a sitting"), "{p}");
    assert_eq!(app.snapshot(), after, "booking a plan twice wrote something");
}
