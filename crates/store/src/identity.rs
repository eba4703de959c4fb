//! A person's identity at rest: a party's name and date of birth and a
//! contact's phone and email are sealed field by field under the identity
//! key (a data key wrapped by the master key), and a party's name is
//! searchable only through its blind index (a keyed HMAC of each name
//! part), which is what the free-text guard compares against. A dump of the
//! database, or a copy of the SQLite file, shows neither a name nor a birth
//! date.
//!
//! Sealing happens in the store, at the column: the types below open a
//! sealed column as it is read, so every reader above (docket, case page,
//! notices, paper, demo) gets the plain value without knowing. Like the
//! audit chain's key, the keys live in this process once the keyring is
//! opened; every database set up under one master key derives the same.

use std::sync::RwLock;

use amaan_domain::privacy;
use amaan_vault::{blind_token, open_field, seal_field, DataKey};
use chrono::NaiveDate;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::sql_types::{Nullable, Text};

use crate::StoreError;

/// The data key that seals identity fields.
pub const IDENTITY: &str = "identity";
/// The data key of the blind index of names.
pub const NAME_INDEX: &str = "name index";

/// What each sealed field is, bound into its sealing.
pub const PARTY_NAME: &str = "party name";
pub const PARTY_BIRTH: &str = "party birth date";
pub const CONTACT_PHONE: &str = "contact phone";
pub const CONTACT_EMAIL: &str = "contact email";
pub const NOTICE_ADDRESS: &str = "notice address";

struct Keys {
    seal: DataKey,
    index: DataKey,
}

static KEYS: RwLock<Option<Keys>> = RwLock::new(None);

pub fn use_keys(seal: &DataKey, index: &DataKey) {
    let mut slot = KEYS.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = Some(Keys { seal: seal.clone(), index: index.clone() });
}

fn with_keys<T>(f: impl FnOnce(&Keys) -> T) -> Result<T, StoreError> {
    let slot = KEYS.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    slot.as_ref()
        .map(f)
        .ok_or_else(|| StoreError::internal("the identity key is not loaded: open the database with its master key"))
}

pub fn seal(purpose: &str, plain: &str) -> Result<String, StoreError> {
    with_keys(|k| seal_field(&k.seal, purpose, plain))
}

pub fn seal_opt(purpose: &str, plain: Option<&str>) -> Result<Option<String>, StoreError> {
    plain.map(|p| seal(purpose, p)).transpose()
}

pub fn seal_date(date: Option<NaiveDate>) -> Result<Option<String>, StoreError> {
    date.map(|d| seal(PARTY_BIRTH, &d.format("%Y-%m-%d").to_string())).transpose()
}

pub fn open(purpose: &str, sealed: &str) -> Result<String, StoreError> {
    with_keys(|k| open_field(&k.seal, purpose, sealed))?.map_err(|e| StoreError::internal(e.to_string()))
}

pub fn open_date(sealed: &str) -> Result<NaiveDate, StoreError> {
    let text = open(PARTY_BIRTH, sealed)?;
    // `YYYY-MM-DD`, as `seal_date` writes it; FromStr reads that form
    // without interpreting a format string each time.
    text.parse::<NaiveDate>().map_err(|_| StoreError::internal("a sealed birth date does not hold a date"))
}

/// The blind index of a name: one entry per part worth matching, space
/// separated (see `privacy::name_parts`).
pub fn name_index(name: &str) -> Result<String, StoreError> {
    with_keys(|k| privacy::name_parts(name).iter().map(|p| blind_token(&k.index, p)).collect::<Vec<_>>().join(" "))
}

/// The blind index entries of every word of a text, to compare with names'.
pub fn text_tokens(text: &str) -> Result<Vec<String>, StoreError> {
    with_keys(|k| privacy::words(text).iter().map(|w| blind_token(&k.index, w)).collect())
}

/// The entries of a stored blind index.
pub fn index_entries(index: &str) -> Vec<String> {
    index.split_whitespace().map(str::to_owned).collect()
}

type BoxedError = Box<dyn std::error::Error + Send + Sync>;

fn read_text<DB: Backend>(bytes: DB::RawValue<'_>) -> deserialize::Result<String>
where
    String: FromSql<Text, DB>,
{
    <String as FromSql<Text, DB>>::from_sql(bytes)
}

/// A party's name column, opened as it is read.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct SealedName(pub String);

impl<DB: Backend> FromSql<Text, DB> for SealedName
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let sealed = read_text::<DB>(bytes)?;
        open(PARTY_NAME, &sealed).map(SealedName).map_err(|e| -> BoxedError { e.to_string().into() })
    }
}

impl From<SealedName> for String {
    fn from(s: SealedName) -> String {
        s.0
    }
}

/// A party's sealed date of birth, opened as it is read; NULL is none.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct SealedBirth(pub Option<NaiveDate>);

impl<DB: Backend> FromSql<Nullable<Text>, DB> for SealedBirth
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let sealed = read_text::<DB>(bytes)?;
        open_date(&sealed).map(|d| SealedBirth(Some(d))).map_err(|e| -> BoxedError { e.to_string().into() })
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(b) => Self::from_sql(b),
            None => Ok(SealedBirth(None)),
        }
    }
}

impl From<SealedBirth> for Option<NaiveDate> {
    fn from(s: SealedBirth) -> Option<NaiveDate> {
        s.0
    }
}

/// A contact's sealed phone number, opened as it is read.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct SealedPhone(pub Option<String>);
/// A contact's sealed email address, opened as it is read.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct SealedEmail(pub Option<String>);

macro_rules! sealed_optional_text {
    ($ty:ident, $purpose:expr) => {
        impl<DB: Backend> FromSql<Nullable<Text>, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let sealed = read_text::<DB>(bytes)?;
                open($purpose, &sealed).map(|t| $ty(Some(t))).map_err(|e| -> BoxedError { e.to_string().into() })
            }

            fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
                match bytes {
                    Some(b) => Self::from_sql(b),
                    None => Ok($ty(None)),
                }
            }
        }

        impl From<$ty> for Option<String> {
            fn from(s: $ty) -> Option<String> {
                s.0
            }
        }
    };
}

sealed_optional_text!(SealedPhone, CONTACT_PHONE);
sealed_optional_text!(SealedEmail, CONTACT_EMAIL);

/// A notice's sealed address (the phone or email it goes to).
#[derive(diesel::deserialize::FromSqlRow)]
pub struct SealedAddress(pub String);

impl<DB: Backend> FromSql<Text, DB> for SealedAddress
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let sealed = read_text::<DB>(bytes)?;
        open(NOTICE_ADDRESS, &sealed).map(SealedAddress).map_err(|e| -> BoxedError { e.to_string().into() })
    }
}

impl From<SealedAddress> for String {
    fn from(s: SealedAddress) -> String {
        s.0
    }
}
