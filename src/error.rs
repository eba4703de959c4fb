//! The one error type at the edge. Every failure leaves as
//! `application/problem+json` (RFC 9457) with a stable `type`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use http_api_problem::HttpApiProblem;

/// A refusal by a rule of the jurisdiction's profile.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct RuleRef {
    pub rule: String,
    pub section: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    MalformedBody(String),
    #[error("{detail}")]
    Invalid { field: Option<String>, detail: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The path exists, for these other methods.
    #[error("{method} is not allowed here; this path answers {allowed}")]
    MethodNotAllowed { method: String, allowed: String },
    #[error("{detail}")]
    RuleRefused { rule: RuleRef, detail: String },
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        AppError::Invalid { field: Some(field.to_string()), detail: detail.into() }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }
    pub fn forbidden(why: impl Into<String>) -> Self {
        AppError::Forbidden(why.into())
    }
    pub fn conflict(why: impl Into<String>) -> Self {
        AppError::Conflict(why.into())
    }
    pub fn internal(why: impl Into<String>) -> Self {
        AppError::Internal(why.into())
    }

    /// The stable machine-readable kind, used as the problem `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::MalformedBody(_) => "malformed-body",
            AppError::Invalid { .. } => "validation",
            AppError::BadRequest(_) => "bad-request",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::Conflict(_) => "conflict",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::RuleRefused { .. } => "rule-refused",
            AppError::TooManyRequests(_) => "too-many-requests",
            AppError::PayloadTooLarge => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::MalformedBody(_) => "The request body could not be read",
            AppError::Invalid { .. } => "A field is not valid",
            AppError::BadRequest(_) => "Bad request",
            AppError::Unauthenticated(_) => "Please sign in",
            AppError::Forbidden(_) => "Not allowed for your role or court",
            AppError::NotFound(_) => "Not found",
            AppError::Conflict(_) => "Conflicts with what is already recorded",
            AppError::MethodNotAllowed { .. } => "Method not allowed",
            AppError::RuleRefused { .. } => "Refused by a rule of the court's profile",
            AppError::TooManyRequests(_) => "Too many attempts",
            AppError::PayloadTooLarge => "The request body is too large",
            AppError::UnsupportedMediaType(_) => "Send JSON",
            AppError::Unavailable(_) => "Temporarily unavailable",
            AppError::Internal(_) => "Something went wrong on our side",
        }
    }
}

pub const PROBLEM_BASE: &str = "https://amaan.court/problems/";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::MalformedBody(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } | AppError::RuleRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            // Internals stay in the log, never in the response.
            AppError::Internal(why) => {
                tracing::error!(error = %why, "internal error");
                "The error was logged; please try again or tell the administrator.".to_string()
            }
            AppError::Unavailable(why) => {
                tracing::warn!(error = %why, "unavailable");
                "The database is busy; please try again.".to_string()
            }
            other => other.to_string(),
        };
        let mut problem = HttpApiProblem::new(
            http_api_problem::StatusCode::from_u16(status.as_u16())
                .unwrap_or(http_api_problem::StatusCode::INTERNAL_SERVER_ERROR),
        )
        .type_url(format!("{PROBLEM_BASE}{}", self.kind()))
        .title(self.title())
        .detail(detail);
        problem.set_value("code", &self.kind());
        match self {
            AppError::Invalid { field: Some(field), .. } => problem.set_value("field", field),
            AppError::RuleRefused { rule, .. } => {
                problem.set_value("rule", &rule.rule);
                problem.set_value("section", &rule.section);
            }
            _ => {}
        }
        let body = problem.json_bytes();
        let mut resp = HttpResponse::build(status);
        resp.content_type("application/problem+json");
        match self {
            AppError::Unauthenticated(_) => {
                resp.insert_header(("WWW-Authenticate", "Bearer"));
            }
            AppError::MethodNotAllowed { allowed, .. } => {
                resp.insert_header(("Allow", allowed.as_str()));
            }
            _ => {}
        }
        resp.body(body)
    }
}

/// diesel's `NotFound` becomes a 404 in one place, the store's mapping
/// (unique violations 409, a busy database 503, everything else a logged 500).
impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        amaan_store::StoreError::from(err).into()
    }
}

/// The store's words for what went wrong, as problems.
impl From<amaan_store::StoreError> for AppError {
    fn from(err: amaan_store::StoreError) -> Self {
        use amaan_store::StoreError as S;
        match err {
            S::NotFound(what) => AppError::NotFound(what),
            S::Conflict(why) => AppError::Conflict(why),
            S::Unavailable(why) => AppError::Unavailable(why),
            S::Internal(why) => AppError::Internal(why),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {err}"))
    }
}

/// Maps actix's body and query extractor failures to problems, so that a
/// bad body never reaches a handler.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let app = match err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => AppError::PayloadTooLarge,
        J::ContentType => AppError::UnsupportedMediaType("the body must be application/json".into()),
        J::Deserialize(e) => deserialize_error(&e),
        other => AppError::MalformedBody(other.to_string()),
    };
    app.into()
}

pub fn deserialize_error(e: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let msg = e.to_string();
            AppError::Invalid { field: field_of(&msg), detail: msg }
        }
        _ => AppError::MalformedBody(format!("malformed JSON: {e}")),
    }
}

/// serde names the offending field in its message (`unknown field `x``,
/// `missing field `x``); pull it out for the problem's `field`.
fn field_of(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("query string: {err}")).into()
}

pub fn path_error(err: actix_web::error::PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("path: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_is_taken_from_serde_message() {
        assert_eq!(field_of("unknown field `nmae`, expected one of"), Some("nmae".into()));
        assert_eq!(field_of("invalid type"), None);
    }
}
