//! `amaan-bench …`: benchmarks that print figures (never timed tests). A
//! binary of its own, so that nothing in the server can fill, seed or drop a
//! database for a measurement: every run makes its own scratch database.
//!
//!   cargo run --release -p amaan-bench -- docket
//!   cargo run --release -p amaan-bench -- --postgres postgres://postgres@127.0.0.1:5432/postgres docket

// The server's own allocator (src/main.rs): the benches run the server in
// this process and must measure what is deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bookings;
mod child;
mod docket;
mod janus;
mod janus_peer;
mod netns;
mod notices;
mod oversight;
mod plan;
mod str0m_peer;
mod str0m_sfu;
mod testimony;
mod video;
mod video_rig;
mod video_soak;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "amaan-bench", about = "Amaan's benchmarks: each prints figures on a scratch database of its own")]
struct Cli {
    /// A PostgreSQL server to measure on (the run creates and drops its own
    /// database there); without it, a SQLite file in the data directory.
    /// Deliberately not read from `DATABASE_URL`, which names a court's data.
    #[arg(long)]
    postgres: Option<String>,
    /// Where the scratch SQLite files and recordings go.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Bookings per second from many courts' clerks at once (PostgreSQL), the
    /// audit trail as one chain and as a chain per court, in one run.
    Bookings(bookings::BookingsArgs),
    /// Docket p50/p99 for one judge and one month, through HTTP and as raw SQL.
    Docket(docket::DocketArgs),
    /// Plan 10,000 hearings over 50 rooms and 60 working days; print time,
    /// placements, on-time child-victim hearings and validator violations.
    Plan(plan::PlanArgs),
    /// Every child's single sitting in a mass-victim trial (280 children, 20 linked cases);
    /// print time, children in time and late, violations and the capacity what-ifs.
    Testimony(testimony::TestimonyArgs),
    /// Concurrent 6-party video sessions on loopback: server CPU per forwarded packet, latency, loss;
    /// `--server janus|both` puts the same load through Janus's videoroom.
    Video(video::VideoArgs),
    /// The video bench's str0m forwarder (`video --server str0m|all` starts it).
    Str0mSfu(str0m_sfu::Str0mArgs),
    /// 1,000 WebRTC participants join and leave; the server's memory before and after.
    VideoSoak(video_soak::SoakArgs),
    /// One accepted plan's 10,000 email notices delivered to a local aiosmtpd;
    /// the time it takes and the API's p99 meanwhile.
    Notices(notices::NoticesArgs),
    /// A province on PostgreSQL (500 courts, 1,000,000 child cases): the
    /// monitor's dashboard p50/p99 for the province and for one district.
    Oversight(oversight::OversightArgs),
}

fn main() -> ExitCode {
    amaan::telemetry::init_tracing();
    let cli = Cli::parse();
    match run(cli.command, cli.postgres, &cli.data_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("amaan-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `database_url`: a PostgreSQL URL whose server gets a scratch database
/// for the run. None: a scratch SQLite file in the data directory.
fn run(command: BenchCommand, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        BenchCommand::Bookings(args) => bookings::run(&args, database_url),
        BenchCommand::Docket(args) => docket::run(&args, database_url, data_dir),
        BenchCommand::Plan(args) => plan::run_cli(&args),
        BenchCommand::Testimony(args) => testimony::run(&args),
        BenchCommand::Video(args) => video::run(&args, database_url, data_dir),
        BenchCommand::Str0mSfu(args) => str0m_sfu::run(&args),
        BenchCommand::VideoSoak(args) => video_soak::run(&args, database_url, data_dir),
        BenchCommand::Notices(args) => notices::run(&args, database_url, data_dir),
        BenchCommand::Oversight(args) => oversight::run(&args, database_url, data_dir),
    }
}
