//! The command line: `amaan serve | demo | migrate | user add | audit verify | facts check`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Settings};
use crate::db::{self, audit};
use crate::domain::roles::StaffRole;
use crate::keys;
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(name = "amaan", version, about = "Child-friendly court scheduling and testimony support")]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// SQLite file path (default `<data-dir>/amaan.db`) or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where the SQLite file, the generated JWT secret and recordings live.
    #[arg(long, env = "AMAAN_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// A file holding the JWT signing secret (at least 32 bytes).
    #[arg(long, env = "AMAAN_JWT_SECRET_FILE", global = true)]
    pub jwt_secret_file: Option<PathBuf>,
    /// A file holding the master key (64 hex digits), outside the data
    /// directory; else `AMAAN_MASTER_KEY`. See `amaan keys`.
    #[arg(long, env = "AMAAN_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Create a fresh demo database (one court, staff, ~20 cases) and serve it.
    Demo(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The facts kept per case for the docket.
    #[command(subcommand)]
    Facts(FactsCommand),
    /// The master key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a consistent backup, sealed under the master key, while the
    /// server runs: the database, its recordings, the checkpoint log.
    Backup {
        /// The backup file (written as `<out>.partial`, renamed when whole).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Restore a backup into an empty database and an empty data directory.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Print a new master key (64 hex digits) to put in a file of its own.
    Generate,
    /// Re-wrap every data key under a new master key; the old one stays
    /// configured as usual. Interrupted, run it again with the same keys.
    Rotate {
        /// The file holding the new master key.
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Convert a database made before evidence at rest, in place: seal its
    /// names, birth dates and contacts, seal its plain recordings, and sign
    /// its chains' heads. Run with the servers stopped; interrupted, run it
    /// again. It verifies what it did before it says done.
    Convert {
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// Milliseconds to pause after each batch of rows and each
        /// recording, to go easy on a database server others share.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AMAAN_BIND", default_value = config::DEFAULT_BIND)]
    pub bind: String,
    /// Directory of the pages.
    #[arg(long, env = "AMAAN_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Minutes a staff login lasts.
    #[arg(long, env = "AMAAN_TOKEN_TTL_MINUTES", default_value_t = 480)]
    pub token_ttl_minutes: i64,
    /// Login attempts one address may make per minute.
    #[arg(long, env = "AMAAN_LOGIN_RATE", default_value_t = 30)]
    pub login_rate: u32,
    /// The origin browsers reach Amaan at (`https://amaan.example.org`); the
    /// signalling socket refuses pages of any other origin. Default: the
    /// host each request names.
    #[arg(long, env = "AMAAN_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Serve `/metrics` on this address only (e.g. `127.0.0.1:9100`), not
    /// on the main one.
    #[arg(long, env = "AMAAN_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// A file holding a bearer token `/metrics` then asks for.
    #[arg(long, env = "AMAAN_METRICS_TOKEN_FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// Dockets kept to be sent again while nothing on them has changed
    /// (0: every docket written afresh).
    #[arg(long, env = "AMAAN_DOCKET_CACHE", default_value_t = config::DEFAULT_DOCKET_CACHE_ENTRIES)]
    pub docket_cache: usize,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: StaffRole,
        /// The court's id (omit for a system administrator).
        #[arg(long)]
        court: Option<i64>,
        #[arg(long)]
        display_name: Option<String>,
        /// A monitor's scope: the province whose courts it reads (required for `--role monitor`).
        #[arg(long)]
        province: Option<String>,
        /// A monitor's scope narrowed to one district of `--province`.
        #[arg(long, requires = "province")]
        district: Option<String>,
        /// Read the password from standard input (required: passwords never go on a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Prove every chain intact and matching the latest signed checkpoint,
    /// or name what broke.
    Verify {
        /// The checkpoint log (default `AMAAN_CHECKPOINT_LOG` or
        /// `<data-dir>/audit-checkpoints.jsonl`).
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Sign every chain's head into the checkpoint log now.
    Checkpoint {
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum FactsCommand {
    /// Recompute every case's facts from its hearings, outcomes,
    /// appearances and steps, and each court's monthly figures for the
    /// monitor from its records, and name each that differs from the kept one.
    Check,
    /// Write every docket line again from the hearings, cases, facts and
    /// outcomes (after a restore or a bulk load that bypassed the triggers,
    /// or when `facts check` named a line).
    RebuildLines,
}

pub fn main() -> ExitCode {
    crate::telemetry::init_tracing();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("amaan: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn database_url(common: &Common) -> String {
    common.database_url.clone().unwrap_or_else(|| config::default_database_url(&common.data_dir))
}

fn default_web_dir() -> PathBuf {
    let local = PathBuf::from("web");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
    }
}

fn settings(
    common: &Common,
    serve: &ServeArgs,
    database_url: String,
    master_key: amaan_vault::MasterKey,
) -> anyhow::Result<Settings> {
    Ok(Settings {
        bind: serve.bind.clone(),
        database_url,
        data_dir: common.data_dir.clone(),
        master_key,
        jwt_secret: config::load_jwt_secret(common.jwt_secret_file.as_deref(), &common.data_dir)?,
        token_ttl_minutes: serve.token_ttl_minutes.clamp(1, 24 * 60),
        pool_size: 16,
        web_dir: serve.web_dir.clone().unwrap_or_else(default_web_dir),
        login_attempts_per_minute: serve.login_rate,
        notices: config::NoticeChannels::from_env()?,
        node: config::NodeSettings::from_env()?,
        public_origin: serve.public_origin.as_deref().map(|o| o.trim_end_matches('/').to_string()),
        metrics_bind: serve.metrics_bind.clone(),
        metrics_token: serve
            .metrics_token_file
            .as_deref()
            .map(|p| config::load_token(p, "the metrics token"))
            .transpose()?,
        docket_cache_entries: serve.docket_cache,
    })
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        tracing::info!(port = app.port(), "amaan is listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let common = cli.common;
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs {
        bind: config::DEFAULT_BIND.into(),
        web_dir: None,
        token_ttl_minutes: 480,
        login_rate: 30,
        public_origin: None,
        metrics_bind: None,
        metrics_token_file: None,
        docket_cache: config::DEFAULT_DOCKET_CACHE_ENTRIES,
    }));
    match command {
        Command::Serve(args) => {
            // The key before anything else, so that without one nothing is touched.
            let key = keys::load(common.master_key_file.as_deref())?;
            let s = settings(&common, &args, database_url(&common), key)?;
            println!("Amaan on http://{} (database: {})", s.bind, describe(&s.database_url));
            serve(s)?;
        }
        Command::Demo(args) => {
            let url = common
                .database_url
                .clone()
                .unwrap_or_else(|| common.data_dir.join("demo.db").to_string_lossy().into_owned());
            let key = keys::load_for_demo(common.master_key_file.as_deref(), &common.data_dir)?;
            let accounts = crate::demo::create(&url, &key, &common.data_dir)?;
            let s = settings(&common, &args, url, key)?;
            println!("\nAmaan demo on http://{}/  (database: {})\n", s.bind, describe(&s.database_url));
            println!("Sign in at http://{}/ with one of these; each role lands on its own page:\n", s.bind);
            println!("  {:<16} {:<10} {:<16} {:<15} does", "role", "username", "password", "lands on");
            for a in &accounts {
                let (page, does) = role_page(&a.role);
                println!("  {:<16} {:<10} {:<16} {:<15} {}", a.role, a.username, a.password, page, does);
            }
            println!(
                "\nParticipants (child, guardian, counsel, accused) join from an invite the support officer \
                 makes: /join.html#…\n"
            );
            serve(s)?;
        }
        Command::Migrate => {
            db::open(&database_url(&common), 1, &keys::load(common.master_key_file.as_deref())?)?;
            println!("migrations applied");
        }
        Command::User(UserCommand::Add {
            username,
            role,
            court,
            display_name,
            province,
            district,
            password_stdin: _,
        }) => {
            let scope = monitor_scope(role, province.as_deref(), district.as_deref())?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, _) = db::open(&database_url(&common), 1, &key)?;
            let mut conn = pool.get()?;
            let new = crate::api::users::new_user(&username, display_name.as_deref(), &password, role, court)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = db::write_tx(&mut conn, |c| {
                if let Some(court) = new.court_id {
                    db::courts::find(c, court)?;
                }
                let user = db::users::create(c, &new)?;
                let view = db::users::UserView::from(&user);
                let mut change = audit::Change::new("create", "user", user.id).court(user.court_id).after(&view);
                if let Some((province, district)) = scope {
                    let s = db::monitors::add_scope(
                        c,
                        &db::monitors::NewMonitorScope {
                            user_id: user.id,
                            province,
                            district,
                            created_at: new.created_at,
                        },
                    )?;
                    change = change.reason(Some(match &s.district {
                        Some(d) => format!("monitors the courts of {d} district, {}", s.province),
                        None => format!("monitors the courts of {}", s.province),
                    }));
                }
                audit::append(c, &audit::Actor::system(), change)?;
                Ok(user)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("added {} ({}) with id {}", user.username, user.role, user.id);
        }
        Command::Keys(KeysCommand::Generate) => {
            println!("{}", amaan_vault::MasterKey::generate().to_text());
        }
        Command::Keys(KeysCommand::Rotate { new_key_file }) => {
            let old = keys::load(common.master_key_file.as_deref())?;
            let new = keys::load(Some(&new_key_file))?;
            let pool = db::connect_pool(&database_url(&common), 1)?;
            let mut conn = pool.get()?;
            let done = keys::rotate(&mut conn, &old, &new)?;
            println!(
                "rotated to master key {}: {} data keys re-wrapped, {} recordings re-wrapped, {} old wrappings \
                 retired. Configure the new key and destroy the old one.",
                new.id(),
                done.data_keys,
                done.files_rewrapped,
                done.files_retired
            );
        }
        Command::Keys(KeysCommand::Convert { checkpoints, pause_ms }) => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, keyring) = db::open(&database_url(&common), 1, &key)?;
            let log = checkpoints.unwrap_or_else(|| crate::checkpoints::log_path(&common.data_dir));
            let pause = std::time::Duration::from_millis(pause_ms);
            let done = crate::convert::convert(&mut *pool.get()?, &key, &keyring, &log, pause)?;
            println!(
                "converted and verified: {} parties, {} contacts and {} notices sealed, {} recordings sealed; \
                 {} chains signed into {}",
                done.parties,
                done.contacts,
                done.notices,
                done.recordings,
                done.checkpoint_chains,
                log.display()
            );
        }
        Command::Backup { out, checkpoints } => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let log = checkpoints.unwrap_or_else(|| crate::checkpoints::log_path(&common.data_dir));
            let m = crate::backup::backup(&database_url(&common), &common.data_dir, &log, &key, &out)?;
            println!(
                "backup of the {} database with {} recordings written to {}",
                m.backend,
                m.recordings,
                out.display()
            );
        }
        Command::Restore { from, checkpoints } => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let log = checkpoints.unwrap_or_else(|| crate::checkpoints::log_path(&common.data_dir));
            let m = crate::backup::restore(&database_url(&common), &common.data_dir, &log, &key, &from)?;
            println!(
                "restored the backup of {} ({} recordings) into {}; run `amaan audit verify` on it",
                m.created_at,
                m.recordings,
                describe(&database_url(&common))
            );
        }
        Command::Audit(AuditCommand::Checkpoint { checkpoints }) => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, keyring) = db::open(&database_url(&common), 1, &key)?;
            let log = checkpoints.unwrap_or_else(|| crate::checkpoints::log_path(&common.data_dir));
            let taken = db::checkpoint::take(&mut *pool.get()?, &keyring.checkpoint_signing)?;
            db::checkpoint::append(&log, &taken).map_err(|e| anyhow::anyhow!("writing {}: {e}", log.display()))?;
            println!("checkpoint of {} chains signed into {}", taken.chains.len(), log.display());
        }
        Command::Audit(AuditCommand::Verify { checkpoints }) => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, keyring) = db::open(&database_url(&common), 1, &key)?;
            let mut conn = pool.get()?;
            let report = audit::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut broken = false;
            if report.intact {
                println!("audit chains intact: {} events", report.events);
            } else {
                broken = true;
                println!(
                    "audit trail BROKEN at event {}: {}",
                    report.first_bad_seq.unwrap_or_default(),
                    report.problem.unwrap_or_default()
                );
            }
            let log = checkpoints.unwrap_or_else(|| crate::checkpoints::log_path(&common.data_dir));
            if log.exists() {
                let against = db::checkpoint::verify_against(&mut conn, &keyring.checkpoint_signing, &log)?;
                for finding in &against.findings {
                    println!("checkpoint: {finding}");
                }
                if against.intact() {
                    println!(
                        "matches the latest of {} signed checkpoints ({}) in {}",
                        against.checkpoints,
                        against.latest_at.unwrap_or_default(),
                        log.display()
                    );
                } else {
                    broken = true;
                }
            } else {
                println!("no checkpoint log at {}: the chains were checked by their keyed hashes only", log.display());
            }
            if broken {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Facts(FactsCommand::Check) => {
            // The children's facts are recomputed from their birth dates,
            // which are sealed: the master key opens them.
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, _) = db::open(&database_url(&common), 1, &key)?;
            let mut conn = pool.get()?;
            let report = crate::app::facts::check(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            for d in &report.differences {
                println!("{d}");
            }
            // The monitor's figures kept by court and month, likewise.
            let (courts, figures) = crate::app::kept_figures::check(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            for d in &figures {
                println!("{d}");
            }
            if !report.differences.is_empty() || !figures.is_empty() {
                println!(
                    "facts DIFFER: {} differences in {} cases, {} in the figures of {courts} courts",
                    report.differences.len(),
                    report.cases,
                    figures.len()
                );
                return Ok(ExitCode::from(2));
            }
            println!("facts agree: {} cases; figures agree: {courts} courts", report.cases);
        }
        Command::Facts(FactsCommand::RebuildLines) => {
            let key = keys::load(common.master_key_file.as_deref())?;
            let (pool, _) = db::open(&database_url(&common), 1, &key)?;
            let mut conn = pool.get()?;
            use diesel::Connection;
            let lines = conn.transaction(|c| db::docket::rebuild_lines(c)).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("docket lines written again: {lines}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A monitor reads a province, or one district of it; no other role has a scope.
fn monitor_scope(
    role: StaffRole,
    province: Option<&str>,
    district: Option<&str>,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    let named = |field: &str, v: &str| crate::api::input::name(field, v, 100).map_err(|e| anyhow::anyhow!("{e}"));
    match (role, province) {
        (StaffRole::Monitor, Some(p)) => {
            Ok(Some((named("province", p)?, district.map(|d| named("district", d)).transpose()?)))
        }
        (StaffRole::Monitor, None) => {
            anyhow::bail!(
                "a monitor reads the courts of a province: give --province P (and --district D for one district)"
            )
        }
        (_, Some(_)) => anyhow::bail!("only a monitor has a scope (--province, --district)"),
        (_, None) => Ok(None),
    }
}

/// Where a staff role lands after signing in, and what it does there.
fn role_page(role: &str) -> (&'static str, &'static str) {
    match role {
        "admin" => ("/admin.html", "courts, rooms, waiting areas, staff accounts, the audit trail"),
        "clerk" => ("/clerk.html", "registers cases and parties, books hearings, plans, asks for adjournments"),
        "judge" => ("/judge.html", "reads the priority docket, decides adjournments, orders special measures"),
        "support_officer" => ("/support.html", "runs the video-link testimony: invites, start, breaks, end"),
        "monitor" => ("/monitor.html", "reads the figures of delay of the courts of a province or district"),
        _ => ("/", ""),
    }
}

/// The database for a log line, without a password that a URL may carry.
pub fn describe(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.scheme().starts_with("postgres") => {
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}
