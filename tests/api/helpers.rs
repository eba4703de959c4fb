//! `spawn_app()`: the server on port 0 over a fresh database, plus the
//! small steps every story needs (log in, make a court with its staff).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use amaan::config::{Secret, Settings};
use amaan::db::{self, audit, DbConn, DbPool};
use amaan::domain::calendar::local_date;
use amaan::domain::roles::StaffRole;
use amaan::startup::Application;
use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const PASSWORD: &str = "test-password-123";

/// The master key every test server runs under (a server refuses to start
/// without one); tests of a missing or wrong key start the binary themselves.
pub const MASTER_KEY: &str = "6d61737465722d6b65792d666f722d7465737473206f6e6c792d2d2d2d2d2d21";

pub fn master_key() -> amaan::vault::MasterKey {
    amaan::vault::MasterKey::from_text(MASTER_KEY.as_bytes()).expect("the test master key")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Today in Karachi, where every test court sits: the day every date a
/// test relies on is counted from, so that the suite passes on any day.
pub fn today() -> NaiveDate {
    local_date("Asia/Karachi", Utc::now())
}

/// The first `weekday` after `day` (never `day` itself).
pub fn next_weekday(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut next = day + Days::new(1);
    while next.weekday() != weekday {
        next = next + Days::new(1);
    }
    next
}

/// A date `n` days before today, as the API takes it (a cognizance date).
pub fn days_ago(n: u64) -> String {
    (today() - Days::new(n)).to_string()
}

/// A local time in Karachi (which keeps +05:00 all year) as RFC 3339.
pub fn karachi(day: NaiveDate, hhmm: &str) -> String {
    format!("{day}T{hhmm}:00+05:00")
}

/// The database one test owns; a PostgreSQL one is dropped with the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres {
        maintenance_url: String,
        name: String,
    },
    /// Another node's: the first node owns the database.
    Shared,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { maintenance_url, name } = self {
            let url = maintenance_url.clone();
            let name = name.clone();
            // A plain thread: Drop may run inside the async runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = diesel::PgConnection::establish(&url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut c);
                }
            })
            .join();
        }
    }
}

/// The same PostgreSQL server's `postgres` database, which always exists.
pub fn maintenance_url(base: &str) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            u.set_path("/postgres");
            u.to_string()
        }
        Err(_) => base.to_string(),
    }
}

pub fn is_postgres() -> bool {
    std::env::var("DATABASE_URL").map(|u| u.starts_with("postgres")).unwrap_or(false)
}

fn fresh_database() -> (String, TestDb) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match std::env::var("DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let mut url = url::Url::parse(&base).expect("DATABASE_URL is a URL");
            let base_name = url.path().trim_start_matches('/').to_string();
            let base_name = if base_name.is_empty() { "amaan".to_string() } else { base_name };
            let mut name = format!("{base_name}_t{}_{n}", std::process::id());
            name.truncate(63);
            // Test databases are made through the server's own `postgres`
            // database, so the one DATABASE_URL names need not exist yet.
            let maintenance = maintenance_url(&base);
            let mut c = diesel::PgConnection::establish(&maintenance)
                .expect("connect to the PostgreSQL server in DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut c).expect("create a test database");
            url.set_path(&format!("/{name}"));
            (url.to_string(), TestDb::Postgres { maintenance_url: maintenance, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("amaan.db").to_string_lossy().into_owned();
            (path, TestDb::Sqlite(dir))
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub database_url: String,
    pub secret: Secret,
    pub admin_token: String,
    pub data_dir: tempfile::TempDir,
    // Last, so the database outlives the server's use of it in Drop order.
    pub db: TestDb,
}

fn start_server(
    database_url: &str,
    data_dir: &std::path::Path,
    secret: &Secret,
    channels: amaan::config::NoticeChannels,
    node: amaan::config::NodeSettings,
    public_origin: Option<String>,
) -> (u16, DbPool) {
    let app = build_server(database_url, data_dir, secret, channels, node, public_origin).expect("the app builds");
    let port = app.port();
    let pool = app.state.pool.clone();
    tokio::spawn(app.run_until_stopped());
    (port, pool)
}

fn build_server(
    database_url: &str,
    data_dir: &std::path::Path,
    secret: &Secret,
    channels: amaan::config::NoticeChannels,
    node: amaan::config::NodeSettings,
    public_origin: Option<String>,
) -> anyhow::Result<Application> {
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.to_string(),
        data_dir: data_dir.to_path_buf(),
        jwt_secret: secret.clone(),
        master_key: master_key(),
        token_ttl_minutes: 60,
        pool_size: 8,
        web_dir: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"),
        login_attempts_per_minute: 30,
        notices: channels,
        node,
        public_origin,
        metrics_bind: None,
        metrics_token: None,
        docket_cache_entries: amaan::config::DEFAULT_DOCKET_CACHE_ENTRIES,
    };
    Application::build(settings)
}

/// Notices go nowhere unless a test gives channels: they stay queued.
pub fn no_channels() -> amaan::config::NoticeChannels {
    amaan::config::NoticeChannels {
        smtp_url: None,
        mail_from: "Amaan <notices@amaan.invalid>".into(),
        sms_url: None,
        sms: Default::default(),
        retry_base: std::time::Duration::from_millis(50),
        max_attempts: 3,
        node: "test-node".into(),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(no_channels()).await
}

/// The app with its notices sent through `channels`.
pub async fn spawn_app_with(channels: amaan::config::NoticeChannels) -> TestApp {
    spawn_app_on(channels, amaan::config::NodeSettings::single()).await
}

/// The app as a node with these settings (its own TURN server, say).
pub async fn spawn_app_on(channels: amaan::config::NoticeChannels, node: amaan::config::NodeSettings) -> TestApp {
    spawn_app_at(channels, node, None).await
}

/// The app with a public origin configured (AMAAN_PUBLIC_ORIGIN).
pub async fn spawn_app_at(
    channels: amaan::config::NoticeChannels,
    node: amaan::config::NodeSettings,
    public_origin: Option<String>,
) -> TestApp {
    // `AMAAN_LOG=... cargo test` shows the servers' logs, as `amaan serve` would.
    if std::env::var_os("AMAAN_LOG").is_some() {
        amaan::telemetry::init_tracing();
    }
    let (database_url, db) = fresh_database();
    let data_dir = tempfile::tempdir().expect("data dir");
    let secret = Secret::new(b"test-secret-test-secret-test-secret-0123".to_vec());
    let (port, pool) = start_server(&database_url, data_dir.path(), &secret, channels, node, public_origin);
    let mut app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        // Idle connections are dropped well before the server's 5 s keep-alive
        // ends them, so a slow step never reuses a connection being closed.
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(1))
            .build()
            .expect("http client"),
        pool,
        database_url,
        secret,
        admin_token: String::new(),
        data_dir,
        db,
    };
    app.add_user("root", StaffRole::Admin, None);
    app.admin_token = app.login("root", PASSWORD).await;
    app
}

impl TestApp {
    /// A second node: another server over the same database and data
    /// directory, sharing nothing else with the first (as two hosts behind
    /// a load balancer). Its own `data_dir` field is an unused placeholder;
    /// keep the first node alive while this one is used.
    /// Whether a node with these settings would start on this database
    /// (it is built, not run).
    pub fn try_node(&self, node: amaan::config::NodeSettings) -> Result<(), String> {
        build_server(&self.database_url, self.data_dir.path(), &self.secret, no_channels(), node, None)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub async fn spawn_node(&self) -> TestApp {
        // Each node its own id, as a deployment of several must give them.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let node = amaan::config::NodeSettings { id: format!("node-{n}"), ..amaan::config::NodeSettings::single() };
        let (port, pool) =
            start_server(&self.database_url, self.data_dir.path(), &self.secret, no_channels(), node, None);
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::new(),
            pool,
            database_url: self.database_url.clone(),
            secret: self.secret.clone(),
            admin_token: self.admin_token.clone(),
            data_dir: tempfile::tempdir().expect("data dir"),
            db: TestDb::Shared,
        }
    }
}

/// A court with one user per staff role, each logged in.
pub struct Court {
    pub id: i64,
    pub admin: String,
    pub clerk: String,
    pub judge: String,
    pub support: String,
    pub judge_id: i64,
    pub clerk_id: i64,
}

impl TestApp {
    pub fn conn(&self) -> diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<DbConn>> {
        self.pool.get().expect("a connection")
    }

    /// Adds an account directly in the store (as `amaan user add` does).
    pub fn add_user(&self, username: &str, role: StaffRole, court: Option<i64>) -> i64 {
        let mut conn = self.conn();
        let new = amaan::api::users::new_user(username, None, PASSWORD, role, court).expect("valid user");
        db::write_tx(&mut conn, |c| {
            let u = db::users::create(c, &new)?;
            audit::append(c, &audit::Actor::system(), audit::Change::new("create", "user", u.id).court(u.court_id))?;
            Ok(u.id)
        })
        .expect("user created")
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) =
            self.post("/api/auth/login", None, json!({"username": username, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "login of {username} failed: {body}");
        body["token"].as_str().expect("a token").to_string()
    }

    pub async fn court(&self, name: &str) -> Court {
        self.court_of(name, "pk").await
    }

    /// A court under another rule profile (`in`, `uk`), still in Karachi's
    /// time zone and hours so that times read the same in every story.
    pub async fn court_of(&self, name: &str, rule_profile: &str) -> Court {
        self.court_from(json!({"name": name, "rule_profile": rule_profile, "time_zone": "Asia/Karachi"})).await
    }

    /// A court made from this body (its own time zone, hours, days), with
    /// one user per staff role, each logged in.
    pub async fn court_from(&self, court: Value) -> Court {
        let (status, body) = self.post("/api/courts", Some(&self.admin_token), court).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().expect("court id");
        let tag = format!("c{id}");
        let admin_id = self.add_user(&format!("{tag}-admin"), StaffRole::Admin, Some(id));
        let clerk_id = self.add_user(&format!("{tag}-clerk"), StaffRole::Clerk, Some(id));
        let judge_id = self.add_user(&format!("{tag}-judge"), StaffRole::Judge, Some(id));
        self.add_user(&format!("{tag}-support"), StaffRole::SupportOfficer, Some(id));
        let _ = admin_id;
        Court {
            id,
            admin: self.login(&format!("{tag}-admin"), PASSWORD).await,
            clerk: self.login(&format!("{tag}-clerk"), PASSWORD).await,
            judge: self.login(&format!("{tag}-judge"), PASSWORD).await,
            support: self.login(&format!("{tag}-support"), PASSWORD).await,
            judge_id,
            clerk_id,
        }
    }

    /// A case with a child witness (born 2018-05-04), a guardian and an
    /// accused, taken cognizance of 60 days ago; returns the case id.
    pub async fn child_case(&self, court: &Court, number: &str, child_name: &str) -> i64 {
        let (status, body) = self
            .post(
                "/api/cases",
                Some(&court.clerk),
                json!({"number": number, "offence": "s.377-B PPC", "cognizance_date": days_ago(60), "accused_in_custody": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let case_id = body["id"].as_i64().expect("case id");
        for party in [
            json!({"role": "child_witness", "name": child_name, "date_of_birth": "2018-05-04"}),
            json!({"role": "guardian", "name": "Guardian Person"}),
            json!({"role": "accused", "name": "Accused Person"}),
            json!({"role": "defence_counsel", "name": "Defence Counsel"}),
        ] {
            let (status, body) = self.post(&format!("/api/cases/{case_id}/parties"), Some(&court.clerk), party).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        case_id
    }

    /// The case a video session's hearing belongs to.
    pub async fn case_of_session(&self, court: &Court, session_id: i64) -> i64 {
        let (s, session) = self.get(&format!("/api/video-sessions/{session_id}"), Some(&court.support)).await;
        assert_eq!(s, StatusCode::OK, "{session}");
        let (s, hearing) = self.get(&format!("/api/hearings/{}", session["hearing_id"]), Some(&court.clerk)).await;
        assert_eq!(s, StatusCode::OK, "{hearing}");
        hearing["case_id"].as_i64().expect("case id")
    }

    /// The body of an invite as the support officer's console makes it: a
    /// child-side invite tied to the case's party in that role (an
    /// intermediary is registered if the case has none), counsel bound to
    /// the case's counsel in that role (registered if missing), anyone else
    /// by `name`.
    pub async fn invite_body(&self, court: &Court, session_id: i64, role: &str, name: &str) -> Value {
        let case_id = self.case_of_session(court, session_id).await;
        match role {
            "child_witness" | "guardian" | "intermediary" => {
                let parties = format!("/api/cases/{case_id}/parties");
                let (_, list) = self.get(&parties, Some(&court.clerk)).await;
                let found = list["items"].as_array().and_then(|a| a.iter().find(|p| p["role"] == role).cloned());
                let party = match found {
                    Some(p) => p,
                    None => {
                        let (s, p) = self.post(&parties, Some(&court.clerk), json!({"role": role, "name": name})).await;
                        assert_eq!(s, StatusCode::CREATED, "{p}");
                        p
                    }
                };
                json!({"role": role, "party_id": party["id"]})
            }
            "prosecutor" | "defence_counsel" => {
                let path = format!("/api/cases/{case_id}/counsel");
                let (_, list) = self.get(&path, Some(&court.clerk)).await;
                let found = list["items"].as_array().and_then(|a| a.iter().find(|c| c["role"] == role).cloned());
                let counsel_id = match found {
                    Some(c) => c["counsel"]["id"].clone(),
                    None => {
                        let enrolment = format!("ENR-{role}-{case_id}");
                        let (s, c) = self
                            .post(
                                &path,
                                Some(&court.clerk),
                                json!({"name": name, "enrolment_number": enrolment, "role": role}),
                            )
                            .await;
                        assert_eq!(s, StatusCode::CREATED, "{c}");
                        c["counsel"]["id"].clone()
                    }
                };
                json!({"role": role, "display_name": name, "counsel_id": counsel_id})
            }
            _ => json!({"role": role, "display_name": name}),
        }
    }

    /// Mints an invite (see `invite_body`); returns the answer.
    pub async fn invite(&self, court: &Court, session_id: i64, role: &str, name: &str) -> Value {
        let body = self.invite_body(court, session_id, role, name).await;
        let (s, inv) =
            self.post(&format!("/api/video-sessions/{session_id}/invites"), Some(&court.support), body).await;
        assert_eq!(s, StatusCode::CREATED, "{inv}");
        inv
    }

    /// The waiting areas a never-meet plan needs: a children's room at the
    /// East Gate, a general hall at the Main Gate and a holding room at the
    /// Lock-up Gate.
    pub async fn waiting_areas(&self, court: &Court) {
        for (name, child_friendly, entrance) in [
            ("Children's Room", true, "East Gate"),
            ("Main Hall", false, "Main Gate"),
            ("Holding Room", false, "Lock-up Gate"),
        ] {
            let (status, body) = self
                .post(
                    &format!("/api/courts/{}/waiting-areas", court.id),
                    Some(&court.admin),
                    json!({"name": name, "child_friendly": child_friendly, "entrance": entrance}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    }

    /// A hearing written straight to the store (with its audit entry), for
    /// a story that needs one the API would not book: one already under way
    /// today, in the past, or outside the hours a child may be heard.
    pub fn seed_hearing(&self, new: &db::hearings::NewHearing) -> i64 {
        let mut conn = self.conn();
        db::write_tx(&mut conn, |c| {
            let h = db::hearings::create(c, new)?;
            audit::append(c, &audit::Actor::system(), audit::Change::new("create", "hearing", h.id).after(&h))?;
            Ok(h.id)
        })
        .expect("hearing seeded")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, token, Some(body)).await
    }

    /// A raw request, for bodies that are not JSON at all.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String, String) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, ct, resp.text().await.unwrap_or_default())
    }

    /// Row counts of every table and the audit head: equal before and after
    /// means a request wrote nothing.
    pub fn snapshot(&self) -> BTreeMap<String, i64> {
        let mut conn = self.conn();
        let mut out = BTreeMap::new();
        for table in amaan::db::TABLES {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let rows: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .load(&mut conn)
                .unwrap_or_else(|e| panic!("count {table}: {e}"));
            out.insert(table.to_string(), rows.first().map(|r| r.n).unwrap_or(-1));
        }
        out
    }

    /// Everything the API returned to a caller, as text, to search for a
    /// name that must not be there.
    pub fn text_of(value: &Value) -> String {
        value.to_string()
    }
}

/// Asserts a problem response of the given status and `type` suffix.
pub fn assert_problem(status: StatusCode, body: &Value, want_status: StatusCode, want_type: &str) {
    assert_eq!(status, want_status, "unexpected status; body: {body}");
    let t = body["type"].as_str().unwrap_or_default();
    assert!(t.ends_with(&format!("/{want_type}")), "problem type `{t}` is not `{want_type}`; body: {body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "a problem needs a detail: {body}");
}
