//! The master key: where it comes from, the demo's own, and rotation.
//!
//! It is held outside the database and outside the data directory, so that
//! a copy of either reveals nothing: a file (`AMAAN_MASTER_KEY_FILE`) or the
//! environment (`AMAAN_MASTER_KEY`), 64 hex digits.

use std::path::{Path, PathBuf};

use amaan_vault::MasterKey;

use crate::db::{self, keyring, DbConn};

pub const KEY_ENV: &str = "AMAAN_MASTER_KEY";

/// The configured key: the file when one is named, else the environment.
/// None configured is an error: the server never writes evidence in
/// plaintext for want of a key.
pub fn load(file: Option<&Path>) -> anyhow::Result<MasterKey> {
    if let Some(path) = file {
        let text =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("reading the master key {}: {e}", path.display()))?;
        return MasterKey::from_text(&text).map_err(|e| anyhow::anyhow!("the master key in {}: {e}", path.display()));
    }
    match std::env::var(KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => {
            MasterKey::from_text(text.as_bytes()).map_err(|e| anyhow::anyhow!("{KEY_ENV}: {e}"))
        }
        _ => anyhow::bail!(
            "no master key: set AMAAN_MASTER_KEY_FILE (a file holding 64 hex digits, kept outside the data \
             directory) or AMAAN_MASTER_KEY. `amaan keys generate` prints a new one. Nothing was started or written"
        ),
    }
}

/// Where the demo keeps its generated key: beside its data directory, never
/// in it, so that a copy of the data directory opens nothing.
pub fn demo_key_path(data_dir: &Path) -> PathBuf {
    let name = data_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let parent = data_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!("{name}.demo-master-key"))
}

/// The demo's key: the configured one if any, else the one it generated on
/// its first start (made now if missing).
pub fn load_for_demo(file: Option<&Path>, data_dir: &Path) -> anyhow::Result<MasterKey> {
    if file.is_some() || std::env::var(KEY_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        return load(file);
    }
    let path = demo_key_path(data_dir);
    if path.exists() {
        return load(Some(&path));
    }
    let key = MasterKey::generate();
    crate::config::write_private(&path, key.to_text().as_bytes())?;
    println!("generated the demo's master key into {} (outside its data directory)", path.display());
    Ok(key)
}

/// What a rotation did, for the operator.
#[derive(Debug, Default)]
pub struct Rotation {
    pub data_keys: usize,
    pub files_rewrapped: usize,
    pub files_retired: usize,
    pub files_missing: Vec<String>,
}

/// Re-wraps every data key (the database's and each recording's) under
/// `new`. Each step is recorded as it is done, so an interrupted rotation
/// is finished by running it again with the same two keys: until the switch
/// the old key still opens everything; after it, the new one does.
/// Run it with the servers stopped: a recording begun meanwhile would be
/// wrapped by the old key only (running the rotation again picks it up).
pub fn rotate(conn: &mut DbConn, old: &MasterKey, new: &MasterKey) -> anyhow::Result<Rotation> {
    let mut done = Rotation::default();
    let (stored, _) = keyring::stored(conn)?.ok_or_else(|| anyhow::anyhow!("this database has no master key yet"))?;
    let files = db::video::all_recording_files(conn)?;
    if stored == old.id().to_hex() {
        keyring::refuse_wrong_key(conn, old).or_else(|e| match e {
            keyring::KeyError::RotationUnfinished { .. } => Ok(()),
            other => Err(other),
        })?;
        done.data_keys = keyring::begin_rotation(conn, old, new)?;
        for path in &files {
            let path = Path::new(path);
            if !path.exists() {
                done.files_missing.push(path.display().to_string());
                continue;
            }
            if sealed(path) && amaan_vault::rewrap_file(path, old, new)? {
                done.files_rewrapped += 1;
            }
        }
        if !done.files_missing.is_empty() {
            anyhow::bail!(
                "{} recording files are missing ({}); restore them and run the rotation again. The old key still \
                 opens everything",
                done.files_missing.len(),
                done.files_missing.join(", ")
            );
        }
        keyring::finish_rotation(conn, new)?;
    } else if stored != new.id().to_hex() {
        anyhow::bail!("the database belongs to neither key (its key id is {stored}); nothing was changed");
    }
    // After the switch: the old wrappings are retired, so that the old key,
    // once rotated away, opens nothing.
    for path in &files {
        let path = Path::new(path);
        if path.exists() && sealed(path) && amaan_vault::drop_slots_except(path, new)? {
            done.files_retired += 1;
        }
    }
    keyring::open(conn, new)?;
    Ok(done)
}

fn sealed(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sealed")
}
