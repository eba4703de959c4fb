//! What every handler shares: the pool, the settings and the login limiter.
//! Nothing here may hold state another node would need (DESIGN: many
//! stateless nodes); the per-address login limiter is deliberately per node,
//! as a first brake in front of the per-account lockout, which lives in the
//! database and so holds across nodes.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::app::docket_cache::DocketCache;
use crate::config::Settings;
use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Dockets this node wrote, checked against the database's version on
    /// every read (nothing another node needs).
    pub docket_cache: Arc<DocketCache>,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings) -> AppState {
        let per_minute = NonZeroU32::new(settings.login_attempts_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute));
        let docket_cache = Arc::new(DocketCache::new(settings.docket_cache_entries));
        AppState { pool, settings, login_limiter: Arc::new(limiter), docket_cache }
    }
}
