use chrono::{Days, Weekday};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{karachi, next_weekday, spawn_app, today};

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
    // the coming Tuesday; a mention in the week after.
    let tuesday = next_weekday(today(), Weekday::Tue);
    let (monday, friday) = (tuesday - Days::new(1), tuesday + Days::new(3));
    let week_after = tuesday + Days::new(7);
    for (kind, starts, ends, child) in [
        ("evidence", karachi(tuesday, "10:00"), karachi(tuesday, "11:30"), true),
        ("arguments", karachi(tuesday, "14:00"), karachi(tuesday, "15:00"), false),
        ("mention", karachi(week_after, "10:00"), karachi(week_after, "11:00"), false),
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
    let week = format!("/api/courts/{}/hearings?from={monday}&to={friday}", court.id);
    let (s, body) = app.get(&week, Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "only this week's two hearings: {body}");
    assert_eq!(items[0]["case_number"], "CSA-1/2026");
    assert_eq!(items[0]["starts_at"], format!("{tuesday}T05:00:00Z"));
    assert_eq!(items[1]["starts_at"], format!("{tuesday}T09:00:00Z"));

    // A day is the court's day: 00:00 Karachi is 19:00 UTC the day before.
    let (_, day) =
        app.get(&format!("/api/courts/{}/hearings?from={tuesday}&to={tuesday}", court.id), Some(&court.support)).await;
    assert_eq!(day["items"].as_array().map(Vec::len), Some(2));

    let (s, _) = app.get(&week, Some(&other.clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) =
        app.get(&format!("/api/courts/{}/hearings?from={friday}&to={monday}", court.id), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .get(
            &format!("/api/courts/{}/hearings?from={monday}&to={}", court.id, monday + Days::new(364)),
            Some(&court.clerk),
        )
        .await;
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
