//! `amaan bench …`: benchmarks that print figures (never timed tests).

pub mod docket;

use std::path::Path;

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Docket p50/p99 for one judge and one month, through HTTP and as raw SQL.
    Docket(docket::DocketArgs),
}

/// `database_url`: a SQLite path, or a PostgreSQL URL whose server gets a
/// scratch database for the run. None: a SQLite file in the data directory.
pub fn run(command: BenchCommand, database_url: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        BenchCommand::Docket(args) => docket::run(&args, database_url, data_dir),
    }
}
