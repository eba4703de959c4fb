//! A keyed audit chain per court, checked against signed checkpoints kept
//! outside the database: `amaan audit verify` names a rewrite whose hashes
//! were recomputed (with or without the key), a cut tail, a swapped
//! database, and refuses a checkpoint whose signature is bad.

use std::path::{Path, PathBuf};

use amaan::db::audit::{self, AuditEvent};
use amaan::db::schema::{audit_chains, audit_events};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::helpers::{master_key, spawn_app, TestApp};
use crate::process;
use crate::process::run_to_end;

fn cli(app: &TestApp, args: &[&str], log: &Path) -> (bool, String) {
    let mut cmd = process::amaan(app.data_dir.path(), &app.database_url);
    cmd.args(args).arg("--checkpoints").arg(log);
    run_to_end(cmd)
}

/// Two courts with a child case each, and a signed checkpoint of them.
async fn checkpointed() -> (TestApp, crate::helpers::Court, crate::helpers::Court, PathBuf) {
    let app = spawn_app().await;
    let a = app.court("Chain Court A").await;
    let b = app.court("Chain Court B").await;
    app.child_case(&a, "CH-A/1", "A Childname").await;
    app.child_case(&b, "CH-B/1", "B Childname").await;
    let log = app.data_dir.path().join("checkpoints.jsonl");
    let (ok, said) = cli(&app, &["audit", "checkpoint"], &log);
    assert!(ok, "{said}");
    let (ok, said) = cli(&app, &["audit", "verify"], &log);
    assert!(ok && said.contains("matches the latest of 1 signed checkpoints"), "{said}");
    (app, a, b, log)
}

fn chain(app: &TestApp, court: i64) -> Vec<AuditEvent> {
    audit_events::table
        .filter(audit_events::chain_id.eq(court))
        .order(audit_events::chain_seq.asc())
        .select(AuditEvent::as_select())
        .load(&mut app.conn())
        .expect("the chain")
}

/// Rewrites event `at` of a court's chain and recomputes every hash after
/// it, and the head, with `hash` (what an attacker can compute).
fn rewrite(app: &TestApp, court: i64, at: usize, hash: impl Fn(&AuditEvent) -> String) {
    let mut events = chain(app, court);
    events[at].reason = Some("nothing happened here".into());
    let mut prev = events[at].prev_hash.clone();
    let mut conn = app.conn();
    for e in events.iter_mut().skip(at) {
        e.prev_hash = prev.clone();
        e.hash = hash(e);
        prev = e.hash.clone();
        diesel::update(audit_events::table.find(e.seq))
            .set((
                audit_events::reason.eq(&e.reason),
                audit_events::prev_hash.eq(&e.prev_hash),
                audit_events::hash.eq(&e.hash),
            ))
            .execute(&mut conn)
            .expect("rewrite");
    }
    diesel::update(audit_chains::table.find(court)).set(audit_chains::hash.eq(&prev)).execute(&mut conn).expect("head");
}

#[tokio::test]
async fn each_court_has_its_own_keyed_chain() {
    let (app, a, b, _) = checkpointed().await;
    for court in [a.id, b.id] {
        let events = chain(&app, court);
        assert!(events.len() > 3, "court {court} has a chain of its own");
        assert!(events.iter().all(|e| e.court_id == Some(court)));
        assert_eq!(
            events.iter().map(|e| e.chain_seq).collect::<Vec<_>>(),
            (1..=events.len() as i64).collect::<Vec<_>>()
        );
        // Keyed: the plain SHA-256 of an event is not its hash.
        let e = &events[1];
        assert_ne!(e.hash, audit::event_hash(e));
    }
    let v = audit::verify_court(&mut app.conn(), a.id).expect("verify");
    assert!(v.intact && v.events == chain(&app, a.id).len() as i64, "{v:?}");
}

#[tokio::test]
async fn a_rewrite_with_recomputed_hashes_is_named_with_or_without_the_key() {
    let (app, a, b, log) = checkpointed().await;
    // Without the key: the hashes recomputed as plain SHA-256 do not hold.
    rewrite(&app, a.id, 2, |e| {
        let unkeyed = AuditEvent { hash: String::new(), ..e.clone() };
        hex::encode(Sha256::digest(serde_json::to_string(&unkeyed).unwrap_or_default()))
    });
    let (ok, said) = cli(&app, &["audit", "verify"], &log);
    assert!(!ok, "{said}");
    let third = chain(&app, a.id)[2].seq;
    assert!(said.contains(&format!("BROKEN at event {third}: event {third} was altered")), "{said}");

    // With the key itself (an insider who holds it): every keyed hash holds
    // again, and only the checkpoint tells.
    let key = *master_key().derive(amaan::db::keyring::AUDIT_CHAIN).expose();
    rewrite(&app, a.id, 2, |e| audit::keyed_hash(&key, e));
    rewrite(&app, b.id, 1, |e| audit::keyed_hash(&key, e));
    assert!(audit::verify(&mut app.conn()).expect("verify").intact, "the keyed chains verify on their own");
    let (ok, said) = cli(&app, &["audit", "verify"], &log);
    assert!(!ok, "{said}");
    assert!(said.contains(&format!("court {}'s chain was rewritten", a.id)), "{said}");
    assert!(said.contains(&format!("court {}'s chain was rewritten", b.id)), "{said}");
}

#[tokio::test]
async fn a_cut_tail_is_named_against_the_checkpoint() {
    let (app, a, _, log) = checkpointed().await;
    let events = chain(&app, a.id);
    let keep = &events[events.len() - 3];
    {
        let mut conn = app.conn();
        diesel::delete(
            audit_events::table
                .filter(audit_events::chain_id.eq(a.id))
                .filter(audit_events::chain_seq.gt(keep.chain_seq)),
        )
        .execute(&mut conn)
        .expect("cut");
        diesel::update(audit_chains::table.find(a.id))
            .set((audit_chains::seq.eq(keep.chain_seq), audit_chains::hash.eq(&keep.hash)))
            .execute(&mut conn)
            .expect("head set back");
    }
    assert!(audit::verify(&mut app.conn()).expect("verify").intact, "the cut chain is consistent in itself");
    let (ok, said) = cli(&app, &["audit", "verify"], &log);
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!("court {}'s chain was cut: the checkpoint of", a.id))
            && said.contains(&format!("signed its event #{}, the database ends at #{}", events.len(), keep.chain_seq)),
        "{said}"
    );
}

#[tokio::test]
async fn a_swapped_database_is_named_and_a_badly_signed_checkpoint_refused() {
    let (app, a, _, log) = checkpointed().await;
    // Another database under the same master key, verified against this
    // one's checkpoints.
    let other = spawn_app().await;
    other.court("Chain Court A").await;
    let (ok, said) = cli(&other, &["audit", "verify"], &log);
    assert!(!ok && said.contains("the database was swapped"), "{said}");

    // The checkpoint altered to match a cut chain: its signature no longer holds.
    let text = std::fs::read_to_string(&log).expect("log");
    let mut checkpoint: serde_json::Value = serde_json::from_str(text.trim()).expect("a checkpoint line");
    for head in checkpoint["chains"].as_array_mut().expect("chains") {
        if head["chain"] == a.id {
            head["seq"] = serde_json::json!(2);
        }
    }
    let forged = app.data_dir.path().join("forged.jsonl");
    std::fs::write(&forged, format!("{text}{checkpoint}\n")).expect("forged log");
    let (ok, said) = cli(&app, &["audit", "verify"], &forged);
    assert!(!ok, "{said}");
    assert!(said.contains("checkpoint line 2") && said.contains("has a bad signature"), "{said}");
    assert!(said.contains("matches the latest of 1 signed") || said.contains("refused"), "{said}");

    // Signed, but by another key: refused too.
    let stranger = amaan::vault::DataKey::generate();
    let signed = amaan::db::checkpoint::take(&mut app.conn(), &stranger).expect("a stranger's checkpoint");
    let strangers = app.data_dir.path().join("stranger.jsonl");
    amaan::db::checkpoint::append(&strangers, &signed).expect("written");
    let (ok, said) = cli(&app, &["audit", "verify"], &strangers);
    assert!(!ok && said.contains("has a bad signature") && said.contains("no trusted checkpoint"), "{said}");
}
