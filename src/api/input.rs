//! Parsing what clients send: text limits, pages, times. Parse, don't
//! validate: a handler gets values that are already right.

use chrono::{DateTime, FixedOffset, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const MAX_PER_PAGE: i64 = 100;
pub const DEFAULT_PER_PAGE: i64 = 50;

/// Trimmed, non-empty, bounded text without control characters.
pub fn text(field: &str, value: &str, max_chars: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, format!("`{field}` must not be empty")));
    }
    if v.chars().count() > max_chars {
        return Err(AppError::invalid(field, format!("`{field}` may have at most {max_chars} characters")));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(AppError::invalid(field, format!("`{field}` must not contain control characters")));
    }
    Ok(v.to_string())
}

/// A name or an identifier (a case number, a person's or a room's name):
/// `text`, and no bidirectional controls, which could make a printed list
/// read in another order than it was typed.
pub fn name(field: &str, value: &str, max_chars: usize) -> Result<String, AppError> {
    let v = text(field, value, max_chars)?;
    if let Some(c) = crate::domain::privacy::bidi_control(&v) {
        return Err(AppError::invalid(
            field,
            format!("`{field}` must not contain the direction control U+{:04X}; type it as it reads", u32::from(c)),
        ));
    }
    Ok(v)
}

pub fn time_of_day(field: &str, value: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(value, "%H:%M")
        .map_err(|_| AppError::invalid(field, format!("`{field}` must be a time like 09:30")))
}

/// An instant with an explicit offset, stored in UTC.
pub fn instant(field: &str, value: &str) -> Result<NaiveDateTime, AppError> {
    DateTime::<FixedOffset>::parse_from_rfc3339(value).map(|t| t.naive_utc()).map_err(|_| {
        AppError::invalid(
            field,
            format!("`{field}` must be an RFC 3339 time with an offset, like 2026-12-01T10:00:00+05:00"),
        )
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
    pub fn limit(&self) -> i64 {
        self.per_page
    }
}

impl PageQuery {
    pub fn parse(&self) -> Result<Page, AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::invalid("page", "`page` counts from 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::invalid("per_page", format!("`per_page` must be between 1 and {MAX_PER_PAGE}")));
        }
        Ok(Page { page, per_page })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Paged<T: Serialize> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T: Serialize> Paged<T> {
    pub fn new(items: Vec<T>, page: Page, total: i64) -> Self {
        Paged { items, page: page.page, per_page: page.per_page, total }
    }
}

/// A JSON body. Unlike `web::Json`, a wrong value names the field it was
/// found in (`cognizance_date`, `parties[0].role`), and every failure is a
/// problem response.
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        let bytes = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::UnsupportedMediaType("send the body as application/json".into()));
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::MalformedBody(format!("the body could not be read: {e}"))
                }
            })?;
            if bytes.is_empty() {
                return Err(AppError::MalformedBody("the body is empty; send a JSON object".into()));
            }
            let de = &mut serde_json::Deserializer::from_slice(&bytes);
            match serde_path_to_error::deserialize::<_, T>(&mut *de) {
                Ok(value) => {
                    // Anything after the value is a malformed body, not
                    // something to ignore.
                    de.end().map_err(|e| AppError::MalformedBody(format!("malformed JSON: {e}")))?;
                    Ok(Body(value))
                }
                Err(err) => {
                    let path = err.path().to_string();
                    let inner = err.into_inner();
                    match crate::error::deserialize_error(&inner) {
                        AppError::Invalid { field, detail } => {
                            let field = if path == "." || path.is_empty() { field } else { Some(path) };
                            Err(AppError::Invalid { field, detail })
                        }
                        other => Err(other),
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  Court 1 ", 10).ok(), Some("Court 1".into()));
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn names_refuse_direction_controls() {
        assert_eq!(name("number", "CSA-7/2026", 64).ok(), Some("CSA-7/2026".into()));
        assert_eq!(name("name", "زینب قمر", 64).ok(), Some("زینب قمر".into()));
        for bad in ["CSA-\u{202E}6202/7", "a\u{202A}b", "a\u{2069}b", "\u{2066}x"] {
            let err = name("number", bad, 64).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("U+20"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn pages_are_bounded() {
        assert!(PageQuery { page: Some(0), per_page: None }.parse().is_err());
        assert!(PageQuery { page: None, per_page: Some(101) }.parse().is_err());
        let p = PageQuery { page: Some(3), per_page: Some(20) }.parse().ok();
        assert_eq!(p.map(|p| p.offset()), Some(40));
    }

    #[test]
    fn instants_need_an_offset() {
        assert!(instant("starts_at", "2026-12-01T10:00:00+05:00").is_ok());
        assert!(instant("starts_at", "2026-12-01T10:00:00").is_err());
        assert!(instant("starts_at", "2026-02-30T10:00:00Z").is_err());
    }
}
