//! The JSON API: one module per resource, thin handlers that extract,
//! authorise, call the domain and the store, and map the result.

pub mod adjournments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod courts;
pub mod docket;
pub mod escalations;
pub mod feedback;
pub mod feeds;
pub mod hearings;
pub mod incidents;
pub mod input;
pub mod linked;
pub mod notices;
pub mod openapi;
pub mod outcomes;
pub mod oversight;
pub mod recordings;
pub mod schedule;
pub mod session_console;
pub mod users;
pub mod video;
pub mod views;

use actix_web::web;

/// Every `/api` route, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            // A response may carry a child's identity (a name, a date of
            // birth, a recording): no cache, shared or private, keeps it.
            .wrap(
                actix_web::middleware::DefaultHeaders::new().add((actix_web::http::header::CACHE_CONTROL, "no-store")),
            )
            .configure(openapi::routes_config)
            .configure(auth::routes)
            .configure(courts::routes)
            .configure(docket::routes)
            .configure(users::routes)
            .configure(cases::routes)
            .configure(linked::routes)
            // before hearings: `/hearings/slots` is not `/hearings/{id}`
            .configure(schedule::routes)
            .configure(hearings::routes)
            .configure(audit::routes)
            .configure(calendar::routes)
            .configure(adjournments::routes)
            .configure(outcomes::routes)
            .configure(incidents::routes)
            .configure(oversight::routes)
            .configure(escalations::routes)
            .configure(feedback::routes)
            .configure(video::routes)
            .configure(notices::routes)
            .configure(feeds::routes)
            // before the console: an invite's `/video-sessions/{id}/recordings?token=`
            .configure(recordings::routes)
            .configure(session_console::routes)
            .default_service(web::route().to(not_found)),
    );
}

/// No route matched: a 405 naming the methods the path does answer (from
/// the routes the OpenAPI document describes), else a 404.
async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let allowed = openapi::methods_of(req.path());
    if allowed.is_empty() {
        return Err(crate::error::AppError::not_found("route"));
    }
    Err(crate::error::AppError::MethodNotAllowed { method: req.method().to_string(), allowed: allowed.join(", ") })
}

/// For a resource that answers GET only (`/health`, `/metrics`).
pub async fn only_get(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::MethodNotAllowed { method: req.method().to_string(), allowed: "GET".into() })
}
