//! Converting a database made before evidence at rest, in place: what is
//! left to do is listed in `conversions` (filled by the migration that
//! sealed identities), and the server refuses to start until it is empty.
//! Each step here works in small transactions that pick only rows not yet
//! converted, so a conversion killed part way is finished by running it
//! again; each step is verified before its row leaves `conversions`.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::schema::{conversions, notices, parties, party_contacts};
use super::DbConn;
use crate::identity::{self, CONTACT_EMAIL, CONTACT_PHONE, NOTICE_ADDRESS, PARTY_NAME};
use crate::StoreError;

pub const IDENTITIES: &str = "identities";
pub const RECORDINGS: &str = "recordings";

/// Rows converted per transaction: small enough that a kill loses little
/// and a running server's readers are never held up long.
const BATCH: i64 = 200;
const SEALED_LIKE: &str = "sealed1:%";

pub fn pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(conversions::table.select(conversions::name).order(conversions::name).load(conn)?)
}

/// Refuses to serve a database that still holds what the conversion
/// seals: it would read plaintext as sealed and fail, or serve it.
pub fn refuse_pending(conn: &mut DbConn) -> Result<(), StoreError> {
    let left = pending(conn)?;
    if left.is_empty() {
        return Ok(());
    }
    Err(StoreError::internal(format!(
        "this database was made before evidence at rest and still holds {} in plaintext; stop every server and run \
         `amaan keys convert` (with the master key configured) to seal it in place. Nothing was served",
        left.join(" and ")
    )))
}

pub fn mark_done(conn: &mut DbConn, name: &str) -> Result<(), StoreError> {
    diesel::delete(conversions::table.filter(conversions::name.eq(name))).execute(conn)?;
    Ok(())
}

/// What the identity step did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sealed {
    pub parties: usize,
    pub contacts: usize,
    pub notices: usize,
}

#[derive(QueryableByName)]
struct PlainParty {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    date_of_birth: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct PlainContact {
    #[diesel(sql_type = BigInt)]
    party_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
}

#[derive(QueryableByName)]
struct PlainNotice {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    address: String,
}

fn unsealed(column: &str) -> String {
    format!("{column} NOT LIKE '{SEALED_LIKE}'")
}

fn unsealed_opt(column: &str) -> String {
    format!("({column} IS NOT NULL AND {column} NOT LIKE '{SEALED_LIKE}')")
}

/// One batch of the identity step; the number of rows it sealed.
pub fn seal_identities_batch(conn: &mut DbConn) -> Result<Sealed, StoreError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("PRAGMA secure_delete = ON").execute(c)?;
    }
    conn.transaction(|c| {
        let mut done = Sealed::default();
        let rows: Vec<PlainParty> = diesel::sql_query(format!(
            "SELECT id, name, date_of_birth FROM parties WHERE {} ORDER BY id LIMIT {BATCH}",
            unsealed("name")
        ))
        .load(c)?;
        for p in rows {
            diesel::update(parties::table.find(p.id).filter(parties::name.not_like(SEALED_LIKE)))
                .set((
                    parties::name.eq(identity::seal(PARTY_NAME, &p.name)?),
                    parties::name_index.eq(identity::name_index(&p.name)?),
                    parties::birth_sealed.eq(identity::seal_date(p.date_of_birth)?),
                    parties::date_of_birth.eq(None::<NaiveDate>),
                ))
                .execute(c)?;
            done.parties += 1;
        }
        let rows: Vec<PlainContact> = diesel::sql_query(format!(
            "SELECT party_id, phone, email FROM party_contacts WHERE {} OR {} ORDER BY party_id LIMIT {BATCH}",
            unsealed_opt("phone"),
            unsealed_opt("email")
        ))
        .load(c)?;
        for ct in rows {
            let seal_plain = |purpose: &str, v: Option<String>| -> Result<Option<String>, StoreError> {
                match v {
                    Some(v) if !amaan_vault::is_sealed_field(&v) => Ok(Some(identity::seal(purpose, &v)?)),
                    other => Ok(other),
                }
            };
            diesel::update(party_contacts::table.find(ct.party_id))
                .set((
                    party_contacts::phone.eq(seal_plain(CONTACT_PHONE, ct.phone)?),
                    party_contacts::email.eq(seal_plain(CONTACT_EMAIL, ct.email)?),
                ))
                .execute(c)?;
            done.contacts += 1;
        }
        let rows: Vec<PlainNotice> = diesel::sql_query(format!(
            "SELECT id, address FROM notices WHERE {} ORDER BY id LIMIT {BATCH}",
            unsealed("address")
        ))
        .load(c)?;
        for n in rows {
            diesel::update(notices::table.find(n.id).filter(notices::address.not_like(SEALED_LIKE)))
                .set(notices::address.eq(identity::seal(NOTICE_ADDRESS, &n.address)?))
                .execute(c)?;
            done.notices += 1;
        }
        Ok(done)
    })
}

/// The identity step's proof: no plaintext left, and every sealed value
/// opens under this key (read through the same types the server reads with).
pub fn verify_identities(conn: &mut DbConn) -> Result<(), StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let left: Count = diesel::sql_query(format!(
        "SELECT (SELECT COUNT(*) FROM parties WHERE {} OR date_of_birth IS NOT NULL) \
         + (SELECT COUNT(*) FROM party_contacts WHERE {} OR {}) \
         + (SELECT COUNT(*) FROM notices WHERE {}) AS n",
        unsealed("name"),
        unsealed_opt("phone"),
        unsealed_opt("email"),
        unsealed("address")
    ))
    .get_result(conn)?;
    if left.n > 0 {
        return Err(StoreError::internal(format!("{} identity fields are still in plaintext", left.n)));
    }
    let mut after = 0i64;
    loop {
        let batch: Vec<crate::parties::Party> = parties::table
            .filter(parties::id.gt(after))
            .order(parties::id)
            .limit(1000)
            .select(crate::parties::Party::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
    }
    party_contacts::table.select(crate::notices::Contact::as_select()).load(conn)?;
    notices::table.select(crate::notices::Notice::as_select()).load(conn)?;
    Ok(())
}

/// Drops the pages the plaintext was on: SQLite keeps a row's old bytes in
/// free pages until they are reused, PostgreSQL keeps old row versions
/// until a vacuum; both are rewritten here, so that a copy of the file or
/// of the data directory taken after the conversion holds no plaintext.
pub fn purge_old_versions(conn: &mut DbConn) -> Result<(), StoreError> {
    match conn {
        // The batches ran with `secure_delete` on (freed bytes zeroed);
        // the checkpoint writes the sealed pages over the plain ones.
        DbConn::Sqlite(c) => {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(c)?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query("VACUUM FULL parties, party_contacts, notices").execute(c)?;
        }
    }
    Ok(())
}
