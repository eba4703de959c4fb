//! `amaan-bench oversight`: a province on PostgreSQL — 500 courts in 36
//! districts, 1,000,000 child cases with their facts, two hearings each
//! with outcomes and the children's appearances — filled by
//! `generate_series` inside the server, the monitor's figures kept by court
//! and month from them (the code each write runs for its court), then the
//! monitor's dashboard for the whole province (a year, by district and
//! month) and for one district timed through HTTP: p50 and p99.

use std::path::Path;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{bail, Context};
use chrono::Duration;
use diesel::prelude::*;

use amaan::config::Secret;
use amaan::db::{self, Backend, DbConn};

use crate::docket::{ms, percentiles, scratch_named, start_server, HttpClient};

#[derive(clap::Args, Debug, Clone)]
pub struct OversightArgs {
    /// Courts in the province.
    #[arg(long, default_value_t = 500)]
    pub courts: i64,
    /// Child cases across them.
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: i64,
    /// Districts the courts are spread over.
    #[arg(long, default_value_t = 36)]
    pub districts: i64,
    /// Timed requests of each view.
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// Keep the scratch database afterwards.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(args: &OversightArgs, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    if database_url.as_deref().map(Backend::of) != Some(Backend::Postgres) {
        bail!("the province benchmark runs on PostgreSQL: give --postgres postgres://…");
    }
    let scratch = scratch_named(database_url, data_dir, "oversight")?;
    let outcome = measure(args, &scratch.url);
    scratch.clean(args.keep);
    outcome
}

fn exec(conn: &mut DbConn, what: &str, sql: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    diesel::sql_query(sql).execute(conn).with_context(|| format!("seeding {what}"))?;
    println!("  {what:<22} {:>8.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Fills the province; returns the monitor's user id.
fn seed(conn: &mut DbConn, args: &OversightArgs) -> anyhow::Result<i64> {
    let per_court = (args.cases / args.courts.max(1)).max(1);
    println!(
        "seeding {} courts, {} cases ({per_court} a court), {} districts:",
        args.courts,
        per_court * args.courts,
        args.districts
    );
    super::docket::triggers_off(conn)?;
    exec(
        conn,
        "courts",
        &format!(
            "INSERT INTO courts (name, rule_profile, time_zone, opens_at, closes_at, working_days, created_at, province, district) \
             SELECT 'Bench Special Court ' || g, 'pk', 'Asia/Karachi', '09:00', '16:00', 'mon,tue,wed,thu,fri', now(), \
                    'Punjab', 'District ' || (g % {d}) FROM generate_series(1, {n}) g",
            d = args.districts.max(1),
            n = args.courts
        ),
    )?;
    exec(
        conn,
        "judges",
        "INSERT INTO users (username, display_name, password_hash, role, court_id, active, token_version, failed_logins, created_at) \
         SELECT 'bench-judge-' || id, 'Bench Judge ' || id, '!', 'judge', id, true, 0, 0, now() FROM courts",
    )?;
    exec(
        conn,
        "cases",
        &format!(
            "INSERT INTO cases (court_id, number, offence, cognizance_date, accused_in_custody, status, created_at) \
             SELECT c.id, 'B-' || c.id || '-' || g, 's.376 PPC', current_date - ((g * 7919 + c.id * 31) % 730)::int, \
                    (g % 5) < 2, CASE WHEN g % 10 < 3 THEN 'decided' ELSE 'open' END, now() \
             FROM courts c CROSS JOIN generate_series(1, {per_court}) g"
        ),
    )?;
    exec(
        conn,
        "children",
        "INSERT INTO parties (case_id, role, side, name, date_of_birth, pseudonym, created_at) \
         SELECT id, 'child_witness', 'child', 'Bench Child ' || id, date '2015-01-01', 'Child A', now() FROM cases",
    )?;
    exec(
        conn,
        "case facts",
        "INSERT INTO case_facts (case_id, court_id, child_evidence_on, trial_started_on, trial_concluded_on, decided_on, \
                                 decision, closed_on, disposed_on, appearances, testimonies, updated_at, adjournments) \
         SELECT id, court_id, \
                CASE WHEN id % 10 < 6 THEN LEAST(cognizance_date + (id % 90)::int, current_date) END, \
                CASE WHEN id % 10 < 6 THEN LEAST(cognizance_date + (id % 90)::int, current_date) END, \
                CASE WHEN status = 'decided' THEN LEAST(cognizance_date + (id % 200)::int, current_date) END, \
                CASE WHEN status = 'decided' THEN LEAST(cognizance_date + (id % 200)::int, current_date) END, \
                CASE WHEN status = 'decided' THEN 'convicted' END, NULL, NULL, 2, 1, now(), 0 \
         FROM cases",
    )?;
    exec(
        conn,
        "hearings",
        "INSERT INTO hearings (case_id, kind, judge_id, room_id, starts_at, ends_at, child_testifies, mode, status, created_at) \
         SELECT c.id, 'evidence', u.id, NULL, \
                (LEAST(c.cognizance_date + k * 25 + 5, current_date - 1))::timestamp + interval '5 hours', \
                (LEAST(c.cognizance_date + k * 25 + 5, current_date - 1))::timestamp + interval '6 hours', \
                true, 'video_link', 'scheduled', now() \
         FROM cases c JOIN users u ON u.court_id = c.court_id AND u.role = 'judge' CROSS JOIN generate_series(0, 1) k",
    )?;
    exec(
        conn,
        "outcomes",
        "INSERT INTO hearing_outcomes (court_id, case_id, hearing_id, kind, local_day, proceedings, child_evidence, \
                                       continues_because, reason_code, caused_by, details, child_brought, child_mode, \
                                       recorded_by, on_behalf_of, recorded_at, corrects, correction_reason, superseded_by, is_current) \
         SELECT c.court_id, h.case_id, h.id, CASE WHEN h.id % 4 = 0 THEN 'not_held' ELSE 'held' END, h.starts_at::date, \
                CASE WHEN h.id % 4 = 0 THEN '' ELSE 'examination_in_chief' END, \
                CASE WHEN h.id % 4 = 0 THEN 'none' ELSE 'full' END, NULL, \
                CASE WHEN h.id % 4 = 0 THEN (ARRAY['judge_on_leave','accused_not_produced','prosecutor_absent','defence_counsel_absent','child_unwell'])[1 + (h.id / 4) % 5] END, \
                CASE WHEN h.id % 4 = 0 THEN (ARRAY['court','state_custody','prosecution','defence','child_side'])[1 + (h.id / 4) % 5] END, \
                NULL, true, 'video_link', h.judge_id, NULL, now(), NULL, NULL, NULL, true \
         FROM hearings h JOIN cases c ON c.id = h.case_id",
    )?;
    exec(
        conn,
        "appearances",
        "INSERT INTO child_appearances (court_id, case_id, party_id, hearing_id, local_day, mode, evidence, source, recorded_by, recorded_at) \
         SELECT o.court_id, o.case_id, p.id, o.hearing_id, o.local_day, 'video_link', o.child_evidence, 'outcome', o.recorded_by, now() \
         FROM hearing_outcomes o JOIN parties p ON p.case_id = o.case_id AND p.role = 'child_witness'",
    )?;
    exec(
        conn,
        "monitor",
        "INSERT INTO users (username, display_name, password_hash, role, court_id, active, token_version, failed_logins, created_at) \
         VALUES ('bench-punjab-cell', 'Punjab monitoring cell', '!', 'monitor', NULL, true, 0, 0, now())",
    )?;
    exec(
        conn,
        "monitor scope",
        "INSERT INTO monitor_scopes (user_id, province, district, created_at) \
         SELECT id, 'Punjab', NULL, now() FROM users WHERE username = 'bench-punjab-cell'",
    )?;
    // The monitor's figures by court and month, from the seeded rows, by
    // the same code every write runs for its court.
    let started = Instant::now();
    let courts =
        amaan::app::kept_figures::refresh_all(conn).map_err(|e| anyhow::anyhow!("keeping the figures: {e}"))?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "  {:<22} {took:>8.1} s ({:.0} ms a court, as one write pays)",
        "figures kept",
        took * 1000.0 / courts.max(1) as f64
    );
    let started = Instant::now();
    let lines = super::docket::triggers_on_and_lines(conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("  {:<22} {:>8.1} s ({lines} lines)", "docket lines", started.elapsed().as_secs_f64());
    exec(conn, "analyze", "ANALYZE")?;
    use amaan::db::schema::users;
    Ok(users::table.filter(users::username.eq("bench-punjab-cell")).select(users::id).first(conn)?)
}

fn measure(args: &OversightArgs, url: &str) -> anyhow::Result<()> {
    db::migrate_url(url)?;
    let pool = db::connect_pool(url, 2)?;
    let mut conn = pool.get()?;
    let seeding = Instant::now();
    let monitor_id = seed(&mut conn, args)?;
    println!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());
    drop(conn);

    let secret = Secret::new((0..48).map(|_| rand::random::<u8>()).collect());
    let (token, _) = amaan::auth::token::issue(&secret, monitor_id, "monitor", None, 0, Duration::hours(4))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let port = start_server(url, secret, amaan::vault::MasterKey::generate())?;
    let mut client = HttpClient::connect(port)?;
    for (label, path) in [
        ("province, a year by district and month", "/api/monitor/dashboard?province=Punjab".to_string()),
        (
            "one district, a year by court and month",
            "/api/monitor/dashboard?province=Punjab&district=District%201".to_string(),
        ),
    ] {
        let first = Instant::now();
        let body = client.get(&path, &token)?;
        let cold = first.elapsed();
        let parsed: serde_json::Value = serde_json::from_slice(&body)?;
        let pending = parsed["totals"]["child_cases"]["pending"].as_u64().unwrap_or(0);
        let courts = parsed["totals"]["courts"].as_u64().unwrap_or(0);
        let mut samples: Vec<StdDuration> = Vec::with_capacity(args.iterations);
        for _ in 0..args.iterations {
            let t = Instant::now();
            client.get(&path, &token)?;
            samples.push(t.elapsed());
        }
        let (p50, p99) = percentiles(&mut samples);
        println!(
            "dashboard, {label}: {courts} courts, {pending} cases pending, {} bytes; first {:.0} ms, p50 {:.0} ms, p99 {:.0} ms over {} requests",
            body.len(),
            ms(cold),
            ms(p50),
            ms(p99),
            args.iterations
        );
    }
    Ok(())
}
