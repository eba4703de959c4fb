//! `amaan keys convert`: a database made before evidence at rest (names,
//! birth dates and contacts in plaintext, one audit chain, recordings as
//! plain files) converted in place. Identities are sealed in small
//! transactions, each picking only rows still plain; each plain recording
//! is sealed beside itself, checked against its audited SHA-256, its row
//! pointed at the sealed file, and only then the plain file removed. A
//! conversion killed anywhere is finished by running it again. At the end
//! everything is verified and the chains' heads (the frozen one chain of
//! before, and each court's since) are signed into a checkpoint.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::db::{self, conversion, keyring::Keyring, DbConn};
use crate::vault::{MasterKey, SealedReader, SealedWriter};

/// What a run converted, for the operator.
#[derive(Debug, Default)]
pub struct Converted {
    pub parties: usize,
    pub contacts: usize,
    pub notices: usize,
    pub recordings: usize,
    pub checkpoint_chains: usize,
}

/// `pause` is slept after each committed batch and each recording, to go
/// easy on a database server others share.
pub fn convert(
    conn: &mut DbConn,
    master: &MasterKey,
    keyring: &Keyring,
    log: &Path,
    pause: std::time::Duration,
) -> anyhow::Result<Converted> {
    let pause = || {
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    };
    let mut done = Converted::default();
    let pending = conversion::pending(conn)?;
    if pending.iter().any(|p| p == conversion::IDENTITIES) {
        loop {
            let batch = conversion::seal_identities_batch(conn)?;
            done.parties += batch.parties;
            done.contacts += batch.contacts;
            done.notices += batch.notices;
            if batch.parties + batch.contacts + batch.notices == 0 {
                break;
            }
            pause();
        }
        conversion::verify_identities(conn)?;
        conversion::purge_old_versions(conn)?;
        conversion::mark_done(conn, conversion::IDENTITIES)?;
    }
    if pending.iter().any(|p| p == conversion::RECORDINGS) {
        for (id, path, sha) in db::video::recordings_to_check(conn)? {
            if !path.ends_with(".sealed") {
                seal_recording(conn, master, id, Path::new(&path), &sha)?;
                done.recordings += 1;
                pause();
            }
        }
        verify_recordings(conn, master)?;
        conversion::mark_done(conn, conversion::RECORDINGS)?;
    }
    // The chains: the one chain of before is frozen as the legacy chain by
    // its migration and verified as it was written; signing every head now
    // is what protects it, and each court's chain, from here on.
    let report = db::audit::verify(conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    if !report.intact {
        anyhow::bail!(
            "the audit trail is broken at event {}: {}; the conversion is done but no checkpoint was signed",
            report.first_bad_seq.unwrap_or_default(),
            report.problem.unwrap_or_default()
        );
    }
    let taken = db::checkpoint::take(conn, &keyring.checkpoint_signing)?;
    db::checkpoint::append(log, &taken).map_err(|e| anyhow::anyhow!("writing {}: {e}", log.display()))?;
    done.checkpoint_chains = taken.chains.len();
    Ok(done)
}

fn sealed_path(plain: &Path) -> PathBuf {
    let mut name = plain.as_os_str().to_owned();
    name.push(".sealed");
    PathBuf::from(name)
}

fn sha256_of(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn sealed_sha256(path: &Path, master: &MasterKey) -> anyhow::Result<String> {
    Ok(sha256_of(BufReader::new(SealedReader::open(path, master)?))?)
}

/// Seals one plain recording beside itself. Every point a kill can stop it
/// at is picked up again: a half-written `.partial` is made anew; a sealed
/// file whose row still names the plain one is checked and adopted.
fn seal_recording(conn: &mut DbConn, master: &MasterKey, id: i64, plain: &Path, sha: &str) -> anyhow::Result<()> {
    let sealed = sealed_path(plain);
    if !sealed.exists() {
        let mut partial = sealed.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        let mut source = BufReader::new(
            std::fs::File::open(plain).map_err(|e| anyhow::anyhow!("recording {id} at {}: {e}", plain.display()))?,
        );
        let mut writer = BufWriter::new(SealedWriter::create(&partial, master)?);
        std::io::copy(&mut source, &mut writer)?;
        writer.flush()?;
        writer.into_inner().map_err(|e| anyhow::anyhow!("sealing recording {id}: {e}"))?.finish()?;
        std::fs::rename(&partial, &sealed)?;
    }
    let got = sealed_sha256(&sealed, master)?;
    if got != sha {
        anyhow::bail!(
            "recording {id}: the sealed copy at {} hashes to {got}, not the audited {sha}; the plain file is kept",
            sealed.display()
        );
    }
    db::video::move_recording_file(conn, &plain.to_string_lossy(), &sealed.to_string_lossy())?;
    // The plain file goes only once its row names the sealed one.
    match std::fs::remove_file(plain) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Every recording is a sealed file that opens under the master key and
/// holds exactly the audited evidence.
fn verify_recordings(conn: &mut DbConn, master: &MasterKey) -> anyhow::Result<()> {
    for (id, path, sha) in db::video::recordings_to_check(conn)? {
        let path = Path::new(&path);
        if path.extension().is_none_or(|e| e != "sealed") {
            anyhow::bail!("recording {id} is still a plain file ({})", path.display());
        }
        let got = sealed_sha256(path, master)?;
        if got != sha {
            anyhow::bail!("recording {id} at {} hashes to {got}, not the audited {sha}", path.display());
        }
    }
    Ok(())
}
