//! `amaan-bench notices`: one accepted plan queues 10,000 notices (2,000
//! hearings, five parties with an email address each) in its transaction;
//! the server's own worker delivers them to a local aiosmtpd (PyPI) that
//! saves every message. Prints how long delivery took, how many messages the
//! SMTP server holds, and the API's p50/p99 latency (a clerk reading a
//! hearing's notices) while the worker sends, beside the same figures with
//! the worker idle.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use amaan::config::{NoticeChannels, Secret, Settings};
use amaan::db::{self, Backend};
use amaan::startup::Application;

#[derive(clap::Args, Debug, Clone)]
pub struct NoticesArgs {
    /// Hearings in the plan; each tells five parties by email.
    #[arg(long, default_value_t = 2_000)]
    pub hearings: usize,
    /// Court rooms (each with its judge) the plan may use.
    #[arg(long, default_value_t = 20)]
    pub rooms: usize,
}

struct Smtp {
    child: Child,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn start_smtp(maildir: &Path) -> anyhow::Result<Smtp> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub))?;
    }
    let port = free_port()?;
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("python3 -m aiosmtpd (python3 -m pip install aiosmtpd)")?;
    let smtp = Smtp { child, port };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(smtp);
        }
        std::thread::sleep(StdDuration::from_millis(50));
    }
    bail!("aiosmtpd did not start")
}

fn delivered(maildir: &Path) -> usize {
    std::fs::read_dir(maildir.join("new")).map(|d| d.count()).unwrap_or(0)
}

/// The API at `base` with one staff token.
struct Api {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token));
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => Ok(r.into_json::<Value>().unwrap_or(Value::Null)),
            Err(ureq::Error::Status(code, r)) => {
                bail!("{method} {path}: {code} {}", r.into_string().unwrap_or_default())
            }
            Err(e) => Err(anyhow!("{method} {path}: {e}")),
        }
    }
}

fn staff(conn: &mut db::DbConn, username: &str, role: &str, court_id: Option<i64>) -> anyhow::Result<i64> {
    let u = db::users::create(
        conn,
        &db::users::NewUser {
            username: username.into(),
            display_name: username.into(),
            // No password logs in: the benchmark issues its own tokens.
            password_hash: "!".into(),
            role: role.into(),
            court_id,
            active: true,
            token_version: 0,
            failed_logins: 0,
            created_at: Utc::now().naive_utc(),
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    Ok(u.id)
}

fn start_server(url: &str, secret: Secret, channels: NoticeChannels) -> anyhow::Result<u16> {
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.to_string(),
        data_dir: std::env::temp_dir(),
        jwt_secret: secret,
        token_ttl_minutes: 240,
        pool_size: 8,
        web_dir: std::env::temp_dir().join("amaan-bench-no-pages"),
        login_attempts_per_minute: 60,
        notices: channels,
        node: amaan::config::NodeSettings::single(),
        public_origin: None,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries: amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
        master_key: amaan::vault::MasterKey::generate(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            match Application::build(settings) {
                Ok(app) => {
                    let _ = tx.send(Ok(app.port()));
                    let _ = app.run_until_stopped().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    rx.recv_timeout(StdDuration::from_secs(60)).map_err(|_| anyhow!("the server did not start"))?
}

fn percentiles(samples: &mut [StdDuration]) -> (f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

/// Reads a hearing's notices as fast as one clerk can until `stop`.
fn load(api: &Api, hearings: &[i64], stop: impl Fn() -> bool) -> Vec<StdDuration> {
    let mut samples = Vec::new();
    let mut i = 0;
    while !stop() {
        let h = hearings[i % hearings.len()];
        let t = Instant::now();
        if api.call("GET", &format!("/api/hearings/{h}/notices"), None).is_ok() {
            samples.push(t.elapsed());
        }
        i += 1;
    }
    samples
}

pub fn run(args: &NoticesArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    let backend = database_url.as_deref().map(Backend::of).unwrap_or(Backend::Sqlite);
    let (url, drop_pg) = match database_url {
        Some(u) if backend == Backend::Postgres => {
            use diesel::{Connection, RunQueryDsl};
            let mut parsed = url::Url::parse(&u)?;
            let name = "amaan_bench_notices";
            let mut admin = diesel::PgConnection::establish(&u)?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
            parsed.set_path(&format!("/{name}"));
            (parsed.to_string(), Some((u, name)))
        }
        _ => {
            std::fs::create_dir_all(data_dir)?;
            let path = data_dir.join("bench-notices.db").to_string_lossy().into_owned();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            (path, None)
        }
    };
    let maildir = data_dir.join("bench-notices-maildir");
    let _ = std::fs::remove_dir_all(&maildir);
    let outcome = measure(args, &url, backend, &maildir);
    if let Some((admin_url, name)) = drop_pg {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut c) = diesel::PgConnection::establish(&admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c);
        }
    }
    let _ = std::fs::remove_dir_all(&maildir);
    outcome
}

fn measure(args: &NoticesArgs, url: &str, backend: Backend, maildir: &Path) -> anyhow::Result<()> {
    let want = args.hearings * 5;
    println!(
        "amaan bench notices: {backend:?}, {} hearings, {want} email notices, {} rooms",
        args.hearings, args.rooms
    );
    let smtp = start_smtp(maildir)?;
    let pool = db::connect_pool(url, 2)?;
    let mut conn = pool.get()?;
    db::migrate(&mut conn)?;
    let root = staff(&mut conn, "bench-root", "admin", None)?;
    let secret = Secret::new((0..48).map(|_| rand::random::<u8>()).collect());
    let channels = NoticeChannels {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        mail_from: "Amaan <notices@amaan.invalid>".into(),
        sms_url: None,
        sms: Default::default(),
        retry_base: StdDuration::from_secs(1),
        max_attempts: 5,
        node: "bench".into(),
    };
    let port = start_server(url, secret.clone(), channels)?;
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new().timeout(StdDuration::from_secs(120)).build();
    let token_of = |id: i64, role: &str, court: Option<i64>| {
        amaan::auth::token::issue(&secret, id, role, court, 0, Duration::hours(4)).map(|t| t.0).map_err(|e| anyhow!(e))
    };
    let root_api = Api { base: base.clone(), token: token_of(root, "admin", None)?, agent: agent.clone() };
    let court = root_api.call(
        "POST",
        "/api/courts",
        Some(json!({"name": "Bench Sessions Court", "rule_profile": "pk", "time_zone": "Asia/Karachi"})),
    )?;
    let court_id = court["id"].as_i64().ok_or_else(|| anyhow!("court id"))?;
    let clerk_id = staff(&mut conn, "bench-clerk", "clerk", Some(court_id))?;
    let clerk = Api { base: base.clone(), token: token_of(clerk_id, "clerk", Some(court_id))?, agent: agent.clone() };
    for r in 0..args.rooms {
        root_api.call(
            "POST",
            &format!("/api/courts/{court_id}/rooms"),
            Some(json!({"name": format!("Court Room {}", r + 1), "video_link": true})),
        )?;
        staff(&mut conn, &format!("bench-judge-{r}"), "judge", Some(court_id))?;
    }
    for (name, child_friendly, entrance) in [
        ("Children's Room", true, "East Gate"),
        ("Main Hall", false, "Main Gate"),
        ("Holding Room", false, "Lock-up Gate"),
    ] {
        root_api.call(
            "POST",
            &format!("/api/courts/{court_id}/waiting-areas"),
            Some(json!({"name": name, "child_friendly": child_friendly, "entrance": entrance})),
        )?;
    }
    let cognizance = (Utc::now() - Duration::days(30)).date_naive().to_string();
    let started = Instant::now();
    let mut hearing_ids = Vec::with_capacity(args.hearings);
    for i in 0..args.hearings {
        let case = clerk.call(
            "POST",
            "/api/cases",
            Some(json!({"number": format!("B-{i}/2026"), "offence": "s.420 PPC", "cognizance_date": cognizance})),
        )?;
        let case_id = case["id"].as_i64().ok_or_else(|| anyhow!("case id"))?;
        for (role, name) in [
            ("accused", format!("Accused {i}")),
            ("defence_counsel", format!("Counsel {i}")),
            ("prosecutor", format!("Prosecutor {i}")),
            ("witness", format!("Witness {i}a")),
            ("witness", format!("Witness {i}b")),
        ] {
            let party = clerk.call(
                "POST",
                &format!("/api/cases/{case_id}/parties"),
                Some(json!({"role": role, "name": name})),
            )?;
            clerk.call(
                "PUT",
                &format!("/api/parties/{}/contact", party["id"]),
                Some(json!({"email": format!("p{}@example.org", party["id"]), "language": if i % 2 == 0 { "ur" } else { "en" }})),
            )?;
        }
        let h = clerk.call("POST", &format!("/api/cases/{case_id}/hearings"), Some(json!({"kind": "charge"})))?;
        hearing_ids.push(h["id"].as_i64().ok_or_else(|| anyhow!("hearing id"))?);
    }
    println!("seeded through the API in {:.1} s", started.elapsed().as_secs_f64());

    let weeks = (args.hearings / (args.rooms * 5 * 4)).max(1) + 2;
    let t = Instant::now();
    let plan = clerk.call("POST", "/api/plan", Some(json!({"weeks": weeks})))?;
    let placed = plan["placed"].as_array().map(Vec::len).unwrap_or(0);
    println!(
        "plan of {weeks} weeks: {placed} placed, {} unplaced, in {:.2} s",
        plan["unplaced"].as_array().map(Vec::len).unwrap_or(0),
        t.elapsed().as_secs_f64()
    );

    // The API's latency with the worker idle (nothing queued yet).
    let sample = &hearing_ids[..hearing_ids.len().min(200)];
    let idle_until = Instant::now() + StdDuration::from_secs(5);
    let mut idle = load(&clerk, sample, || Instant::now() >= idle_until);
    let (i50, i99) = percentiles(&mut idle);

    let t = Instant::now();
    let accepted = clerk.call("POST", "/api/plan/accept", Some(json!({"plan_id": plan["plan_id"]})))?;
    let booked = accepted["booked"].as_array().map(Vec::len).unwrap_or(0);
    let accepted_in = t.elapsed();
    let total = booked * 5;
    println!(
        "accepted: {booked} hearings booked and {total} notices queued in one transaction, {:.2} s",
        accepted_in.as_secs_f64()
    );

    let send_started = Instant::now();
    let deadline = send_started + StdDuration::from_secs(3600);
    let mut busy = load(&clerk, sample, || delivered(maildir) >= total || Instant::now() >= deadline);
    let took = send_started.elapsed();
    let (b50, b99) = percentiles(&mut busy);
    std::thread::sleep(StdDuration::from_millis(500));
    let got = delivered(maildir);
    println!(
        "delivered {got} of {total} messages to aiosmtpd in {:.1} s ({:.0} messages/s)",
        took.as_secs_f64(),
        got as f64 / took.as_secs_f64()
    );
    println!(
        "API GET /api/hearings/{{id}}/notices, worker idle:    p50 {i50:>7.2} ms   p99 {i99:>7.2} ms   ({} requests)",
        idle.len()
    );
    println!(
        "API GET /api/hearings/{{id}}/notices, while sending:  p50 {b50:>7.2} ms   p99 {b99:>7.2} ms   ({} requests)",
        busy.len()
    );
    if got != total {
        bail!("{got} messages for {total} notices");
    }
    drop(smtp);
    Ok(())
}
