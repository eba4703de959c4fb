//! Which version of each hosted session this node's forwarder has applied.
//! The server's session sync compares a session row's version with it and
//! re-applies the policy when the row moved; the bookkeeping is here, with
//! the media it describes, and knows nothing of the database.

use std::collections::HashMap;

use amaan_domain::video::SessionState;
use tokio::sync::{Mutex, MutexGuard};

/// A session's version and state as last applied to the forwarder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    pub version: i64,
    pub state: SessionState,
}

/// The lock is held through a whole sync, so two changes are never applied
/// out of order (the handler and the poller may race).
#[derive(Debug, Default)]
pub struct Applied {
    seen: Mutex<HashMap<i64, Seen>>,
}

impl Applied {
    /// Called once a participant's peer exists: from now on this node hosts
    /// the session. The first registration wins; a later one would only
    /// repeat a version already applied or one the poller will catch up on.
    pub async fn register(&self, session_id: i64, seen: Seen) {
        self.seen.lock().await.entry(session_id).or_insert(seen);
    }

    /// The sessions this node hosts and the version applied to each.
    pub async fn known(&self) -> Vec<(i64, i64)> {
        self.seen.lock().await.iter().map(|(id, s)| (*id, s.version)).collect()
    }

    pub async fn forget_unless(&self, hosted: impl Fn(i64) -> bool) {
        self.seen.lock().await.retain(|id, _| hosted(*id));
    }

    pub async fn hosted(&self) -> usize {
        self.seen.lock().await.len()
    }

    /// Holds every session's entry for one sync.
    pub async fn lock(&self) -> MutexGuard<'_, HashMap<i64, Seen>> {
        self.seen.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_registration_of_a_session_wins() {
        let applied = Applied::default();
        applied.register(7, Seen { version: 3, state: SessionState::Live }).await;
        applied.register(7, Seen { version: 1, state: SessionState::Lobby }).await;
        assert_eq!(applied.known().await, vec![(7, 3)]);
        applied.forget_unless(|id| id != 7).await;
        assert_eq!(applied.hosted().await, 0);
    }
}
