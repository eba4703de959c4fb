//! Signing the audit chains' heads into the checkpoint log, every few
//! minutes on every node and on demand (`amaan audit checkpoint`). The log
//! lives outside the database (by default in the data directory; point
//! `AMAAN_CHECKPOINT_LOG` elsewhere, or copy it off the machine), one JSON
//! line per checkpoint; each node appends to its own.

use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::{Duration, Instant};

use crate::db::{checkpoint, DbPool};
use crate::vault::DataKey;

pub fn log_path(data_dir: &Path) -> PathBuf {
    match std::env::var("AMAAN_CHECKPOINT_LOG") {
        Ok(p) if !p.trim().is_empty() => PathBuf::from(p),
        _ => data_dir.join("audit-checkpoints.jsonl"),
    }
}

/// Minutes between checkpoints (`AMAAN_CHECKPOINT_MINUTES`, default 5).
fn every() -> Duration {
    let minutes = std::env::var("AMAAN_CHECKPOINT_MINUTES").ok().and_then(|m| m.parse::<u64>().ok()).unwrap_or(5);
    Duration::from_secs(minutes.max(1) * 60)
}

/// Starts the checkpointing thread; it stops when `alive` can no longer be
/// upgraded (the server that started it is gone). A checkpoint is written
/// only when a head moved since the last one this node wrote.
pub fn start(pool: DbPool, seed: DataKey, log: PathBuf, alive: Weak<()>) -> anyhow::Result<()> {
    std::thread::Builder::new().name("audit-checkpoints".into()).spawn(move || {
        let period = every();
        let mut last = None;
        let mut due = Instant::now() + period;
        while alive.upgrade().is_some() {
            std::thread::sleep(Duration::from_millis(500));
            if Instant::now() < due {
                continue;
            }
            due = Instant::now() + period;
            let taken = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                checkpoint::take_if_moved(&mut c, &seed, &log, last.as_deref()).map_err(|e| e.to_string())
            });
            match taken {
                Ok(Some(cp)) => last = Some(cp.chains),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "the audit checkpoint could not be written"),
            }
        }
    })?;
    Ok(())
}
