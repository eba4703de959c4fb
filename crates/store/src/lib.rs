//! Storage: one diesel code base over SQLite (the default, a file) and
//! PostgreSQL (chosen by a `postgres://` URL).

mod error;

pub mod adjournments;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod checkpoint;
pub mod conversion;
pub mod course;
pub mod court_figures;
pub mod courts;
pub mod demo_marker;
pub mod docket;
pub mod escalations;
pub mod feedback;
pub mod hearings;
pub mod identity;
pub mod incidents;
pub mod keyring;
pub mod linked;
pub mod locks;
pub mod monitors;
pub mod nodes;
pub mod notices;
pub mod outcomes;
pub mod parties;
pub mod schedule;
pub mod schema;
pub mod users;
pub mod video;
pub mod witnesses;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use error::StoreError;
pub use locks::{background_tx, court_tx, Scope};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Every table, for tools that look at the whole database (tests, demo).
pub const TABLES: &[&str] = &[
    "courts",
    "court_rooms",
    "waiting_areas",
    "users",
    "cases",
    "parties",
    "hearings",
    "audit_head",
    "audit_events",
    "audit_chains",
    "adjournments",
    // scheduling
    "court_holidays",
    "counsel",
    "case_counsel",
    "hearing_bookings",
    "hearing_side_plans",
    "schedule_plans",
    "video_sessions",
    "video_participants",
    "video_state_changes",
    "video_recordings",
    "video_questions",
    "party_contacts",
    "notices",
    // outcomes and the case's course
    "hearing_outcomes",
    "child_appearances",
    "case_steps",
    "case_facts",
    "child_facts",
    // oversight
    "monitor_scopes",
    "incidents",
    "escalation_reports",
    "feedback_links",
    "feedback_responses",
    "court_figures",
    // evidence at rest
    "master_key",
    "data_keys",
    // the nodes serving this database
    "nodes",
    // mass-victim cases
    "buildings",
    "court_buildings",
    "case_links",
    "case_associates",
    "child_guardians",
    "hearing_witnesses",
    "conversions",
    // the docket's lines, kept from hearings, cases, facts and outcomes
    "docket_lines",
];

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// diesel's SQLite connection takes a path; accept `sqlite://path` too.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Applied to every SQLite connection the pool hands out: WAL so readers do
/// not block the writer, FULL sync so an acknowledged write survives a crash,
/// a busy timeout so concurrent writers queue instead of failing, and foreign
/// keys (off by default in SQLite).
#[derive(Debug)]
struct SqliteTuning;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqliteTuning {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub fn connect_pool(url: &str, max_size: u32) -> anyhow::Result<DbPool> {
    let target = match Backend::of(url) {
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    private_dir(dir)?;
                }
            }
            private_database_files(path)?;
            path.to_string()
        }
        Backend::Postgres => url.to_string(),
    };
    let manager = ConnectionManager::<DbConn>::new(target);
    let pool = Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_customizer(Box::new(SqliteTuning))
        .build(manager)?;
    Ok(pool)
}

/// Creates a directory and its missing parents readable by this user only
/// (0700); one that exists is left as its owner set it.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The SQLite file and its journal files readable by this user only
/// (0600): a new file is made so before SQLite opens it (SQLite gives the
/// WAL and shared-memory files the database file's mode), and an existing
/// one is tightened.
fn private_database_files(path: &str) -> std::io::Result<()> {
    if path.is_empty() || path.starts_with(':') || path.starts_with("file:") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !std::path::Path::new(path).exists() {
            std::fs::OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(path)?;
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let file = format!("{path}{suffix}");
            if let Ok(meta) = std::fs::metadata(&file) {
                if meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                }
            }
        }
    }
    Ok(())
}

/// Runs the pending migrations of whichever backend the connection is.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| anyhow::anyhow!("sqlite migrations: {e}"))?.len()
        }
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("postgres migrations: {e}"))?
            .len(),
    };
    // Said once, by whichever start applied them; a start that found the
    // schema current has nothing to report.
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    } else {
        tracing::debug!("migrations up to date");
    }
    Ok(())
}

/// A pool on a database that belongs to `master`: a wrong key is refused
/// before the migrations run (so nothing is written), a new database adopts
/// the key, and the keyring's data keys are unwrapped for this process.
pub fn open(url: &str, max_size: u32, master: &amaan_vault::MasterKey) -> anyhow::Result<(DbPool, keyring::Keyring)> {
    let pool = connect_pool(url, max_size)?;
    let mut conn = pool.get()?;
    keyring::refuse_wrong_key(&mut conn, master)?;
    migrate(&mut conn)?;
    let keys = keyring::open(&mut conn, master)?;
    drop(conn);
    Ok((pool, keys))
}

pub fn migrate_url(url: &str) -> anyhow::Result<()> {
    let pool = connect_pool(url, 1)?;
    let mut conn = pool.get()?;
    migrate(&mut conn)
}

/// A write transaction. Its first statement takes the audit chain's head row
/// for writing, which (a) serialises writers on both backends (on
/// PostgreSQL, the court writers of `court_tx` too, which hold the head FOR
/// SHARE) and (b) on SQLite takes the write lock up front, where the busy
/// timeout still applies, instead of failing on a lock upgrade. For writes
/// that are not one court's; see `locks`.
///
/// Generic in its error so that a use case above the store can refuse with
/// its own error inside the transaction and roll it back.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
    F: FnOnce(&mut DbConn) -> Result<T, E>,
{
    conn.transaction(|c| {
        audit::lock_head(c).map_err(E::from)?;
        f(c)
    })
}

/// True for a unique-constraint violation on either backend.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
