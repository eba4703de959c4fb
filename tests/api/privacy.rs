use reqwest::StatusCode;

use crate::helpers::spawn_app;

const CHILD: &str = "Zainab Qamar";

#[tokio::test]
async fn the_childs_name_reaches_only_clerk_judge_and_support_officer() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-7/2026", CHILD).await;
    let paths = [format!("/api/cases/{case_id}"), format!("/api/cases/{case_id}/parties"), "/api/cases".to_string()];
    for (who, token) in [("clerk", &court.clerk), ("judge", &court.judge), ("support", &court.support)] {
        let (s, body) = app.get(&paths[0], Some(token)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.to_string().contains(CHILD), "{who} should see the child's name");
        assert!(body.to_string().contains("2018-05-04"));
    }
    // The court's administrator and a system administrator see a pseudonym and an age.
    for token in [&court.admin, &app.admin_token] {
        for path in &paths {
            let path = if path == "/api/cases" { format!("/api/cases?court_id={}", court.id) } else { path.clone() };
            let (s, body) = app.get(&path, Some(token)).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            let text = body.to_string();
            assert!(!text.contains(CHILD), "{path} leaked the name: {text}");
            assert!(!text.contains("Zainab"), "{path} leaked the first name");
            assert!(!text.contains("2018-05-04"), "{path} leaked the date of birth");
            assert!(text.contains("Child A"), "{path} should carry the pseudonym: {text}");
        }
    }
    let (_, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.admin)).await;
    let child = parties["items"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["role"] == "child_witness").cloned())
        .unwrap_or_default();
    assert_eq!(child["name"], "Child A");
    assert!(child["age"].as_i64().is_some_and(|a| a >= 8));
    assert_eq!(child["identity_withheld"], true);
}

#[tokio::test]
async fn the_audit_trail_never_holds_the_childs_name() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    app.child_case(&court, "CSA-8/2026", CHILD).await;
    let (s, body) = app.get("/api/audit?per_page=100", Some(&court.judge)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body["total"].as_i64().is_some_and(|n| n >= 5));
    assert!(!body.to_string().contains(CHILD));
    assert!(!body.to_string().contains("2018-05-04"));
    assert!(body.to_string().contains("Child A"));
}
