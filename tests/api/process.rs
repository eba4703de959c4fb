//! The `amaan` binary as a separate process, for the tests that kill it or
//! read what it logs.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

pub struct Server {
    pub child: Child,
    pub base: String,
}

/// A file's bytes read by another process (`cat`), never by this one.
///
/// For a live SQLite file this is what keeps the database whole: POSIX
/// advisory locks belong to the process, and closing ANY descriptor of the
/// file drops every lock this process holds on it, the pooled connections'
/// included. A plain `std::fs::read` of the file here once let the
/// conversion's process, at its close, take the WAL for unused, checkpoint
/// it and delete it under this process's connections, which then wrote to
/// an unlinked WAL: "database disk image is malformed" to the next reader.
pub fn read_outside(path: &std::path::Path) -> Option<Vec<u8>> {
    let out = Command::new("cat").arg(path).stderr(Stdio::null()).output().expect("cat runs");
    out.status.success().then_some(out.stdout)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(18_999)
}

pub fn amaan(data_dir: &std::path::Path, db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amaan"));
    cmd.env("DATABASE_URL", db)
        .env("AMAAN_DATA_DIR", data_dir)
        .env("AMAAN_LOG", "warn")
        .env("AMAAN_MASTER_KEY", crate::helpers::MASTER_KEY)
        .env_remove("AMAAN_MASTER_KEY_FILE");
    cmd
}

/// The binary with `args`, on this data directory and database, under the
/// test master key.
pub fn amaan_on(data_dir: &std::path::Path, db: &str, args: &[&str]) -> Command {
    let mut cmd = amaan(data_dir, db);
    cmd.args(args);
    cmd
}

/// Runs the binary to its end (or kills it after 30 s: a server that
/// started when it should have refused); whether it succeeded, and what it
/// printed on both streams.
pub fn run_to_end(mut cmd: Command) -> (bool, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("amaan runs");
    for _ in 0..300 {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().expect("output");
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return (out.status.success(), text);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("amaan kept running: it started when it should have refused");
}

pub async fn start(data_dir: &std::path::Path, db: &str, port: u16) -> Server {
    start_logging_to(data_dir, db, port, None).await
}

/// Starts the server; with `log`, its standard output and error go there.
pub async fn start_logging_to(
    data_dir: &std::path::Path,
    db: &str,
    port: u16,
    log: Option<&std::path::Path>,
) -> Server {
    start_with(data_dir, db, port, log, &[]).await
}

/// Starts the server with extra environment (`AMAAN_SMTP_URL`, ...).
pub async fn start_with(
    data_dir: &std::path::Path,
    db: &str,
    port: u16,
    log: Option<&std::path::Path>,
    env: &[(&str, &str)],
) -> Server {
    let (out, err) = match log {
        Some(path) => {
            let f = std::fs::File::create(path).expect("log file");
            (Stdio::from(f.try_clone().expect("log file")), Stdio::from(f))
        }
        None => (Stdio::null(), Stdio::null()),
    };
    let mut cmd = amaan(data_dir, db);
    cmd.envs(env.iter().copied());
    if log.is_some() {
        cmd.env("AMAAN_LOG", "debug");
    }
    let child = cmd
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(out)
        .stderr(err)
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

pub fn add_user(data_dir: &std::path::Path, db: &str, username: &str, role: &str, court: Option<i64>) {
    let mut cmd = amaan(data_dir, db);
    cmd.args(["user", "add", "--username", username, "--role", role, "--password-stdin"]);
    if let Some(c) = court {
        cmd.args(["--court", &c.to_string()]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::null()).spawn().expect("user add runs");
    child.stdin.take().expect("stdin").write_all(b"crash-test-password\n").expect("password written");
    assert!(child.wait().expect("user add ends").success(), "user add failed");
}

pub async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
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

/// A database for a server process: a file in `dir`, or a new PostgreSQL
/// database beside the one in `DATABASE_URL`. Drop it with `drop_database`.
pub fn fresh_database_url(dir: &std::path::Path, tag: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    if !crate::helpers::is_postgres() {
        return dir.join(format!("{tag}.db")).to_string_lossy().into_owned();
    }
    let base = std::env::var("DATABASE_URL").unwrap_or_default();
    let mut url = url::Url::parse(&base).expect("url");
    let mut name = format!("{}_{tag}_{}", url.path().trim_start_matches('/'), std::process::id());
    name.truncate(63);
    let mut c = diesel::PgConnection::establish(&crate::helpers::maintenance_url(&base)).expect("pg");
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut c).expect("create db");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub fn drop_database(url: &str) {
    use diesel::{Connection, RunQueryDsl};
    if !url.starts_with("postgres") {
        return;
    }
    let base = std::env::var("DATABASE_URL").unwrap_or_default();
    let name = url::Url::parse(url).map(|u| u.path().trim_start_matches('/').to_string()).unwrap_or_default();
    if let Ok(mut c) = diesel::PgConnection::establish(&crate::helpers::maintenance_url(&base)) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut c);
    }
}
