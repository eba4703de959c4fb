//! `amaan-bench testimony`: every child's single sitting in a mass-victim
//! trial (the Kasur shape: 280 children, 20 linked cases, 25 accused, three courts in one building with ten video rooms),
//! printing the plan time, children in time and late, the validator's
//! violations (which must be zero) and each capacity what-if with its time.

use std::time::Instant;

use chrono::NaiveTime;

use amaan::domain::schedule::capacity::{self, Limits};
use amaan::domain::schedule::instances::{linked_cases, LinkedShape};
use amaan::domain::schedule::{testimony, validator};

#[derive(clap::Args, Debug)]
pub struct TestimonyArgs {
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long, default_value_t = 280)]
    pub children: usize,
    /// Plans timed, the median printed.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

pub fn run(args: &TestimonyArgs) -> anyhow::Result<()> {
    let shape = LinkedShape { children: args.children, seed: args.seed, ..LinkedShape::kasur() };
    let input = linked_cases(&shape);
    let mut times = Vec::new();
    let mut plan = testimony::plan(&input);
    for _ in 0..args.runs.max(1) {
        let t = Instant::now();
        plan = testimony::plan(&input);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let violations = validator::validate(&plan.bookings(), &input.calendar, &input.building, &input.rules);
    let late = plan.late();
    println!(
        "testimony plan: {} children, {} cases, {} accused, {} courts, {} video rooms",
        shape.children, shape.cases, shape.accused, shape.courts, shape.video_rooms
    );
    println!(
        "  planned in {:.3} s (median of {}), placed {}, in time {}, late {} (most late: {} days), not placed {}, violations {}",
        median,
        times.len(),
        plan.sittings.len(),
        plan.in_time(),
        late.len(),
        late.first().map_or(0, |l| l.1),
        plan.not_placed.len(),
        violations.len()
    );
    let limits = Limits { latest_child_hours_to: NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default() };
    let t = Instant::now();
    let (_, answers) = capacity::what_if(&input, limits);
    println!("  what-if ({:.3} s for the plan and {} answers):", t.elapsed().as_secs_f64(), answers.len());
    for a in &answers {
        println!("    {:?} ({}): in time {} ({:+}), late {}", a.extra, a.detail, a.in_time, a.gained, a.late);
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("the validator found {} violations: {:?}", violations.len(), violations.first()))
    }
}
