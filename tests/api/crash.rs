//! No lost writes: the server is killed with SIGKILL in the middle of a
//! burst of writes and restarted; every acknowledged write is there, whole.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::is_postgres;

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(18_999)
}

fn amaan(data_dir: &std::path::Path, db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amaan"));
    cmd.env("DATABASE_URL", db).env("AMAAN_DATA_DIR", data_dir).env("AMAAN_LOG", "warn");
    cmd
}

async fn start(data_dir: &std::path::Path, db: &str, port: u16) -> Server {
    let child = amaan(data_dir, db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up");
}

fn add_user(data_dir: &std::path::Path, db: &str, username: &str, role: &str, court: Option<i64>) {
    let mut cmd = amaan(data_dir, db);
    cmd.args(["user", "add", "--username", username, "--role", role, "--password-stdin"]);
    if let Some(c) = court {
        cmd.args(["--court", &c.to_string()]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::null()).spawn().expect("user add runs");
    child.stdin.take().expect("stdin").write_all(b"crash-test-password\n").expect("password written");
    assert!(child.wait().expect("user add ends").success(), "user add failed");
}

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    let r: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": username, "password": "crash-test-password"}))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login json");
    r["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn a_server_killed_mid_burst_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("tmp");
    // The suite's own database: a file, or a fresh PostgreSQL database.
    let pg_name = format!("amaan_crash_{}", std::process::id());
    let db = if is_postgres() {
        let base = std::env::var("DATABASE_URL").unwrap_or_default();
        let mut url = url::Url::parse(&base).expect("url");
        let name = format!("{}_{pg_name}", url.path().trim_start_matches('/'));
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&base).expect("pg");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut c).expect("create db");
        url.set_path(&format!("/{name}"));
        url.to_string()
    } else {
        dir.path().join("crash.db").to_string_lossy().into_owned()
    };
    let port = free_port();
    add_user(dir.path(), &db, "root", "admin", None);
    let mut server = start(dir.path(), &db, port).await;
    let client = reqwest::Client::new();
    let root = login(&client, &server.base, "root").await;
    let court: Value = client
        .post(format!("{}/api/courts", server.base))
        .bearer_auth(&root)
        .json(&json!({"name": "Crash Court", "rule_profile": "pk", "time_zone": "Asia/Karachi"}))
        .send()
        .await
        .expect("court")
        .json()
        .await
        .expect("court json");
    let court_id = court["id"].as_i64().expect("court id");
    add_user(dir.path(), &db, "clerk", "clerk", Some(court_id));
    let clerk = login(&client, &server.base, "clerk").await;

    // Eight writers in flight at once; the server dies once 60 are acknowledged.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut writers = Vec::new();
    for w in 0..8 {
        let client = client.clone();
        let base = server.base.clone();
        let token = clerk.clone();
        let tx = tx.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..1000 {
                let number = format!("K-{w}-{i}");
                let sent = client
                    .post(format!("{base}/api/cases"))
                    .bearer_auth(&token)
                    .json(&json!({"number": number, "offence": "burst", "cognizance_date": "2026-10-01"}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        let _ = tx.send(number);
                    }
                    Ok(r) => panic!("unexpected status {} before the crash", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    drop(tx);
    let mut acknowledged = Vec::new();
    while let Some(n) = rx.recv().await {
        acknowledged.push(n);
        if acknowledged.len() == 60 {
            server.child.kill().expect("SIGKILL");
            let _ = server.child.wait();
        }
    }
    for w in writers {
        let _ = w.await;
    }
    assert!(acknowledged.len() >= 60, "the burst was cut short before the kill");

    let server = start(dir.path(), &db, port).await;
    let clerk = login(&client, &server.base, "clerk").await;
    let mut stored = std::collections::HashSet::new();
    for page in 1.. {
        let body: Value = client
            .get(format!("{}/api/cases?per_page=100&page={page}", server.base))
            .bearer_auth(&clerk)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let items = body["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for item in items {
            stored.insert(item["number"].as_str().unwrap_or_default().to_string());
        }
    }
    let missing: Vec<&String> = acknowledged.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(missing.is_empty(), "acknowledged but lost after the crash: {missing:?}");

    // None half-written: every stored case has its audit event, and the chain holds.
    let verify = amaan(dir.path(), &db).args(["audit", "verify"]).output().expect("verify runs");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let root = login(&client, &server.base, "root").await;
    let audit: Value = client
        .get(format!("{}/api/audit?entity=case&per_page=1", server.base))
        .bearer_auth(&root)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert_eq!(audit["total"].as_u64(), Some(stored.len() as u64), "a case without its audit event");

    let mut server = server;
    let _ = server.child.kill();
    let _ = server.child.wait();
    if is_postgres() {
        let base = std::env::var("DATABASE_URL").unwrap_or_default();
        let name = url::Url::parse(&db).map(|u| u.path().trim_start_matches('/').to_string()).unwrap_or_default();
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut c) = diesel::PgConnection::establish(&base) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut c);
        }
    }
}
