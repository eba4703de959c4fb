//! `amaan keys convert`: a database made before evidence at rest (names,
//! birth dates and contacts in plaintext, recordings as plain files) is
//! converted in place; a conversion killed part way is finished by running
//! it again, and what it leaves is verified: no plaintext in a dump, the
//! readers see the names again, the recording is sealed yet served as the
//! evidence, and the audit chains verify against the checkpoint it signed.

use std::path::Path;
use std::time::Duration;

use amaan::db;
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::at_rest::assert_sealed_and_served;
use crate::helpers::{days_ago, is_postgres, spawn_app, today, TestApp};
use crate::identity_at_rest::{database_bytes, occurrences};
use crate::process::{self, run_to_end};

const CHILD: &str = "Shahnaz Qureshiwala";
const PHONE: &str = "+923217654321";
/// More than one batch of the conversion (200 rows), so a kill can land
/// between batches.
const OTHER_CHILDREN: usize = 450;

/// Runs a migration's `down.sql` (the PostgreSQL or the SQLite one, as the
/// test's backend) and forgets its row, so the next start applies it again.
fn undo_migration(conn: &mut db::DbConn, postgres_down: &str, sqlite_down: &str, version: &str) {
    let down = if is_postgres() { postgres_down } else { sqlite_down };
    for statement in down.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        diesel::sql_query(statement).execute(conn).expect(statement);
    }
    let gone = diesel::sql_query(format!("DELETE FROM __diesel_schema_migrations WHERE version = '{version}'"))
        .execute(conn)
        .expect("forget the migration");
    assert_eq!(gone, 1, "the row of migration {version}");
}

/// Takes the database back to the schema of before evidence at rest: the
/// identity migration's own `down.sql`, and its row forgotten, so the
/// conversion's start applies it as it would to an old database.
fn back_to_before(conn: &mut db::DbConn) {
    // The docket lines came later and read the sealed birth date: undone
    // first (with the versions kept by triggers on them), and applied again
    // with the identity migration at the start.
    undo_migration(
        conn,
        include_str!("../../migrations/postgres/2026-12-03-950000_docket_versions/down.sql"),
        include_str!("../../migrations/sqlite/2026-12-03-950000_docket_versions/down.sql"),
        "20261203950000",
    );
    undo_migration(
        conn,
        include_str!("../../migrations/postgres/2026-12-03-900000_docket_lines/down.sql"),
        include_str!("../../migrations/sqlite/2026-12-03-900000_docket_lines/down.sql"),
        "20261203900000",
    );
    undo_migration(
        conn,
        include_str!("../../migrations/postgres/2026-12-02-800000_identity_sealed/down.sql"),
        include_str!("../../migrations/sqlite/2026-12-02-800000_identity_sealed/down.sql"),
        "20261202800000",
    );
}

/// Rows as the code of before wrote them: names and dates in plaintext.
fn plain_party(
    conn: &mut db::DbConn,
    case_id: i64,
    role: &str,
    side: &str,
    name: &str,
    birth: Option<NaiveDate>,
) -> i64 {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let row: Id = diesel::sql_query(
        "INSERT INTO parties (case_id, role, side, name, date_of_birth, pseudonym, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind::<BigInt, _>(case_id)
    .bind::<Text, _>(role)
    .bind::<Text, _>(side)
    .bind::<Text, _>(name)
    .bind::<Nullable<Date>, _>(birth)
    .bind::<Nullable<Text>, _>((role == "child_witness").then_some("Child A"))
    .bind::<Timestamp, _>(Utc::now().naive_utc())
    .get_result(conn)
    .expect("a plain party");
    row.id
}

fn count(conn: &mut db::DbConn, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(conn).expect(sql).n
}

fn convert(app: &TestApp, pause_ms: u64) -> std::process::Command {
    process::amaan_on(app.data_dir.path(), &app.database_url, &["keys", "convert", "--pause-ms", &pause_ms.to_string()])
}

#[tokio::test]
async fn an_old_database_is_converted_in_place_and_a_killed_conversion_is_finished_by_running_it_again() {
    let app = spawn_app().await;
    let court = app.court("Converted Court").await;
    let (s, case) = app
        .post(
            "/api/cases",
            Some(&court.clerk),
            json!({"number": "OLD/1", "offence": "s.377-B PPC", "cognizance_date": days_ago(90), "accused_in_custody": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().expect("case id");
    let (s, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (s, session) =
        app.post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let session_id = session["id"].as_i64().expect("session id");

    // The old database: plaintext identities, a contact, a queued notice,
    // and a recording kept as a plain IVF file.
    let birth = today() - chrono::Duration::days(11 * 365 + 40);
    let mut conn = app.conn();
    back_to_before(&mut conn);
    plain_party(&mut conn, case_id, "child_witness", "child", CHILD, Some(birth));
    for i in 0..OTHER_CHILDREN {
        plain_party(&mut conn, case_id, "witness", "neutral", &format!("Other Witness{i}"), None);
    }
    let guardian = plain_party(&mut conn, case_id, "guardian", "child", "Guardian Oldname", None);
    diesel::sql_query(
        "INSERT INTO party_contacts (party_id, phone, email, language, updated_at) VALUES ($1, $2, NULL, 'ur', $3)",
    )
    .bind::<BigInt, _>(guardian)
    .bind::<Text, _>(PHONE)
    .bind::<Timestamp, _>(Utc::now().naive_utc())
    .execute(&mut conn)
    .expect("a plain contact");
    diesel::sql_query(
        "INSERT INTO notices (court_id, hearing_id, party_id, kind, channel, address, language, subject, body, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'scheduled', 'sms', $4, 'ur', '', 'x', 'queued', 0, $5, $6)",
    )
    .bind::<BigInt, _>(court.id)
    .bind::<BigInt, _>(hearing_id)
    .bind::<BigInt, _>(guardian)
    .bind::<Text, _>(PHONE)
    .bind::<Timestamp, _>(Utc::now().naive_utc())
    .bind::<Timestamp, _>(Utc::now().naive_utc())
    .execute(&mut conn)
    .expect("a plain notice");
    let mut evidence = b"DKIF\0\0\x20\0VP80".to_vec();
    evidence.extend((0..300_000u32).map(|i| (i * 11 % 251) as u8));
    let dir = app.data_dir.path().join("recordings").join(format!("session-{session_id}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let plain_path = dir.join("p1-child_witness-video-t1.ivf");
    std::fs::write(&plain_path, &evidence).expect("plain recording");
    let recording = db::video::add_recording(
        &mut conn,
        &db::video::NewRecording {
            session_id,
            hearing_id,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: plain_path.to_string_lossy().into_owned(),
            sha256: hex::encode(Sha256::digest(&evidence)),
            bytes: evidence.len() as i64,
            created_at: Utc::now().naive_utc(),
        },
    )
    .expect("the recording row");
    drop(conn);
    let birth_text = birth.format("%Y-%m-%d").to_string();
    assert!(occurrences(&database_bytes(&app.database_url), CHILD) > 0, "the old database holds the name");

    // A conversion killed after its first batch: part sealed, part not,
    // and a server refuses to start on it.
    let said_path = app.data_dir.path().join("convert-stderr.txt");
    let mut child = convert(&app, 1_500)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&said_path).expect("a file for what the conversion says"))
        .spawn()
        .expect("convert");
    // Up to 30 s for the first batch: the conversion first migrates, and a
    // loaded machine (CI's year-ahead run) has taken over 10 s. A conversion
    // that stops by itself fails here with what it said.
    let mut sealed = 0;
    for _ in 0..600 {
        std::thread::sleep(Duration::from_millis(50));
        sealed = count(&mut app.conn(), "SELECT COUNT(*) AS n FROM parties WHERE name LIKE 'sealed1:%'");
        if sealed > 0 {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let said = std::fs::read_to_string(&said_path).unwrap_or_default();
            panic!("the conversion stopped ({status}) before sealing anything: {said}");
        }
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let total = (OTHER_CHILDREN + 2) as i64;
    assert!(sealed > 0 && sealed < total, "the kill did not land part way: {sealed} of {total} sealed");
    assert!(
        count(&mut app.conn(), "SELECT COUNT(*) AS n FROM parties WHERE name NOT LIKE 'sealed1:%'") > 0,
        "the kill came after the end"
    );
    let mut serve = process::amaan_on(
        app.data_dir.path(),
        &app.database_url,
        &["serve", "--bind", &format!("127.0.0.1:{}", process::free_port())],
    );
    serve.env("AMAAN_LOG", "error");
    let (ok, said) = run_to_end(serve);
    assert!(!ok && said.contains("amaan keys convert"), "a server started on a half-converted database: {said}");

    // Run again: it finishes, verifies, and signs the chains.
    let (ok, said) = run_to_end(convert(&app, 0));
    assert!(ok, "{said}");
    assert!(said.contains("converted and verified"), "{said}");
    let (ok, said) = run_to_end(convert(&app, 0));
    assert!(ok, "a second run on a converted database: {said}");
    // On a connection of its own: the app's pooled ones saw the table
    // dropped and made again under them.
    let fresh = db::connect_pool(&app.database_url, 1).expect("pool");
    let left: Vec<String> = db::schema::conversions::table
        .select(db::schema::conversions::name)
        .load(&mut *fresh.get().expect("conn"))
        .expect("conversions");
    assert!(left.is_empty(), "conversions left to do: {left:?}");

    // Nothing identifying is left in the database, old row versions included.
    let bytes = database_bytes(&app.database_url);
    for secret in [CHILD, "Qureshiwala", &birth_text, PHONE, "7654321", "Guardian Oldname"] {
        assert_eq!(occurrences(&bytes, secret), 0, "`{secret}` is still in the database");
    }
    // The readers see them again, through the sealed columns.
    let (s, parties) = app.get(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{parties}");
    let text = parties.to_string();
    assert!(text.contains(CHILD) && text.contains(&birth_text), "{}", &text[..text.len().min(500)]);
    let (s, contact) = app.get(&format!("/api/parties/{guardian}/contact"), Some(&court.clerk)).await;
    assert_eq!(s, StatusCode::OK, "{contact}");
    assert_eq!(contact["phone"], PHONE);
    // The guard knows the converted child's name by its blind index.
    let (s, refused) = app
        .post(
            &format!("/api/cases/{case_id}/parties"),
            Some(&court.clerk),
            json!({"role": "witness", "name": "Qureshiwala Shahnaz"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // The recording: sealed beside where it was, the plain file gone.
    assert!(!plain_path.exists(), "the plain recording is still on disk");
    let r = db::video::find_recording(&mut app.conn(), recording.id).expect("row");
    assert!(r.file_path.ends_with(".ivf.sealed") && Path::new(&r.file_path).exists(), "{}", r.file_path);
    assert_sealed_and_served(&app, &court.judge, r.id, &format!("/api/recordings/{}/file", r.id)).await;

    // The chains verify, against the checkpoint the conversion signed.
    let (ok, said) = run_to_end(process::amaan_on(app.data_dir.path(), &app.database_url, &["audit", "verify"]));
    assert!(ok && said.contains("matches the latest"), "{said}");
}
