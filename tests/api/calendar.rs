use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_clerk_sees_the_weeks_hearings_of_her_court_and_not_another_courts() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let other = app.court("Special Court Okara").await;
    let (s, room) = app
        .post(
            &format!("/api/courts/{}/rooms", court.id),
            Some(&court.admin),
            json!({"name": "Court Room 1", "video_link": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    app.waiting_areas(&court).await;
    let case_id = app.child_case(&court, "CSA-1/2026", "Ayesha Noor").await;
    // The child's evidence at 10:00 and arguments at 14:00 in Karachi on
    // Tuesday 1 December; a mention in the next week.
    for (kind, starts, ends, child) in [
        ("evidence", "2026-12-01T10:00:00+05:00", "2026-12-01T11:30:00+05:00", true),
        ("arguments", "2026-12-01T14:00:00+05:00", "2026-12-01T15:00:00+05:00", false),
        ("mention", "2026-12-08T10:00:00+05:00", "2026-12-08T11:00:00+05:00", false),
    ] {
        let (s, body) = app
            .post(
                &format!("/api/cases/{case_id}/hearings"),
                Some(&court.clerk),
                json!({"kind": kind, "judge_id": court.judge_id, "room_id": room["id"], "starts_at": starts, "ends_at": ends, "child_testifies": child, "mode": "video_link"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let week = format!("/api/courts/{}/hearings?from=2026-11-30&to=2026-12-04", court.id);
    let (s, body) = app.get(&week, Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "only this week's two hearings: {body}");
    assert_eq!(items[0]["case_number"], "CSA-1/2026");
    assert_eq!(items[0]["starts_at"], "2026-12-01T05:00:00Z");
    assert_eq!(items[1]["starts_at"], "2026-12-01T09:00:00Z");

    // A day is the court's day: 00:00 Karachi is 19:00 UTC the day before.
    let (_, day) = app
        .get(&format!("/api/courts/{}/hearings?from=2026-12-01&to=2026-12-01", court.id), Some(&court.support))
        .await;
    assert_eq!(day["items"].as_array().map(Vec::len), Some(2));

    let (s, _) = app.get(&week, Some(&other.clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) =
        app.get(&format!("/api/courts/{}/hearings?from=2026-12-04&to=2026-11-30", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) =
        app.get(&format!("/api/courts/{}/hearings?from=2026-01-01&to=2026-12-31", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_clerk_lists_the_judges_of_her_court_for_the_booking_form() {
    let app = spawn_app().await;
    let court = app.court("Special Court Kasur").await;
    let other = app.court("Special Court Okara").await;
    let (s, body) = app.get(&format!("/api/courts/{}/judges", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let ids: Vec<i64> = body["items"].as_array().expect("items").iter().filter_map(|j| j["id"].as_i64()).collect();
    assert_eq!(ids, vec![court.judge_id], "only this court's judge, not its clerk or another court's judge");
    let (s, _) = app.get(&format!("/api/courts/{}/judges", court.id), Some(&other.clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
