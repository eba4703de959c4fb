//! Building the application: pool, migrations, routes, and the server.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::Server;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders, Next};
use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::db;
use crate::error;
use crate::media::{Media, MediaConfig};
use crate::state::AppState;
use crate::telemetry::{self, Metrics};

/// JSON bodies above this are refused with 413 before they are parsed.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on its own address, when `metrics_bind` says so.
    metrics: Option<(u16, Server)>,
    pub state: AppState,
}

impl Application {
    /// Connects, migrates and binds. Binding to port 0 picks a free port,
    /// which the tests use.
    pub fn build(settings: Settings) -> anyhow::Result<Application> {
        // The key first: a wrong one is refused before anything is written.
        let (pool, keyring) = db::open(&settings.database_url, settings.pool_size, &settings.master_key)?;
        db::conversion::refuse_pending(&mut *pool.get()?)?;
        crate::config::private_dir(&settings.data_dir)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let public_url = public_url(settings.node.public_url.as_deref(), listener.local_addr()?);
        register_node(&pool, &settings, public_url)?;
        let metrics_listener = match &settings.metrics_bind {
            Some(addr) => {
                Some(TcpListener::bind(addr).map_err(|e| anyhow::anyhow!("cannot listen for metrics on {addr}: {e}"))?)
            }
            None => None,
        };
        let state = AppState::new(pool, settings);
        let metrics_data = web::Data::new(Metrics::new()?);
        let server = server(listener, state.clone(), metrics_data.clone(), keyring)?;
        let metrics = match metrics_listener {
            Some(l) => Some((l.local_addr()?.port(), metrics_server(l, state.clone(), metrics_data)?)),
            None => None,
        };
        Ok(Application { port, server, metrics, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on when it has its own address.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(p, _)| *p)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => futures_util::future::try_join(self.server, metrics).await.map(|_| ()),
            None => self.server.await,
        }
    }
}

/// Where participants reach this node: the configured public URL, else
/// the address it is bound to unless that is a wildcard (0.0.0.0, ::),
/// which names no host.
fn public_url(configured: Option<&str>, bound: std::net::SocketAddr) -> Option<String> {
    match configured {
        Some(url) => Some(url.to_string()),
        None if bound.ip().is_unspecified() => None,
        None => Some(format!("http://{bound}")),
    }
}

/// Why a node may not start with this id, if it may not: on PostgreSQL
/// several nodes may share the database, and sessions are routed by the
/// node id they store, so a node left with the default id beside another
/// registered node would take (or lose) the other's participants.
pub fn node_id_refused(postgres: bool, id: &str, others: &[String]) -> Option<String> {
    if !postgres || id != crate::config::DEFAULT_NODE_ID || others.is_empty() {
        return None;
    }
    Some(format!(
        "this database is served by node(s) {} as well: give this node its own AMAAN_NODE_ID (it has the default `{id}`)",
        others.join(", ")
    ))
}

fn register_node(pool: &db::DbPool, settings: &Settings, public_url: Option<String>) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    let postgres = matches!(db::Backend::of(&settings.database_url), db::Backend::Postgres);
    let id = settings.node.id.clone();
    let others: Vec<String> = db::nodes::others(&mut conn, &id)?.into_iter().map(|n| n.id).collect();
    if let Some(why) = node_id_refused(postgres, &id, &others) {
        anyhow::bail!(why);
    }
    let node = db::nodes::Node { id, public_url, started_at: chrono::Utc::now().naive_utc() };
    db::write_tx(&mut conn, |c| Ok(db::nodes::register(c, &node)?))
        .map_err(|e| anyhow::anyhow!("registering this node: {e}"))?;
    Ok(())
}

/// Only `/metrics`, on an address of its own.
fn metrics_server(listener: TcpListener, state: AppState, metrics: web::Data<Metrics>) -> anyhow::Result<Server> {
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .wrap(security_headers())
            .app_data(data.clone())
            .app_data(metrics.clone())
            .route("/metrics", web::get().to(telemetry::metrics))
    })
    .workers(1)
    .listen(listener)?
    .run())
}

/// Security headers for every response: pages may load only our own files,
/// may not be framed, and content types are not sniffed.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; \
             style-src 'self'; script-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .add(("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()"))
}

/// How long a browser keeps the pages' files. Pages and scripts are
/// revalidated on each use (an ETag or Last-Modified answer is an empty
/// 304, so their bytes cross the link once, and a new release is seen at
/// once); images and fonts, which change rarely, are kept a week.
fn cache_control_for(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "png" | "svg" | "ico" | "jpg" | "webp" | "woff" | "woff2" => "public, max-age=604800",
        _ => "no-cache",
    }
}

/// Adds `Cache-Control` to the pages' files; the API's answers are left
/// as they are.
async fn static_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let path = req.path().to_string();
    let mut res = next.call(req).await?;
    let is_page = !["/api/", "/ws/", "/health", "/metrics"].iter().any(|p| path.starts_with(p));
    let ok = res.status().is_success() || res.status() == actix_web::http::StatusCode::NOT_MODIFIED;
    if is_page && ok && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control_for(&path)));
    }
    Ok(res)
}

fn server(
    listener: TcpListener,
    state: AppState,
    metrics: web::Data<Metrics>,
    keyring: db::keyring::Keyring,
) -> anyhow::Result<Server> {
    let metrics_here = state.settings.metrics_bind.is_none();
    let mut media_config = MediaConfig::from_env(&state.settings.bind, &state.settings.data_dir);
    media_config.recording_key = Some(state.settings.master_key.clone());
    media_config.node_id = state.settings.node.id.clone();
    media_config.turn = state.settings.node.turn.clone();
    media_config.media_ips = state.settings.node.media_ips.clone();
    let media = web::Data::new(Media::new(media_config)?);
    crate::video_sync::start_for(&media.clone().into_inner(), state.pool.clone())?;
    // The notices worker runs while this server does: it holds a weak
    // reference to a token the server's factory owns.
    let alive = std::sync::Arc::new(());
    crate::notices_worker::start(
        state.pool.clone(),
        state.settings.notices.clone(),
        state.settings.public_origin.clone(),
        std::sync::Arc::downgrade(&alive),
    )?;
    crate::checkpoints::start(
        state.pool.clone(),
        keyring.checkpoint_signing,
        crate::checkpoints::log_path(&state.settings.data_dir),
        std::sync::Arc::downgrade(&alive),
    )?;
    let web_dir = state.settings.web_dir.clone();
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let _alive = &alive;
        let mut app = App::new()
            .wrap(from_fn(static_cache))
            .wrap(security_headers())
            // gzip or brotli as the client accepts; a response carrying a
            // token opts out by naming its encoding (login, invites).
            .wrap(Compress::default())
            .wrap(from_fn(telemetry::observe))
            .app_data(data.clone())
            .app_data(metrics.clone())
            .app_data(media.clone())
            .app_data(web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(error::json_error))
            .app_data(web::PayloadConfig::new(MAX_JSON_BYTES))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .service(
                web::resource("/health")
                    .route(web::get().to(telemetry::health))
                    .default_service(web::to(crate::api::only_get)),
            )
            .configure(|cfg| {
                if metrics_here {
                    cfg.service(
                        web::resource("/metrics")
                            .route(web::get().to(telemetry::metrics))
                            .default_service(web::to(crate::api::only_get)),
                    );
                }
            })
            .configure(crate::api::video::ws_routes)
            .configure(crate::api::routes);
        if web_dir.is_dir() {
            app = app.service(actix_files::Files::new("/", web_dir.clone()).index_file("index.html"));
        }
        app
    })
    // A compressed answer goes out in chunks; with Nagle's algorithm on, the
    // last small one waited for the client's delayed ACK: 40 ms on every
    // gzip or brotli docket.
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_node_id_is_refused_on_a_shared_postgres_only() {
        let others = vec!["node-b".to_string()];
        assert!(node_id_refused(true, "local", &others).is_some());
        assert!(node_id_refused(true, "local", &[]).is_none(), "the first node may keep the default");
        assert!(node_id_refused(true, "node-a", &others).is_none());
        assert!(node_id_refused(false, "local", &others).is_none(), "SQLite is one node's");
    }

    #[test]
    fn a_node_bound_to_a_wildcard_has_no_public_address_unless_told() {
        let any: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap_or_else(|_| unreachable!());
        let one: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(public_url(None, any), None);
        assert_eq!(public_url(None, one).as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(public_url(Some("https://a.example.org"), any).as_deref(), Some("https://a.example.org"));
    }
}
