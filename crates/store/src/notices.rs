//! Contacts and the notices outbox. A notice is queued in the transaction
//! of the change that causes it; a worker on any node claims due notices
//! (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two nodes never claim
//! one), sends each once, and records what became of it.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{notices, party_contacts};
use super::DbConn;
use crate::identity::{self, SealedAddress, SealedEmail, SealedPhone};
use crate::StoreError;

/// A party's contact; its phone and email are sealed at rest (see
/// `identity`) and come back plain through this struct.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = party_contacts)]
pub struct Contact {
    pub party_id: i64,
    #[diesel(deserialize_as = SealedPhone)]
    pub phone: Option<String>,
    #[diesel(deserialize_as = SealedEmail)]
    pub email: Option<String>,
    pub language: String,
    pub updated_at: NaiveDateTime,
}

/// Sets a party's contact, replacing what it had.
pub fn set_contact(conn: &mut DbConn, contact: &Contact) -> Result<Contact, StoreError> {
    diesel::delete(party_contacts::table.filter(party_contacts::party_id.eq(contact.party_id))).execute(conn)?;
    diesel::insert_into(party_contacts::table)
        .values((
            party_contacts::party_id.eq(contact.party_id),
            party_contacts::phone.eq(identity::seal_opt(identity::CONTACT_PHONE, contact.phone.as_deref())?),
            party_contacts::email.eq(identity::seal_opt(identity::CONTACT_EMAIL, contact.email.as_deref())?),
            party_contacts::language.eq(&contact.language),
            party_contacts::updated_at.eq(contact.updated_at),
        ))
        .execute(conn)?;
    Ok(contact.clone())
}

pub fn contact_of(conn: &mut DbConn, party_id: i64) -> Result<Option<Contact>, StoreError> {
    Ok(party_contacts::table.find(party_id).select(Contact::as_select()).first(conn).optional()?)
}

pub fn contacts_of(conn: &mut DbConn, party_ids: &[i64]) -> Result<Vec<Contact>, StoreError> {
    Ok(party_contacts::table
        .filter(party_contacts::party_id.eq_any(party_ids))
        .select(Contact::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = notices)]
pub struct Notice {
    pub id: i64,
    pub court_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub kind: String,
    pub channel: String,
    /// The contact it goes to: identity, never in a log or audit payload;
    /// sealed at rest.
    #[serde(skip)]
    #[diesel(deserialize_as = SealedAddress)]
    pub address: String,
    pub language: String,
    #[serde(skip)]
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    #[serde(skip)]
    pub claimed_by: Option<String>,
    #[serde(skip)]
    pub claimed_until: Option<NaiveDateTime>,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// When the message's last byte was about to leave: after it, a node
    /// that died cannot know whether the message went.
    #[serde(skip)]
    pub handed_at: Option<NaiveDateTime>,
    /// The one hearing as an RFC 5545 calendar, attached to an email.
    #[serde(skip)]
    pub ics: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notices)]
pub struct NewNotice {
    pub court_id: i64,
    pub hearing_id: i64,
    pub party_id: i64,
    pub kind: String,
    pub channel: String,
    pub address: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub ics: Option<String>,
}

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
/// The node died after handing the message over and before the server's
/// answer was recorded: it was most likely delivered, so it is not sent
/// again on its own; the clerk sees it and may resend.
pub const UNCONFIRMED: &str = "unconfirmed";
/// A party with no phone or email: the clerk prints the notice.
/// The SMS gateway reported the message on the phone.
pub const DELIVERED: &str = "delivered";
pub const TO_PRINT: &str = "to_print";
pub const PRINTED: &str = "printed";

pub fn queue(conn: &mut DbConn, new: &[NewNotice]) -> Result<usize, StoreError> {
    // One row at a time: a multi-row insert is not portable over both
    // backends through diesel's MultiConnection.
    for n in new {
        let sealed = NewNotice { address: identity::seal(identity::NOTICE_ADDRESS, &n.address)?, ..n.clone() };
        diesel::insert_into(notices::table).values(&sealed).execute(conn)?;
    }
    Ok(new.len())
}

pub fn of_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<Notice>, StoreError> {
    Ok(notices::table
        .filter(notices::hearing_id.eq(hearing_id))
        .order(notices::id)
        .select(Notice::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Notice, StoreError> {
    Ok(notices::table.find(id).select(Notice::as_select()).first(conn)?)
}

/// Claims up to `limit` notices of the given channels that are due (queued
/// and their time come, or left `sending` by a node whose claim ran out)
/// for `node` for `lease`. Each claim counts as an attempt; a notice of a
/// channel this node cannot send by stays queued.
pub fn claim_due(
    conn: &mut DbConn,
    node: &str,
    channels: &[&str],
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Notice>, StoreError> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    // A claim that ran out after its message was handed over is not sent
    // again: it may have been delivered. It is left for the clerk to see.
    diesel::update(
        notices::table
            .filter(notices::status.eq(SENDING))
            .filter(notices::claimed_until.lt(now))
            .filter(notices::handed_at.is_not_null()),
    )
    .set((
        notices::status.eq(UNCONFIRMED),
        notices::claimed_until.eq(None::<NaiveDateTime>),
        notices::last_error
            .eq("the sending node stopped after handing the message over, before the server's answer was recorded"),
    ))
    .execute(conn)?;
    let due = notices::status
        .eq(QUEUED)
        .and(notices::next_attempt_at.le(now))
        .or(notices::status.eq(SENDING).and(notices::claimed_until.lt(now)).and(notices::handed_at.is_null()));
    let ids: Vec<i64> = match conn {
        // Raw SQL on the PostgreSQL connection itself: diesel's query
        // builder has no SKIP LOCKED over both backends.
        DbConn::Pg(pg) => {
            let rows: Vec<IdRow> = diesel::sql_query(
                "SELECT id FROM notices WHERE ((status = 'queued' AND next_attempt_at <= $1) \
                 OR (status = 'sending' AND claimed_until < $1 AND handed_at IS NULL)) AND channel = ANY($3) \
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(channels)
            .load(pg)?;
            rows.into_iter().map(|r| r.id).collect()
        }
        // SQLite has one writer at a time, and the caller's write
        // transaction is it: no other claim can interleave.
        DbConn::Sqlite(_) => notices::table
            .filter(due)
            .filter(notices::channel.eq_any(channels))
            .order(notices::id)
            .limit(limit)
            .select(notices::id)
            .load(conn)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(notices::table.filter(notices::id.eq_any(&ids)))
        .set((
            notices::status.eq(SENDING),
            notices::claimed_by.eq(node),
            notices::claimed_until.eq(now + lease),
            notices::attempts.eq(notices::attempts + 1),
            notices::handed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(notices::table.filter(notices::id.eq_any(&ids)).order(notices::id).select(Notice::as_select()).load(conn)?)
}

/// A node starting afresh has nothing in flight: its earlier claims (a
/// previous run under the same node id, killed) are due at once rather
/// than when their lease runs out.
pub fn release_claims_of(conn: &mut DbConn, node: &str, now: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::update(notices::table.filter(notices::status.eq(SENDING)).filter(notices::claimed_by.eq(node)))
        .set(notices::claimed_until.eq(now - Duration::seconds(1)))
        .execute(conn)?)
}

/// Records, in its own committed write, that the message's last byte is
/// about to leave; only by the node that holds the claim.
pub fn mark_handed(conn: &mut DbConn, id: i64, node: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        notices::table
            .filter(notices::id.eq(id))
            .filter(notices::claimed_by.eq(node))
            .filter(notices::status.eq(SENDING)),
    )
    .set(notices::handed_at.eq(at))
    .execute(conn)?;
    Ok(n == 1)
}

/// The clerk has printed a paper notice.
pub fn mark_printed(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<Notice, StoreError> {
    diesel::update(notices::table.filter(notices::id.eq(id)))
        .set((notices::status.eq(PRINTED), notices::sent_at.eq(at)))
        .execute(conn)?;
    find(conn, id)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Records a send: only by the node that holds the claim, so a node whose
/// lease ran out cannot overwrite another's outcome.
pub fn mark_sent(
    conn: &mut DbConn,
    id: i64,
    node: &str,
    provider_id: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(notices::table.filter(notices::id.eq(id)).filter(notices::claimed_by.eq(node)))
        .set((
            notices::status.eq(SENT),
            notices::provider_id.eq(provider_id),
            notices::sent_at.eq(at),
            notices::claimed_until.eq(None::<NaiveDateTime>),
            notices::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A failed attempt: queued again at `retry_at`, or failed for good.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    node: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<bool, StoreError> {
    let (status, next) = match retry_at {
        Some(t) => (QUEUED, Some(t)),
        None => (FAILED, None),
    };
    let target = notices::table.filter(notices::id.eq(id)).filter(notices::claimed_by.eq(node));
    let n = match next {
        Some(t) => diesel::update(target)
            .set((
                notices::status.eq(status),
                notices::next_attempt_at.eq(t),
                notices::claimed_until.eq(None::<NaiveDateTime>),
                notices::handed_at.eq(None::<NaiveDateTime>),
                notices::last_error.eq(error),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                notices::status.eq(status),
                notices::claimed_until.eq(None::<NaiveDateTime>),
                notices::handed_at.eq(None::<NaiveDateTime>),
                notices::last_error.eq(error),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// The clerk's resend: a failed (or sent) notice goes back to the queue.
pub fn requeue(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<Notice, StoreError> {
    diesel::update(notices::table.filter(notices::id.eq(id)))
        .set((
            notices::status.eq(QUEUED),
            notices::next_attempt_at.eq(now),
            notices::attempts.eq(0),
            notices::claimed_by.eq(None::<String>),
            notices::claimed_until.eq(None::<NaiveDateTime>),
            notices::handed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// An SMS gateway's report on the message it gave `provider_id`: the
/// notice becomes `delivered`, or `failed` with `undelivered` as the
/// reason. Only a notice whose message the gateway holds (sent,
/// unconfirmed, or reported before) changes; one a clerk has queued again
/// since is left to its new message. None when no SMS has that id.
pub fn report_delivery(
    conn: &mut DbConn,
    provider_id: &str,
    undelivered: Option<&str>,
) -> Result<Option<Notice>, StoreError> {
    let Some(n) = report_delivery_peek(conn, provider_id)? else {
        return Ok(None);
    };
    if ![SENT, UNCONFIRMED, DELIVERED, FAILED].contains(&n.status.as_str())
        || (n.status == FAILED && n.sent_at.is_none())
    {
        return Ok(Some(n));
    }
    let (status, error) = match undelivered {
        None => (DELIVERED, None),
        Some(why) => (FAILED, Some(format!("the SMS gateway reports the message {why}"))),
    };
    diesel::update(notices::table.find(n.id))
        .set((notices::status.eq(status), notices::last_error.eq(error)))
        .execute(conn)?;
    Ok(Some(find(conn, n.id)?))
}

/// The SMS the gateway gave `provider_id`, as it is.
pub fn report_delivery_peek(conn: &mut DbConn, provider_id: &str) -> Result<Option<Notice>, StoreError> {
    Ok(notices::table
        .filter(notices::channel.eq("sms"))
        .filter(notices::provider_id.eq(provider_id))
        .order(notices::id.desc())
        .select(Notice::as_select())
        .first(conn)
        .optional()?)
}

/// A party by id (for its contact).
pub fn party(conn: &mut DbConn, id: i64) -> Result<crate::parties::Party, StoreError> {
    use super::schema::parties;
    Ok(parties::table.find(id).select(crate::parties::Party::as_select()).first(conn)?)
}

/// How many notices a party was sent of a hearing before: the calendar
/// event's SEQUENCE, so a moved hearing replaces the earlier event.
pub fn count_for(conn: &mut DbConn, hearing_id: i64, party_id: i64) -> Result<i64, StoreError> {
    Ok(notices::table
        .filter(notices::hearing_id.eq(hearing_id))
        .filter(notices::party_id.eq(party_id))
        .count()
        .get_result(conn)?)
}

// ----------------------------------------------------------------- prisons

use super::schema::{calendar_feeds, custody, prisons};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = prisons)]
pub struct Prison {
    pub id: i64,
    pub court_id: i64,
    pub name: String,
    pub notice_email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = prisons)]
pub struct NewPrison {
    pub court_id: i64,
    pub name: String,
    pub notice_email: String,
    pub created_at: NaiveDateTime,
}

pub fn add_prison(conn: &mut DbConn, new: &NewPrison) -> Result<Prison, StoreError> {
    diesel::insert_into(prisons::table).values(new).execute(conn)?;
    Ok(prisons::table
        .filter(prisons::court_id.eq(new.court_id))
        .filter(prisons::name.eq(&new.name))
        .select(Prison::as_select())
        .first(conn)?)
}

pub fn prisons_of(conn: &mut DbConn, court_id: i64) -> Result<Vec<Prison>, StoreError> {
    Ok(prisons::table
        .filter(prisons::court_id.eq(court_id))
        .order(prisons::name)
        .select(Prison::as_select())
        .load(conn)?)
}

pub fn find_prison(conn: &mut DbConn, id: i64) -> Result<Option<Prison>, StoreError> {
    Ok(prisons::table.find(id).select(Prison::as_select()).first(conn).optional()?)
}

pub fn update_prison(conn: &mut DbConn, id: i64, name: &str, notice_email: &str) -> Result<Prison, StoreError> {
    diesel::update(prisons::table.find(id))
        .set((prisons::name.eq(name), prisons::notice_email.eq(notice_email)))
        .execute(conn)?;
    Ok(prisons::table.find(id).select(Prison::as_select()).first(conn)?)
}

/// Removes a prison no one is held in; false when someone is.
pub fn remove_prison(conn: &mut DbConn, id: i64) -> Result<bool, StoreError> {
    let held: i64 = custody::table.filter(custody::prison_id.eq(id)).count().get_result(conn)?;
    if held > 0 {
        return Ok(false);
    }
    diesel::delete(prisons::table.find(id)).execute(conn)?;
    Ok(true)
}

/// Holds a party in a prison (replacing where it was held), or releases it.
pub fn set_custody(
    conn: &mut DbConn,
    party_id: i64,
    prison_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(custody::table.find(party_id)).execute(conn)?;
    if let Some(p) = prison_id {
        diesel::insert_into(custody::table)
            .values((custody::party_id.eq(party_id), custody::prison_id.eq(p), custody::updated_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// The prisons holding any of these parties, as (party id, prison).
pub fn custody_of(conn: &mut DbConn, party_ids: &[i64]) -> Result<Vec<(i64, Prison)>, StoreError> {
    Ok(custody::table
        .inner_join(prisons::table)
        .filter(custody::party_id.eq_any(party_ids))
        .select((custody::party_id, Prison::as_select()))
        .load(conn)?)
}

// ---------------------------------------------------------- calendar feeds

/// Sets a user's feed secret (by its hash), replacing the one before.
pub fn set_feed(conn: &mut DbConn, user_id: i64, token_hash: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::delete(calendar_feeds::table.find(user_id)).execute(conn)?;
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::user_id.eq(user_id),
            calendar_feeds::token_hash.eq(token_hash),
            calendar_feeds::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_feed(conn: &mut DbConn, user_id: i64) -> Result<bool, StoreError> {
    Ok(diesel::delete(calendar_feeds::table.find(user_id)).execute(conn)? == 1)
}

/// The user whose feed this secret's hash opens.
pub fn feed_owner(conn: &mut DbConn, token_hash: &str) -> Result<Option<i64>, StoreError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::token_hash.eq(token_hash))
        .select(calendar_feeds::user_id)
        .first(conn)
        .optional()?)
}
