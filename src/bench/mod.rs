//! `amaan bench …`: benchmarks that print figures (never timed tests).

pub mod docket;
pub mod janus;
pub mod janus_peer;
pub mod plan;
pub mod video;
pub mod video_rig;
pub mod video_soak;

use std::path::Path;

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Docket p50/p99 for one judge and one month, through HTTP and as raw SQL.
    Docket(docket::DocketArgs),
    /// Plan 10,000 hearings over 50 rooms and 60 working days; print time,
    /// placements, on-time child-victim hearings and validator violations.
    Plan(plan::PlanArgs),
    /// Concurrent 6-party video sessions on loopback: server CPU per forwarded packet, latency, loss;
    /// `--server janus|both` puts the same load through Janus's videoroom.
    Video(video::VideoArgs),
    /// 1,000 WebRTC participants join and leave; the server's memory before and after.
    VideoSoak(video_soak::SoakArgs),
}

/// `database_url`: a SQLite path, or a PostgreSQL URL whose server gets a
/// scratch database for the run. None: a SQLite file in the data directory.
pub fn run(command: BenchCommand, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        BenchCommand::Docket(args) => docket::run(&args, database_url, data_dir),
        BenchCommand::Plan(args) => plan::run_cli(&args),
        BenchCommand::Video(args) => video::run(&args, database_url, data_dir),
        BenchCommand::VideoSoak(args) => video_soak::run(&args, database_url, data_dir),
    }
}
