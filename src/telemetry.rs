//! Logs and metrics: a span per request (method, route, status, latency,
//! user id — never a body, so never a child's name) and Prometheus counters.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use tracing::Instrument;

pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("AMAAN_LOG").unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    // Colour only for a person at a terminal: a log file or a pipe gets
    // plain text that grep and a log shipper can read.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(colour).try_init();
}

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// The forwarder's own counters, read at each scrape.
    video: IntGaugeVec,
    /// Each connected participant's link (`crates/media/src/health.rs`).
    link: GaugeVec,
    /// Dockets sent again and written afresh (`app::docket_cache`).
    dockets: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("amaan_http_requests_total", "HTTP requests by method, route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("amaan_http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route"],
        )?;
        let video = IntGaugeVec::new(
            Opts::new(
                "amaan_video_forwarder",
                "This node's forwarder: peers and published tracks now; packets in, forwarded and dropped as too late since start",
            ),
            &["what"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        // Participants by session, id and role: never a name.
        let link = GaugeVec::new(
            Opts::new(
                "amaan_video_link",
                "Each connected participant's link from its RTCP receiver reports: loss_percent, jitter_ms, rtt_ms, \
                 quality (0 good, 1 poor, 2 bad; thresholds in the README), video_shed (1 while audio first \
                 holds its video back) and video_sheds (times it did)",
            ),
            &["session", "participant", "role", "measure"],
        )?;
        let dockets = IntGaugeVec::new(
            Opts::new(
                "amaan_docket_answers",
                "Dockets this node sent since start: kept (sent again, nothing on them changed) and written",
            ),
            &["answer"],
        )?;
        registry.register(Box::new(video.clone()))?;
        registry.register(Box::new(link.clone()))?;
        registry.register(Box::new(dockets.clone()))?;
        Ok(Metrics { registry, requests, latency, video, link, dockets })
    }
}

/// Middleware: one span and one metrics sample per request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    // The route pattern (`/api/cases/{id}`), not the path, so ids and query
    // strings never become label values.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", %method, %route, status = tracing::field::Empty, latency_ms = tracing::field::Empty, user_id = tracing::field::Empty);
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    span.record("status", status);
    span.record("latency_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| tracing::info!("handled"));
    if let Some(m) = metrics {
        m.requests.with_label_values(&[&method, &route, &status.to_string()]).inc();
        m.latency.with_label_values(&[&method, &route]).observe(elapsed.as_secs_f64());
    }
    result
}

/// Prometheus text. With `metrics_token` set, only for `Authorization:
/// Bearer <token>`.
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<crate::state::AppState>,
    m: web::Data<Metrics>,
    media: Option<web::Data<crate::media::Media>>,
) -> HttpResponse {
    if let Some(token) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::as_bytes);
        let ok = given.is_some_and(|g| {
            use sha2::Digest;
            // Compared as digests: equal length, no early exit on the bytes.
            sha2::Sha256::digest(g) == sha2::Sha256::digest(token.expose())
        });
        if !ok {
            return HttpResponse::Unauthorized().insert_header(("WWW-Authenticate", "Bearer")).finish();
        }
    }
    let (kept, written) = state.docket_cache.counts();
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    m.dockets.with_label_values(&["kept"]).set(as_i64(kept));
    m.dockets.with_label_values(&["written"]).set(as_i64(written));
    if let Some(media) = media {
        let f = media.forwarder.stats();
        for (what, value) in [
            ("peers", as_i64(f.peers as u64)),
            ("published_tracks", as_i64(f.published_tracks as u64)),
            ("packets_in", as_i64(f.packets_in)),
            ("packets_forwarded", as_i64(f.packets_forwarded)),
            ("packets_late", as_i64(f.packets_late)),
        ] {
            m.video.with_label_values(&[what]).set(value);
        }
        // Only who is connected now: a participant who left drops out.
        m.link.reset();
        for h in media.forwarder.health() {
            let (session, participant) = (h.session_id.to_string(), h.participant_id.to_string());
            let quality = match crate::domain::video::link_quality(&h.measure) {
                crate::domain::video::LinkQuality::Good => 0.0,
                crate::domain::video::LinkQuality::Poor => 1.0,
                crate::domain::video::LinkQuality::Bad => 2.0,
            };
            let mut measures = vec![
                ("loss_percent", h.measure.loss_percent),
                ("jitter_ms", h.measure.jitter_ms),
                ("quality", quality),
                ("video_shed", if h.video_shed { 1.0 } else { 0.0 }),
                ("video_sheds", h.video_sheds as f64),
            ];
            measures.extend(h.measure.rtt_ms.map(|rtt| ("rtt_ms", rtt)));
            for (measure, value) in measures {
                m.link
                    .with_label_values(&[session.as_str(), participant.as_str(), h.role.as_str(), measure])
                    .set(value);
            }
        }
    }
    let mut buf = Vec::new();
    let encoder = TextEncoder::new();
    if encoder.encode(&m.registry.gather(), &mut buf).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().content_type(encoder.format_type()).body(buf)
}

pub async fn health(state: web::Data<crate::state::AppState>) -> HttpResponse {
    let ok = crate::db::run(&state.pool, |c| {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT 1").execute(c).map_err(crate::error::AppError::from)
    })
    .await
    .is_ok();
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "degraded", "database": "unreachable"}))
    }
}
