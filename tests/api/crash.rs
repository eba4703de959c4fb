//! No lost writes: the server is killed with SIGKILL in the middle of a
//! burst of writes and restarted; every acknowledged write is there, whole.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::process::{add_user, amaan, drop_database, free_port, fresh_database_url, login, start};

#[tokio::test]
async fn a_server_killed_mid_burst_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fresh_database_url(dir.path(), "crash");
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
                    .json(
                        &json!({"number": number, "offence": "burst", "cognizance_date": crate::helpers::days_ago(60)}),
                    )
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
    drop_database(&db);
}
