//! Keys for evidence at rest. One master key, held outside the database and
//! the data directory, never stored: the database keeps only its id (so a
//! wrong key is refused before anything is written) and data keys wrapped
//! by it. Rotating the master key re-wraps data keys; it never re-encrypts
//! the evidence itself.

mod fields;
mod sealed;

pub use fields::{blind_token, is_sealed_field, open_field, seal_field, FIELD_PREFIX};
pub use sealed::{drop_slots_except, rewrap_file, SealedReader, SealedWriter, CHUNK_SIZE, HEADER_LEN, MAGIC};

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// A wrapped data key: its nonce, then the sealed key and its tag.
pub const WRAPPED_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    Malformed(String),
    /// Authentication failed: the wrong key, or the bytes were altered.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cold]
fn unreachable_hmac() -> ! {
    panic!("HMAC-SHA256 accepts keys of every length")
}

/// Which master key wraps something: the first 16 bytes of an HMAC of a
/// fixed label under the key, so it names the key without revealing it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

/// The master key. Its Debug output names only its id.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey([u8; KEY_LEN]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(id {})", self.id())
    }
}

impl MasterKey {
    pub fn generate() -> MasterKey {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    /// From its text form: 64 hex digits, surrounding white space ignored.
    pub fn from_text(text: &[u8]) -> Result<MasterKey, VaultError> {
        let text = text.trim_ascii();
        let mut bytes = [0u8; KEY_LEN];
        if text.len() != KEY_LEN * 2 || hex::decode_to_slice(text, &mut bytes).is_err() {
            return Err(VaultError::Malformed(format!(
                "a master key is {} hex digits (256 bits); `amaan keys generate` makes one",
                KEY_LEN * 2
            )));
        }
        Ok(MasterKey(bytes))
    }

    pub fn to_text(&self) -> String {
        hex::encode(self.0)
    }

    pub fn id(&self) -> KeyId {
        let mac = hmac_sha256(&self.0, b"amaan master key id v1");
        let mut id = [0u8; 16];
        id.copy_from_slice(&mac[..16]);
        KeyId(id)
    }

    /// A key derived for one purpose; the same master key always derives
    /// the same key, and keys of different purposes are unrelated.
    pub fn derive(&self, purpose: &str) -> DataKey {
        DataKey(hmac_sha256(&self.0, format!("amaan derive v1: {purpose}").as_bytes()))
    }

    fn wrapping_cipher(&self) -> XChaCha20Poly1305 {
        let k = hmac_sha256(&self.0, b"amaan wrap v1");
        XChaCha20Poly1305::new(&k.into())
    }

    /// Seals a data key under this master key; `purpose` is bound to it, so
    /// a key wrapped for one use is refused for another.
    pub fn wrap(&self, key: &DataKey, purpose: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .wrapping_cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: &key.0, aad: purpose.as_bytes() })
            .unwrap_or_default();
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn unwrap(&self, wrapped: &[u8], purpose: &str) -> Result<DataKey, VaultError> {
        if wrapped.len() != WRAPPED_LEN {
            return Err(VaultError::Malformed(format!("a wrapped key is {WRAPPED_LEN} bytes, not {}", wrapped.len())));
        }
        let (nonce_bytes, sealed) = wrapped.split_at(NONCE_LEN);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(nonce_bytes);
        let mut plain = self
            .wrapping_cipher()
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: purpose.as_bytes() })
            .map_err(|_| {
                VaultError::Refused(format!("the {purpose} key is not wrapped by master key {}", self.id()))
            })?;
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(&plain);
        plain.zeroize();
        Ok(DataKey(key))
    }
}

/// A key that encrypts or authenticates data; stored only wrapped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(****)")
    }
}

impl DataKey {
    pub fn generate() -> DataKey {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        DataKey(bytes)
    }
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// Ed25519 over a data key used as the seed: the audit checkpoints are
/// signed so that a log copied elsewhere can be trusted only as far as the
/// key that signed it.
pub mod signing {
    use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

    use super::DataKey;

    pub fn public_key(seed: &DataKey) -> [u8; 32] {
        SigningKey::from_bytes(seed.expose()).verifying_key().to_bytes()
    }

    pub fn sign(seed: &DataKey, message: &[u8]) -> [u8; 64] {
        SigningKey::from_bytes(seed.expose()).sign(message).to_bytes()
    }

    /// True only for a signature by `public_key` over exactly `message`.
    pub fn verify(public_key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(public_key) else { return false };
        let Ok(sig) = Signature::from_slice(signature) else { return false };
        key.verify(message, &sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_its_message_and_key() {
        let seed = DataKey::generate();
        let public = signing::public_key(&seed);
        let sig = signing::sign(&seed, b"chain 3 at 120");
        assert!(signing::verify(&public, b"chain 3 at 120", &sig));
        assert!(!signing::verify(&public, b"chain 3 at 121", &sig));
        assert!(!signing::verify(&signing::public_key(&DataKey::generate()), b"chain 3 at 120", &sig));
        assert!(!signing::verify(&public, b"chain 3 at 120", &sig[..10]));
    }

    #[test]
    fn a_key_reads_back_from_its_text() {
        let k = MasterKey::generate();
        let text = format!("  {}\n", k.to_text());
        let back = MasterKey::from_text(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.id(), k.id());
        assert!(MasterKey::from_text(b"abc").is_err());
        assert!(MasterKey::from_text(&[b'z'; 64]).is_err());
    }

    #[test]
    fn debug_output_shows_no_key() {
        let k = MasterKey::generate();
        let shown = format!("{k:?} {:?}", k.derive("x"));
        assert!(!shown.contains(&k.to_text()));
        assert!(!shown.contains(&hex::encode(k.derive("x").expose())));
    }

    #[test]
    fn a_wrapped_key_opens_only_under_its_master_and_purpose() {
        let master = MasterKey::generate();
        let data = DataKey::generate();
        let wrapped = master.wrap(&data, "recording");
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        let back = master.unwrap(&wrapped, "recording").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.expose(), data.expose());
        assert!(master.unwrap(&wrapped, "audit chain").is_err());
        assert!(MasterKey::generate().unwrap(&wrapped, "recording").is_err());
        let mut bent = wrapped.clone();
        bent[30] ^= 1;
        assert!(master.unwrap(&bent, "recording").is_err());
    }

    #[test]
    fn derived_keys_are_stable_and_distinct() {
        let master = MasterKey::generate();
        assert_eq!(master.derive("a").expose(), master.derive("a").expose());
        assert_ne!(master.derive("a").expose(), master.derive("b").expose());
        assert_ne!(master.derive("a").expose(), MasterKey::generate().derive("a").expose());
    }
}
