//! `amaan-bench bookings`: clerks of many courts booking hearings at once
//! on PostgreSQL, through the HTTP API, with the audit trail as one chain
//! and then as a chain per court, one after the other in one run, each on
//! a scratch database of its own. Prints bookings per second and each
//! booking's p50/p99 for both.
//!
//! One chain is the write path as it was: every booking is a `db::write_tx`,
//! whose first statement locks the one `audit_head` row, and every event
//! goes to the one chain, so the courts' bookings run one at a time. A
//! chain per court is the write path as it is: a booking is a
//! `db::court_tx`, which holds the head only FOR SHARE and locks the chain
//! rows of its court's building (here one court each), and its event takes
//! its global number from a sequence, so bookings of different courts run
//! together and wait only on the database's own work (and this machine's
//! cores). The server runs in this process, so `use_one_chain_for_benchmark`
//! switches both the chain layout and the lock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration as StdDuration, Instant};

use anyhow::{anyhow, bail};
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::{json, Value};

use amaan::config::{NoticeChannels, Secret, Settings};
use amaan::db::{self, Backend};
use amaan::startup::Application;

#[derive(clap::Args, Debug, Clone)]
pub struct BookingsArgs {
    /// Courts, each with one clerk booking as fast as it can.
    #[arg(long, default_value_t = 50)]
    pub courts: usize,
    /// Seconds of booking per layout.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
}

/// One court's clerk: a token, a case, a judge and a room to book.
struct Clerk {
    token: String,
    case_id: i64,
    judge_id: i64,
    room_id: i64,
}

struct Figures {
    booked: usize,
    refused: usize,
    seconds: f64,
    p50: f64,
    p99: f64,
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

fn call(agent: &ureq::Agent, base: &str, token: &str, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
    match agent
        .request(method, &format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(body)
    {
        Ok(r) => Ok(r.into_json::<Value>().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, r)) => bail!("{method} {path}: {code} {}", r.into_string().unwrap_or_default()),
        Err(e) => Err(anyhow!("{method} {path}: {e}")),
    }
}

fn start_server(url: &str, secret: Secret, master_key: amaan::vault::MasterKey, pool: u32) -> anyhow::Result<u16> {
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.to_string(),
        data_dir: std::env::temp_dir(),
        jwt_secret: secret,
        token_ttl_minutes: 240,
        pool_size: pool,
        web_dir: std::env::temp_dir().join("amaan-bench-no-pages"),
        login_attempts_per_minute: 60,
        notices: NoticeChannels { smtp_url: None, sms_url: None, ..NoticeChannels::from_env()? },
        node: amaan::config::NodeSettings::single(),
        public_origin: None,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries: amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
        master_key,
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

/// The `k`-th slot a clerk books: six 45-minute hearings a working day in
/// court hours (Asia/Karachi), from the next Monday on.
fn slot(first_monday: NaiveDate, k: usize) -> (String, String) {
    let week = (k / 30) as i64;
    let day_in_week = ((k / 6) % 5) as i64;
    let day = first_monday + Duration::days(week * 7 + day_in_week);
    let hour = 9 + (k % 6);
    (format!("{day}T{hour:02}:00:00+05:00"), format!("{day}T{hour:02}:45:00+05:00"))
}

fn next_monday() -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(2);
    while d.weekday() != Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

fn scratch(admin_url: &str, name: &str) -> anyhow::Result<String> {
    use diesel::{Connection, RunQueryDsl};
    let mut parsed = url::Url::parse(admin_url)?;
    let mut admin = diesel::PgConnection::establish(admin_url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

fn drop_scratch(admin_url: &str, name: &str) {
    use diesel::{Connection, RunQueryDsl};
    if let Ok(mut c) = diesel::PgConnection::establish(admin_url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c);
    }
}

/// Seeds `courts` courts (a room, waiting areas, a judge, a clerk, a case
/// each) and lets every clerk book for `seconds`, all starting together.
fn measure(url: &str, courts: usize, seconds: u64) -> anyhow::Result<Figures> {
    let master = amaan::vault::MasterKey::generate();
    let (pool, _) = db::open(url, 2, &master)?;
    let mut conn = pool.get()?;
    let root = staff(&mut conn, "bench-root", "admin", None)?;
    let secret = Secret::new((0..48).map(|_| rand::random::<u8>()).collect());
    // A connection per clerk and some to spare, so the pool is not what
    // they queue on.
    let port = start_server(url, secret.clone(), master, (courts + 10) as u32)?;
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new().timeout(StdDuration::from_secs(60)).build();
    let token_of = |id: i64, role: &str, court: Option<i64>| {
        amaan::auth::token::issue(&secret, id, role, court, 0, Duration::hours(4)).map(|t| t.0).map_err(|e| anyhow!(e))
    };
    let root_token = token_of(root, "admin", None)?;
    let cognizance = (Utc::now() - Duration::days(30)).date_naive().to_string();
    let mut clerks = Vec::with_capacity(courts);
    for c in 0..courts {
        let court = call(
            &agent,
            &base,
            &root_token,
            "POST",
            "/api/courts",
            json!({"name": format!("Bench Court {c}"), "rule_profile": "pk", "time_zone": "Asia/Karachi"}),
        )?;
        let court_id = court["id"].as_i64().ok_or_else(|| anyhow!("court id"))?;
        let room = call(
            &agent,
            &base,
            &root_token,
            "POST",
            &format!("/api/courts/{court_id}/rooms"),
            json!({"name": "Court Room 1", "video_link": true}),
        )?;
        for (name, child_friendly, entrance) in
            [("Children's Room", true, "East Gate"), ("Main Hall", false, "Main Gate")]
        {
            call(
                &agent,
                &base,
                &root_token,
                "POST",
                &format!("/api/courts/{court_id}/waiting-areas"),
                json!({"name": name, "child_friendly": child_friendly, "entrance": entrance}),
            )?;
        }
        let judge_id = staff(&mut conn, &format!("bench-judge-{c}"), "judge", Some(court_id))?;
        let clerk_id = staff(&mut conn, &format!("bench-clerk-{c}"), "clerk", Some(court_id))?;
        let token = token_of(clerk_id, "clerk", Some(court_id))?;
        let case = call(
            &agent,
            &base,
            &token,
            "POST",
            "/api/cases",
            json!({"number": format!("BK-{c}/2026"), "offence": "s.420 PPC", "cognizance_date": cognizance}),
        )?;
        let case_id = case["id"].as_i64().ok_or_else(|| anyhow!("case id"))?;
        clerks.push(Clerk {
            token,
            case_id,
            judge_id,
            room_id: room["id"].as_i64().ok_or_else(|| anyhow!("room id"))?,
        });
    }
    drop(conn);

    let first_monday = next_monday();
    let start = Arc::new(Barrier::new(courts + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::with_capacity(courts);
    for clerk in clerks {
        let (start, stop, agent, base) = (Arc::clone(&start), Arc::clone(&stop), agent.clone(), base.clone());
        threads.push(std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut refused = 0usize;
            start.wait();
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                let (starts_at, ends_at) = slot(first_monday, k);
                k += 1;
                let t = Instant::now();
                let booked = call(
                    &agent,
                    &base,
                    &clerk.token,
                    "POST",
                    &format!("/api/cases/{}/hearings", clerk.case_id),
                    json!({"kind": "charge", "judge_id": clerk.judge_id, "room_id": clerk.room_id, "starts_at": starts_at,
                           "ends_at": ends_at, "child_testifies": false, "mode": "in_person"}),
                );
                match booked {
                    Ok(_) => samples.push(t.elapsed()),
                    Err(e) => {
                        if refused == 0 {
                            eprintln!("a booking was refused: {e}");
                        }
                        refused += 1;
                    }
                }
            }
            (samples, refused)
        }));
    }
    start.wait();
    let began = Instant::now();
    std::thread::sleep(StdDuration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut refused = 0;
    for t in threads {
        let (s, r) = t.join().map_err(|_| anyhow!("a clerk's thread panicked"))?;
        all.extend(s);
        refused += r;
    }
    let took = began.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |q: f64| {
        let i = ((all.len() as f64 - 1.0) * q).round() as usize;
        all.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
    };
    Ok(Figures { booked: all.len(), refused, seconds: took, p50: at(0.5), p99: at(0.99) })
}

pub fn run(args: &BookingsArgs, database_url: Option<String>) -> anyhow::Result<()> {
    let Some(admin_url) = database_url.filter(|u| Backend::of(u) == Backend::Postgres) else {
        bail!("the bookings benchmark runs on PostgreSQL: give --postgres postgres://…");
    };
    let courts = args.courts.max(1);
    println!(
        "amaan bench bookings: PostgreSQL, {courts} clerks in {courts} courts booking at once, {} s per layout",
        args.seconds
    );
    let mut results = Vec::new();
    for (layout, one_chain, name) in
        [("one chain", true, "amaan_bench_bookings_one"), ("a chain per court", false, "amaan_bench_bookings_courts")]
    {
        let url = scratch(&admin_url, name)?;
        db::audit::use_one_chain_for_benchmark(one_chain);
        let figures = measure(&url, courts, args.seconds);
        db::audit::use_one_chain_for_benchmark(false);
        let chains = figures.as_ref().ok().and_then(|_| chain_count(&url).ok());
        drop_scratch(&admin_url, name);
        let f = figures?;
        println!(
            "{layout:<18}: {:>6} bookings in {:.1} s = {:>7.1} bookings/s   p50 {:>7.2} ms   p99 {:>7.2} ms   refused {}   chains written {}",
            f.booked,
            f.seconds,
            f.booked as f64 / f.seconds,
            f.p50,
            f.p99,
            f.refused,
            chains.map_or("?".to_string(), |c| c.to_string())
        );
        results.push(f);
    }
    if let [one, per_court] = results.as_slice() {
        println!(
            "a chain per court / one chain: {:.2}x (one chain: every booking locks the one audit_head row; a chain \
             per court: each locks its own court's chain row)",
            (per_court.booked as f64 / per_court.seconds) / (one.booked as f64 / one.seconds).max(f64::MIN_POSITIVE)
        );
    }
    Ok(())
}

/// How many chains the run's events went into (one, or one per court and
/// the system's).
fn chain_count(url: &str) -> anyhow::Result<i64> {
    use diesel::{QueryDsl, RunQueryDsl};
    let pool = db::connect_pool(url, 1)?;
    let mut conn = pool.get()?;
    Ok(db::schema::audit_chains::table.count().get_result(&mut conn)?)
}
