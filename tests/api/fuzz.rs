//! Property-based fuzzing of request parsing against the real server:
//! whatever bytes arrive, the answer is a problem or a success, never a 5xx
//! and never a crash. `scripts/fuzz.sh` runs it longer
//! (`AMAAN_FUZZ_CASES`).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;

use crate::helpers::spawn_app;

fn cases() -> u32 {
    std::env::var("AMAAN_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150)
}

/// JSON-ish text: real JSON values with the field names our routes use,
/// then cut or spliced, so the parser meets both near-misses and noise.
fn jsonish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("number"),
        Just("offence"),
        Just("cognizance_date"),
        Just("accused_in_custody"),
        Just("role"),
        Just("name"),
        Just("date_of_birth"),
        Just("side"),
        Just("kind"),
        Just("starts_at"),
        Just("ends_at"),
        Just("judge_id"),
        Just("room_id"),
        Just("court_id"),
        Just("capacity"),
        Just("video_link"),
    ];
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| if f.is_finite() { f.to_string() } else { "1e400".into() }),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("null".to_string()),
        "[a-zA-Z0-9 :+\\-/'<>;]{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        (1900i32..2100, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("\"{y:04}-{m:02}-{d:02}\"")),
    ];
    let object = proptest::collection::vec((key, leaf), 0..8).prop_map(|pairs| {
        let body: Vec<String> = pairs.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    });
    (object, any::<u16>(), proptest::collection::vec(any::<u8>(), 0..4)).prop_map(|(text, cut, noise)| {
        let mut bytes = text.into_bytes();
        match cut % 4 {
            0 => {}
            1 => bytes.truncate(usize::from(cut) % (bytes.len() + 1)),
            2 => {
                let at = usize::from(cut) % (bytes.len() + 1);
                bytes.splice(at..at, noise);
            }
            _ => bytes.extend(noise),
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[test]
fn no_request_body_makes_the_server_fail() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (app, court, case_id) = rt.block_on(async {
        let app = spawn_app().await;
        let court = app.court("Fuzz Court").await;
        let case_id = app.child_case(&court, "F-1/2026", "Fuzz Child").await;
        (app, court, case_id)
    });
    let paths = [
        "/api/cases".to_string(),
        format!("/api/cases/{case_id}/parties"),
        format!("/api/cases/{case_id}/hearings"),
        format!("/api/courts/{}/rooms", court.id),
    ];
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let result = runner.run(&(jsonish(), 0usize..4), |(body, which)| {
        let token = if which == 3 { court.admin.clone() } else { court.clerk.clone() };
        let (status, ct, text) = rt.block_on(app.raw(
            Method::POST,
            &paths[which],
            Some(&token),
            "application/json",
            body.clone().into_bytes(),
        ));
        prop_assert!(status.as_u16() < 500, "{} {} -> {status}: {text}", paths[which], body);
        if !status.is_success() {
            prop_assert_eq!(ct.as_str(), "application/problem+json", "{}", text);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let verify = rt.block_on(app.get("/api/audit/verify", Some(&court.judge)));
    assert_eq!(verify.1["intact"], true);
}
