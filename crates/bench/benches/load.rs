//! Load test on loopback: N concurrent clients for S seconds mixing logins,
//! docket/case reads and hearing bookings against one in-process server.
//! Prints throughput and latency; checks for 5xx, double bookings and lost
//! acknowledged writes. Not a timed test: it reports, it does not judge
//! speed.
//!
//!   cargo bench -p amaan-bench --bench load -- --clients 200 --seconds 60
//!   DATABASE_URL=postgres://postgres@127.0.0.1:5432/amaan_load cargo bench -p amaan-bench --bench load -- --clients 200 --seconds 60

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amaan::config::{Secret, Settings};
use amaan::db::{self, audit};
use amaan::domain::roles::StaffRole;
use amaan::startup::Application;
use clap::Parser;
use diesel::prelude::*;
use serde_json::{json, Value};
use tokio::sync::Mutex;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 200)]
    clients: usize,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Rooms to book; fewer rooms means more contention.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    #[arg(long)]
    bench: bool,
}

const PASSWORD: &str = "load-test-password";

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<&'static str, Vec<f64>>,
    statuses: BTreeMap<u16, u64>,
    booked: Vec<i64>,
    /// Why bookings were refused: the problem's `rule` (or title), counted.
    refusals: BTreeMap<String, u64>,
    transport_errors: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| dir.path().join("load.db").to_string_lossy().into_owned());
    let backend = if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.clone(),
        data_dir: dir.path().to_path_buf(),
        jwt_secret: Secret::new(b"load-test-secret-load-test-secret-0123".to_vec()),
        master_key: amaan::vault::MasterKey::generate(),
        token_ttl_minutes: 60,
        pool_size: 16,
        web_dir: dir.path().to_path_buf(),
        login_attempts_per_minute: 1_000_000,
        notices: amaan::config::NoticeChannels::from_env()?,
        node: amaan::config::NodeSettings::single(),
        public_origin: None,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries: amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
    };
    let app = Application::build(settings)?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.state.pool.clone();
    tokio::spawn(app.run_until_stopped());

    // A court with rooms, a judge and a clerk, made directly in the store.
    let (court_id, rooms, _judge_id) = {
        let mut conn = pool.get()?;
        let now = chrono::Utc::now().naive_utc();
        db::write_tx(&mut conn, |c| {
            let court = db::courts::create(
                c,
                &db::courts::CourtForm {
                    name: format!("Load Court {}", std::process::id()),
                    rule_profile: "pk".into(),
                    time_zone: "Asia/Karachi".into(),
                    opens_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
                    closes_at: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
                    working_days: "mon,tue,wed,thu,fri".into(),
                    province: None,
                    district: None,
                },
                now,
            )?;
            // Each room has its judge, so a booking contends for both.
            let mut rooms = Vec::new();
            let tag = court.id;
            for r in 0..args.rooms {
                let room = db::courts::add_room(
                    c,
                    &db::courts::NewRoom {
                        court_id: court.id,
                        name: format!("Room {r}"),
                        video_link: true,
                        capacity: 20,
                    },
                )?
                .id;
                let judge = db::users::create(
                    c,
                    &amaan::api::users::new_user(
                        &format!("judge{tag}-{r}"),
                        None,
                        PASSWORD,
                        StaffRole::Judge,
                        Some(court.id),
                    )?,
                )?;
                rooms.push((room, judge.id));
            }
            let judge = db::users::create(
                c,
                &amaan::api::users::new_user(&format!("judge{tag}"), None, PASSWORD, StaffRole::Judge, Some(court.id))?,
            )?;
            db::users::create(
                c,
                &amaan::api::users::new_user(&format!("clerk{tag}"), None, PASSWORD, StaffRole::Clerk, Some(court.id))?,
            )?;
            audit::append(c, &audit::Actor::system(), audit::Change::new("create", "court", court.id))?;
            Ok((court.id, rooms, judge.id))
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let clerk_name = format!("clerk{court_id}");
    let judge_name = format!("judge{court_id}");
    // Idle connections are dropped before the server's 5 s keep-alive closes
    // them, so no request is sent on a connection that is going away.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .pool_idle_timeout(Duration::from_secs(1))
        .build()?;
    let login = |who: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let r: Value = client
                .post(format!("{base}/api/auth/login"))
                .json(&json!({"username": who, "password": PASSWORD}))
                .send()
                .await?
                .json()
                .await?;
            Ok::<String, anyhow::Error>(r["token"].as_str().unwrap_or_default().to_string())
        }
    };
    let clerk = login(clerk_name.clone()).await?;
    // Cases taken cognizance of today, booked on the 20 weekdays from a week
    // on: inside every profile's clocks, and never a weekend (the scheduler
    // refuses both).
    let today = chrono::Local::now().date_naive();
    let slot_days: Vec<String> = (7..60)
        .map(|d| today + chrono::Days::new(d))
        .filter(|d| !matches!(chrono::Datelike::weekday(d), chrono::Weekday::Sat | chrono::Weekday::Sun))
        .take(20)
        .map(|d| d.to_string())
        .collect();
    let slot_days = Arc::new(slot_days);
    // One case per client to book hearings for.
    let mut cases = Vec::new();
    for i in 0..args.clients {
        let r: Value = client
            .post(format!("{base}/api/cases"))
            .bearer_auth(&clerk)
            .json(&json!({"number": format!("L-{i}"), "offence": "load", "cognizance_date": today.to_string()}))
            .send()
            .await?
            .json()
            .await?;
        cases.push(r["id"].as_i64().unwrap_or_default());
    }

    println!("load: {} clients for {} s on {backend}, {} rooms", args.clients, args.seconds, rooms.len());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, case_id) in cases.iter().copied().enumerate() {
        let client = client.clone();
        let base = base.clone();
        let tally = tally.clone();
        let rooms = rooms.clone();
        let slot_days = Arc::clone(&slot_days);
        let clerk_name = clerk_name.clone();
        let judge_name = judge_name.clone();
        let mut token = clerk.clone();
        tasks.push(tokio::spawn(async move {
            let mut n: u64 = i as u64 * 7919;
            while Instant::now() < deadline {
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let pick = (n >> 33) % 100;
                let t0 = Instant::now();
                let (kind, result) = if pick < 10 {
                    let who = if pick % 2 == 0 { clerk_name.clone() } else { judge_name.clone() };
                    let r = client.post(format!("{base}/api/auth/login")).json(&json!({"username": who, "password": PASSWORD})).send().await;
                    ("login", r)
                } else if pick < 70 {
                    ("read", client.get(format!("{base}/api/cases?per_page=50")).bearer_auth(&token).send().await)
                } else {
                    // A small grid of slots, so that clients collide on purpose.
                    let (room, judge) = rooms[((n >> 20) as usize) % rooms.len()];
                    let day = &slot_days[((n >> 40) % slot_days.len() as u64) as usize];
                    let hour = 9 + (n >> 45) % 6;
                    let starts = format!("{day}T{hour:02}:00:00+05:00");
                    let ends = format!("{day}T{hour:02}:45:00+05:00");
                    let r = client
                        .post(format!("{base}/api/cases/{case_id}/hearings"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "mention", "judge_id": judge, "room_id": room, "starts_at": starts, "ends_at": ends}))
                        .send()
                        .await;
                    ("book", r)
                };
                let elapsed = t0.elapsed().as_secs_f64() * 1000.0;
                let mut t = tally.lock().await;
                match result {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        *t.statuses.entry(status).or_default() += 1;
                        t.latencies.entry(kind).or_default().push(elapsed);
                        drop(t);
                        if let Ok(body) = resp.json::<Value>().await {
                            if kind == "book" && (400..500).contains(&status) {
                                let why = body["rule"].as_str().or(body["title"].as_str()).unwrap_or("?").to_string();
                                *tally.lock().await.refusals.entry(why).or_default() += 1;
                            }
                            if kind == "book" && status == 201 {
                                if let Some(id) = body["id"].as_i64() {
                                    tally.lock().await.booked.push(id);
                                }
                            }
                            if kind == "login" && status == 200 && pick % 2 == 0 {
                                token = body["token"].as_str().unwrap_or_default().to_string();
                            }
                        }
                    }
                    Err(_) => t.transport_errors += 1,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let wall = started.elapsed().as_secs_f64();
    let t = tally.lock().await;
    let total: u64 = t.statuses.values().sum();
    println!("requests: {total} in {wall:.1} s = {:.0} req/s", total as f64 / wall);
    println!("statuses: {:?}; transport errors: {}", t.statuses, t.transport_errors);
    println!("bookings refused, by rule (a clash is expected: the slot grid is small on purpose): {:?}", t.refusals);
    for (kind, lat) in &t.latencies {
        let mut sorted = lat.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        println!(
            "  {kind:<6} n={:<7} p50={:.1} ms  p99={:.1} ms",
            sorted.len(),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99)
        );
    }
    let mut all: Vec<f64> = t.latencies.values().flatten().copied().collect();
    all.sort_by(|a, b| a.total_cmp(b));
    println!("  all    p50={:.1} ms  p99={:.1} ms", percentile(&all, 0.5), percentile(&all, 0.99));
    let five_xx: u64 = t.statuses.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum();

    // Double bookings: two scheduled hearings overlapping in one room.
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = pool.get()?;
    let doubles: Vec<N> = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM hearings a JOIN hearings b ON a.id < b.id AND a.room_id = b.room_id \
         AND a.status = 'scheduled' AND b.status = 'scheduled' AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at",
    )
    .load(&mut conn)?;
    let doubles = doubles.first().map(|r| r.n).unwrap_or(-1);
    let stored: i64 = amaan::db::schema::hearings::table.count().get_result(&mut conn)?;
    let lost = t.booked.len() as i64 - stored.min(t.booked.len() as i64);
    let verify = audit::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("bookings acknowledged: {}; stored: {stored}; lost: {lost}; double bookings: {doubles}; 5xx: {five_xx}; audit chain intact: {}", t.booked.len(), verify.intact);
    if five_xx > 0 || doubles != 0 || lost != 0 || !verify.intact {
        anyhow::bail!("load test found a defect");
    }
    Ok(())
}
