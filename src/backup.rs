//! Backups that restore: a consistent copy of the database taken while the
//! server runs (SQLite's `VACUUM INTO`; `pg_dump` on PostgreSQL), every
//! recording the copy names (already sealed) and the audit checkpoint log,
//! in one file sealed under the master key like a recording (chunked
//! XChaCha20-Poly1305, the last chunk flagged as last).
//!
//! The file is written under a temporary name, synced, and renamed last, so
//! a backup killed midway leaves only a `.partial` file; and restore reads
//! the whole archive through (every chunk authenticated, the end marker
//! present) before it writes anything, so a cut file is refused whole.
//!
//! Inside the seal: entries of a kind byte, a name (u32 length, UTF-8) and
//! the data (u64 length); the last entry is `E` with a JSON manifest.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::db::{self, Backend};
use crate::vault::{MasterKey, SealedReader, SealedWriter};

const DATABASE_SQLITE: &str = "database.sqlite";
const DATABASE_PG: &str = "database.pgdump";
const CHECKPOINTS: &str = "audit-checkpoints.jsonl";
const RECORDING: &str = "recording:";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub backend: String,
    pub created_at: String,
    pub recordings: usize,
    pub entries: usize,
}

/// Finds a PostgreSQL client tool: on the PATH, or in Debian's versioned
/// directory, the newest first.
fn pg_tool(name: &str) -> anyhow::Result<PathBuf> {
    if let Ok(out) = Command::new("which").arg(name).output() {
        let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !found.is_empty() {
            return Ok(PathBuf::from(found));
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions.pop().ok_or_else(|| anyhow::anyhow!("{name} is not installed (Debian: postgresql-client)"))
}

fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    if !out.status.success() {
        anyhow::bail!("{what} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

fn put(out: &mut impl Write, kind: u8, name: &str, len: u64, data: &mut impl Read) -> anyhow::Result<()> {
    out.write_all(&[kind])?;
    out.write_all(&(name.len() as u32).to_be_bytes())?;
    out.write_all(name.as_bytes())?;
    out.write_all(&len.to_be_bytes())?;
    let copied = std::io::copy(&mut data.take(len), out)?;
    if copied != len {
        anyhow::bail!("{name} changed while it was being backed up");
    }
    Ok(())
}

fn put_file(out: &mut impl Write, name: &str, path: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let len = file.metadata()?.len();
    put(out, b'F', name, len, &mut BufReader::new(file))
}

/// Writes a backup of the database at `url` (with its recordings and the
/// checkpoint log at `checkpoints`) to `out`.
pub fn backup(
    url: &str,
    data_dir: &Path,
    checkpoints: &Path,
    master: &MasterKey,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let (pool, _) = db::open(url, 1, master)?;
    let snapshot = data_dir.join("backup-snapshot.tmp");
    let _ = std::fs::remove_file(&snapshot);
    let backend = Backend::of(url);
    match backend {
        Backend::Sqlite => {
            use diesel::RunQueryDsl;
            let target = snapshot.to_string_lossy().replace('\'', "''");
            diesel::sql_query(format!("VACUUM INTO '{target}'")).execute(&mut pool.get()?)?;
        }
        Backend::Postgres => {
            run(
                Command::new(pg_tool("pg_dump")?)
                    .arg("--format=custom")
                    .arg("--no-owner")
                    .arg("--file")
                    .arg(&snapshot)
                    .arg(url),
                "pg_dump",
            )?;
        }
    }
    // The recordings the copy names: those finished before it was taken.
    let files = db::video::all_recording_files(&mut *pool.get()?)?;
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let _ = std::fs::remove_file(&partial);
    let result = (|| -> anyhow::Result<Manifest> {
        let mut sealed = BufWriter::new(SealedWriter::create(&partial, master)?);
        let mut entries = 0;
        let name = if backend == Backend::Sqlite { DATABASE_SQLITE } else { DATABASE_PG };
        put_file(&mut sealed, name, &snapshot)?;
        entries += 1;
        for path in &files {
            put_file(&mut sealed, &format!("{RECORDING}{path}"), Path::new(path))?;
            entries += 1;
        }
        if checkpoints.exists() {
            put_file(&mut sealed, CHECKPOINTS, checkpoints)?;
            entries += 1;
        }
        let manifest = Manifest {
            backend: if backend == Backend::Sqlite { "sqlite" } else { "postgres" }.into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            recordings: files.len(),
            entries,
        };
        let text = serde_json::to_vec(&manifest)?;
        put(&mut sealed, b'E', "manifest", text.len() as u64, &mut text.as_slice())?;
        sealed.into_inner().map_err(|e| anyhow::anyhow!("writing the backup: {e}"))?.finish()?;
        Ok(manifest)
    })();
    let _ = std::fs::remove_file(&snapshot);
    let manifest = result?;
    std::fs::rename(&partial, out)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(manifest)
}

/// One entry's header, as read.
struct Entry {
    kind: u8,
    name: String,
    len: u64,
}

fn next_entry(r: &mut impl Read) -> anyhow::Result<Option<Entry>> {
    let mut kind = [0u8; 1];
    if r.read(&mut kind)? == 0 {
        return Ok(None);
    }
    let mut n = [0u8; 4];
    r.read_exact(&mut n)?;
    let name_len = u32::from_be_bytes(n) as usize;
    if name_len > 64 * 1024 {
        anyhow::bail!("the backup is malformed");
    }
    let mut name = vec![0u8; name_len];
    r.read_exact(&mut name)?;
    let mut l = [0u8; 8];
    r.read_exact(&mut l)?;
    Ok(Some(Entry { kind: kind[0], name: String::from_utf8(name)?, len: u64::from_be_bytes(l) }))
}

/// Reads the archive through, calling `each` with every file entry; Ok with
/// the manifest only if the end marker was reached and every chunk held.
fn walk(
    from: &Path,
    master: &MasterKey,
    mut each: impl FnMut(&Entry, &mut dyn Read) -> anyhow::Result<()>,
) -> anyhow::Result<Manifest> {
    let reader = SealedReader::open(from, master).map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))?;
    let mut r = BufReader::new(reader);
    while let Some(entry) =
        next_entry(&mut r).map_err(|e| anyhow::anyhow!("{}: cut short or altered: {e}", from.display()))?
    {
        let mut data = (&mut r).take(entry.len);
        if entry.kind == b'E' {
            let mut text = Vec::new();
            data.read_to_end(&mut text)?;
            return Ok(serde_json::from_slice(&text)?);
        }
        each(&entry, &mut data)?;
        let left = std::io::copy(&mut data, &mut std::io::sink())?;
        let _ = left;
    }
    anyhow::bail!("{}: the backup has no end marker: it is incomplete", from.display())
}

/// Restores a backup into an empty database and an empty data directory,
/// after reading it whole once to prove it complete and unaltered.
pub fn restore(
    url: &str,
    data_dir: &Path,
    checkpoints: &Path,
    master: &MasterKey,
    from: &Path,
) -> anyhow::Result<Manifest> {
    let checked = walk(from, master, |_, data| {
        std::io::copy(data, &mut std::io::sink())?;
        Ok(())
    })?;
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty: restore only into an empty data directory. Nothing was changed",
            data_dir.display()
        );
    }
    let backend = Backend::of(url);
    let wanted = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    if checked.backend != wanted {
        anyhow::bail!("the backup is of a {} database, not {wanted}", checked.backend);
    }
    match backend {
        Backend::Sqlite => {
            let path = Path::new(db::sqlite_path(url));
            if path.exists() && std::fs::metadata(path)?.len() > 0 {
                anyhow::bail!("{} exists: restore only into a new database. Nothing was changed", path.display());
            }
        }
        Backend::Postgres => {
            use diesel::{Connection, RunQueryDsl};
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut c = diesel::PgConnection::establish(url)?;
            let tables: Vec<N> =
                diesel::sql_query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
                    .load(&mut c)?;
            if tables.first().map(|t| t.n).unwrap_or(0) > 0 {
                anyhow::bail!(
                    "{} holds tables: restore only into an empty database. Nothing was changed",
                    crate::cli::describe(url)
                );
            }
        }
    }
    crate::config::private_dir(data_dir)?;
    let recordings = data_dir.join("recordings");
    let dump = data_dir.join("restore-dump.tmp");
    let mut moved: Vec<(String, String)> = Vec::new();
    walk(from, master, |entry, data| {
        let target = if entry.name == DATABASE_SQLITE {
            PathBuf::from(db::sqlite_path(url))
        } else if entry.name == DATABASE_PG {
            dump.clone()
        } else if entry.name == CHECKPOINTS {
            checkpoints.to_path_buf()
        } else if let Some(old) = entry.name.strip_prefix(RECORDING) {
            // Kept under its session's directory, whatever the old data
            // directory was called.
            let old_path = Path::new(old);
            let session = old_path.parent().and_then(|p| p.file_name()).map(PathBuf::from).unwrap_or_default();
            let file = old_path.file_name().ok_or_else(|| anyhow::anyhow!("a recording without a name"))?;
            let dir = recordings.join(session);
            crate::config::private_dir(&dir)?;
            let new = dir.join(file);
            moved.push((old.to_string(), new.to_string_lossy().into_owned()));
            new
        } else {
            anyhow::bail!("an unknown entry {} in the backup", entry.name);
        };
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::config::private_dir(dir)?;
        }
        let mut out = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&target)?;
        std::io::copy(data, &mut out)?;
        out.sync_all()?;
        Ok(())
    })?;
    if backend == Backend::Postgres {
        let restored = run(
            Command::new(pg_tool("pg_restore")?).arg("--no-owner").arg("--dbname").arg(url).arg(&dump),
            "pg_restore",
        );
        let _ = std::fs::remove_file(&dump);
        restored?;
    }
    let (pool, _) = db::open(url, 1, master)?;
    let mut conn = pool.get()?;
    for (old, new) in &moved {
        db::video::move_recording_file(&mut conn, old, new)?;
    }
    Ok(checked)
}
