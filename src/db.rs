//! The store (crate `amaan-store`), and the one bridge from the async HTTP
//! workers to its blocking diesel calls.

pub use amaan_store::*;

use crate::error::AppError;

/// Runs blocking diesel work on actix's blocking pool so that a query never
/// stalls an async worker.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// The store's write transaction (the audit head taken first), refusing
/// with the HTTP edge's error: a use case may refuse by a rule inside it.
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    amaan_store::write_tx(conn, f)
}

/// A write of one court's (a booking, an outcome, an adjournment, a step of
/// the case's course): on PostgreSQL it waits only for writers of the same
/// court's building and for `write_tx`; see the store's `locks`.
pub fn court_tx<T, F>(conn: &mut DbConn, scope: Scope, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    amaan_store::court_tx(conn, scope, f)
}

/// A background worker's write, which takes no head lock on PostgreSQL.
pub fn background_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    amaan_store::background_tx(conn, f)
}

/// `run` for work that is only store calls: fails in the store's words,
/// which leave as the edge's.
pub async fn query<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |c| f(c).map_err(AppError::from)).await
}
