//! The JSON API: one module per resource, thin handlers that extract,
//! authorise, call the domain and the store, and map the result.

pub mod adjournments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod courts;
pub mod docket;
pub mod hearings;
pub mod input;
pub mod outcomes;
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
            .configure(auth::routes)
            .configure(courts::routes)
            .configure(docket::routes)
            .configure(users::routes)
            .configure(cases::routes)
            // before hearings: `/hearings/slots` is not `/hearings/{id}`
            .configure(schedule::routes)
            .configure(hearings::routes)
            .configure(audit::routes)
            .configure(calendar::routes)
            .configure(adjournments::routes)
            .configure(outcomes::routes)
            .configure(video::routes)
            // before the console: an invite's `/video-sessions/{id}/recordings?token=`
            .configure(recordings::routes)
            .configure(session_console::routes)
            .default_service(web::route().to(not_found)),
    );
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::not_found("route"))
}
