//! The OpenAPI document an integrator builds on: served, 3.1, describing
//! the routes the server really has, with request bodies taken from the
//! handlers' own types; and a method a path does not answer is a 405 that
//! says which it does.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn the_openapi_document_describes_the_api_sketch_with_the_handlers_own_bodies() {
    let app = spawn_app().await;
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for (method, path) in [
        ("post", "/api/auth/login"),
        ("get", "/health"),
        ("get", "/metrics"),
        ("post", "/api/courts"),
        ("get", "/api/courts/{id}/rooms"),
        ("get", "/api/courts/{id}/waiting-areas"),
        ("post", "/api/users"),
        ("post", "/api/cases"),
        ("get", "/api/cases/{id}"),
        ("post", "/api/cases/{id}/parties"),
        ("post", "/api/cases/{id}/hearings"),
        ("get", "/api/hearings/{id}"),
        ("get", "/api/hearings/slots"),
        ("get", "/api/hearings/{id}/arrival-plan"),
        ("post", "/api/plan"),
        ("get", "/api/docket"),
        ("post", "/api/hearings/{id}/adjournments"),
        ("post", "/api/adjournments/{id}/decision"),
        ("post", "/api/hearings/{id}/video-session"),
        ("post", "/api/video-sessions/{id}/invites"),
        ("post", "/api/video-sessions/{id}/state"),
        ("get", "/api/audit"),
        ("get", "/api/audit/verify"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is not described");
    }
    // The case body is CaseInput itself: its required fields, and nothing
    // else accepted (the handler denies unknown fields).
    let body = &paths["/api/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let required: Vec<&str> =
        body["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(required, ["number", "offence", "cognizance_date"], "{body}");
    assert_eq!(body["properties"]["accused_in_custody"]["type"], "boolean", "optional, as serde defaults it: {body}");
    assert_eq!(body["additionalProperties"], json!(false), "{body}");
    assert_eq!(body["properties"]["cognizance_date"]["format"], "date");
    // Errors are problems, by reference to one schema.
    let refused = &paths["/api/cases"]["post"]["responses"]["422"]["content"]["application/problem+json"]["schema"];
    assert_eq!(refused["$ref"], "#/components/schemas/Problem");
    assert!(doc["components"]["schemas"]["Problem"]["required"]
        .as_array()
        .is_some_and(|r| r.contains(&json!("detail"))));
}

#[tokio::test]
async fn every_described_route_is_one_the_server_answers() {
    let app = spawn_app().await;
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().expect("operations").keys() {
            let concrete = path.replace("{day}", "2020-01-01").replace(['{', '}'], "").replace("participant", "1");
            let concrete = ["id", "sid"].iter().fold(concrete, |p, name| p.replace(&format!("/{name}"), "/1"));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let (s, body) = app.send(m, &concrete, Some(&app.admin_token), None).await;
            let unrouted = s == StatusCode::NOT_FOUND && body["detail"].as_str() == Some("route not found");
            assert!(
                !unrouted && s != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} ({concrete}) is described but not served: {s} {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} operations described");
}

#[tokio::test]
async fn a_method_a_path_does_not_answer_is_a_405_naming_those_it_does() {
    let app = spawn_app().await;
    let (s, body) = app.send(reqwest::Method::PUT, "/api/cases", Some(&app.admin_token), None).await;
    assert_problem(s, &body, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("GET, POST")), "{body}");
    let resp = app.client.delete(format!("{}/health", app.address)).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET"));
    let (s, body) = app.get("/api/no-such-thing", Some(&app.admin_token)).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not-found");
}
