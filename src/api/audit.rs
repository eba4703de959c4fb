//! Reading and verifying the audit trail (administrators and judges).

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::input::{PageQuery, Paged};
use crate::auth::extract::AuditReaders;
use crate::auth::Authorized;
use crate::db::{self, audit::AuditFilter};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list)).route("/audit/verify", web::get().to(verify));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Court staff see their court's events; a system administrator sees all.
async fn list(
    state: web::Data<AppState>,
    user: Authorized<AuditReaders>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let page = PageQuery { page: q.page, per_page: q.per_page }.parse()?;
    let filter = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        court_id: user.court_scope(),
        from: q.from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        to: q.to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)),
        offset: page.offset(),
        limit: page.limit(),
    };
    if user.court_scope().is_none() && !user.is_system_admin() {
        return Err(AppError::forbidden("an account without a court cannot read the trail"));
    }
    let (rows, total) = db::query(&state.pool, move |c| db::audit::list(c, &filter)).await?;
    Ok(HttpResponse::Ok().json(Paged::new(rows, page, total)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    /// A system administrator may check one court; court staff always
    /// check their own.
    court_id: Option<i64>,
}

/// Court staff verify their own court's events; a system administrator the
/// whole chain (or one court's). The cost follows what is checked.
async fn verify(
    state: web::Data<AppState>,
    user: Authorized<AuditReaders>,
    q: web::Query<VerifyQuery>,
) -> Result<HttpResponse, AppError> {
    let court = match (user.court_scope(), q.court_id) {
        (Some(own), None) => Some(own),
        (Some(_), Some(other)) => {
            user.ensure_court(other)?;
            Some(other)
        }
        (None, asked) if user.is_system_admin() => asked,
        (None, _) => return Err(AppError::forbidden("an account without a court cannot verify the trail")),
    };
    let report = db::query(&state.pool, move |c| match court {
        Some(court_id) => db::audit::verify_court(c, court_id),
        None => db::audit::verify(c),
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
