//! `amaan bench plan`: the bulk planner on a synthetic court — 10,000
//! hearings, 50 rooms, 60 working days, 30 % of hearings in child-victim
//! cases — printing the plan time, how many hearings were placed, how many
//! child-victim hearings were placed before their statutory clock, and the
//! independent validator's violations (which must be zero).
//!
//! With `--exact`, small instances are also written as JSON and solved to
//! optimality by `scripts/plan_exact.py` (an integer program solved by
//! HiGHS, `pip install highspy`); the bench prints the greedy plan's
//! on-time child-victim hearings as a share of the optimum's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use amaan::domain::roles::Side;
use amaan::domain::schedule::constraints::minute_of;
use amaan::domain::schedule::grid::Occupancy;
use amaan::domain::schedule::model::{AreaInfo, Building, CourtCalendar, HearingRequest, RoomInfo};
use amaan::domain::schedule::planner::{self, Plan};
use amaan::domain::schedule::slots::{Context, Window};
use amaan::domain::schedule::{validator, ScheduleRules};

/// The clocks the benchmark's instances were generated with (the POCSO
/// s.35 figures), kept fixed so that figures stay comparable.
const CHILD_EVIDENCE_DAYS: i64 = 30;
const TRIAL_DAYS: i64 = 365;

#[derive(Debug, Clone)]
pub struct Shape {
    pub hearings: usize,
    pub rooms: usize,
    pub video_rooms: usize,
    pub judges: usize,
    pub working_days: usize,
    pub child_share: f64,
    pub counsel: usize,
    /// Child-friendly areas that open on the general gate (so the planner
    /// must stagger or choose); the rest have a gate of their own.
    pub shared_gate_child_areas: usize,
    /// An instance for the exact solver: half-hour starts, 90-minute child
    /// sittings, every child's clock in the first two working days.
    pub tight: bool,
    pub seed: u64,
}

impl Shape {
    pub fn large(seed: u64) -> Shape {
        Shape {
            hearings: 10_000,
            rooms: 50,
            video_rooms: 10,
            judges: 50,
            working_days: 60,
            child_share: 0.30,
            counsel: 400,
            shared_gate_child_areas: 2,
            tight: false,
            seed,
        }
    }

    /// A tight instance of `hearings` hearings for the exact solver: a
    /// room and a judge for every fifteen hearings (two at least), three
    /// working days, so that more child evidence is asked than fits.
    pub fn exact(hearings: usize, seed: u64) -> Shape {
        let rooms = (hearings / 15).max(2);
        Shape {
            hearings,
            rooms,
            video_rooms: (rooms / 2).max(1),
            judges: rooms,
            working_days: 3,
            child_share: 0.5,
            counsel: (hearings / 2).max(15),
            shared_gate_child_areas: 0,
            tight: true,
            seed,
        }
    }
}

pub struct Instance {
    pub calendar: CourtCalendar,
    pub building: Building,
    pub rules: ScheduleRules,
    pub requests: Vec<HearingRequest>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub calendar_days: usize,
}

/// The first Monday of 2027 and the working days from it.
fn working_days(n: usize) -> (NaiveDate, NaiveDate, usize) {
    let first = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default();
    let mut day = first;
    let mut count = 0;
    let mut last = first;
    while count < n {
        if day.weekday().num_days_from_monday() < 5 {
            count += 1;
            last = day;
        }
        day += Duration::days(1);
    }
    (first, last, (last - first).num_days() as usize + 1)
}

pub fn generate(shape: &Shape) -> Instance {
    let mut rng = StdRng::seed_from_u64(shape.seed);
    let (first_day, last_day, calendar_days) = working_days(shape.working_days);
    let calendar = CourtCalendar {
        time_zone: chrono_tz::Asia::Karachi,
        opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        closes: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
        working_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
        holidays: BTreeMap::new(),
    };
    let rooms = (0..shape.rooms)
        .map(|i| RoomInfo {
            id: i as i64 + 1,
            name: format!("Court Room {}", i + 1),
            video_link: i < shape.video_rooms,
        })
        .collect();
    let mut areas = Vec::new();
    let child_areas = (shape.rooms / 6).max(2);
    for i in 0..child_areas {
        let gate = if i < shape.shared_gate_child_areas { "Main Gate" } else { "Family Gate" };
        areas.push(AreaInfo {
            id: areas.len() as i64 + 1,
            name: format!("Children's Room {}", i + 1),
            child_friendly: true,
            entrance: gate.into(),
        });
    }
    for i in 0..(shape.rooms / 6).max(2) {
        areas.push(AreaInfo {
            id: areas.len() as i64 + 1,
            name: format!("Hall {}", i + 1),
            child_friendly: false,
            entrance: "Main Gate".into(),
        });
    }
    for i in 0..(shape.rooms / 12).max(1) {
        areas.push(AreaInfo {
            id: areas.len() as i64 + 1,
            name: format!("Holding {}", i + 1),
            child_friendly: false,
            entrance: "Lock-up Gate".into(),
        });
    }
    let building = Building { rooms, areas };
    let mut rules = ScheduleRules::default();
    if shape.tight {
        // the exact model uses half-hour starts; give the greedy the same grid
        rules.slot_step_minutes = 30;
    }
    let mut requests = Vec::with_capacity(shape.hearings);
    let mut case_id = 0i64;
    let window_days = calendar_days as i64;
    while requests.len() < shape.hearings {
        case_id += 1;
        let child_victim = rng.gen_bool(shape.child_share);
        let judge = rng.gen_range(0..shape.judges) as i64 + 1;
        let prosecutor = rng.gen_range(0..(shape.counsel / 5).max(1)) as i64 + 1;
        let defence = rng.gen_range((shape.counsel / 5).max(1)..shape.counsel.max(2)) as i64 + 1;
        let sides = if child_victim {
            vec![Side::Child, Side::Accused, Side::Neutral]
        } else {
            vec![Side::Accused, Side::Neutral]
        };
        // cognizance: recent enough that the child's 30 days run out within
        // the window for most child cases, some already gone
        let cognizance = first_day + Duration::days(rng.gen_range(-35..window_days.min(60)) - 25);
        let kinds: &[(&str, i32, bool)] = if child_victim {
            &[("evidence", 120, true), ("mention", 30, false), ("charge", 60, false)]
        } else {
            &[("mention", 30, false), ("charge", 60, false), ("arguments", 60, false)]
        };
        let n = rng.gen_range(1..=kinds.len());
        for (_kind, minutes, child_testifies) in kinds.iter().take(n) {
            if requests.len() >= shape.hearings {
                break;
            }
            let (minutes, days) = if *child_testifies {
                (if shape.tight { 90 } else { *minutes }, CHILD_EVIDENCE_DAYS)
            } else {
                (*minutes, TRIAL_DAYS)
            };
            requests.push(HearingRequest {
                hearing_id: requests.len() as i64 + 1,
                case_id,
                minutes,
                child_testifies: *child_testifies,
                video_link: *child_testifies && rng.gen_bool(0.5),
                sides: sides.clone(),
                judges: vec![judge],
                rooms: vec![],
                counsel: vec![prosecutor, defence],
                persons: vec![],
                child_victim,
                deadline: Some(cognizance + Duration::days(days)),
                deadline_section: None,
                child_testified_before: false,
                reappearance_reason: None,
            });
        }
    }
    if shape.tight {
        // the small instances are tight: every child's clock runs out in the
        // first two working days
        for r in requests.iter_mut().filter(|r| r.child_victim) {
            r.deadline = Some(first_day + Duration::days(rng.gen_range(0..2)));
        }
    }
    Instance { calendar, building, rules, requests, first_day, last_day, calendar_days }
}

pub struct Figures {
    pub plan_ms: f64,
    pub placed: usize,
    pub child_victim: usize,
    pub child_victim_on_time: usize,
    pub child_victim_with_clock_left: usize,
    pub late: usize,
    pub unplaced_by_rule: BTreeMap<&'static str, usize>,
    pub violations: usize,
    pub validate_ms: f64,
    pub plan: Plan,
}

pub fn run(inst: &Instance) -> Figures {
    let ctx = Context { calendar: &inst.calendar, building: &inst.building, rules: &inst.rules };
    let window = Window { from_day: inst.first_day, from_minute: 0, until_day: inst.last_day };
    let started = Instant::now();
    let mut occ = Occupancy::new(inst.first_day, inst.calendar_days);
    let plan = planner::plan(&inst.requests, &ctx, &mut occ, window);
    let plan_ms = started.elapsed().as_secs_f64() * 1000.0;
    let bookings: Vec<_> = plan.placed.iter().map(|p| p.booking.clone()).collect();
    let started = Instant::now();
    let violations = validator::validate(&bookings, &inst.calendar, &inst.building, &inst.rules);
    let validate_ms = started.elapsed().as_secs_f64() * 1000.0;
    for v in violations.iter().take(5) {
        eprintln!("VIOLATION {} ({}): {} {:?}", v.rule, v.section, v.detail, v.hearings);
    }
    let child_victim = inst.requests.iter().filter(|r| r.child_victim).count();
    let child_victim_with_clock_left =
        inst.requests.iter().filter(|r| r.child_victim && r.deadline.is_some_and(|d| d >= inst.first_day)).count();
    let child_victim_on_time = plan
        .placed
        .iter()
        .filter(|p| !p.late && inst.requests.get(p.booking.hearing_id as usize - 1).is_some_and(|r| r.child_victim))
        .count();
    let mut unplaced_by_rule = BTreeMap::new();
    for u in &plan.unplaced {
        *unplaced_by_rule.entry(u.why.rule()).or_insert(0) += 1;
    }
    Figures {
        plan_ms,
        placed: plan.placed.len(),
        child_victim,
        child_victim_on_time,
        child_victim_with_clock_left,
        late: plan.placed.iter().filter(|p| p.late).count(),
        unplaced_by_rule,
        violations: violations.len(),
        validate_ms,
        plan,
    }
}

/// A small instance as the exact solver reads it: candidate starts are
/// the same half-hour grid the greedy uses.
#[derive(Serialize)]
struct ExactInstance {
    days: usize,
    day_working: Vec<bool>,
    opens: i32,
    closes: i32,
    child_from: i32,
    child_to: i32,
    step: i32,
    rooms: Vec<(i64, bool)>,
    hearings: Vec<ExactHearing>,
    greedy_on_time_child_victim: usize,
    greedy_placed: usize,
    /// The greedy plan: (hearing, day index, room, local start minute).
    greedy: Vec<(i64, i64, i64, i32)>,
}

#[derive(Serialize)]
struct ExactHearing {
    id: i64,
    judge: i64,
    counsel: Vec<i64>,
    minutes: i32,
    child_testifies: bool,
    video_link: bool,
    child_victim: bool,
    /// Index of the last day that is on time (may be negative).
    deadline_day: i64,
}

fn export(inst: &Instance, figures: &Figures, path: &Path) -> anyhow::Result<()> {
    let days = inst.calendar_days;
    let ex = ExactInstance {
        days,
        day_working: (0..days)
            .map(|i| (inst.first_day + Duration::days(i as i64)).weekday().num_days_from_monday() < 5)
            .collect(),
        opens: minute_of(inst.calendar.opens),
        closes: minute_of(inst.calendar.closes),
        child_from: minute_of(inst.rules.child_hours_from),
        child_to: minute_of(inst.rules.child_hours_to),
        step: inst.rules.slot_step_minutes,
        rooms: inst.building.rooms.iter().map(|r| (r.id, r.video_link)).collect(),
        hearings: inst
            .requests
            .iter()
            .map(|r| ExactHearing {
                id: r.hearing_id,
                judge: r.judges.first().copied().unwrap_or_default(),
                counsel: r.counsel.clone(),
                minutes: r.minutes,
                child_testifies: r.child_testifies,
                video_link: r.video_link,
                child_victim: r.child_victim,
                deadline_day: r.deadline.map(|d| (d - inst.first_day).num_days()).unwrap_or(days as i64),
            })
            .collect(),
        greedy_on_time_child_victim: figures.child_victim_on_time,
        greedy_placed: figures.placed,
        greedy: figures
            .plan
            .placed
            .iter()
            .map(|p| {
                let local = inst.calendar.local(p.booking.starts_at);
                (
                    p.booking.hearing_id,
                    (local.date() - inst.first_day).num_days(),
                    p.booking.room_id,
                    amaan::domain::schedule::grid::minute(local),
                )
            })
            .collect(),
    };
    std::fs::write(path, serde_json::to_vec_pretty(&ex)?)?;
    Ok(())
}

fn print_figures(label: &str, inst: &Instance, f: &Figures) {
    println!("{label}");
    println!("  hearings               {}", inst.requests.len());
    println!(
        "  rooms / video rooms    {} / {}",
        inst.building.rooms.len(),
        inst.building.rooms.iter().filter(|r| r.video_link).count()
    );
    let working = (0..inst.calendar_days)
        .filter(|i| (inst.first_day + Duration::days(*i as i64)).weekday().num_days_from_monday() < 5)
        .count();
    println!("  working days           {working} ({} to {})", inst.first_day, inst.last_day);
    println!(
        "  child-victim hearings  {} ({:.0} %), the child testifying in {}",
        f.child_victim,
        100.0 * f.child_victim as f64 / inst.requests.len().max(1) as f64,
        inst.requests.iter().filter(|r| r.child_testifies).count()
    );
    println!("  plan time              {:.1} ms", f.plan_ms);
    println!(
        "  placed                 {} of {} ({} unplaced: {:?})",
        f.placed,
        inst.requests.len(),
        inst.requests.len() - f.placed,
        f.unplaced_by_rule
    );
    println!(
        "  child-victim on time   {} of {} child-victim hearings ({} of them had clock left at the start)",
        f.child_victim_on_time, f.child_victim, f.child_victim_with_clock_left
    );
    let evidence_on_time = f.plan.placed.iter().filter(|p| !p.late && p.booking.child_testifies).count();
    let evidence_possible =
        inst.requests.iter().filter(|r| r.child_testifies && r.deadline.is_some_and(|d| d >= inst.first_day)).count();
    println!(
        "  child evidence on time {evidence_on_time} of the {evidence_possible} child-evidence hearings whose clock had not run out"
    );
    println!("  placed after the clock {}", f.late);
    println!("  validator violations   {} (checked in {:.1} ms)", f.violations, f.validate_ms);
}

#[derive(clap::Args, Debug, Clone)]
pub struct PlanArgs {
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also compare small instances with the exact optimum (python3 + highspy).
    #[arg(long)]
    pub exact: bool,
    #[arg(long, default_value_t = 5)]
    pub small_instances: usize,
    /// The sizes of the exact comparison's instances, each `small_instances` times.
    #[arg(long, value_delimiter = ',', default_value = "30,60,80,100")]
    pub exact_hearings: Vec<usize>,
    /// Where to write the small instances (a temporary directory if absent).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
}

/// `amaan bench plan`: fails when the validator finds any violation.
pub fn run_cli(args: &PlanArgs) -> anyhow::Result<()> {
    if main(args.seed, args.exact, args.small_instances, &args.exact_hearings, args.out_dir.clone())? {
        Ok(())
    } else {
        Err(anyhow::anyhow!("the validator found violations in a plan"))
    }
}

pub fn main(
    seed: u64,
    exact: bool,
    small_instances: usize,
    sizes: &[usize],
    out_dir: Option<PathBuf>,
) -> anyhow::Result<bool> {
    let started = Instant::now();
    let inst = generate(&Shape::large(seed));
    let gen_ms = started.elapsed().as_secs_f64() * 1000.0;
    let f = run(&inst);
    print_figures(&format!("bench plan: large instance (seed {seed}, generated in {gen_ms:.0} ms)"), &inst, &f);
    let mut ok = f.violations == 0;
    if !exact {
        println!("exact comparison: not run (pass --exact; needs python3 with highspy)");
        return Ok(ok);
    }
    let dir = match out_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("amaan-bench-plan-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    // The script is the workspace's (scripts/), two levels above this crate.
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/plan_exact.py");
    let mut ratios = Vec::new();
    println!("exact comparison (HiGHS via {}):", script.display());
    println!("  seed  hearings  greedy on-time  optimum on-time  ratio   greedy ms  solver");
    let runs = sizes.iter().flat_map(|n| (0..small_instances).map(move |i| (*n, i)));
    for (n, i) in runs {
        let s = seed + 1000 + i as u64;
        let small = generate(&Shape::exact(n, s));
        let sf = run(&small);
        ok &= sf.violations == 0;
        let path = dir.join(format!("small-{n}-{s}.json"));
        export(&small, &sf, &path)?;
        let out = std::process::Command::new("python3").arg(&script).arg(&path).output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let optimum =
            text.lines().find_map(|l| l.strip_prefix("optimum_on_time ")).and_then(|v| v.trim().parse::<f64>().ok());
        let status = text.lines().find_map(|l| l.strip_prefix("status ")).unwrap_or("?").to_string();
        match optimum {
            Some(opt) => {
                let ratio = if opt > 0.0 { sf.child_victim_on_time as f64 / opt } else { 1.0 };
                ratios.push(ratio);
                println!(
                    "  {s:<5} {:<9} {:<15} {:<16} {:<7.3} {:<10.2} {status}",
                    small.requests.len(),
                    sf.child_victim_on_time,
                    opt,
                    ratio,
                    sf.plan_ms
                );
            }
            None => {
                println!(
                    "  {s:<5} solver gave no optimum: {} {}",
                    text.trim(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
    }
    if !ratios.is_empty() {
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let min = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        println!(
            "  on-time child-victim hearings, greedy / exact optimum: mean {mean:.3}, worst {min:.3} over {} instances",
            ratios.len()
        );
    }
    Ok(ok)
}
