//! Bad input gets a clear problem response and changes nothing.

use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

struct Bad {
    what: &'static str,
    method: Method,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    as_who: &'static str,
    status: StatusCode,
    problem: &'static str,
    field: Option<&'static str>,
}

fn bad(
    what: &'static str,
    method: Method,
    path: impl Into<String>,
    body: &str,
    as_who: &'static str,
    status: StatusCode,
    problem: &'static str,
    field: Option<&'static str>,
) -> Bad {
    Bad {
        what,
        method,
        path: path.into(),
        content_type: "application/json",
        body: body.as_bytes().to_vec(),
        as_who,
        status,
        problem,
        field,
    }
}

#[tokio::test]
async fn bad_inputs_get_a_problem_and_write_nothing() {
    let app = spawn_app().await;
    let court = app.court("Court A").await;
    let case_id = app.child_case(&court, "CSA-1/2026", "Some Child").await;
    let c = court.id;
    let parties = format!("/api/cases/{case_id}/parties");
    use StatusCode as S;
    let table = vec![
        bad(
            "malformed JSON",
            Method::POST,
            "/api/cases",
            r#"{"number": "X-1", "offence": "#,
            "clerk",
            S::BAD_REQUEST,
            "malformed-body",
            None,
        ),
        bad(
            "not JSON at all",
            Method::POST,
            "/api/cases",
            "number=X-1",
            "clerk",
            S::BAD_REQUEST,
            "malformed-body",
            None,
        ),
        bad("empty body", Method::POST, "/api/cases", "", "clerk", S::BAD_REQUEST, "malformed-body", None),
        bad(
            "unknown field",
            Method::POST,
            "/api/cases",
            r#"{"number":"X-1","offence":"x","cognizance_date":"2026-10-01","judge":"me"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("judge"),
        ),
        bad(
            "wrong type",
            Method::POST,
            "/api/cases",
            r#"{"number":"X-1","offence":"x","cognizance_date":"2026-10-01","accused_in_custody":"yes"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("accused_in_custody"),
        ),
        bad(
            "number as a number",
            Method::POST,
            "/api/cases",
            r#"{"number":12,"offence":"x","cognizance_date":"2026-10-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("number"),
        ),
        bad(
            "missing field",
            Method::POST,
            "/api/cases",
            r#"{"number":"X-1","cognizance_date":"2026-10-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("offence"),
        ),
        bad(
            "impossible date",
            Method::POST,
            "/api/cases",
            r#"{"number":"X-1","offence":"x","cognizance_date":"2026-02-30"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("cognizance_date"),
        ),
        bad(
            "cognizance in the future",
            Method::POST,
            "/api/cases",
            r#"{"number":"X-1","offence":"x","cognizance_date":"2999-01-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("cognizance_date"),
        ),
        bad(
            "empty case number",
            Method::POST,
            "/api/cases",
            r#"{"number":"   ","offence":"x","cognizance_date":"2026-10-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("number"),
        ),
        bad(
            "duplicate case number",
            Method::POST,
            "/api/cases",
            r#"{"number":"CSA-1/2026","offence":"x","cognizance_date":"2026-10-01"}"#,
            "clerk",
            S::CONFLICT,
            "conflict",
            None,
        ),
        bad(
            "date of birth in the future",
            Method::POST,
            parties.clone(),
            r#"{"role":"child_witness","name":"Future Child","date_of_birth":"2999-01-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("date_of_birth"),
        ),
        bad(
            "a child without a date of birth",
            Method::POST,
            parties.clone(),
            r#"{"role":"child_witness","name":"No Birthday"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("date_of_birth"),
        ),
        bad(
            "an unknown party role",
            Method::POST,
            parties.clone(),
            r#"{"role":"uncle","name":"X"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("role"),
        ),
        bad(
            "a child on the accused side",
            Method::POST,
            parties.clone(),
            r#"{"role":"child_witness","side":"accused","name":"X","date_of_birth":"2018-01-01"}"#,
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("side"),
        ),
        bad(
            "unknown case id",
            Method::POST,
            "/api/cases/999999/parties",
            r#"{"role":"witness","name":"X"}"#,
            "clerk",
            S::NOT_FOUND,
            "not-found",
            None,
        ),
        bad("unknown case id read", Method::GET, "/api/cases/999999", "", "clerk", S::NOT_FOUND, "not-found", None),
        bad(
            "a case id that is not a number",
            Method::GET,
            "/api/cases/abc",
            "",
            "clerk",
            S::BAD_REQUEST,
            "bad-request",
            None,
        ),
        bad(
            "an overflowing case id",
            Method::GET,
            "/api/cases/99999999999999999999999",
            "",
            "clerk",
            S::BAD_REQUEST,
            "bad-request",
            None,
        ),
        bad("unknown court id", Method::GET, "/api/courts/999999", "", "root", S::NOT_FOUND, "not-found", None),
        bad(
            "rooms of an unknown court",
            Method::POST,
            "/api/courts/999999/rooms",
            r#"{"name":"R","video_link":true}"#,
            "root",
            S::NOT_FOUND,
            "not-found",
            None,
        ),
        bad(
            "invalid time zone",
            Method::POST,
            "/api/courts",
            r#"{"name":"X","rule_profile":"pk","time_zone":"Asia/Atlantis"}"#,
            "root",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("time_zone"),
        ),
        bad(
            "unknown rule profile",
            Method::POST,
            "/api/courts",
            r#"{"name":"X","rule_profile":"narnia","time_zone":"Asia/Karachi"}"#,
            "root",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("rule_profile"),
        ),
        bad(
            "court closes before it opens",
            Method::POST,
            "/api/courts",
            r#"{"name":"X","rule_profile":"pk","time_zone":"Asia/Karachi","opens_at":"16:00","closes_at":"09:00"}"#,
            "root",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("closes_at"),
        ),
        bad(
            "a negative capacity",
            Method::POST,
            format!("/api/courts/{c}/rooms"),
            r#"{"name":"R","video_link":true,"capacity":-5}"#,
            "root",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("capacity"),
        ),
        bad(
            "an overflowing capacity",
            Method::POST,
            format!("/api/courts/{c}/rooms"),
            r#"{"name":"R","video_link":true,"capacity":99999999999}"#,
            "root",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("capacity"),
        ),
        bad(
            "a page of zero",
            Method::GET,
            "/api/cases?page=0",
            "",
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("page"),
        ),
        bad(
            "a page that is not a number",
            Method::GET,
            "/api/cases?page=two",
            "",
            "clerk",
            S::BAD_REQUEST,
            "bad-request",
            None,
        ),
        bad(
            "deep nesting",
            Method::POST,
            "/api/cases",
            &format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            "clerk",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            None,
        ),
        bad(
            "a weak password",
            Method::POST,
            "/api/users",
            r#"{"username":"newclerk","password":"short","role":"clerk"}"#,
            "admin",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("password"),
        ),
        bad(
            "an unknown staff role",
            Method::POST,
            "/api/users",
            r#"{"username":"newclerk","password":"long-enough-pw","role":"king"}"#,
            "admin",
            S::UNPROCESSABLE_ENTITY,
            "validation",
            Some("role"),
        ),
        bad(
            "a taken username",
            Method::POST,
            "/api/users",
            &format!(r#"{{"username":"c{c}-clerk","password":"long-enough-pw","role":"clerk"}}"#),
            "admin",
            S::CONFLICT,
            "conflict",
            None,
        ),
        bad("an unknown route", Method::GET, "/api/nothing-here", "", "clerk", S::NOT_FOUND, "not-found", None),
    ];
    let mut huge =
        bad("a huge body", Method::POST, "/api/cases", "", "clerk", S::PAYLOAD_TOO_LARGE, "payload-too-large", None);
    huge.body =
        format!(r#"{{"number":"X","offence":"{}","cognizance_date":"2026-10-01"}}"#, "a".repeat(200_000)).into_bytes();
    let mut wrong_type = bad(
        "a form content type",
        Method::POST,
        "/api/cases",
        r#"{"number":"X-1","offence":"x","cognizance_date":"2026-10-01"}"#,
        "clerk",
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        None,
    );
    wrong_type.content_type = "application/x-www-form-urlencoded";
    let mut table = table;
    table.push(huge);
    table.push(wrong_type);

    for case in table {
        let token = match case.as_who {
            "root" => app.admin_token.clone(),
            "admin" => court.admin.clone(),
            _ => court.clerk.clone(),
        };
        let before = app.snapshot();
        let (status, content_type, text) =
            app.raw(case.method.clone(), &case.path, Some(&token), case.content_type, case.body.clone()).await;
        assert_eq!(status, case.status, "{}: {text}", case.what);
        assert_eq!(content_type, "application/problem+json", "{}: {text}", case.what);
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let t = body["type"].as_str().unwrap_or_default();
        assert!(t.ends_with(&format!("/{}", case.problem)), "{}: type {t}, body {text}", case.what);
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}: no detail", case.what);
        if let Some(field) = case.field {
            assert_eq!(body["field"], field, "{}: {text}", case.what);
        }
        assert_eq!(before, app.snapshot(), "{} changed the database", case.what);
    }
}
