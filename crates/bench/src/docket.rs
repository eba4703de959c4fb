//! `amaan bench docket`: fills a scratch database with cases and hearings
//! (COPY on PostgreSQL, batched inserts in one transaction on SQLite), then
//! times one judge's docket through the HTTP endpoint and the same SQL run
//! raw through the driver, and prints both, their ratio, the response's
//! size plain and compressed, the query plan, and the endpoint's throughput
//! beside pgbench running the same statement at 1 and 4 clients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use amaan::config::{Secret, Settings};
use amaan::db::schema::{
    case_facts, cases, child_appearances, child_facts, court_rooms, courts, hearing_outcomes, hearings, parties, users,
};
use amaan::db::{self, Backend, DbConn};
use amaan::domain::calendar::local_date;
use amaan::startup::Application;

const TIME_ZONE: &str = "Asia/Karachi";
const UTC_OFFSET_HOURS: i64 = 5;
const BATCH: usize = 50_000;

#[derive(clap::Args, Debug, Clone)]
pub struct DocketArgs {
    /// Cases to generate (default: 200,000 on PostgreSQL, 20,000 on SQLite).
    #[arg(long)]
    pub cases: Option<usize>,
    /// Hearings to generate (default: 1,000,000 on PostgreSQL, 100,000 on SQLite).
    #[arg(long)]
    pub hearings: Option<usize>,
    /// Judges (and as many court rooms), ten to a court.
    #[arg(long, default_value_t = 200)]
    pub judges: usize,
    /// Timed requests (and as many raw runs).
    #[arg(long, default_value_t = 300)]
    pub iterations: usize,
    /// Days of docket asked for.
    #[arg(long, default_value_t = 31)]
    pub days: i64,
    /// Keep the scratch database afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Seconds each throughput run lasts (0: no throughput runs).
    #[arg(long, default_value_t = 10)]
    pub throughput_secs: u64,
    /// Skip `amaan facts check` over the loaded database at the end.
    #[arg(long)]
    pub no_facts_check: bool,
}

/// Where the run happens and how to clean up after it.
pub(crate) struct Scratch {
    pub(crate) url: String,
    drop_pg: Option<(String, String)>,
}

fn scratch(database_url: Option<String>, data_dir: &Path) -> anyhow::Result<Scratch> {
    scratch_named(database_url, data_dir, "docket")
}

/// A scratch database of the bench's own naming (`amaan_bench_<what>`).
pub(crate) fn scratch_named(database_url: Option<String>, data_dir: &Path, what: &str) -> anyhow::Result<Scratch> {
    match database_url {
        Some(url) if Backend::of(&url) == Backend::Postgres => {
            let mut parsed = url::Url::parse(&url).context("DATABASE_URL is not a URL")?;
            let name = format!("amaan_bench_{what}");
            let mut admin = diesel::PgConnection::establish(&url).context("connecting to PostgreSQL")?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
            parsed.set_path(&format!("/{name}"));
            Ok(Scratch { url: parsed.to_string(), drop_pg: Some((url, name)) })
        }
        _ => {
            // Always a file of the bench's own naming: never one a caller
            // passed, which might hold a court's data.
            let path = data_dir.join(format!("bench-{what}.db")).to_string_lossy().into_owned();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            Ok(Scratch { url: path, drop_pg: None })
        }
    }
}

impl Scratch {
    pub(crate) fn clean(&self, keep: bool) {
        if keep {
            println!("kept the scratch database: {}", self.url);
            return;
        }
        match &self.drop_pg {
            Some((admin_url, name)) => {
                if let Ok(mut c) = diesel::PgConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c);
                }
            }
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.url));
                }
            }
        }
    }
}

pub fn run(args: &DocketArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    let backend = database_url.as_deref().map(Backend::of).unwrap_or(Backend::Sqlite);
    let (default_cases, default_hearings) = match backend {
        Backend::Postgres => (200_000, 1_000_000),
        Backend::Sqlite => (20_000, 100_000),
    };
    let n_cases = args.cases.unwrap_or(default_cases).max(1);
    let n_hearings = args.hearings.unwrap_or(default_hearings).max(1);
    let judges = args.judges.max(1);
    let scratch = scratch(database_url, data_dir)?;
    let outcome = measure(args, &scratch.url, backend, n_cases, n_hearings, judges);
    scratch.clean(args.keep);
    outcome
}

struct Seeded {
    judge_id: i64,
    court_id: i64,
}

fn measure(
    args: &DocketArgs,
    url: &str,
    backend: Backend,
    n_cases: usize,
    n_hearings: usize,
    judges: usize,
) -> anyhow::Result<()> {
    println!("amaan bench docket: {backend:?}, {n_cases} cases, {n_hearings} hearings, {judges} judges");
    // The server's own key: the seeding seals names and birth dates with
    // it, as a clerk's registration would.
    let master = amaan::vault::MasterKey::generate();
    let (pool, _) = db::open(url, 2, &master)?;
    let mut conn = pool.get()?;
    let today = local_date(TIME_ZONE, Utc::now());
    let started = Instant::now();
    let seeded = seed(&mut conn, today, n_cases, n_hearings, judges).map_err(|e| anyhow!("seeding: {e}"))?;
    println!("generated and loaded in {:.1} s", started.elapsed().as_secs_f64());

    let from = today;
    let to = today + Duration::days(args.days.clamp(1, 62) - 1);
    let from_utc = from.and_time(NaiveTime::MIN) - Duration::hours(UTC_OFFSET_HOURS);
    let to_utc = (to + Duration::days(1)).and_time(NaiveTime::MIN) - Duration::hours(UTC_OFFSET_HOURS);

    let rows =
        db::docket::judge_docket(&mut conn, seeded.judge_id, from_utc, to_utc, true).map_err(|e| anyhow!("{e}"))?;
    println!("judge {} has {} hearings ({} children) from {from} to {to}", seeded.judge_id, rows.0.len(), rows.1.len());

    let secret = Secret::new((0..48).map(|_| rand::random::<u8>()).collect());
    let (token, _) =
        amaan::auth::token::issue(&secret, seeded.judge_id, "judge", Some(seeded.court_id), 0, Duration::hours(2))
            .map_err(|e| anyhow!(e))?;
    let port = start_server(url, secret.clone(), master.clone())?;
    // A second node on the same database that keeps no docket: every read
    // there is weighed and written afresh, as the first read after a write.
    let fresh_node = amaan::config::NodeSettings { id: "bench-fresh".into(), ..amaan::config::NodeSettings::single() };
    let fresh_port = start_node(url, secret, master, fresh_node, 0)?;
    let path = format!("/api/docket?judge_id={}&from={from}&to={to}", seeded.judge_id);
    let mut client = HttpClient::connect(port)?;
    let mut fresh_client = HttpClient::connect(fresh_port)?;
    let body = client.get(&path, &token)?;
    let items = serde_json::from_slice::<serde_json::Value>(&body)?["items"].as_array().map(Vec::len).unwrap_or(0);
    if items != rows.0.len() {
        bail!("the endpoint returned {items} items, the query {} rows", rows.0.len());
    }
    if fresh_client.get(&path, &token)? != body {
        bail!("the node that keeps no docket answered differently");
    }

    let iterations = args.iterations.max(10);
    let warmup = (iterations / 10).max(5);
    for _ in 0..warmup {
        client.get(&path, &token)?;
        fresh_client.get(&path, &token)?;
        raw(&mut conn, seeded.judge_id, from_utc, to_utc)?;
    }
    let mut http = Vec::with_capacity(iterations);
    let mut fresh = Vec::with_capacity(iterations);
    let mut sql = Vec::with_capacity(iterations);
    // Interleaved, so all three see the same cache and machine load.
    for _ in 0..iterations {
        let t = Instant::now();
        client.get(&path, &token)?;
        http.push(t.elapsed());
        let t = Instant::now();
        fresh_client.get(&path, &token)?;
        fresh.push(t.elapsed());
        let t = Instant::now();
        raw(&mut conn, seeded.judge_id, from_utc, to_utc)?;
        sql.push(t.elapsed());
    }
    let mut gzipped = Vec::with_capacity(iterations);
    let mut gz_bytes = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        gz_bytes = client.get_encoded(&path, &token, "gzip")?.0.len();
        gzipped.push(t.elapsed());
    }
    let (br_body, br_encoding) = client.get_encoded(&path, &token, "br")?;
    let (h50, h99) = percentiles(&mut http);
    let (f50, f99) = percentiles(&mut fresh);
    let (s50, s99) = percentiles(&mut sql);
    let (g50, g99) = percentiles(&mut gzipped);
    println!();
    println!(
        "docket for one judge, {} days, {} hearings per response, {iterations} runs each (load {}):",
        args.days,
        rows.0.len(),
        load_average()
    );
    println!(
        "  HTTP endpoint  p50 {:>8.2} ms   p99 {:>8.2} ms   ({} bytes plain; kept: nothing on it changed since)",
        ms(h50),
        ms(h99),
        body.len()
    );
    println!(
        "  HTTP written   p50 {:>8.2} ms   p99 {:>8.2} ms   (a node keeping no docket: weighed and written each time)",
        ms(f50),
        ms(f99)
    );
    println!("  HTTP gzip      p50 {:>8.2} ms   p99 {:>8.2} ms   ({gz_bytes} bytes gzip)", ms(g50), ms(g99));
    println!(
        "  brotli         {} bytes ({}), {:.0} bytes per hearing",
        br_body.len(),
        br_encoding.as_deref().unwrap_or("not compressed"),
        br_body.len() as f64 / rows.0.len().max(1) as f64
    );
    println!("  raw SQL        p50 {:>8.2} ms   p99 {:>8.2} ms", ms(s50), ms(s99));
    println!("  ratio kept     p50 {:>8.2} x    p99 {:>8.2} x", ratio(h50, s50), ratio(h99, s99));
    println!("  ratio written  p50 {:>8.2} x    p99 {:>8.2} x", ratio(f50, s50), ratio(f99, s99));
    println!();
    explain(&mut conn, backend, seeded.judge_id, from_utc, to_utc)?;
    if args.throughput_secs > 0 {
        println!();
        println!("throughput, {} s per run (load {}):", args.throughput_secs, load_average());
        println!("  clients   kept req/s   written req/s   pgbench (same statement) tx/s   ratio kept   ratio written");
        for clients in [1, 4] {
            let http = http_throughput(port, &path, &token, clients, args.throughput_secs)?;
            let written = http_throughput(fresh_port, &path, &token, clients, args.throughput_secs)?;
            let pg = match backend {
                Backend::Postgres => pgbench(url, seeded.judge_id, from_utc, to_utc, clients, args.throughput_secs),
                Backend::Sqlite => Err(anyhow!("pgbench runs on PostgreSQL only")),
            };
            match pg {
                Ok(tps) => println!(
                    "  {clients:>7}   {http:>10.1}   {written:>13.1}   {tps:>31.1}   {:>8.2} x   {:>11.2} x",
                    http / tps,
                    written / tps
                ),
                Err(e) => println!("  {clients:>7}   {http:>10.1}   {written:>13.1}   {:>31}   ({e})", "-"),
            }
        }
    }
    if !args.no_facts_check {
        let t = Instant::now();
        let report = amaan::app::facts::check(&mut conn).map_err(|e| anyhow!("{e}"))?;
        println!(
            "facts check (as `amaan facts check`): {} cases, {} differences, {:.1} s",
            report.cases,
            report.differences.len(),
            t.elapsed().as_secs_f64()
        );
        for d in report.differences.iter().take(10) {
            println!("  {d}");
        }
    }
    println!("load at the end: {}", load_average());
    Ok(())
}

/// The 1, 5 and 15 minute load averages, as `uptime` prints them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Requests per second `clients` keep-alive connections get through the
/// endpoint in `secs` seconds, each asking as soon as the last answer came.
fn http_throughput(port: u16, path: &str, token: &str, clients: usize, secs: u64) -> anyhow::Result<f64> {
    let deadline = Instant::now() + StdDuration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (path, token) = (path.to_string(), token.to_string());
            std::thread::spawn(move || -> anyhow::Result<u64> {
                let mut client = HttpClient::connect(port)?;
                let mut n = 0;
                while Instant::now() < deadline {
                    client.get(&path, &token)?;
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().map_err(|_| anyhow!("a client thread panicked"))??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The docket's statement with this run's values written in, as a
/// pgbench script: one transaction is one docket read.
fn pgbench_script(judge_id: i64, from: NaiveDateTime, to: NaiveDateTime) -> String {
    let fill = |sql: String| {
        sql.replace("$1", &judge_id.to_string())
            .replace("$2", &format!("'{from}'::timestamp"))
            .replace("$3", &format!("'{to}'::timestamp"))
    };
    format!("{};\n", fill(db::docket::judge_hearings_sql()))
}

/// pgbench's transactions per second with the docket's statements, or why
/// it did not run (with the command to run by hand).
fn pgbench(
    url: &str,
    judge_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    clients: usize,
    secs: u64,
) -> anyhow::Result<f64> {
    let script = std::env::temp_dir().join(format!("amaan-bench-docket-{}.sql", std::process::id()));
    std::fs::write(&script, pgbench_script(judge_id, from, to))?;
    let (c, t) = (clients.to_string(), secs.to_string());
    let args = ["-n", "-M", "prepared", "-f", &script.to_string_lossy(), "-c", &c, "-j", &c, "-T", &t, url];
    let shown = format!("pgbench {}", args.join(" "));
    let out = std::process::Command::new("pgbench")
        .args(args)
        .output()
        .map_err(|e| anyhow!("pgbench not run ({e}); by hand: {shown}"))?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| anyhow!("pgbench said: {} {}", text.trim(), String::from_utf8_lossy(&out.stderr).trim()))
}

pub(crate) fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: StdDuration, b: StdDuration) -> f64 {
    if b.is_zero() {
        f64::NAN
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

pub(crate) fn percentiles(samples: &mut [StdDuration]) -> (StdDuration, StdDuration) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    (at(0.50), at(0.99))
}

/// The docket's statement, exactly as the endpoint runs it, and the
/// children read from its lines.
fn raw(conn: &mut DbConn, judge_id: i64, from: NaiveDateTime, to: NaiveDateTime) -> anyhow::Result<()> {
    db::docket::judge_docket(conn, judge_id, from, to, true).map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn explain(
    conn: &mut DbConn,
    backend: Backend,
    judge_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> anyhow::Result<()> {
    for (name, sql) in [("docket", db::docket::judge_hearings_sql())] {
        println!("EXPLAIN {name}:");
        let lines: Vec<String> = match backend {
            Backend::Postgres => diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                .bind::<BigInt, _>(judge_id)
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(to)
                .load::<PgPlanLine>(conn)?
                .into_iter()
                .map(|l| l.line)
                .collect(),
            Backend::Sqlite => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .bind::<BigInt, _>(judge_id)
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(to)
                .load::<SqlitePlanLine>(conn)?
                .into_iter()
                .map(|l| l.detail)
                .collect(),
        };
        for line in lines {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Runs the real application on a free port in its own thread.
pub(crate) fn start_server(url: &str, secret: Secret, master_key: amaan::vault::MasterKey) -> anyhow::Result<u16> {
    start_node(
        url,
        secret,
        master_key,
        amaan::config::NodeSettings::single(),
        amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
    )
}

/// A node of the application, as `start_server`, with its own id and
/// docket cache (0: every docket written afresh).
fn start_node(
    url: &str,
    secret: Secret,
    master_key: amaan::vault::MasterKey,
    node: amaan::config::NodeSettings,
    docket_cache_entries: usize,
) -> anyhow::Result<u16> {
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.to_string(),
        data_dir: std::env::temp_dir(),
        jwt_secret: secret,
        master_key,
        token_ttl_minutes: 120,
        pool_size: 8,
        web_dir: std::env::temp_dir().join("amaan-bench-no-pages"),
        login_attempts_per_minute: 60,
        notices: amaan::config::NoticeChannels::from_env()?,
        node,
        public_origin: None,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries,
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

/// A keep-alive HTTP/1.1 client with nothing in the way of the timing.
pub(crate) struct HttpClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl HttpClient {
    pub(crate) fn connect(port: u16) -> anyhow::Result<HttpClient> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(StdDuration::from_secs(600)))?;
        Ok(HttpClient { writer: stream.try_clone()?, reader: BufReader::new(stream) })
    }

    pub(crate) fn get(&mut self, path: &str, token: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.get_encoded(path, token, "identity")?.0)
    }

    /// A GET asking for `encoding`; the body as it came (compressed when the
    /// server chose to) and the encoding it names.
    fn get_encoded(&mut self, path: &str, token: &str, encoding: &str) -> anyhow::Result<(Vec<u8>, Option<String>)> {
        write!(
            self.writer,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\nAccept-Encoding: {encoding}\r\n\r\n"
        )?;
        self.writer.flush()?;
        let mut status = String::new();
        self.reader.read_line(&mut status)?;
        if !status.starts_with("HTTP/1.1 200") {
            bail!("the docket answered `{}`", status.trim());
        }
        let (mut length, mut chunked, mut content_encoding) = (None, false, None);
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                } else if name.eq_ignore_ascii_case("content-encoding") {
                    content_encoding = Some(value.to_string());
                }
            }
        }
        if chunked {
            return Ok((self.read_chunks()?, content_encoding));
        }
        let length = length.ok_or_else(|| anyhow!("the response has no Content-Length"))?;
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((body, content_encoding))
    }

    /// A chunked body (a compressed answer is streamed as it is encoded).
    fn read_chunks(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            self.reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| anyhow!("a bad chunk size `{}`", size.trim()))?;
            if size == 0 {
                // Trailers, if any, end with an empty line.
                loop {
                    let mut line = String::new();
                    self.reader.read_line(&mut line)?;
                    if line.trim_end().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.reader.read_exact(&mut body[start..])?;
            let mut crlf = [0u8; 2];
            self.reader.read_exact(&mut crlf)?;
        }
    }
}

// ---------------------------------------------------------------- seeding

#[derive(Insertable)]
#[diesel(table_name = courts)]
struct NewCourt {
    name: String,
    rule_profile: String,
    time_zone: String,
    opens_at: NaiveTime,
    closes_at: NaiveTime,
    working_days: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = court_rooms)]
struct NewRoom {
    court_id: i64,
    name: String,
    video_link: bool,
    capacity: i32,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewJudge {
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    court_id: Option<i64>,
    active: bool,
    token_version: i64,
    failed_logins: i32,
    created_at: NaiveDateTime,
}

// COPY needs every column written out, so these never fall back to DEFAULT.
#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
struct BenchCase {
    court_id: i64,
    number: String,
    offence: String,
    cognizance_date: NaiveDate,
    accused_in_custody: bool,
    status: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = parties, treat_none_as_default_value = false)]
struct BenchParty {
    case_id: i64,
    role: String,
    side: String,
    /// Sealed, with its blind index, as the store writes a party.
    name: String,
    name_index: String,
    birth_sealed: Option<String>,
    pseudonym: Option<String>,
    created_at: NaiveDateTime,
}

impl BenchParty {
    fn new(
        case_id: i64,
        role: &str,
        side: &str,
        name: &str,
        birth: Option<NaiveDate>,
        pseudonym: Option<String>,
        created_at: NaiveDateTime,
    ) -> Result<BenchParty, amaan::error::AppError> {
        use amaan::db::identity;
        Ok(BenchParty {
            case_id,
            role: role.into(),
            side: side.into(),
            name: identity::seal(identity::PARTY_NAME, name)?,
            name_index: identity::name_index(name)?,
            birth_sealed: identity::seal_date(birth)?,
            pseudonym,
            created_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = hearings, treat_none_as_default_value = false)]
struct BenchHearing {
    case_id: i64,
    kind: String,
    judge_id: Option<i64>,
    room_id: Option<i64>,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    child_testifies: bool,
    mode: String,
    status: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = hearing_outcomes, treat_none_as_default_value = false)]
struct BenchOutcome {
    court_id: i64,
    case_id: i64,
    hearing_id: i64,
    kind: String,
    local_day: NaiveDate,
    proceedings: String,
    child_evidence: String,
    continues_because: Option<String>,
    reason_code: Option<String>,
    caused_by: Option<String>,
    details: Option<String>,
    child_brought: bool,
    child_mode: String,
    recorded_by: i64,
    on_behalf_of: Option<i64>,
    recorded_at: NaiveDateTime,
    corrects: Option<i64>,
    correction_reason: Option<String>,
    superseded_by: Option<i64>,
    is_current: bool,
}

#[derive(Insertable)]
#[diesel(table_name = child_appearances, treat_none_as_default_value = false)]
struct BenchAppearance {
    court_id: i64,
    case_id: i64,
    party_id: i64,
    hearing_id: i64,
    local_day: NaiveDate,
    mode: String,
    evidence: String,
    source: String,
    recorded_by: Option<i64>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_facts, treat_none_as_default_value = false)]
struct BenchFacts {
    case_id: i64,
    court_id: i64,
    child_evidence_on: Option<NaiveDate>,
    trial_started_on: Option<NaiveDate>,
    trial_concluded_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    decision: Option<String>,
    closed_on: Option<NaiveDate>,
    disposed_on: Option<NaiveDate>,
    appearances: i32,
    testimonies: i32,
    updated_at: NaiveDateTime,
    adjournments: i32,
}

#[derive(Insertable)]
#[diesel(table_name = child_facts, treat_none_as_default_value = false)]
struct BenchChildFacts {
    party_id: i64,
    case_id: i64,
    brought: i32,
    testified: i32,
    evidence_complete_on: Option<NaiveDate>,
    updated_at: NaiveDateTime,
}

/// What a past hearing came to, kept while hearings load so that its
/// outcome and its case's facts can follow once the ids are known.
struct PastHearing {
    index: usize,
    case: usize,
    judge: usize,
    day: NaiveDate,
    held: bool,
    evidence: bool,
    child: bool,
}

/// Per case, what its outcomes add up to.
#[derive(Default, Clone)]
struct Tally {
    trial_started_on: Option<NaiveDate>,
    child_evidence_on: Option<NaiveDate>,
    brought: i32,
    testified: i32,
}

const KINDS: &[&str] = &["mention", "charge", "evidence", "cross_examination", "arguments", "bail"];

fn seed(
    conn: &mut DbConn,
    today: NaiveDate,
    n_cases: usize,
    n_hearings: usize,
    judges: usize,
) -> Result<Seeded, amaan::error::AppError> {
    let mut rng = StdRng::seed_from_u64(20261123);
    let now = Utc::now().naive_utc();
    triggers_off(conn)?;
    let n_courts = judges.div_ceil(10);
    let per_court = judges.div_ceil(n_courts);
    let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();

    let court_rows: Vec<NewCourt> = (0..n_courts)
        .map(|i| NewCourt {
            name: format!("Bench Special Court {i}"),
            rule_profile: "pk".into(),
            time_zone: TIME_ZONE.into(),
            opens_at: time(9, 0),
            closes_at: time(16, 0),
            working_days: "mon,tue,wed,thu,fri".into(),
            created_at: now,
        })
        .collect();
    let court_ids = insert_each(conn, &court_rows, |c, row| {
        diesel::insert_into(courts::table).values(row).returning(courts::id).get_result(c)
    })?;
    let judge_rows: Vec<NewJudge> = (0..judges)
        .map(|j| NewJudge {
            username: format!("bench-judge-{j}"),
            display_name: format!("Bench Judge {j}"),
            // No password logs in: the benchmark issues its own token.
            password_hash: "!".into(),
            role: "judge".into(),
            court_id: Some(court_ids[(j / per_court).min(n_courts - 1)]),
            active: true,
            token_version: 0,
            failed_logins: 0,
            created_at: now,
        })
        .collect();
    let judge_ids = insert_each(conn, &judge_rows, |c, row| {
        diesel::insert_into(users::table).values(row).returning(users::id).get_result(c)
    })?;
    let room_rows: Vec<NewRoom> = judge_rows
        .iter()
        .enumerate()
        .map(|(j, u)| NewRoom {
            court_id: u.court_id.unwrap_or(court_ids[0]),
            name: format!("Room {j}"),
            video_link: j % 2 == 0,
            capacity: 40,
        })
        .collect();
    let room_ids = insert_each(conn, &room_rows, |c, row| {
        diesel::insert_into(court_rooms::table).values(row).returning(court_rooms::id).get_result(c)
    })?;

    // Each case belongs to one judge (and that judge's court and room).
    let case_judge: Vec<usize> = (0..n_cases).map(|_| rng.gen_range(0..judges)).collect();
    let case_rows: Vec<BenchCase> = (0..n_cases)
        .map(|i| BenchCase {
            court_id: judge_rows[case_judge[i]].court_id.unwrap_or(court_ids[0]),
            number: format!("B-{i}/2026"),
            offence: "s.376 PPC".into(),
            cognizance_date: today - Duration::days(rng.gen_range(1..730)),
            accused_in_custody: rng.gen_bool(0.4),
            status: if rng.gen_bool(0.9) { "open".into() } else { "disposed".into() },
            created_at: now,
        })
        .collect();
    load_cases(conn, case_rows)?;
    // A fresh database with one writer hands out consecutive ids.
    let first_case_id: i64 = cases::table.select(diesel::dsl::min(cases::id)).first::<Option<i64>>(conn)?.unwrap_or(1);

    let mut party_rows = Vec::with_capacity(n_cases * 2);
    let mut has_child = vec![false; n_cases];
    for (i, child) in has_child.iter_mut().enumerate() {
        let case_id = first_case_id + i as i64;
        if rng.gen_bool(0.6) {
            *child = true;
            let birth = today - Duration::days(rng.gen_range(4 * 365..17 * 365));
            party_rows.push(BenchParty::new(
                case_id,
                "child_witness",
                "child",
                &format!("Bench Child {i}"),
                Some(birth),
                Some("Child A".into()),
                now,
            )?);
        }
        party_rows.push(BenchParty::new(
            case_id,
            "accused",
            "accused",
            &format!("Bench Accused {i}"),
            None,
            None,
            now,
        )?);
    }
    load_parties(conn, party_rows)?;

    let mut batch = Vec::with_capacity(BATCH);
    let mut past = Vec::new();
    let mut adjourned = vec![0i32; n_cases];
    for index in 0..n_hearings {
        let case = rng.gen_range(0..n_cases);
        let judge = case_judge[case];
        let day = today + Duration::days(rng.gen_range(-365..=365));
        let local = day.and_time(time(rng.gen_range(9..15), 15 * rng.gen_range(0..4)));
        let starts = local - Duration::hours(UTC_OFFSET_HOURS);
        let kind = KINDS[rng.gen_range(0..KINDS.len())];
        let status = if day >= today {
            "scheduled"
        } else if rng.gen_bool(0.2) {
            "adjourned"
        } else if rng.gen_bool(0.1) {
            "not_held"
        } else {
            "held"
        };
        let child_testifies = has_child[case] && kind == "evidence";
        if status == "adjourned" {
            adjourned[case] += 1;
        }
        if status == "held" || status == "not_held" {
            past.push(PastHearing {
                index,
                case,
                judge,
                day,
                held: status == "held",
                evidence: matches!(kind, "evidence" | "cross_examination"),
                child: child_testifies,
            });
        }
        batch.push(BenchHearing {
            case_id: first_case_id + case as i64,
            kind: kind.into(),
            judge_id: Some(judge_ids[judge]),
            room_id: Some(room_ids[judge]),
            starts_at: Some(starts),
            ends_at: Some(starts + Duration::minutes(45)),
            child_testifies,
            mode: "in_person".into(),
            status: status.into(),
            created_at: now,
        });
        if batch.len() == BATCH {
            load_hearings(conn, std::mem::take(&mut batch))?;
        }
    }
    load_hearings(conn, batch)?;
    let first_hearing_id: i64 =
        hearings::table.select(diesel::dsl::min(hearings::id)).first::<Option<i64>>(conn)?.unwrap_or(1);
    // Every hearing that took place has its outcome; every case the facts
    // the docket reads (the same tables and shapes the server keeps).
    let mut tally = vec![Tally::default(); n_cases];
    let mut outcomes = Vec::with_capacity(BATCH);
    for h in &past {
        let t = &mut tally[h.case];
        if h.held && h.evidence {
            t.trial_started_on = Some(t.trial_started_on.map_or(h.day, |d| d.min(h.day)));
        }
        if h.child {
            t.brought += 1;
            if h.held {
                t.testified += 1;
                t.child_evidence_on = Some(t.child_evidence_on.map_or(h.day, |d| d.min(h.day)));
            }
        }
        outcomes.push(BenchOutcome {
            court_id: judge_rows[h.judge].court_id.unwrap_or(court_ids[0]),
            case_id: first_case_id + h.case as i64,
            hearing_id: first_hearing_id + h.index as i64,
            kind: if h.held { "held".into() } else { "not_held".into() },
            local_day: h.day,
            proceedings: if h.held && h.evidence { "examination_in_chief".into() } else { String::new() },
            child_evidence: if h.held && h.child { "full".into() } else { "none".into() },
            continues_because: None,
            reason_code: (!h.held).then(|| "accused_not_produced".into()),
            caused_by: (!h.held).then(|| "state_custody".into()),
            details: h.held.then(|| "Proceeded as listed.".into()),
            child_brought: h.child,
            child_mode: "in_person".into(),
            recorded_by: judge_ids[h.judge],
            on_behalf_of: None,
            recorded_at: now,
            corrects: None,
            correction_reason: None,
            superseded_by: None,
            is_current: true,
        });
        if outcomes.len() == BATCH {
            load_outcomes(conn, std::mem::take(&mut outcomes))?;
        }
    }
    load_outcomes(conn, outcomes)?;
    let facts: Vec<BenchFacts> = tally
        .iter()
        .enumerate()
        .map(|(i, t)| BenchFacts {
            case_id: first_case_id + i as i64,
            court_id: judge_rows[case_judge[i]].court_id.unwrap_or(court_ids[0]),
            child_evidence_on: t.child_evidence_on,
            trial_started_on: t.trial_started_on,
            trial_concluded_on: None,
            decided_on: None,
            decision: None,
            closed_on: None,
            disposed_on: None,
            appearances: t.brought,
            testimonies: t.testified,
            updated_at: now,
            adjournments: adjourned[i],
        })
        .collect();
    load_facts(conn, facts)?;
    let children_of_cases: Vec<(i64, i64)> =
        parties::table.filter(parties::role.eq("child_witness")).select((parties::id, parties::case_id)).load(conn)?;
    let child_rows: Vec<BenchChildFacts> = children_of_cases
        .iter()
        .copied()
        .filter_map(|(party_id, case_id)| {
            let t = tally.get(usize::try_from(case_id - first_case_id).ok()?)?;
            Some(BenchChildFacts {
                party_id,
                case_id,
                brought: t.brought,
                testified: t.testified,
                evidence_complete_on: t.child_evidence_on,
                updated_at: now,
            })
        })
        .collect();
    load_child_facts(conn, child_rows)?;
    // Each time a child was brought, as the outcome recorded it: the rows
    // the facts check recomputes the children's facts from.
    let child_of: std::collections::HashMap<i64, i64> =
        children_of_cases.iter().map(|(party_id, case_id)| (*case_id, *party_id)).collect();
    let mut appearances = Vec::with_capacity(BATCH);
    for h in past.iter().filter(|h| h.child) {
        let case_id = first_case_id + h.case as i64;
        let Some(party_id) = child_of.get(&case_id) else { continue };
        appearances.push(BenchAppearance {
            court_id: judge_rows[h.judge].court_id.unwrap_or(court_ids[0]),
            case_id,
            party_id: *party_id,
            hearing_id: first_hearing_id + h.index as i64,
            local_day: h.day,
            mode: "in_person".into(),
            evidence: if h.held { "full".into() } else { "none".into() },
            source: "outcome".into(),
            recorded_by: Some(judge_ids[h.judge]),
            recorded_at: now,
        });
        if appearances.len() == BATCH {
            load_appearances(conn, std::mem::take(&mut appearances))?;
        }
    }
    load_appearances(conn, appearances)?;
    triggers_on_and_lines(conn)?;
    match conn {
        // What autovacuum would do to freshly loaded tables, done before
        // the timing instead of during it,
        // and a checkpoint, so the load's writes are not flushed under it.
        DbConn::Pg(c) => {
            diesel::sql_query("VACUUM (ANALYZE)").execute(c)?;
            diesel::sql_query("CHECKPOINT").execute(c)?
        }
        DbConn::Sqlite(c) => diesel::sql_query("ANALYZE").execute(c)?,
    };
    // The busiest judge in the first court is the one timed.
    let counts: Vec<(i64, i64)> = hearings::table
        .filter(hearings::judge_id.eq_any(&judge_ids[..per_court.min(judge_ids.len())]))
        .group_by(hearings::judge_id)
        .select((hearings::judge_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?;
    let judge_id = counts.iter().max_by_key(|(_, n)| *n).map(|(id, _)| *id).unwrap_or(judge_ids[0]);
    Ok(Seeded { judge_id, court_id: court_ids[0] })
}

/// Loading a million rows with the docket-line triggers on would rewrite
/// every case's lines once per row; PostgreSQL loads with them off (this
/// session only) and the lines are written once, in one statement, after.
/// SQLite has no switch and keeps them on.
pub(crate) fn triggers_off(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SET session_replication_role = replica").execute(c)?;
    }
    Ok(())
}

/// Turns the triggers back on and writes every docket line from the tables.
pub(crate) fn triggers_on_and_lines(conn: &mut DbConn) -> Result<usize, amaan::error::AppError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SET session_replication_role = origin").execute(c)?;
        return Ok(db::docket::rebuild_lines(conn)?);
    }
    Ok(0)
}

/// Small tables, row by row in one transaction, keeping each new id.
fn insert_each<T>(
    conn: &mut DbConn,
    rows: &[T],
    insert: impl Fn(&mut DbConn, &T) -> diesel::QueryResult<i64>,
) -> Result<Vec<i64>, amaan::error::AppError> {
    Ok(conn.transaction(|c| rows.iter().map(|row| insert(c, row)).collect::<diesel::QueryResult<Vec<i64>>>())?)
}

/// Bulk loaders: COPY on PostgreSQL, multi-row INSERTs inside one
/// transaction on SQLite.
macro_rules! bulk_loader {
    ($name:ident, $table:ident, $row:ty) => {
        fn $name(conn: &mut DbConn, rows: Vec<$row>) -> Result<(), amaan::error::AppError> {
            if rows.is_empty() {
                return Ok(());
            }
            match conn {
                DbConn::Pg(c) => {
                    diesel::copy_from($table::table).from_insertable(rows).execute(c)?;
                }
                DbConn::Sqlite(c) => {
                    c.transaction(|c| {
                        for chunk in rows.chunks(1_000) {
                            diesel::insert_into($table::table).values(chunk).execute(c)?;
                        }
                        Ok::<_, diesel::result::Error>(())
                    })?;
                }
            }
            Ok(())
        }
    };
}

bulk_loader!(load_cases, cases, BenchCase);
bulk_loader!(load_parties, parties, BenchParty);
bulk_loader!(load_hearings, hearings, BenchHearing);
bulk_loader!(load_outcomes, hearing_outcomes, BenchOutcome);
bulk_loader!(load_facts, case_facts, BenchFacts);
bulk_loader!(load_child_facts, child_facts, BenchChildFacts);
bulk_loader!(load_appearances, child_appearances, BenchAppearance);
