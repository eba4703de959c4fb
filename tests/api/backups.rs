//! Backups that restore: taken while clerks write, restored into a fresh
//! database and data directory, verified; a backup killed midway leaves
//! nothing that restore accepts.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use amaan::db;
use amaan::vault::SealedReader;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::at_rest::seal;
use crate::helpers::{spawn_app, TestApp};
use crate::process::{self, amaan_on, run_to_end};

/// A sealed recording of `len` bytes in the app's data directory, with its row.
async fn recording(app: &TestApp, court: &crate::helpers::Court, len: usize) -> (String, Vec<u8>) {
    let case_id = app.child_case(court, &format!("BK/{len}"), "Ayesha Childname").await;
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
    let evidence: Vec<u8> = (0..len).map(|i| (i * 13 % 241) as u8).collect();
    let dir = app.data_dir.path().join("recordings").join(format!("session-{session_id}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("p1-child_witness-video-t1.ivf.sealed");
    seal(&path, &evidence);
    let sha = hex::encode(Sha256::digest(&evidence));
    db::video::add_recording(
        &mut app.conn(),
        &db::video::NewRecording {
            session_id,
            hearing_id,
            participant_role: "child_witness".into(),
            kind: "video".into(),
            file_path: path.to_string_lossy().into_owned(),
            sha256: sha.clone(),
            bytes: evidence.len() as i64,
            created_at: chrono::Utc::now().naive_utc(),
        },
    )
    .expect("row");
    (sha, evidence)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_write_load_restores_into_a_fresh_database_and_verifies() {
    let app = spawn_app().await;
    let court = app.court("Backup Court").await;
    let (sha, evidence) = recording(&app, &court, 200_000).await;
    let (ok, said) = run_to_end(amaan_on(app.data_dir.path(), &app.database_url, &["audit", "checkpoint"]));
    assert!(ok, "{said}");

    // Clerks keep registering cases while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let load = {
        let (client, base, clerk) = (app.client.clone(), app.address.clone(), court.clerk.clone());
        let (stop, written) = (stop.clone(), written.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let r = client
                    .post(format!("{base}/api/cases"))
                    .bearer_auth(&clerk)
                    .json(&serde_json::json!({"number": format!("LOAD/{n}"), "offence": "s.376",
                        "cognizance_date": crate::helpers::days_ago(3), "accused_in_custody": false}))
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
                written.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let scratch = tempfile::tempdir().expect("scratch");
    let file = scratch.path().join("court.backup");
    let before = written.load(Ordering::SeqCst);
    let cmd = amaan_on(app.data_dir.path(), &app.database_url, &["backup", "--out", &file.to_string_lossy()]);
    let (ok, said) = tokio::task::spawn_blocking(move || run_to_end(cmd)).await.expect("backup ran");
    assert!(ok, "{said}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    load.await.expect("the load ran without a failure");
    assert!(written.load(Ordering::SeqCst) > before, "cases were written while the backup ran");

    let raw = std::fs::read(&file).expect("the backup");
    assert!(!raw.windows(b"Backup Court".len()).any(|w| w == b"Backup Court"), "the backup is sealed");
    assert!(!raw.windows(b"SQLite format".len()).any(|w| w == b"SQLite format"));

    // Restored into a new database and data directory, it verifies against
    // the checkpoint it carries, and the recording reads back as recorded.
    let restored_dir = scratch.path().join("restored-data");
    let restored_db = process::fresh_database_url(scratch.path(), "restored");
    let (ok, said) = run_to_end(amaan_on(&restored_dir, &restored_db, &["restore", "--from", &file.to_string_lossy()]));
    assert!(ok, "{said}");
    let (ok, said) = run_to_end(amaan_on(&restored_dir, &restored_db, &["audit", "verify"]));
    assert!(ok && said.contains("audit chains intact") && said.contains("matches the latest"), "{said}");
    let pool = db::connect_pool(&restored_db, 1).expect("pool");
    let files = db::video::all_recording_files(&mut pool.get().expect("conn")).expect("files");
    assert_eq!(files.len(), 1);
    assert!(files[0].starts_with(&*restored_dir.to_string_lossy()), "{files:?}");
    let mut back = Vec::new();
    std::io::Read::read_to_end(
        &mut SealedReader::open(Path::new(&files[0]), &crate::helpers::master_key()).expect("opens"),
        &mut back,
    )
    .expect("reads");
    assert_eq!(hex::encode(Sha256::digest(&back)), sha);
    assert_eq!(back, evidence);
    // A second restore over it is refused.
    let (ok, said) = run_to_end(amaan_on(&restored_dir, &restored_db, &["restore", "--from", &file.to_string_lossy()]));
    assert!(!ok && said.contains("not empty"), "{said}");
    drop(pool);
    process::drop_database(&restored_db);
}

#[tokio::test]
async fn a_killed_or_cut_backup_leaves_nothing_restore_accepts() {
    let app = spawn_app().await;
    let court = app.court("Killed Backup Court").await;
    // Large enough that the backup is still writing when it is killed.
    recording(&app, &court, 16 * 1024 * 1024).await;
    let scratch = tempfile::tempdir().expect("scratch");
    let file = scratch.path().join("court.backup");
    let partial = scratch.path().join("court.backup.partial");
    let mut child = amaan_on(app.data_dir.path(), &app.database_url, &["backup", "--out", &file.to_string_lossy()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("backup starts");
    for _ in 0..600 {
        if std::fs::metadata(&partial).is_ok_and(|m| m.len() > 1024 * 1024) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("killed");
    let _ = child.wait();
    assert!(partial.exists(), "the backup was killed while writing");
    assert!(!file.exists(), "a killed backup left a file under the backup's name");
    let restored_dir = scratch.path().join("restored-data");
    let restored_db = process::fresh_database_url(scratch.path(), "killed");
    let (ok, said) =
        run_to_end(amaan_on(&restored_dir, &restored_db, &["restore", "--from", &partial.to_string_lossy()]));
    assert!(!ok, "restore accepted a killed backup: {said}");
    assert!(!restored_dir.exists(), "a refused restore wrote the data directory");

    // A whole backup cut short (a copy broken off) is refused too.
    let (ok, said) =
        run_to_end(amaan_on(app.data_dir.path(), &app.database_url, &["backup", "--out", &file.to_string_lossy()]));
    assert!(ok, "{said}");
    let whole = std::fs::read(&file).expect("backup");
    let cut = scratch.path().join("cut.backup");
    std::fs::File::create(&cut).and_then(|mut f| f.write_all(&whole[..whole.len() - 100_000])).expect("cut copy");
    let (ok, said) = run_to_end(amaan_on(&restored_dir, &restored_db, &["restore", "--from", &cut.to_string_lossy()]));
    assert!(!ok, "restore accepted a cut backup: {said}");
    assert!(!restored_dir.exists(), "a refused restore wrote the data directory");
    if !crate::helpers::is_postgres() {
        assert!(!Path::new(&restored_db).exists(), "a refused restore made the database");
    }
    process::drop_database(&restored_db);
}
