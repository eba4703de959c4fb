//! What every handler shares: the pool and the settings. Nothing here may
//! hold state another node would need (see DESIGN: many stateless nodes).

use crate::config::Settings;
use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
}
