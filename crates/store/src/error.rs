//! The store's own error: what went wrong with the data, in the store's
//! words. The HTTP edge maps it to a problem; nothing here knows HTTP.

/// A failure of a query or a rule the store itself keeps (a record that is
/// not there, a unique name already taken, a database too busy to answer).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the database is busy: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound(what.into())
    }
    pub fn conflict(why: impl Into<String>) -> Self {
        StoreError::Conflict(why.into())
    }
    pub fn internal(why: impl Into<String>) -> Self {
        StoreError::Internal(why.into())
    }
}

/// diesel's `NotFound` is a missing record, in one place; a unique
/// violation is a conflict, a foreign key pointing nowhere a missing record,
/// a serialisation failure or SQLite's lock a busy database.
impl From<diesel::result::Error> for StoreError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => StoreError::NotFound("record".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(format!("already exists ({})", info.message()))
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                StoreError::NotFound("referenced record".into())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                StoreError::Unavailable(info.message().to_string())
            }
            Error::DatabaseError(_, ref info) if info.message().contains("database is locked") => {
                StoreError::Unavailable(info.message().to_string())
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Internal(format!("json: {err}"))
    }
}
