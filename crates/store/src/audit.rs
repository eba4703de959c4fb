//! The hash-chained audit trail. Every write appends an event in the same
//! transaction as the change it records. Each court's events form a chain
//! of their own (and the events of no court the system's, chain 0), so a
//! court's trail is checked and kept on its own; each event holds the hash
//! of the one before it in its chain, and its own hash is an HMAC under a
//! key that only the master key unwraps, so that someone who can write to
//! the database cannot recompute the chain after changing it. The chains'
//! heads are signed into checkpoints outside the database
//! (`checkpoint.rs`), which catch a cut tail or a swapped database.

use chrono::{DurationRound, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::schema::{audit_chains, audit_events, audit_head};
use super::DbConn;
use crate::StoreError;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The chain of events that name no court.
pub const SYSTEM_CHAIN: i64 = 0;
/// Events written before chains were keyed and kept per court.
pub const LEGACY_CHAIN: i64 = -1;

/// The chain an event of this court belongs to.
pub fn chain_of(court_id: Option<i64>) -> i64 {
    if one_chain_for_benchmark() {
        return SYSTEM_CHAIN;
    }
    court_id.unwrap_or(SYSTEM_CHAIN)
}

/// Every event into one chain (the system's), as the trail was before
/// chains per court. Only the benchmark that measures what a chain per
/// court gains sets it (`amaan-bench bookings`); nothing in the server does.
static ONE_CHAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn use_one_chain_for_benchmark(on: bool) {
    ONE_CHAIN.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the benchmark asked for one chain: then every court's write is
/// also a `write_tx` (`locks::court_tx`), the layout as it was before.
pub fn one_chain_for_benchmark() -> bool {
    ONE_CHAIN.load(std::sync::atomic::Ordering::Relaxed)
}

/// Who did it. `id` is None for an anonymous actor (a failed login for an
/// unknown name, the command line).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub role: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor { id: None, role: "system".into() }
    }
    pub fn anonymous() -> Actor {
        Actor { id: None, role: "anonymous".into() }
    }
}

/// What happened. `before`/`after` are JSON snapshots that must already be
/// redacted: a child's name and date of birth never enter the trail.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub court_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

impl Change {
    pub fn new(action: &str, entity: &str, entity_id: impl ToString) -> Change {
        Change {
            action: action.into(),
            entity: entity.into(),
            entity_id: Some(entity_id.to_string()),
            ..Change::default()
        }
    }
    pub fn court(mut self, court_id: Option<i64>) -> Change {
        self.court_id = court_id;
        self
    }
    pub fn before<T: Serialize>(mut self, value: &T) -> Change {
        self.before = serde_json::to_value(value).ok();
        self
    }
    pub fn after<T: Serialize>(mut self, value: &T) -> Change {
        self.after = serde_json::to_value(value).ok();
        self
    }
    pub fn reason(mut self, reason: Option<String>) -> Change {
        self.reason = reason;
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub court_id: Option<i64>,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub chain_id: i64,
    /// The event's place in its chain, from 1.
    pub chain_seq: i64,
}

/// The keyed hash of an event: HMAC-SHA256 over a JSON array of every field
/// but the hash itself, so that no two different events share an encoding.
pub fn keyed_hash(key: &[u8; 32], e: &AuditEvent) -> String {
    let canonical = serde_json::json!([
        e.chain_id,
        e.chain_seq,
        e.seq,
        e.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        e.actor_id,
        e.actor_role,
        e.action,
        e.entity,
        e.entity_id,
        e.court_id,
        e.before_state,
        e.after_state,
        e.reason,
        e.prev_hash,
    ]);
    hex::encode(amaan_vault::hmac_sha256(key, canonical.to_string().as_bytes()))
}

/// The unkeyed hash of an event of the legacy chain, as it was written.
pub fn event_hash(e: &AuditEvent) -> String {
    let canonical = serde_json::json!([
        e.seq,
        e.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        e.actor_id,
        e.actor_role,
        e.action,
        e.entity,
        e.entity_id,
        e.court_id,
        e.before_state,
        e.after_state,
        e.reason,
        e.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The key of the chain's HMAC for this process, from the keyring. A
/// process-wide value rather than an argument of every `append` (written in
/// every use case): it is the same for every database opened under one
/// master key, because the keyring derives it from the master key when it
/// first makes it, and a rotation re-wraps it without changing it.
static CHAIN_KEY: std::sync::RwLock<Option<[u8; 32]>> = std::sync::RwLock::new(None);

pub fn use_chain_key(key: &amaan_vault::DataKey) {
    let mut slot = CHAIN_KEY.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = Some(*key.expose());
}

/// Takes the chain's head row for writing; see `db::write_tx`. On
/// PostgreSQL the table is locked first, in a mode that conflicts with the
/// ROW SHARE of `locks::court_tx`'s head FOR SHARE: table locks queue
/// fairly, so a waiting `write_tx` holds off court writers that come after
/// it, where a row lock alone would let an unbroken run of court writers'
/// shared row locks starve it. Plain reads (ACCESS SHARE) pass.
pub fn lock_head(conn: &mut DbConn) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("LOCK TABLE audit_head IN EXCLUSIVE MODE").execute(pg)?;
    }
    let touched = diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(conn)?;
    if touched != 1 {
        return Err(StoreError::internal("audit head row is missing"));
    }
    Ok(())
}

fn chain_key() -> Result<[u8; 32], StoreError> {
    let slot = CHAIN_KEY.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    slot.ok_or_else(|| {
        StoreError::internal("the audit chain's key is not loaded: open the database with its master key")
    })
}

/// Appends one event to its court's chain, safe by itself however many
/// writers append at once: on PostgreSQL it takes its chain's row for
/// writing (made if missing) before reading the chain's head, and numbers
/// the event from a sequence; on SQLite the caller's write transaction is
/// the one writer. Call after the change, inside `write_tx`, `court_tx`
/// (which already holds the court's chain row) or `background_tx`.
pub fn append(conn: &mut DbConn, actor: &Actor, change: Change) -> Result<AuditEvent, StoreError> {
    let key = chain_key()?;
    let chain = chain_of(change.court_id);
    let (seq, chain_seq, prev_hash) = match conn {
        DbConn::Pg(pg) => next_place_pg(pg, chain)?,
        DbConn::Sqlite(_) => next_place_single_writer(conn, chain)?,
    };
    let at = Utc::now()
        .naive_utc()
        .duration_trunc(TimeDelta::microseconds(1))
        .map_err(|e| StoreError::internal(format!("clock: {e}")))?;
    let mut event = AuditEvent {
        seq,
        at,
        actor_id: actor.id,
        actor_role: actor.role.clone(),
        action: change.action,
        entity: change.entity,
        entity_id: change.entity_id,
        court_id: change.court_id,
        before_state: change.before.map(|v| v.to_string()),
        after_state: change.after.map(|v| v.to_string()),
        reason: change.reason,
        prev_hash,
        hash: String::new(),
        chain_id: chain,
        chain_seq,
    };
    event.hash = keyed_hash(&key, &event);
    diesel::insert_into(audit_events::table).values(&event).execute(conn)?;
    diesel::update(audit_chains::table.find(chain))
        .set((audit_chains::seq.eq(event.chain_seq), audit_chains::hash.eq(&event.hash)))
        .execute(conn)?;
    Ok(event)
}

#[derive(QueryableByName)]
struct ChainRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

#[derive(QueryableByName)]
struct NextSeq {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
}

/// Makes the chain's row if it has none, without failing or waiting on a
/// writer that made it first (ON CONFLICT DO NOTHING waits only for an
/// uncommitted insert of the same row, and then does nothing).
pub(crate) fn ensure_chains_pg(pg: &mut diesel::PgConnection, chains: &[i64]) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO audit_chains (chain_id, seq, hash) SELECT c, 0, $2 FROM unnest($1) AS c ORDER BY c \
         ON CONFLICT (chain_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(chains)
    .bind::<diesel::sql_types::Text, _>(GENESIS_HASH)
    .execute(pg)?;
    Ok(())
}

/// The event's (seq, chain_seq, prev_hash) on PostgreSQL: the chain's row
/// locked FOR UPDATE first (a no-op when `court_tx` holds it already), so
/// two appends to one chain cannot both read the same head; the global
/// `seq` from `audit_event_seq`, which never hands out one number twice.
fn next_place_pg(pg: &mut diesel::PgConnection, chain: i64) -> Result<(i64, i64, String), StoreError> {
    ensure_chains_pg(pg, &[chain])?;
    let head: ChainRow = diesel::sql_query("SELECT seq, hash FROM audit_chains WHERE chain_id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::BigInt, _>(chain)
        .get_result(pg)?;
    let next: NextSeq = diesel::sql_query("SELECT nextval('audit_event_seq') AS seq").get_result(pg)?;
    Ok((next.seq, head.seq + 1, head.hash))
}

/// The same on SQLite, where the caller's transaction holds the database's
/// one write lock: max(seq)+1 is safe and keeps `seq` without gaps.
fn next_place_single_writer(conn: &mut DbConn, chain: i64) -> Result<(i64, i64, String), StoreError> {
    let head =
        audit_chains::table.find(chain).select((audit_chains::seq, audit_chains::hash)).first(conn).optional()?;
    let (chain_seq, prev_hash): (i64, String) = match head {
        Some(head) => head,
        None => {
            diesel::insert_into(audit_chains::table)
                .values((
                    audit_chains::chain_id.eq(chain),
                    audit_chains::seq.eq(0),
                    audit_chains::hash.eq(GENESIS_HASH),
                ))
                .execute(conn)?;
            (0, GENESIS_HASH.to_string())
        }
    };
    let last: Option<i64> = audit_events::table.select(diesel::dsl::max(audit_events::seq)).first(conn)?;
    Ok((last.unwrap_or(0) + 1, chain_seq + 1, prev_hash))
}

/// A write that is only an audit event (a failed login, a verification).
pub fn record(conn: &mut DbConn, actor: &Actor, change: Change) -> Result<AuditEvent, StoreError> {
    super::write_tx(conn, |c| append(c, actor, change))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verification {
    pub intact: bool,
    /// How many events were checked.
    pub events: i64,
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
    /// The court whose events were checked; None for the whole chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court_id: Option<i64>,
}

impl Verification {
    fn intact(events: i64, court_id: Option<i64>) -> Verification {
        Verification { intact: true, events, first_bad_seq: None, problem: None, court_id }
    }

    fn broken(events: i64, seq: i64, problem: String, court_id: Option<i64>) -> Verification {
        Verification { intact: false, events, first_bad_seq: Some(seq), problem: Some(problem), court_id }
    }
}

/// The walk along one chain in order, one event at a time, so that a chain
/// is checked in batches and never held whole in memory. The legacy chain
/// is ordered by `seq` and hashed without a key; every other by its own
/// `chain_seq`, under the chain key.
struct Walk {
    chain: i64,
    key: Option<[u8; 32]>,
    prev: String,
    expected: i64,
    seen: i64,
    last_seq: i64,
}

impl Walk {
    fn new(chain: i64, key: Option<[u8; 32]>) -> Walk {
        Walk { chain, key, prev: GENESIS_HASH.to_string(), expected: 1, seen: 0, last_seq: 0 }
    }

    fn legacy(&self) -> bool {
        self.key.is_none()
    }

    fn position(&self, e: &AuditEvent) -> i64 {
        if self.legacy() {
            e.seq
        } else {
            e.chain_seq
        }
    }

    fn name(&self) -> String {
        match self.chain {
            LEGACY_CHAIN => "the chain".into(),
            SYSTEM_CHAIN => "the system's chain".into(),
            court => format!("court {court}'s chain"),
        }
    }

    /// The first event that does not fit, as (seq, problem).
    fn step(&mut self, e: &AuditEvent) -> Result<(), (i64, String)> {
        self.seen += 1;
        let position = self.position(e);
        let hash = match &self.key {
            Some(key) => keyed_hash(key, e),
            None => event_hash(e),
        };
        let problem = if position != self.expected {
            Some(if self.legacy() {
                (self.expected, format!("event {} is missing", self.expected))
            } else {
                (
                    e.seq,
                    format!(
                        "{} is missing its event #{} (the next one there is event {}, #{position})",
                        self.name(),
                        self.expected,
                        e.seq
                    ),
                )
            })
        } else if e.prev_hash != self.prev {
            Some((e.seq, format!("event {} does not point at the hash of the event before it", e.seq)))
        } else if hash != e.hash {
            Some((e.seq, format!("event {} was altered after it was written", e.seq)))
        } else {
            None
        };
        if let Some(found) = problem {
            return Err(found);
        }
        self.prev = e.hash.clone();
        self.expected += 1;
        self.last_seq = e.seq;
        Ok(())
    }

    fn finish(&self, head: (i64, &str)) -> Result<(), (i64, String)> {
        let (head_seq, head_hash) = head;
        if head_seq != self.expected - 1 || head_hash != self.prev {
            let at = if self.legacy() { self.expected } else { self.last_seq + 1 };
            return Err((
                at,
                format!(
                    "{} is missing its last events: it ends at event #{} but its head says #{head_seq}",
                    self.name(),
                    self.expected - 1
                ),
            ));
        }
        Ok(())
    }
}

/// Walks a legacy (unkeyed) chain in order and names the first event that
/// does not fit.
pub fn verify_events(events: &[AuditEvent], head: (i64, &str)) -> Verification {
    let mut walk = Walk::new(LEGACY_CHAIN, None);
    let n = events.len() as i64;
    for e in events {
        if let Err((seq, problem)) = walk.step(e) {
            return Verification::broken(n, seq, problem, None);
        }
    }
    match walk.finish(head) {
        Ok(()) => Verification::intact(n, None),
        Err((seq, problem)) => Verification::broken(n, seq, problem, None),
    }
}

/// Events read per query while verifying.
const VERIFY_BATCH: i64 = 2_000;

/// The head of one chain: its last event's place and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChainHead {
    pub chain: i64,
    pub seq: i64,
    pub hash: String,
}

/// Every chain's head, the legacy chain's first.
pub fn heads(conn: &mut DbConn) -> Result<Vec<ChainHead>, StoreError> {
    let (seq, hash): (i64, String) =
        audit_head::table.filter(audit_head::id.eq(1)).select((audit_head::seq, audit_head::hash)).first(conn)?;
    let mut out = vec![ChainHead { chain: LEGACY_CHAIN, seq, hash }];
    let rows: Vec<(i64, i64, String)> = audit_chains::table
        .order(audit_chains::chain_id.asc())
        .select((audit_chains::chain_id, audit_chains::seq, audit_chains::hash))
        .load(conn)?;
    out.extend(rows.into_iter().map(|(chain, seq, hash)| ChainHead { chain, seq, hash }));
    Ok(out)
}

fn head_of(conn: &mut DbConn, chain: i64) -> Result<(i64, String), StoreError> {
    if chain == LEGACY_CHAIN {
        return Ok(audit_head::table
            .filter(audit_head::id.eq(1))
            .select((audit_head::seq, audit_head::hash))
            .first(conn)?);
    }
    Ok(audit_chains::table
        .find(chain)
        .select((audit_chains::seq, audit_chains::hash))
        .first(conn)
        .optional()?
        .unwrap_or((0, GENESIS_HASH.to_string())))
}

/// One chain, walked in batches of `VERIFY_BATCH` events: time in
/// proportion to the chain, memory to one batch.
pub fn verify_chain(conn: &mut DbConn, chain: i64) -> Result<Verification, StoreError> {
    let key = if chain == LEGACY_CHAIN { None } else { Some(chain_key()?) };
    let court = if chain > SYSTEM_CHAIN { Some(chain) } else { None };
    let (head_seq, head_hash) = head_of(conn, chain)?;
    let mut walk = Walk::new(chain, key);
    let mut after = 0;
    loop {
        let query = audit_events::table.filter(audit_events::chain_id.eq(chain)).select(AuditEvent::as_select());
        let batch: Vec<AuditEvent> = if chain == LEGACY_CHAIN {
            query.filter(audit_events::seq.gt(after)).order(audit_events::seq.asc()).limit(VERIFY_BATCH).load(conn)?
        } else {
            query
                .filter(audit_events::chain_seq.gt(after))
                .order(audit_events::chain_seq.asc())
                .limit(VERIFY_BATCH)
                .load(conn)?
        };
        for e in &batch {
            if let Err((seq, problem)) = walk.step(e) {
                return Ok(Verification::broken(walk.seen, seq, problem, court));
            }
        }
        match batch.last() {
            Some(last) => after = walk.position(last),
            None => break,
        }
    }
    Ok(match walk.finish((head_seq, &head_hash)) {
        Ok(()) => Verification::intact(walk.seen, court),
        Err((seq, problem)) => Verification::broken(walk.seen, seq, problem, court),
    })
}

/// Runs `f` on one snapshot of the database: a chain's head is read before
/// its events, and writers of other courts (and a court's own, between
/// batches) append as the walk goes, so without one an event committed
/// after the head was read would read as a head gone missing. Not for a
/// caller already inside a transaction.
fn in_snapshot<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, StoreError>) -> Result<T, StoreError> {
    conn.transaction(|c| {
        if let DbConn::Pg(pg) = c {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(pg)?;
        }
        f(c)
    })
}

/// Every chain a head or an event names: the legacy chain, the system's and
/// each court's. The first broken one is reported.
pub fn verify(conn: &mut DbConn) -> Result<Verification, StoreError> {
    in_snapshot(conn, verify_all)
}

fn verify_all(conn: &mut DbConn) -> Result<Verification, StoreError> {
    let mut chains: Vec<i64> = heads(conn)?.into_iter().map(|h| h.chain).collect();
    let named: Vec<i64> = audit_events::table.select(audit_events::chain_id).distinct().load(conn)?;
    chains.extend(named);
    chains.sort_unstable();
    chains.dedup();
    let mut events = 0;
    for chain in chains {
        let v = verify_chain(conn, chain)?;
        events += v.events;
        if !v.intact {
            return Ok(Verification { events, court_id: None, ..v });
        }
    }
    Ok(Verification::intact(events, None))
}

/// One court's chain: its events alone, every one of them, and nothing of
/// any other court's.
pub fn verify_court(conn: &mut DbConn, court_id: i64) -> Result<Verification, StoreError> {
    let v = in_snapshot(conn, |c| verify_chain(c, court_id))?;
    Ok(Verification { court_id: Some(court_id), ..v })
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub court_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &AuditFilter) -> Result<(Vec<AuditEvent>, i64), StoreError> {
    macro_rules! filtered {
        () => {{
            let mut q = audit_events::table.into_boxed();
            if let Some(entity) = &f.entity {
                q = q.filter(audit_events::entity.eq(entity.clone()));
            }
            if let Some(id) = &f.entity_id {
                q = q.filter(audit_events::entity_id.eq(id.clone()));
            }
            if let Some(court) = f.court_id {
                q = q.filter(audit_events::court_id.eq(court));
            }
            if let Some(from) = f.from {
                q = q.filter(audit_events::at.ge(from));
            }
            if let Some(to) = f.to {
                q = q.filter(audit_events::at.lt(to));
            }
            q
        }};
    }
    let total: i64 = filtered!().count().get_result(conn)?;
    let rows = filtered!()
        .order(audit_events::seq.asc())
        .offset(f.offset)
        .limit(f.limit)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, prev: &str) -> AuditEvent {
        let mut e = AuditEvent {
            seq,
            at: chrono::DateTime::from_timestamp(1_700_000_000 + seq, 0).map(|t| t.naive_utc()).unwrap_or_default(),
            actor_id: Some(1),
            actor_role: "clerk".into(),
            action: "create".into(),
            entity: "case".into(),
            entity_id: Some(seq.to_string()),
            court_id: Some(1),
            before_state: None,
            after_state: Some("{\"number\":\"1/2026\"}".into()),
            reason: None,
            prev_hash: prev.into(),
            hash: String::new(),
            chain_id: LEGACY_CHAIN,
            chain_seq: seq,
        };
        e.hash = event_hash(&e);
        e
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map(|e| e.hash.clone()).unwrap_or_else(|| GENESIS_HASH.into());
            out.push(event(seq, &prev));
        }
        out
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let events = chain(5);
        let last = events[4].hash.clone();
        assert!(verify_events(&events, (5, &last)).intact);
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut events = chain(5);
        events[2].after_state = Some("{\"number\":\"forged\"}".into());
        let last = events[4].hash.clone();
        let v = verify_events(&events, (5, &last));
        assert!(!v.intact);
        assert_eq!(v.first_bad_seq, Some(3));
    }

    #[test]
    fn a_deleted_event_is_named() {
        let mut events = chain(5);
        events.remove(1);
        let last = events[3].hash.clone();
        let v = verify_events(&events, (5, &last));
        assert_eq!(v.first_bad_seq, Some(2));
    }

    #[test]
    fn a_truncated_tail_is_caught_by_the_head() {
        let events = chain(5);
        let head = events[4].hash.clone();
        let v = verify_events(&events[..4], (5, &head));
        assert!(!v.intact);
        assert_eq!(v.first_bad_seq, Some(5));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any single change to any stored field of any event is caught,
        /// and the verifier never panics.
        #[test]
        fn any_tampering_is_named(n in 1i64..20, victim in 0usize..20, field in 0u8..6, text in ".{0,12}") {
            let mut events: Vec<AuditEvent> = Vec::new();
            for seq in 1..=n {
                let prev = events.last().map(|e| e.hash.clone()).unwrap_or_else(|| GENESIS_HASH.into());
                let mut e = AuditEvent {
                    seq, at: chrono::DateTime::from_timestamp(1_700_000_000 + seq, 0).map(|t| t.naive_utc()).unwrap_or_default(),
                    actor_id: Some(seq), actor_role: "clerk".into(), action: "create".into(), entity: "case".into(),
                    entity_id: Some(seq.to_string()), court_id: Some(1), before_state: None, after_state: Some("{}".into()),
                    reason: None, prev_hash: prev, hash: String::new(), chain_id: LEGACY_CHAIN, chain_seq: seq,
                };
                e.hash = event_hash(&e);
                events.push(e);
            }
            let head = events.last().map(|e| e.hash.clone()).unwrap_or_default();
            let i = victim % events.len();
            let e = &mut events[i];
            let before = e.clone();
            match field {
                0 => e.actor_role = format!("{}{text}x", e.actor_role),
                1 => e.action = format!("{text}!"),
                2 => e.actor_id = e.actor_id.map(|a| a + 1),
                3 => e.after_state = Some(format!("{{\"x\":{:?}}}", text)),
                4 => e.reason = Some(text.clone()),
                _ => e.court_id = Some(2),
            }
            prop_assume!(*e != before);
            let v = verify_events(&events, (n, &head));
            prop_assert!(!v.intact);
            prop_assert_eq!(v.first_bad_seq, Some(i as i64 + 1));
        }
    }
}
