//! The database's side of the keys: the id of the master key it was set up
//! with (so that a wrong key is refused before anything is written) and the
//! data keys wrapped by it. The master key itself is never stored.

use amaan_vault::{DataKey, MasterKey};
use diesel::prelude::*;

use super::schema::{data_keys, master_key};
use super::DbConn;
use crate::StoreError;

/// Keys the audit chain's HMAC; wrapped here, so that a rotation of the
/// master key re-wraps it and the chain written before still verifies.
pub const AUDIT_CHAIN: &str = "audit chain";
/// The Ed25519 seed that signs the audit checkpoints.
pub const CHECKPOINT_SIGNING: &str = "checkpoint signing";
const DATA_KEYS: [&str; 4] = [AUDIT_CHAIN, CHECKPOINT_SIGNING, crate::identity::IDENTITY, crate::identity::NAME_INDEX];

/// The data keys, unwrapped, for this process.
#[derive(Debug, Clone)]
pub struct Keyring {
    pub audit_chain: DataKey,
    pub checkpoint_signing: DataKey,
    /// Seals a person's identity field by field.
    pub identity: DataKey,
    /// Keys the blind index of names.
    pub name_index: DataKey,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the master key given (id {given}) is not the one this database was set up with (id {stored}); \
         nothing was read or written. Give the right key (AMAAN_MASTER_KEY_FILE or AMAAN_MASTER_KEY)"
    )]
    Wrong { given: String, stored: String },
    #[error(
        "a rotation of the master key to key {to} was interrupted; run `amaan keys rotate --new-key-file ...` \
         again with the old key configured to finish it. Nothing was written"
    )]
    RotationUnfinished { to: String },
    #[error("the {0} key in the database does not open with this master key: {1}")]
    Damaged(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for KeyError {
    fn from(e: diesel::result::Error) -> Self {
        KeyError::Store(e.into())
    }
}

/// The stored master key id and the rotation under way, if the database has
/// been set up with a key at all.
pub fn stored(conn: &mut DbConn) -> Result<Option<(String, Option<String>)>, StoreError> {
    Ok(master_key::table.find(1).select((master_key::key_id, master_key::rotating_to)).first(conn).optional()?)
}

/// Refuses a key other than the database's, before migrations run: a
/// database that predates keys (no table) or has none yet is not refused.
pub fn refuse_wrong_key(conn: &mut DbConn, master: &MasterKey) -> Result<(), KeyError> {
    // An error here is a database without the table yet (a new one, or one
    // older than keys); the migrations then make it.
    let Ok(Some((stored, rotating_to))) = stored(conn) else { return Ok(()) };
    let given = master.id().to_hex();
    if stored == given {
        return Ok(());
    }
    if rotating_to.as_deref() == Some(given.as_str()) {
        return Err(KeyError::RotationUnfinished { to: given });
    }
    Err(KeyError::Wrong { given, stored })
}

/// After migrations: a database's first start adopts the key; then the data
/// keys are made if missing and unwrapped. Two nodes starting at once on a
/// new database race on the inserts: the loser reads what the winner wrote.
pub fn open(conn: &mut DbConn, master: &MasterKey) -> Result<Keyring, KeyError> {
    let id = master.id().to_hex();
    if stored(conn)?.is_none() {
        let inserted = diesel::insert_into(master_key::table)
            .values((master_key::id.eq(1), master_key::key_id.eq(&id), master_key::instance.eq(new_instance())))
            .execute(conn);
        match inserted {
            Ok(_) => tracing::info!(key_id = %id, "the database now belongs to this master key"),
            Err(e) if crate::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    refuse_wrong_key(conn, master)?;
    for name in DATA_KEYS {
        let exists = data_keys::table.find(name).select(data_keys::name).first::<String>(conn).optional()?;
        if exists.is_none() {
            // Derived rather than random: every database set up under one
            // master key gets the same chain key, which is what lets the
            // test suite run many apps in one process (see audit::use_chain_key).
            let wrapped = hex::encode(master.wrap(&master.derive(name), name));
            let inserted = diesel::insert_into(data_keys::table)
                .values((data_keys::name.eq(name), data_keys::key_id.eq(&id), data_keys::wrapped.eq(wrapped)))
                .execute(conn);
            match inserted {
                Ok(_) => {}
                Err(e) if crate::is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let keyring = Keyring {
        audit_chain: unwrap(conn, master, AUDIT_CHAIN)?,
        checkpoint_signing: unwrap(conn, master, CHECKPOINT_SIGNING)?,
        identity: unwrap(conn, master, crate::identity::IDENTITY)?,
        name_index: unwrap(conn, master, crate::identity::NAME_INDEX)?,
    };
    crate::audit::use_chain_key(&keyring.audit_chain);
    crate::identity::use_keys(&keyring.identity, &keyring.name_index);
    Ok(keyring)
}

fn unwrap(conn: &mut DbConn, master: &MasterKey, name: &str) -> Result<DataKey, KeyError> {
    let (key_id, wrapped): (String, String) =
        data_keys::table.find(name).select((data_keys::key_id, data_keys::wrapped)).first(conn)?;
    if key_id != master.id().to_hex() {
        return Err(KeyError::Damaged(name.into(), format!("it is wrapped by key {key_id}")));
    }
    let bytes = hex::decode(wrapped).map_err(|e| KeyError::Damaged(name.into(), e.to_string()))?;
    master.unwrap(&bytes, name).map_err(|e| KeyError::Damaged(name.into(), e.to_string()))
}

fn new_instance() -> String {
    hex::encode(amaan_vault::DataKey::generate().expose())[..32].to_string()
}

/// This database's name, which the audit checkpoints carry.
pub fn instance(conn: &mut DbConn) -> Result<String, StoreError> {
    Ok(master_key::table.find(1).select(master_key::instance).first(conn)?)
}

/// Rotation, step 1: marks the rotation under way (a server started with the
/// new key meanwhile is told to finish it) and writes each data key's
/// wrapping under `new` beside its current one. Run again, it redoes only
/// what is missing.
pub fn begin_rotation(conn: &mut DbConn, old: &MasterKey, new: &MasterKey) -> Result<usize, KeyError> {
    let new_id = new.id().to_hex();
    diesel::update(master_key::table.find(1)).set(master_key::rotating_to.eq(&new_id)).execute(conn)?;
    let mut rewrapped = 0;
    for name in DATA_KEYS {
        let next: Option<String> = data_keys::table.find(name).select(data_keys::next_key_id).first(conn)?;
        if next.as_deref() == Some(new_id.as_str()) {
            continue;
        }
        let key = unwrap(conn, old, name)?;
        diesel::update(data_keys::table.find(name))
            .set((data_keys::next_key_id.eq(&new_id), data_keys::next_wrapped.eq(hex::encode(new.wrap(&key, name)))))
            .execute(conn)?;
        rewrapped += 1;
    }
    Ok(rewrapped)
}

/// Rotation, the switch: every data key's next wrapping becomes its current
/// one and the database belongs to `new`, in one transaction.
pub fn finish_rotation(conn: &mut DbConn, new: &MasterKey) -> Result<(), KeyError> {
    let new_id = new.id().to_hex();
    conn.transaction(|c| {
        let pending: i64 = data_keys::table
            .filter(data_keys::next_key_id.is_null().or(data_keys::next_key_id.ne(&new_id)))
            .count()
            .get_result(c)?;
        if pending > 0 {
            return Err(KeyError::Damaged("data".into(), format!("{pending} keys are not yet wrapped by {new_id}")));
        }
        diesel::update(data_keys::table)
            .set((
                data_keys::key_id.eq(&new_id),
                data_keys::wrapped.eq(data_keys::next_wrapped.assume_not_null()),
                data_keys::next_key_id.eq(None::<String>),
                data_keys::next_wrapped.eq(None::<String>),
            ))
            .execute(c)?;
        diesel::update(master_key::table.find(1))
            .set((master_key::key_id.eq(&new_id), master_key::rotating_to.eq(None::<String>)))
            .execute(c)?;
        Ok(())
    })
}
