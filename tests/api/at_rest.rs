//! Evidence at rest: the master key (a server without it, or with another,
//! refuses to start and writes nothing; a rotation re-wraps every data key
//! and can be interrupted and finished), and recordings sealed on disk yet
//! served as the evidence recorded, ranges included (video.rs records the
//! real ones and calls `assert_sealed_and_served`).

use std::io::Write;
use std::path::Path;
use std::process::Command;

use amaan::db::{self, keyring};
use amaan::vault::{MasterKey, SealedReader, SealedWriter};
use diesel::prelude::*;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::helpers::{master_key, spawn_app, TestApp, MASTER_KEY};
use crate::process::{self, run_to_end};

/// Writes `content` as the recorder does: sealed under the test master key.
pub fn seal(path: &Path, content: &[u8]) {
    let mut w = SealedWriter::create(path, &master_key()).expect("a sealed file");
    w.write_all(content).expect("written");
    w.finish().expect("sealed");
}

/// A recording on disk gives nothing away (no container header, not the
/// plaintext), while the judge is served exactly the evidence, whole and by
/// range.
pub async fn assert_sealed_and_served(app: &TestApp, judge: &str, recording_id: i64, href: &str) {
    let r = db::video::find_recording(&mut app.conn(), recording_id).expect("the recording row");
    let on_disk = std::fs::read(&r.file_path).expect("the file on disk");
    for header in [&b"OggS"[..], b"DKIF", &[0, 0, 0, 1]] {
        assert!(!on_disk.starts_with(header), "the file on disk starts with a container header");
    }
    let url = format!("{}{href}", app.address);
    let resp = app.client.get(&url).bearer_auth(judge).send().await.expect("file");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers().get("accept-ranges").and_then(|v| v.to_str().ok()), Some("bytes"));
    let served = resp.bytes().await.expect("bytes").to_vec();
    assert_eq!(served.len() as i64, r.bytes);
    assert_eq!(hex::encode(Sha256::digest(&served)), r.sha256, "served bytes are the audited evidence");
    assert!(served.len() > 40, "a recording worth checking: {} bytes", served.len());
    let probe = &served[8..served.len().min(40)];
    assert!(!on_disk.windows(probe.len()).any(|w| w == probe), "the plaintext is on disk");
    // Seeking: a range in the middle, and the last bytes.
    let (a, b) = (served.len() / 3, served.len() / 2);
    let resp =
        app.client.get(&url).bearer_auth(judge).header("Range", format!("bytes={a}-{b}")).send().await.expect("range");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        resp.headers().get("content-range").and_then(|v| v.to_str().ok()),
        Some(format!("bytes {a}-{b}/{}", served.len()).as_str())
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), &served[a..=b]);
    let resp = app.client.get(&url).bearer_auth(judge).header("Range", "bytes=-7").send().await.expect("suffix");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), &served[served.len() - 7..]);
    let resp = app
        .client
        .get(&url)
        .bearer_auth(judge)
        .header("Range", format!("bytes={}-", served.len() + 10))
        .send()
        .await
        .expect("past the end");
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
}

#[tokio::test]
async fn a_sealed_recording_longer_than_a_chunk_is_served_by_any_range() {
    let app = spawn_app().await;
    let court = app.court("Sealed Court").await;
    let case_id = app.child_case(&court, "SEAL/1", "Ayesha Childname").await;
    let (_, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            serde_json::json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (_, session) = app
        .post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), serde_json::json!({}))
        .await;
    let session_id = session["id"].as_i64().expect("session id");
    // Three chunks and a bit, so that ranges cross chunk boundaries.
    let mut evidence = b"DKIF\0\0\x20\0VP80".to_vec();
    evidence.extend((0..(3 * amaan::vault::CHUNK_SIZE + 1_000)).map(|i| (i * 7 % 253) as u8));
    let path = app.data_dir.path().join("long.ivf.sealed");
    seal(&path, &evidence);
    let r = db::video::add_recording(
        &mut app.conn(),
        &db::video::NewRecording {
            session_id,
            hearing_id,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: path.to_string_lossy().into_owned(),
            sha256: hex::encode(Sha256::digest(&evidence)),
            bytes: evidence.len() as i64,
            created_at: chrono::Utc::now().naive_utc(),
        },
    )
    .expect("row");
    let href = format!("/api/recordings/{}/file", r.id);
    assert_sealed_and_served(&app, &court.judge, r.id, &href).await;
    let chunk = amaan::vault::CHUNK_SIZE;
    let (a, b) = (chunk - 10, 2 * chunk + 10);
    let resp = app
        .client
        .get(format!("{}{href}", app.address))
        .bearer_auth(&court.judge)
        .header("Range", format!("bytes={a}-{b}"))
        .send()
        .await
        .expect("range");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), &evidence[a..=b]);
}

fn serve_with(data_dir: &Path, db: &str, key: Option<&str>) -> Command {
    let mut cmd = process::amaan(data_dir, db);
    cmd.env_remove("AMAAN_MASTER_KEY");
    if let Some(k) = key {
        cmd.env("AMAAN_MASTER_KEY", k);
    }
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{}", process::free_port())]);
    cmd
}

/// What a refused start must leave as it was: every table's rows, the
/// applied migrations, and the files of the data directory.
fn state_of(db_url: &str, data_dir: &Path) -> (Vec<(String, i64)>, Vec<String>) {
    let pool = db::connect_pool(db_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut counts = Vec::new();
    for table in amaan::db::TABLES.iter().chain(&["__diesel_schema_migrations"]) {
        let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .load::<Count>(&mut conn)
            .map(|r| r.first().map(|c| c.n).unwrap_or(-1))
            .unwrap_or(-2);
        counts.push((table.to_string(), n));
    }
    let key: Option<(String, Option<String>)> = keyring::stored(&mut conn).expect("master key row");
    counts.push((format!("key {key:?}"), 0));
    let mut files: Vec<String> = walk(data_dir);
    files.sort();
    (counts, files)
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if !p.to_string_lossy().ends_with("-shm") && !p.to_string_lossy().ends_with("-wal") {
            out.push(format!("{} {}", p.display(), entry.metadata().map(|m| m.len()).unwrap_or(0)));
        }
    }
    out
}

#[tokio::test]
async fn without_its_key_or_with_another_the_server_refuses_to_start_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let db_url = process::fresh_database_url(dir.path(), "keys");

    // Never configured: not even the data directory is made.
    let (ok, said) = run_to_end(serve_with(&data, &db_url, None));
    assert!(!ok && said.contains("no master key"), "{said}");
    assert!(!data.exists(), "a start without a key made the data directory");

    // First start with the key: the database adopts it.
    let port = process::free_port();
    let mut server = process::start(&data, &db_url, port).await;
    process::add_user(&data, &db_url, "keyadmin", "admin", None);
    let _ = server.child.kill();
    let _ = server.child.wait();
    let before = state_of(&db_url, &data);

    let (ok, said) = run_to_end(serve_with(&data, &db_url, None));
    assert!(!ok && said.contains("no master key"), "{said}");
    let other = MasterKey::generate().to_text();
    let (ok, said) = run_to_end(serve_with(&data, &db_url, Some(&other)));
    assert!(!ok, "a wrong key was accepted: {said}");
    assert!(said.contains("not the one this database was set up with"), "{said}");
    assert!(!said.contains(&other) && !said.contains(MASTER_KEY), "a key was printed: {said}");
    let mut user_add = process::amaan(&data, &db_url);
    user_add.env("AMAAN_MASTER_KEY", &other).args([
        "user",
        "add",
        "--username",
        "x",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let (ok, said) = run_to_end(user_add);
    assert!(!ok, "user add under a wrong key: {said}");
    let (ok, said) = run_to_end(serve_with(&data, &db_url, Some("not-hex")));
    assert!(!ok && said.contains("64 hex digits"), "{said}");
    assert_eq!(state_of(&db_url, &data), before, "a refused start changed something");

    // The right key still opens it.
    let mut server = process::start(&data, &db_url, process::free_port()).await;
    let token = process::login(&reqwest::Client::new(), &server.base, "keyadmin").await;
    assert!(!token.is_empty());
    let _ = server.child.kill();
    let _ = server.child.wait();
    process::drop_database(&db_url);
}

fn write_key(dir: &Path, name: &str, key: &MasterKey) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, key.to_text()).expect("key file");
    path
}

fn amaan_with_key(app: &TestApp, key: &str) -> Command {
    let mut cmd = process::amaan(app.data_dir.path(), &app.database_url);
    cmd.env("AMAAN_MASTER_KEY", key);
    cmd
}

#[tokio::test]
async fn a_rotation_rewraps_every_data_key_and_an_interrupted_one_is_finished_by_running_it_again() {
    let app = spawn_app().await;
    let keys_dir = tempfile::tempdir().expect("keys dir");
    let court = app.court("Rotating Court").await;
    let case_id = app.child_case(&court, "ROT/1", "Ayesha Childname").await;
    let (_, hearing) = app
        .post(
            &format!("/api/cases/{case_id}/hearings"),
            Some(&court.clerk),
            serde_json::json!({"kind": "evidence", "child_testifies": true, "mode": "video_link"}),
        )
        .await;
    let hearing_id = hearing["id"].as_i64().expect("hearing id");
    let (_, session) = app
        .post(&format!("/api/hearings/{hearing_id}/video-session"), Some(&court.support), serde_json::json!({}))
        .await;
    let session_id = session["id"].as_i64().expect("session id");
    let mut files = Vec::new();
    for n in 0..2 {
        let evidence: Vec<u8> = (0..(100_000 + n)).map(|i| (i % 251) as u8).collect();
        let path = app.data_dir.path().join(format!("rot-{n}.ogg.sealed"));
        seal(&path, &evidence);
        db::video::add_recording(
            &mut app.conn(),
            &db::video::NewRecording {
                session_id,
                hearing_id,
                participant_role: "child_witness".into(),
                kind: "audio".into(),
                file_path: path.to_string_lossy().into_owned(),
                sha256: hex::encode(Sha256::digest(&evidence)),
                bytes: evidence.len() as i64,
                created_at: chrono::Utc::now().naive_utc(),
            },
        )
        .expect("row");
        files.push((path, evidence));
    }
    let old = master_key();
    let new = MasterKey::generate();
    let new_file = write_key(keys_dir.path(), "new.key", &new);

    // Interrupted after the first file: the old key still opens everything,
    // the new one is told to finish the rotation.
    {
        let mut conn = app.conn();
        keyring::begin_rotation(&mut conn, &old, &new).expect("begun");
        assert!(amaan::vault::rewrap_file(&files[0].0, &old, &new).expect("one file"));
    }
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, &new.to_text());
        c.arg("migrate");
        c
    });
    assert!(!ok && said.contains("interrupted"), "the new key before the switch: {said}");
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, MASTER_KEY);
        c.arg("migrate");
        c
    });
    assert!(ok, "the old key mid-rotation: {said}");

    // Run again: it finishes.
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, MASTER_KEY);
        c.args(["keys", "rotate", "--new-key-file"]).arg(&new_file);
        c
    });
    assert!(ok, "{said}");
    assert!(said.contains("1 recordings re-wrapped") && said.contains("2 old wrappings retired"), "{said}");
    for (path, evidence) in &files {
        assert!(SealedReader::open(path, &old).is_err(), "the retired key still opens {}", path.display());
        let mut r = SealedReader::open(path, &new).expect("the new key opens it");
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut back).expect("read");
        assert_eq!(&back, evidence);
    }
    let (stored, rotating) = keyring::stored(&mut app.conn()).expect("row").expect("a key");
    assert_eq!((stored, rotating), (new.id().to_hex(), None));
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, MASTER_KEY);
        c.arg("migrate");
        c
    });
    assert!(!ok && said.contains("not the one"), "the retired key after the switch: {said}");
    // Everything written before still verifies under the new key, and a
    // rotation run once more has nothing left to do.
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, &new.to_text());
        c.args(["audit", "verify"]);
        c
    });
    assert!(ok && said.contains("intact"), "{said}");
    let (ok, said) = run_to_end({
        let mut c = amaan_with_key(&app, MASTER_KEY);
        c.args(["keys", "rotate", "--new-key-file"]).arg(&new_file);
        c
    });
    assert!(ok && said.contains("0 recordings re-wrapped"), "{said}");
}
