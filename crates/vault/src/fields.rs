//! Small values sealed one by one: a child's name, date of birth, a phone
//! number. Each is sealed on its own (a fresh random nonce each time), so
//! two children of the same name look unrelated in the database, and the
//! purpose is bound in, so a sealed birth date cannot be passed off as a
//! name. Searching them is done through a blind index: a keyed HMAC of each
//! normalised token, which matches equal tokens without revealing them.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::{hmac_sha256, DataKey, VaultError};

/// What every sealed field starts with, so that a plaintext value left over
/// from before the conversion is told apart from a sealed one.
pub const FIELD_PREFIX: &str = "sealed1:";
const NONCE_LEN: usize = 24;
/// Bytes of HMAC kept per token: 128 bits, ample against collisions among a
/// court's names, and short enough to keep the index small.
const TOKEN_BYTES: usize = 16;

pub fn is_sealed_field(text: &str) -> bool {
    text.starts_with(FIELD_PREFIX)
}

/// Seals `plain` for `purpose` under `key`: the prefix, then the hex of the
/// nonce, the ciphertext and its tag.
pub fn seal_field(key: &DataKey, purpose: &str, plain: &str) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new(key.expose().into())
        .encrypt(&XNonce::from(nonce), Payload { msg: plain.as_bytes(), aad: purpose.as_bytes() })
        // Encryption fails only for messages of gigabytes; a field is short.
        .unwrap_or_default();
    let mut out = String::with_capacity(FIELD_PREFIX.len() + 2 * (NONCE_LEN + sealed.len()));
    out.push_str(FIELD_PREFIX);
    out.push_str(&hex::encode(nonce));
    out.push_str(&hex::encode(sealed));
    out
}

/// Opens what `seal_field` sealed for the same purpose under the same key.
pub fn open_field(key: &DataKey, purpose: &str, text: &str) -> Result<String, VaultError> {
    let body = text
        .strip_prefix(FIELD_PREFIX)
        .ok_or_else(|| VaultError::Malformed(format!("the {purpose} is not sealed (run `amaan keys convert`)")))?;
    // Into a buffer of the known size: `hex::decode` goes through an
    // iterator adapter a call per byte, and a docket opens hundreds.
    let mut bytes = vec![0u8; body.len() / 2];
    hex::decode_to_slice(body, &mut bytes)
        .map_err(|_| VaultError::Malformed(format!("the sealed {purpose} is not hex")))?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err(VaultError::Malformed(format!("the sealed {purpose} is too short")));
    }
    let (nonce_bytes, sealed) = bytes.split_at(NONCE_LEN);
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(nonce_bytes);
    let plain = XChaCha20Poly1305::new(key.expose().into())
        .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: purpose.as_bytes() })
        .map_err(|_| VaultError::Refused(format!("the sealed {purpose} does not open with this key")))?;
    String::from_utf8(plain).map_err(|_| VaultError::Malformed(format!("the sealed {purpose} is not text")))
}

/// The blind index of one token (already normalised by the caller): equal
/// tokens give equal index entries under one key, and nothing else can be
/// learned from an entry without the key.
pub fn blind_token(key: &DataKey, token: &str) -> String {
    hex::encode(&hmac_sha256(key.expose(), token.as_bytes())[..TOKEN_BYTES])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_opens_only_under_its_key_and_purpose() {
        let key = DataKey::generate();
        let sealed = seal_field(&key, "party name", "Zainab Qamar");
        assert!(is_sealed_field(&sealed));
        assert!(!sealed.to_lowercase().contains("zainab"));
        assert_eq!(open_field(&key, "party name", &sealed).unwrap_or_else(|e| panic!("{e}")), "Zainab Qamar");
        assert!(open_field(&key, "party birth", &sealed).is_err(), "a name is not a birth date");
        assert!(open_field(&DataKey::generate(), "party name", &sealed).is_err());
        assert!(open_field(&key, "party name", "Zainab Qamar").is_err(), "plaintext is refused, not passed");
        let mut bent = sealed.clone().into_bytes();
        let last = bent.len() - 1;
        bent[last] = if bent[last] == b'0' { b'1' } else { b'0' };
        assert!(open_field(&key, "party name", &String::from_utf8(bent).unwrap_or_default()).is_err());
    }

    #[test]
    fn the_same_name_seals_differently_each_time_but_indexes_the_same() {
        let key = DataKey::generate();
        assert_ne!(seal_field(&key, "n", "Zainab"), seal_field(&key, "n", "Zainab"));
        assert_eq!(blind_token(&key, "zainab"), blind_token(&key, "zainab"));
        assert_ne!(blind_token(&key, "zainab"), blind_token(&key, "qamar"));
        assert_ne!(blind_token(&key, "zainab"), blind_token(&DataKey::generate(), "zainab"));
    }
}
