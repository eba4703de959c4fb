//! The hash-chained audit trail. Every write appends an event in the same
//! transaction as the change it records; each event holds the SHA-256 of
//! the one before, so an edited or deleted row breaks the chain.

use chrono::{DurationRound, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::schema::{audit_events, audit_head};
use super::DbConn;
use crate::StoreError;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
}

/// The hash of an event: SHA-256 over a JSON array of every field but the
/// hash itself, so that no two different events share an encoding.
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

/// Takes the chain's head row for writing; see `db::write_tx`.
pub fn lock_head(conn: &mut DbConn) -> Result<(), StoreError> {
    let touched = diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(conn)?;
    if touched != 1 {
        return Err(StoreError::internal("audit head row is missing"));
    }
    Ok(())
}

/// Appends one event. Call inside `db::write_tx`, after the change.
pub fn append(conn: &mut DbConn, actor: &Actor, change: Change) -> Result<AuditEvent, StoreError> {
    let (seq, prev_hash): (i64, String) =
        audit_head::table.filter(audit_head::id.eq(1)).select((audit_head::seq, audit_head::hash)).first(conn)?;
    let at = Utc::now()
        .naive_utc()
        .duration_trunc(TimeDelta::microseconds(1))
        .map_err(|e| StoreError::internal(format!("clock: {e}")))?;
    let mut event = AuditEvent {
        seq: seq + 1,
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
    };
    event.hash = event_hash(&event);
    diesel::insert_into(audit_events::table).values(&event).execute(conn)?;
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set((audit_head::seq.eq(event.seq), audit_head::hash.eq(&event.hash)))
        .execute(conn)?;
    Ok(event)
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

/// The walk along the chain in order, one event at a time, so that the
/// chain is checked in batches and never held whole in memory.
struct Walk {
    prev: String,
    expected_seq: i64,
    seen: i64,
}

impl Walk {
    fn new() -> Walk {
        Walk { prev: GENESIS_HASH.to_string(), expected_seq: 1, seen: 0 }
    }

    /// The first event that does not fit, as (seq, problem).
    fn step(&mut self, e: &AuditEvent) -> Result<(), (i64, String)> {
        self.seen += 1;
        let problem = if e.seq != self.expected_seq {
            Some(format!("event {} is missing", self.expected_seq))
        } else if e.prev_hash != self.prev {
            Some(format!("event {} does not point at the hash of the event before it", e.seq))
        } else if event_hash(e) != e.hash {
            Some(format!("event {} was altered after it was written", e.seq))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err((e.seq.min(self.expected_seq), problem));
        }
        self.prev = e.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    fn finish(&self, head: (i64, &str)) -> Result<(), (i64, String)> {
        let (head_seq, head_hash) = head;
        if head_seq != self.expected_seq - 1 || head_hash != self.prev {
            return Err((
                self.expected_seq,
                format!("the chain ends at event {} but the head says {head_seq}", self.expected_seq - 1),
            ));
        }
        Ok(())
    }
}

/// Walks the chain in order and names the first event that does not fit.
pub fn verify_events(events: &[AuditEvent], head: (i64, &str)) -> Verification {
    let mut walk = Walk::new();
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

fn head(conn: &mut DbConn) -> Result<(i64, String), StoreError> {
    Ok(audit_head::table.filter(audit_head::id.eq(1)).select((audit_head::seq, audit_head::hash)).first(conn)?)
}

/// The whole chain, walked in batches of `VERIFY_BATCH` events: time in
/// proportion to the trail, memory to one batch.
pub fn verify(conn: &mut DbConn) -> Result<Verification, StoreError> {
    let (head_seq, head_hash) = head(conn)?;
    let mut walk = Walk::new();
    let mut after = 0;
    loop {
        let batch: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::seq.gt(after))
            .order(audit_events::seq.asc())
            .limit(VERIFY_BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        for e in &batch {
            if let Err((seq, problem)) = walk.step(e) {
                return Ok(Verification::broken(walk.seen, seq, problem, None));
            }
        }
        match batch.last() {
            Some(last) => after = last.seq,
            None => break,
        }
    }
    Ok(match walk.finish((head_seq, &head_hash)) {
        Ok(()) => Verification::intact(walk.seen, None),
        Err((seq, problem)) => Verification::broken(walk.seen, seq, problem, None),
    })
}

/// One court's events, in batches: each is unaltered and sits in the chain
/// where it was written (its link back to the event before it, whichever
/// court that event is of, and the next event's link to it). Time in
/// proportion to the court's events, not the trail's. An event of another
/// court deleted between two of this court's is the system administrator's
/// whole-chain check to find.
pub fn verify_court(conn: &mut DbConn, court_id: i64) -> Result<Verification, StoreError> {
    let (head_seq, head_hash) = head(conn)?;
    let court = Some(court_id);
    let mut seen = 0;
    let mut after = 0;
    loop {
        let batch: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::court_id.eq(court_id))
            .filter(audit_events::seq.gt(after))
            .order(audit_events::seq.asc())
            .limit(VERIFY_BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let neighbours: Vec<i64> = batch.iter().flat_map(|e| [e.seq - 1, e.seq + 1]).collect();
        let mut links: std::collections::HashMap<i64, (String, String)> = std::collections::HashMap::new();
        for chunk in neighbours.chunks(1_000) {
            let rows: Vec<(i64, String, String)> = audit_events::table
                .filter(audit_events::seq.eq_any(chunk))
                .select((audit_events::seq, audit_events::prev_hash, audit_events::hash))
                .load(conn)?;
            for (seq, prev, hash) in rows {
                links.insert(seq, (prev, hash));
            }
        }
        for e in &batch {
            seen += 1;
            let before = if e.seq == 1 {
                Some(GENESIS_HASH.to_string())
            } else {
                links.get(&(e.seq - 1)).map(|(_, hash)| hash.clone())
            };
            let problem = match before {
                None => Some((e.seq - 1, format!("event {} is missing", e.seq - 1))),
                Some(h) if h != e.prev_hash => {
                    Some((e.seq, format!("event {} does not point at the hash of the event before it", e.seq)))
                }
                Some(_) if event_hash(e) != e.hash => {
                    Some((e.seq, format!("event {} was altered after it was written", e.seq)))
                }
                Some(_) if e.seq == head_seq && head_hash != e.hash => {
                    Some((e.seq, format!("event {} is not the one the head names", e.seq)))
                }
                Some(_) if e.seq < head_seq => match links.get(&(e.seq + 1)) {
                    None => Some((e.seq + 1, format!("event {} is missing", e.seq + 1))),
                    Some((prev, _)) if *prev != e.hash => Some((
                        e.seq + 1,
                        format!("event {} does not point at the hash of the event before it", e.seq + 1),
                    )),
                    Some(_) => None,
                },
                Some(_) if e.seq > head_seq => {
                    Some((e.seq, format!("the chain ends at event {head_seq} but event {} exists", e.seq)))
                }
                Some(_) => None,
            };
            if let Some((seq, problem)) = problem {
                return Ok(Verification::broken(seen, seq, problem, court));
            }
        }
    }
    Ok(Verification::intact(seen, court))
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
                    reason: None, prev_hash: prev, hash: String::new(),
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
