//! A child's identity at rest: the name, the date of birth and the family's
//! contact are sealed field by field, so a dump of the database (pg_dump on
//! PostgreSQL, the file itself on SQLite) holds none of them, while every
//! reader allowed to see them still does, and the free-text guard still
//! refuses the child's name through its blind index.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{days_ago, is_postgres, spawn_app, today, TestApp};

/// Every byte the database holds: a plain `pg_dump` of the test database on
/// PostgreSQL; on SQLite the file and its write-ahead log.
pub fn database_bytes(database_url: &str) -> Vec<u8> {
    if database_url.starts_with("postgres") {
        let out = std::process::Command::new("pg_dump")
            .arg("--dbname")
            .arg(database_url)
            .output()
            .expect("pg_dump runs (package postgresql-client)");
        assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.len() > 1000, "the dump is suspiciously small");
        return out.stdout;
    }
    // Read by another process: see `read_outside` for why never by this one.
    let mut bytes = crate::process::read_outside(std::path::Path::new(database_url)).expect("the SQLite file");
    for suffix in ["-wal", "-journal"] {
        if let Some(more) = crate::process::read_outside(std::path::Path::new(&format!("{database_url}{suffix}"))) {
            bytes.extend(more);
        }
    }
    bytes
}

/// The places in `haystack` where `needle` occurs, ignoring ASCII case.
pub fn occurrences(haystack: &[u8], needle: &str) -> usize {
    let needle = needle.to_ascii_lowercase().into_bytes();
    haystack.windows(needle.len()).filter(|w| w.to_ascii_lowercase() == needle).count()
}

const CHILD: &str = "Mahnoor Zafarullah";
const PHONE: &str = "+923004561278";
const EMAIL: &str = "rukhsana.guardian@example.org";

/// A case with a registered child (born nine years and some days ago) and
/// a guardian with a phone and an email; the ids of the case and the guardian.
async fn registered(app: &TestApp, court: &crate::helpers::Court, birth: &str) -> (i64, i64) {
    let (s, case) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": "SEAL/1", "offence": "s.377-B PPC", "cognizance_date": days_ago(40), "accused_in_custody": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().expect("case id");
    let (s, child) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "child_witness", "name": CHILD, "date_of_birth": birth}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{child}");
    let (s, guardian) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "guardian", "name": "Rukhsana Bibi"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{guardian}");
    let guardian_id = guardian["id"].as_i64().expect("guardian id");
    let (s, contact) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/parties/{guardian_id}/contact"),
            Some(&court.clerk),
            Some(json!({"phone": PHONE, "email": EMAIL, "language": "ur"})),
        )
        .await;
    assert!(s.is_success(), "{contact}");
    (case_id, guardian_id)
}

#[tokio::test]
async fn a_dump_of_the_database_holds_no_childs_name_birth_date_or_contact_and_the_guard_still_refuses_the_name() {
    let app = spawn_app().await;
    let court = app.court("Sealed Identity Court").await;
    let birth = (today() - Duration::days(9 * 365 + 123)).format("%Y-%m-%d").to_string();
    let (case_id, guardian_id) = registered(&app, &court, &birth).await;

    // Those who may see the child still do: the clerk's case page.
    let (s, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{parties}");
    let text = parties.to_string();
    assert!(text.contains(CHILD) && text.contains(&birth), "the clerk no longer sees the child: {text}");
    let (s, contact) = app.get(&format!("/api/parties/{guardian_id}/contact"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{contact}");
    assert_eq!(contact["phone"], PHONE, "{contact}");

    // The guard refuses the name, whole in a name field and by a part in a
    // case's prose, though no plaintext name is stored to compare with.
    let (s, refused) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "witness", "name": "zafarullah, MAHNOOR"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the guard let a child's name in: {refused}");
    let (s, refused) = app
        .patch(&format!("/api/cases/{case_id}"), Some(&court.clerk), json!({"offence": "Mahnoor was threatened"}))
        .await;
    assert!(s.is_client_error(), "the guard let a part of the child's name into prose: {s} {refused}");
    // And none of it is in the database.
    let bytes = database_bytes(&app.database_url);
    for secret in
        ["Mahnoor", "Zafarullah", &birth, &birth.replace('-', ""), PHONE, "4561278", EMAIL, "rukhsana.guardian"]
    {
        assert_eq!(
            occurrences(&bytes, secret),
            0,
            "`{secret}` is in the database dump ({})",
            if is_postgres() { "pg_dump" } else { "SQLite file" }
        );
    }
    // The dump holds the case, so the test looked where the data is.
    assert!(occurrences(&bytes, "SEAL/1") > 0, "the dump does not hold the case at all");

    // A name sharing one part of the child's is let through (its audit
    // record shows it, so it comes after the dump).
    let (s, ok) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "witness", "name": "Mahnoor Akhtar"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "a name sharing one part is not the child's: {ok}");
}
