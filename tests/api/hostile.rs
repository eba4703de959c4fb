//! Hostile input across the routes: forged and foreign tokens, injection-
//! looking strings, overflowing numbers, impossible dates, broken JSON.
//! Each must get a clear 4xx problem and leave the database as it was.

use amaan::auth::token::{self, StaffClaims};
use chrono::Utc;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

struct Attack {
    what: String,
    method: Method,
    path: String,
    token: String,
    body: String,
    status: StatusCode,
}

fn sign(alg: Algorithm, secret: &[u8], claims: &StaffClaims) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap_or_default()
}

#[tokio::test]
async fn sixty_and_more_hostile_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let a = app.court("Court A").await;
    let b = app.court("Court B").await;
    let case_a = app.child_case(&a, "A-1/2026", "Child Of A").await;
    let case_b = app.child_case(&b, "B-1/2026", "Child Of B").await;

    let secret = app.secret.expose().to_vec();
    let now = Utc::now().timestamp();
    let clerk_claims = StaffClaims {
        sub: a.clerk_id,
        role: "clerk".into(),
        court: Some(a.id),
        ver: 0,
        aud: token::STAFF_AUDIENCE.into(),
        iat: now,
        exp: now + 600,
    };
    let forged = sign(Algorithm::HS256, b"someone-elses-secret-someone-elses", &clerk_claims);
    let expired =
        sign(Algorithm::HS256, &secret, &StaffClaims { iat: now - 7200, exp: now - 3600, ..clerk_claims.clone() });
    let hs384 = sign(Algorithm::HS384, &secret, &clerk_claims);
    let hs512 = sign(Algorithm::HS512, &secret, &clerk_claims);
    let promoted = sign(Algorithm::HS256, &secret, &StaffClaims { role: "admin".into(), ..clerk_claims.clone() });
    let moved = sign(Algorithm::HS256, &secret, &StaffClaims { court: Some(b.id), ..clerk_claims.clone() });
    let invite_aud =
        sign(Algorithm::HS256, &secret, &StaffClaims { aud: "amaan-invite".into(), ..clerk_claims.clone() });
    let old_version = sign(Algorithm::HS256, &secret, &StaffClaims { ver: -1, ..clerk_claims.clone() });
    let ghost = sign(Algorithm::HS256, &secret, &StaffClaims { sub: 987_654, ..clerk_claims.clone() });
    let none_alg = {
        let parts: Vec<&str> = forged.split('.').collect();
        // {"alg":"none","typ":"JWT"}
        format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts.get(1).copied().unwrap_or(""))
    };
    let stripped_sig = {
        let parts: Vec<&str> = a.clerk.split('.').collect();
        format!("{}.{}.", parts.first().copied().unwrap_or(""), parts.get(1).copied().unwrap_or(""))
    };

    let clerk = a.clerk.clone();
    let root = app.admin_token.clone();
    let admin_a = a.admin.clone();
    let case_body = r#"{"number":"H-1","offence":"x","cognizance_date":"2026-10-01"}"#;
    let mut attacks: Vec<Attack> = Vec::new();
    let mut add = |what: &str, method: Method, path: &str, token: &str, body: &str, status: StatusCode| {
        attacks.push(Attack {
            what: what.into(),
            method,
            path: path.into(),
            token: token.into(),
            body: body.into(),
            status,
        });
    };
    use StatusCode as S;

    // Tokens.
    for (name, t) in [
        ("forged signature", &forged),
        ("expired", &expired),
        ("HS384", &hs384),
        ("HS512", &hs512),
        ("alg none", &none_alg),
        ("signature stripped", &stripped_sig),
        ("role raised in the claims", &promoted),
        ("court changed in the claims", &moved),
        ("an invite token used as a staff token", &invite_aud),
        ("an old token version", &old_version),
        ("a user who does not exist", &ghost),
        ("garbage", &"abc.def.ghi".to_string()),
    ] {
        add(&format!("{name}: read a case"), Method::GET, &format!("/api/cases/{case_a}"), t, "", S::UNAUTHORIZED);
        add(&format!("{name}: create a case"), Method::POST, "/api/cases", t, case_body, S::UNAUTHORIZED);
    }
    // Another court's ids with a valid token.
    add("other court's case", Method::GET, &format!("/api/cases/{case_b}"), &clerk, "", S::NOT_FOUND);
    add(
        "other court's parties",
        Method::POST,
        &format!("/api/cases/{case_b}/parties"),
        &clerk,
        r#"{"role":"witness","name":"X"}"#,
        S::NOT_FOUND,
    );
    add(
        "other court's hearings",
        Method::POST,
        &format!("/api/cases/{case_b}/hearings"),
        &clerk,
        r#"{"kind":"mention"}"#,
        S::NOT_FOUND,
    );
    add(
        "other court's case edit",
        Method::PATCH,
        &format!("/api/cases/{case_b}"),
        &clerk,
        r#"{"offence":"y"}"#,
        S::NOT_FOUND,
    );
    add(
        "other court's rooms",
        Method::POST,
        &format!("/api/courts/{}/rooms", b.id),
        &admin_a,
        r#"{"name":"R","video_link":true}"#,
        S::FORBIDDEN,
    );
    add(
        "other court's waiting areas",
        Method::POST,
        &format!("/api/courts/{}/waiting-areas", b.id),
        &admin_a,
        r#"{"name":"W","child_friendly":true,"entrance":"E"}"#,
        S::FORBIDDEN,
    );
    add(
        "other court's settings",
        Method::PATCH,
        &format!("/api/courts/{}", b.id),
        &admin_a,
        r#"{"name":"Mine now"}"#,
        S::FORBIDDEN,
    );
    add(
        "a user in another court",
        Method::POST,
        "/api/users",
        &admin_a,
        &format!(r#"{{"username":"spy","password":"long-enough-pw","role":"clerk","court_id":{}}}"#, b.id),
        S::FORBIDDEN,
    );
    add(
        "disable another court's user",
        Method::PATCH,
        &format!("/api/users/{}", b.clerk_id),
        &admin_a,
        r#"{"active":false}"#,
        S::NOT_FOUND,
    );
    // Injection-looking strings where the field has a fixed form.
    add(
        "SQL in a time zone",
        Method::POST,
        "/api/courts",
        &root,
        r#"{"name":"X","rule_profile":"pk","time_zone":"Asia/Karachi'; DROP TABLE cases; --"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "SQL in a username",
        Method::POST,
        "/api/users",
        &admin_a,
        r#"{"username":"x' OR '1'='1","password":"long-enough-pw","role":"clerk"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "SQL in a role",
        Method::POST,
        "/api/users",
        &admin_a,
        r#"{"username":"x","password":"long-enough-pw","role":"clerk' --"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "SQL in a date",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"2026-10-01' OR 1=1 --"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add("SQL in a path id", Method::GET, "/api/cases/1%20OR%201=1", &clerk, "", S::BAD_REQUEST);
    add("SQL in a query", Method::GET, "/api/cases?page=1;DROP%20TABLE%20cases", &clerk, "", S::BAD_REQUEST);
    add(
        "script in a rule profile",
        Method::POST,
        "/api/courts",
        &root,
        r#"{"name":"X","rule_profile":"<script>alert(1)</script>","time_zone":"Asia/Karachi"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "script in a party role",
        Method::POST,
        &format!("/api/cases/{case_a}/parties"),
        &clerk,
        r#"{"role":"<img src=x onerror=alert(1)>","name":"X"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "script in a hearing kind",
        Method::POST,
        &format!("/api/cases/{case_a}/hearings"),
        &clerk,
        r#"{"kind":"<svg onload=alert(1)>"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "script in a working day",
        Method::POST,
        "/api/courts",
        &root,
        r#"{"name":"X","rule_profile":"pk","time_zone":"Asia/Karachi","working_days":"<b>mon</b>"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    // Lengths and control characters.
    let long_name = "n".repeat(10_000);
    add(
        "a 10,000-character name",
        Method::POST,
        &format!("/api/cases/{case_a}/parties"),
        &clerk,
        &format!(r#"{{"role":"witness","name":"{long_name}"}}"#),
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a NUL in a name",
        Method::POST,
        &format!("/api/cases/{case_a}/parties"),
        &clerk,
        r#"{"role":"witness","name":"a\u0000b"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a 100-character username",
        Method::POST,
        "/api/users",
        &admin_a,
        &format!(r#"{{"username":"{}","password":"long-enough-pw","role":"clerk"}}"#, "u".repeat(100)),
        S::UNPROCESSABLE_ENTITY,
    );
    // Numbers.
    add(
        "negative capacity",
        Method::POST,
        &format!("/api/courts/{}/rooms", a.id),
        &admin_a,
        r#"{"name":"R1","video_link":true,"capacity":-1}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "capacity beyond i32",
        Method::POST,
        &format!("/api/courts/{}/rooms", a.id),
        &admin_a,
        r#"{"name":"R1","video_link":true,"capacity":1e20}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add("negative page", Method::GET, "/api/cases?page=-1", &clerk, "", S::UNPROCESSABLE_ENTITY);
    add("negative per_page", Method::GET, "/api/cases?per_page=-5", &clerk, "", S::UNPROCESSABLE_ENTITY);
    add("an id beyond i64", Method::GET, "/api/cases/92233720368547758070", &clerk, "", S::BAD_REQUEST);
    add("a negative id", Method::GET, "/api/cases/-1", &clerk, "", S::NOT_FOUND);
    add(
        "a judge id beyond i64",
        Method::POST,
        &format!("/api/cases/{case_a}/hearings"),
        &clerk,
        r#"{"kind":"mention","judge_id":99999999999999999999}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a negative court id",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"2026-10-01","court_id":-1}"#,
        S::FORBIDDEN,
    );
    // Dates and times.
    add(
        "month 13",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"2026-13-01"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "day zero",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"0000-00-00"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "29 February in a common year",
        Method::POST,
        &format!("/api/cases/{case_a}/parties"),
        &clerk,
        r#"{"role":"child_witness","name":"X","date_of_birth":"2019-02-29"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a time without an offset",
        Method::POST,
        &format!("/api/cases/{case_a}/hearings"),
        &clerk,
        &format!(
            r#"{{"kind":"mention","judge_id":{},"room_id":1,"starts_at":"2026-12-01T10:00:00","ends_at":"2026-12-01T11:00:00"}}"#,
            a.judge_id
        ),
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a hearing that ends before it starts",
        Method::POST,
        &format!("/api/cases/{case_a}/hearings"),
        &clerk,
        &format!(
            r#"{{"kind":"mention","judge_id":{},"room_id":1,"starts_at":"2026-12-01T11:00:00+05:00","ends_at":"2026-12-01T10:00:00+05:00"}}"#,
            a.judge_id
        ),
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a time that is not a time",
        Method::POST,
        &format!("/api/cases/{case_a}/hearings"),
        &clerk,
        r#"{"kind":"mention","starts_at":"tomorrow","ends_at":"later"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "opening hours of 25:00",
        Method::POST,
        "/api/courts",
        &root,
        r#"{"name":"X","rule_profile":"pk","time_zone":"Asia/Karachi","opens_at":"25:00"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "a time zone offset instead of a name",
        Method::POST,
        "/api/courts",
        &root,
        r#"{"name":"X","rule_profile":"pk","time_zone":"+05:00"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add("a date in the audit filter", Method::GET, "/api/audit?from=yesterday", &a.judge, "", S::BAD_REQUEST);
    // JSON shapes.
    add("an array body", Method::POST, "/api/cases", &clerk, "[1,2,3]", S::UNPROCESSABLE_ENTITY);
    add("a string body", Method::POST, "/api/cases", &clerk, r#""hello""#, S::UNPROCESSABLE_ENTITY);
    add("a null body", Method::POST, "/api/cases", &clerk, "null", S::UNPROCESSABLE_ENTITY);
    add(
        "a duplicated key",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","number":"I","offence":"x","cognizance_date":"2026-10-01"}"#,
        S::UNPROCESSABLE_ENTITY,
    );
    add("truncated after a key", Method::POST, "/api/cases", &clerk, r#"{"number""#, S::BAD_REQUEST);
    add("truncated in a string", Method::POST, "/api/cases", &clerk, r#"{"number":"H-"#, S::BAD_REQUEST);
    add(
        "a trailing comma",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"2026-10-01",}"#,
        S::BAD_REQUEST,
    );
    add(
        "trailing garbage",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"H","offence":"x","cognizance_date":"2026-10-01"} extra"#,
        S::BAD_REQUEST,
    );
    add("single quotes", Method::POST, "/api/cases", &clerk, "{'number':'H'}", S::BAD_REQUEST);
    add(
        "deeply nested objects",
        Method::POST,
        "/api/cases",
        &clerk,
        &format!("{}{}", r#"{"a":"#.repeat(5000), "}".repeat(5000)),
        S::UNPROCESSABLE_ENTITY,
    );
    add(
        "invalid UTF-8 escape",
        Method::POST,
        "/api/cases",
        &clerk,
        r#"{"number":"\uD800","offence":"x","cognizance_date":"2026-10-01"}"#,
        S::BAD_REQUEST,
    );
    add(
        "a huge body",
        Method::POST,
        "/api/cases",
        &clerk,
        &format!(r#"{{"number":"H","offence":"{}","cognizance_date":"2026-10-01"}}"#, "x".repeat(300_000)),
        S::PAYLOAD_TOO_LARGE,
    );
    add(
        "a login with a megabyte password",
        Method::POST,
        "/api/auth/login",
        "",
        &format!(r#"{{"username":"root","password":"{}"}}"#, "p".repeat(60_000)),
        S::UNAUTHORIZED,
    );

    assert!(attacks.len() >= 60, "only {} attacks", attacks.len());
    for attack in attacks {
        let before = app.snapshot();
        let token = if attack.token.is_empty() { None } else { Some(attack.token.as_str()) };
        let (status, ct, text) = app
            .raw(attack.method.clone(), &attack.path, token, "application/json", attack.body.clone().into_bytes())
            .await;
        assert_eq!(status, attack.status, "{}: {text}", attack.what);
        assert_eq!(ct, "application/problem+json", "{}: {text}", attack.what);
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert!(
            body["type"].as_str().is_some_and(|t| t.starts_with(amaan::error::PROBLEM_BASE)),
            "{}: {text}",
            attack.what
        );
        assert!(!text.contains("Child Of"), "{}: leaked a child's name", attack.what);
        let after = app.snapshot();
        // A refused login writes its own audit event, and nothing else.
        if attack.path == "/api/auth/login" {
            assert_eq!(before.get("cases"), after.get("cases"));
        } else {
            assert_eq!(before, after, "{} changed the database", attack.what);
        }
    }
}

#[tokio::test]
async fn script_looking_text_in_free_text_fields_is_stored_verbatim_and_returned_as_json() {
    let app = spawn_app().await;
    let a = app.court("Court A").await;
    let payload = "<script>alert('x')</script>'; DROP TABLE cases; --";
    let (s, body) = app
        .post(
            "/api/cases",
            Some(&a.clerk),
            serde_json::json!({"number": "S-1", "offence": payload, "cognizance_date": "2026-10-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["offence"], payload);
    let (_, list) = app.get("/api/cases", Some(&a.clerk)).await;
    assert_eq!(list["total"], 1, "the cases table is intact");
}

#[tokio::test]
async fn an_address_that_keeps_trying_to_log_in_is_slowed_down() {
    let app = spawn_app().await;
    let mut limited = false;
    for _ in 0..40 {
        let (s, body) = app
            .post("/api/auth/login", None, serde_json::json!({"username": "nobody", "password": "guess-guess"}))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "too-many-requests");
            limited = true;
            break;
        }
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "40 attempts in a row were never limited");
}
