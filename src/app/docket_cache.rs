//! Dockets this node has written, kept to be sent again while nothing on
//! them has changed. A judge's page and the clerk's are read far more often
//! than the court's hearings change, and a busy week takes milliseconds to
//! weigh and write.
//!
//! An answer is kept with the court's docket version it was written at
//! (`db::docket::court_version`, raised by the commit of every write to a
//! line of the court's docket), and sent again only while the court's
//! version, read from the database on each request, is still that one. The
//! version is read before the lines, so a kept answer is never older than
//! its version; a write committed in between makes the answer newer than
//! its version, and the next reader, seeing the raised version, writes it
//! afresh. Every node reads the same version, so no node can send a list
//! another node's write has changed. What else shapes an answer (the
//! court's profile and time zone, the court's today, whether names are
//! opened) is part of the key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_web::web::Bytes;
use chrono::NaiveDate;
use serde::Serialize;

/// What one docket answer depends on besides the lines; all but `names`
/// head the answer itself, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DocketKey {
    pub judge_id: i64,
    pub court_id: i64,
    pub rule_profile: String,
    pub time_zone: String,
    /// The court's today: clocks count their days from it.
    pub today: NaiveDate,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Whether the children's names are opened (the reader's role).
    #[serde(skip)]
    pub names: bool,
}

struct Kept {
    version: i64,
    body: Bytes,
    /// When it was last sent, in the cache's own count: the least recently
    /// sent goes first when the cache is full.
    used: u64,
}

struct Shelf {
    entries: HashMap<DocketKey, Kept>,
    /// The bytes of every kept answer.
    bytes: usize,
    clock: u64,
}

impl Shelf {
    fn remove(&mut self, key: &DocketKey) {
        if let Some(gone) = self.entries.remove(key) {
            self.bytes -= gone.body.len();
        }
    }

    fn remove_least_recently_sent(&mut self) {
        let oldest = self.entries.iter().min_by_key(|(_, k)| k.used).map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            self.remove(&oldest);
        }
    }
}

/// The bytes a node keeps at most: a busy court's two-month docket is
/// megabytes, and 64 of them must not take a node's memory.
pub const DEFAULT_MAX_BYTES: usize = 64 << 20;

/// At most `capacity` answers and `max_bytes` bytes; none at all when
/// `capacity` is 0. An answer larger than a quarter of `max_bytes` is not
/// kept, so that one judge's long range does not push out a court's weeks.
pub struct DocketCache {
    capacity: usize,
    max_bytes: usize,
    shelf: Mutex<Shelf>,
    /// Answers sent again, and written, since start (for `/metrics`).
    kept: AtomicU64,
    written: AtomicU64,
}

impl DocketCache {
    pub fn new(capacity: usize) -> DocketCache {
        DocketCache::with_budget(capacity, DEFAULT_MAX_BYTES)
    }

    pub fn with_budget(capacity: usize, max_bytes: usize) -> DocketCache {
        DocketCache {
            capacity,
            max_bytes,
            shelf: Mutex::new(Shelf { entries: HashMap::new(), bytes: 0, clock: 0 }),
            kept: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    pub fn is_on(&self) -> bool {
        self.capacity > 0
    }

    fn shelf(&self) -> std::sync::MutexGuard<'_, Shelf> {
        // A panic while holding the lock leaves nothing half written: every
        // change below is one map operation.
        self.shelf.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer kept for `key` if it was written at `version`.
    pub fn get(&self, key: &DocketKey, version: i64) -> Option<Bytes> {
        if !self.is_on() {
            return None;
        }
        let mut shelf = self.shelf();
        shelf.clock += 1;
        let now = shelf.clock;
        let kept = shelf.entries.get_mut(key).filter(|k| k.version == version)?;
        kept.used = now;
        self.kept.fetch_add(1, Ordering::Relaxed);
        Some(kept.body.clone())
    }

    /// Keeps `body`, written at `version`, for `key`, in place of any older
    /// answer; an answer written at an older version than the one kept
    /// (a slower reader) does not replace it.
    pub fn put(&self, key: DocketKey, version: i64, body: Bytes) {
        self.written.fetch_add(1, Ordering::Relaxed);
        if !self.is_on() {
            return;
        }
        let mut shelf = self.shelf();
        shelf.clock += 1;
        let now = shelf.clock;
        if shelf.entries.get(&key).is_some_and(|k| k.version > version) {
            return;
        }
        // The older answer goes whether or not this one is kept.
        shelf.remove(&key);
        if body.len() > self.max_bytes / 4 {
            return;
        }
        while !shelf.entries.is_empty()
            && (shelf.entries.len() >= self.capacity || shelf.bytes + body.len() > self.max_bytes)
        {
            shelf.remove_least_recently_sent();
        }
        shelf.bytes += body.len();
        shelf.entries.insert(key, Kept { version, body, used: now });
    }

    /// The bytes of the answers kept now.
    pub fn bytes(&self) -> usize {
        self.shelf().bytes
    }

    /// Answers sent again and answers written, since start.
    pub fn counts(&self) -> (u64, u64) {
        (self.kept.load(Ordering::Relaxed), self.written.load(Ordering::Relaxed))
    }

    pub fn len(&self) -> usize {
        self.shelf().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(judge_id: i64) -> DocketKey {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        DocketKey {
            judge_id,
            court_id: 1,
            rule_profile: "pk-punjab".into(),
            time_zone: "Asia/Karachi".into(),
            today: day,
            from: day,
            to: day,
            names: true,
        }
    }

    #[test]
    fn an_answer_is_sent_again_only_at_the_version_it_was_written_at() {
        let cache = DocketCache::new(4);
        cache.put(key(1), 7, Bytes::from_static(b"week"));
        assert_eq!(cache.get(&key(1), 7).as_deref(), Some(&b"week"[..]));
        assert_eq!(cache.get(&key(1), 8), None, "a write since: written afresh");
        assert_eq!(cache.get(&key(2), 7), None, "another judge");
        assert_eq!(cache.get(&DocketKey { names: false, ..key(1) }, 7), None, "names are part of the key");
        let tomorrow = key(1).today.succ_opt().unwrap_or_default();
        assert_eq!(cache.get(&DocketKey { today: tomorrow, ..key(1) }, 7), None, "clocks count from today");
    }

    #[test]
    fn a_slower_reader_does_not_put_back_an_older_answer() {
        let cache = DocketCache::new(4);
        cache.put(key(1), 9, Bytes::from_static(b"new"));
        cache.put(key(1), 8, Bytes::from_static(b"old"));
        assert_eq!(cache.get(&key(1), 9).as_deref(), Some(&b"new"[..]));
        cache.put(key(1), 10, Bytes::from_static(b"newer"));
        assert_eq!(cache.get(&key(1), 10).as_deref(), Some(&b"newer"[..]));
        assert_eq!(cache.len(), 1, "one answer per key");
    }

    #[test]
    fn the_least_recently_sent_answer_goes_when_full() {
        let cache = DocketCache::new(2);
        cache.put(key(1), 1, Bytes::from_static(b"one"));
        cache.put(key(2), 1, Bytes::from_static(b"two"));
        assert!(cache.get(&key(1), 1).is_some());
        cache.put(key(3), 1, Bytes::from_static(b"three"));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key(2), 1).is_none(), "judge 2's was sent least recently");
        assert!(cache.get(&key(1), 1).is_some() && cache.get(&key(3), 1).is_some());
        assert_eq!(cache.counts(), (3, 3), "sent again thrice, written thrice");
    }

    #[test]
    fn the_kept_answers_stay_within_their_bytes() {
        let cache = DocketCache::with_budget(10, 40);
        cache.put(key(1), 1, Bytes::from(vec![b'a'; 10]));
        cache.put(key(2), 1, Bytes::from(vec![b'b'; 10]));
        cache.put(key(3), 1, Bytes::from(vec![b'c'; 10]));
        assert!(cache.get(&key(1), 1).is_some());
        cache.put(key(4), 1, Bytes::from(vec![b'd'; 10]));
        cache.put(key(5), 1, Bytes::from(vec![b'e'; 10]));
        assert_eq!((cache.len(), cache.bytes()), (4, 40));
        assert!(cache.get(&key(2), 1).is_none(), "judge 2's was sent least recently");
        assert!(cache.get(&key(1), 1).is_some());
        // Over a quarter of the budget: not kept, and the older answer of
        // that key is gone all the same.
        cache.put(key(1), 2, Bytes::from(vec![b'f'; 11]));
        assert!(cache.get(&key(1), 1).is_none() && cache.get(&key(1), 2).is_none());
        assert_eq!((cache.len(), cache.bytes()), (3, 30));
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let cache = DocketCache::new(0);
        cache.put(key(1), 1, Bytes::from_static(b"one"));
        assert!(cache.is_empty() && cache.get(&key(1), 1).is_none());
    }
}
