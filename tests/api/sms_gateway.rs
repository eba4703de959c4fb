//! The SMS gateway as configuration: a provider's body template, its
//! credentials and where its answer puts the message id (here Twilio's
//! shape, against a local stand-in), and its delivery reports, which turn
//! a sent SMS into `delivered` or `failed` where the clerk sees it, let in
//! by the gateway's own token only.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amaan::config::{Secret, SmsGateway};
use amaan::sms_gateway::BodyFormat;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, no_channels, spawn_app_with, TestApp};
use crate::notices::{book, court_with_contacts, stored_notices, wait_for, CHILD};

const REPORT_TOKEN: &str = "report-token-for-the-gateway-0123";
const ACCOUNT_AUTH: &str = "Basic QUMxMjM6c2VjcmV0LWF1dGgtdG9rZW4=";

/// A whole request off the stream: its head and its body.
pub(crate) fn read_whole(stream: &mut std::net::TcpStream) -> (String, String) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return (text[..end].to_string(), String::from_utf8_lossy(&got[end + 4..]).to_string());
            }
        }
    }
    (String::from_utf8_lossy(&got).to_string(), String::new())
}

/// A stand-in for Twilio's Messages endpoint: keeps each request and
/// answers `{"sid": "SM<n>"}` as Twilio does.
fn twilio_like() -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("gateway");
    let port = gateway.local_addr().expect("addr").port();
    let kept = Arc::new(Mutex::new(Vec::new()));
    let keep = kept.clone();
    std::thread::spawn(move || {
        for (i, stream) in gateway.incoming().flatten().enumerate() {
            let mut stream = stream;
            let request = read_whole(&mut stream);
            if let Ok(mut k) = keep.lock() {
                k.push(request);
            }
            let answer = format!("{{\"sid\":\"SM{i}\",\"status\":\"queued\"}}");
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .as_bytes(),
            );
        }
    });
    (port, kept)
}

async fn listed(app: &TestApp, clerk: &str, h: i64) -> Value {
    app.get(&format!("/api/hearings/{h}/notices"), Some(clerk)).await.1
}

async fn report(app: &TestApp, auth: Option<&str>, content_type: &str, body: &str) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(format!("{}/api/notices/delivery-reports", app.address))
        .header("content-type", content_type)
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.expect("report sent");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_providers_template_and_credentials_are_used_and_its_delivery_reports_reach_the_clerk() {
    let (port, requests) = twilio_like();
    let mut channels = no_channels();
    channels.sms_url = Some(format!("http://127.0.0.1:{port}/2010-04-01/Accounts/AC123/Messages.json"));
    channels.sms = SmsGateway {
        authorization: Some(Secret::new(ACCOUNT_AUTH.as_bytes().to_vec())),
        format: BodyFormat::Form,
        template: Some("To={to}&From=AMAAN&Body={text}".into()),
        id_pointer: Some("/sid".into()),
        report_token: Some(Secret::new(REPORT_TOKEN.as_bytes().to_vec())),
    };
    let app = spawn_app_with(channels).await;
    let (court, case_id, _guardian, ids) = court_with_contacts(&app).await;
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let items =
        wait_for(&app, &court, h, |items| items.iter().any(|n| n["channel"] == "sms" && n["status"] == "sent")).await;
    let sms = items.iter().find(|n| n["channel"] == "sms").cloned().expect("the guardian's SMS");
    let sms_id = sms["id"].as_i64().expect("id");
    let sid = sms["provider_id"].as_str().expect("the provider's id, read where the template says").to_string();
    assert!(sid.starts_with("SM"), "{sms}");

    // What the gateway was sent: the account's credentials, the form the
    // template makes, the text in full and nothing of the child.
    let got = requests.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(got.len(), 1, "one request per SMS: {got:?}");
    let (head, body) = &got[0];
    let head_lower = head.to_ascii_lowercase();
    assert!(head_lower.contains(&format!("authorization: {}", ACCOUNT_AUTH.to_ascii_lowercase())), "{head}");
    assert!(head_lower.contains("content-type: application/x-www-form-urlencoded"), "{head}");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, vec!["To", "From", "Body"], "{body}");
    let stored = stored_notices(&app, h);
    let (_, _, address, text) = stored.iter().find(|(_, ch, _, _)| ch == "sms").expect("the SMS as stored");
    assert_eq!((&form[0].1, &form[2].1), (address, text), "the number, and the text whole, Urdu and all");
    assert!(!body.contains(CHILD) && !form[2].1.contains(CHILD), "no SMS names the child");

    // Reports without the gateway's token, with another, or about no SMS
    // of ours change nothing.
    let before = listed(&app, &court.clerk, h).await;
    let delivered = format!("MessageSid={sid}&MessageStatus=delivered");
    let form_type = "application/x-www-form-urlencoded";
    let (s, p) = report(&app, None, form_type, &delivered).await;
    assert_problem(s, &p, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, p) = report(&app, Some("Bearer report-token-for-the-gateway-0124"), form_type, &delivered).await;
    assert_problem(s, &p, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, p) = report(&app, Some(&format!("Bearer {}", court.clerk)), form_type, &delivered).await;
    assert_problem(s, &p, StatusCode::UNAUTHORIZED, "unauthenticated");
    let bearer = format!("Bearer {REPORT_TOKEN}");
    let (s, p) = report(&app, Some(&bearer), form_type, "MessageSid=SM999&MessageStatus=delivered").await;
    assert_problem(s, &p, StatusCode::NOT_FOUND, "not-found");
    let (s, p) = report(&app, Some(&bearer), "application/json", r#"{"id": "x", "status": "vanished"}"#).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(listed(&app, &court.clerk, h).await, before, "refused reports changed nothing");

    // Twilio's callback carries the token as the Basic password of its URL.
    use base64::Engine;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("twilio:{REPORT_TOKEN}")));
    let (s, answer) = report(&app, Some(&basic), form_type, &format!("MessageSid={sid}&MessageStatus=sent")).await;
    assert_eq!(
        (s, &answer),
        (StatusCode::OK, &json!({"notice_id": sms_id, "status": "sent"})),
        "on its way: no change"
    );
    let (s, answer) = report(&app, Some(&basic), form_type, &delivered).await;
    assert_eq!((s, &answer), (StatusCode::OK, &json!({"notice_id": sms_id, "status": "delivered"})));
    let (s, again) =
        report(&app, Some(&bearer), "application/json", &json!({"id": sid, "status": "delivered"}).to_string()).await;
    assert_eq!((s, again), (StatusCode::OK, answer), "a repeated report is the same answer");
    let now = listed(&app, &court.clerk, h).await;
    let shown = now["items"].as_array().and_then(|a| a.iter().find(|n| n["id"] == sms_id)).cloned().expect("listed");
    assert_eq!(shown["status"], "delivered", "the clerk sees it delivered: {shown}");

    // A message the carrier could not deliver: failed, with why, and the
    // clerk may send it again.
    let (s, answer) =
        report(&app, Some(&bearer), "application/json", &json!({"id": sid, "status": "undelivered"}).to_string()).await;
    assert_eq!((s, answer["status"].as_str()), (StatusCode::OK, Some("failed")));
    let now = listed(&app, &court.clerk, h).await;
    let shown = now["items"].as_array().and_then(|a| a.iter().find(|n| n["id"] == sms_id)).cloned().expect("listed");
    assert!(shown["last_error"].as_str().is_some_and(|e| e.contains("undelivered")), "{shown}");
    let (s, again) = app.post(&format!("/api/notices/{sms_id}/resend"), Some(&court.clerk), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{again}");
}

#[tokio::test]
async fn a_server_without_a_report_token_takes_no_delivery_reports() {
    let app = spawn_app_with(no_channels()).await;
    let (s, p) = report(
        &app,
        Some("Bearer anything-at-all-0123456789"),
        "application/json",
        r#"{"id": "SM1", "status": "delivered"}"#,
    )
    .await;
    assert_problem(s, &p, StatusCode::UNAUTHORIZED, "unauthenticated");
}
