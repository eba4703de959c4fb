//! Checkpoints of the audit chains: every chain's head, signed (Ed25519)
//! and appended as one JSON line to a log outside the database, which an
//! operator copies elsewhere. The keyed hashes stop a writer without the
//! key from recomputing a chain; the checkpoints catch what the key alone
//! cannot: a tail cut off with its head row set back, a database swapped
//! for another copy, or a chain rewritten by someone holding the key.

use std::io::{BufRead, Write};
use std::path::Path;

use amaan_vault::{signing, DataKey};
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::audit::{self, ChainHead, LEGACY_CHAIN};
use super::schema::audit_events;
use super::{keyring, DbConn};
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// When it was taken (UTC, RFC 3339).
    pub at: String,
    /// The database it was taken of (`keyring::instance`).
    pub database: String,
    pub chains: Vec<ChainHead>,
    /// The signing key's public half and the signature, hex.
    pub public_key: String,
    pub signature: String,
}

fn signed_bytes(at: &str, database: &str, chains: &[ChainHead]) -> Vec<u8> {
    serde_json::json!(["amaan audit checkpoint v1", at, database, chains]).to_string().into_bytes()
}

/// Every chain's head now, signed.
pub fn take(conn: &mut DbConn, seed: &DataKey) -> Result<Checkpoint, StoreError> {
    let chains = audit::heads(conn)?;
    let database = keyring::instance(conn)?;
    let at = Utc::now().to_rfc3339();
    let signature = signing::sign(seed, &signed_bytes(&at, &database, &chains));
    Ok(Checkpoint {
        at,
        database,
        chains,
        public_key: hex::encode(signing::public_key(seed)),
        signature: hex::encode(signature),
    })
}

/// Appends a checkpoint as one line and syncs it: a line is whole or absent.
pub fn append(log: &Path, checkpoint: &Checkpoint) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(log)?;
    let mut line = serde_json::to_string(checkpoint).map_err(std::io::Error::other)?;
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

/// Takes a checkpoint and appends it unless the heads are those `last` had.
pub fn take_if_moved(
    conn: &mut DbConn,
    seed: &DataKey,
    log: &Path,
    last: Option<&[ChainHead]>,
) -> Result<Option<Checkpoint>, StoreError> {
    let checkpoint = take(conn, seed)?;
    if last == Some(checkpoint.chains.as_slice()) {
        return Ok(None);
    }
    append(log, &checkpoint).map_err(|e| StoreError::internal(format!("writing {}: {e}", log.display())))?;
    Ok(Some(checkpoint))
}

/// What `verify_against` found, each finding a sentence naming what broke.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub checkpoints: usize,
    pub latest_at: Option<String>,
    pub findings: Vec<String>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks the log's every signature (a line signed by any other key, or
/// altered, is refused and not trusted), then every chain of the latest
/// checkpoint against the database: the event the checkpoint signed must
/// still be there, with the hash it had.
pub fn verify_against(conn: &mut DbConn, seed: &DataKey, log: &Path) -> Result<Report, StoreError> {
    let mut report = Report::default();
    let file = std::fs::File::open(log)
        .map_err(|e| StoreError::internal(format!("reading the checkpoint log {}: {e}", log.display())))?;
    let public = signing::public_key(seed);
    let mut latest: Option<Checkpoint> = None;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| StoreError::internal(format!("reading {}: {e}", log.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(checkpoint) = serde_json::from_str::<Checkpoint>(&line) else {
            report.findings.push(format!("checkpoint line {} is not a checkpoint; refused", n + 1));
            continue;
        };
        let signature = hex::decode(&checkpoint.signature).unwrap_or_default();
        let message = signed_bytes(&checkpoint.at, &checkpoint.database, &checkpoint.chains);
        if !signing::verify(&public, &message, &signature) {
            report.findings.push(format!(
                "checkpoint line {} (at {}) has a bad signature: it was altered or not signed by this \
                 installation's key; refused",
                n + 1,
                checkpoint.at
            ));
            continue;
        }
        report.checkpoints += 1;
        latest = Some(checkpoint);
    }
    let Some(latest) = latest else {
        report.findings.push("no trusted checkpoint to verify against".into());
        return Ok(report);
    };
    report.latest_at = Some(latest.at.clone());
    let database = keyring::instance(conn)?;
    if latest.database != database {
        report.findings.push(format!(
            "this is not the database the checkpoints were taken of (it is {database}, the checkpoint of {} was \
             of {}): the database was swapped",
            latest.at, latest.database
        ));
        return Ok(report);
    }
    for head in &latest.chains {
        if head.seq == 0 {
            continue;
        }
        let name = match head.chain {
            LEGACY_CHAIN => "the legacy chain".to_string(),
            audit::SYSTEM_CHAIN => "the system's chain".to_string(),
            court => format!("court {court}'s chain"),
        };
        let in_chain = || audit_events::table.filter(audit_events::chain_id.eq(head.chain));
        let (found, last): (Option<String>, Option<i64>) = if head.chain == LEGACY_CHAIN {
            (
                in_chain().filter(audit_events::seq.eq(head.seq)).select(audit_events::hash).first(conn).optional()?,
                in_chain().select(diesel::dsl::max(audit_events::seq)).first(conn)?,
            )
        } else {
            (
                in_chain()
                    .filter(audit_events::chain_seq.eq(head.seq))
                    .select(audit_events::hash)
                    .first(conn)
                    .optional()?,
                in_chain().select(diesel::dsl::max(audit_events::chain_seq)).first(conn)?,
            )
        };
        match found {
            None => {
                report.findings.push(format!(
                    "{name} was cut: the checkpoint of {} signed its event #{}, the database ends at #{}",
                    latest.at,
                    head.seq,
                    last.unwrap_or(0)
                ));
            }
            Some(hash) if hash != head.hash => report.findings.push(format!(
                "{name} was rewritten: its event #{} is not the one the checkpoint of {} signed (the hashes after \
                 it were recomputed)",
                head.seq, latest.at
            )),
            Some(_) => {}
        }
    }
    Ok(report)
}
