//! JSON Web Tokens for staff logins (HS256 only).

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Secret;

pub const STAFF_AUDIENCE: &str = "amaan-staff";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StaffClaims {
    pub sub: i64,
    pub role: String,
    pub court: Option<i64>,
    /// The user's token version when issued; bumping it revokes the token.
    pub ver: i64,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

pub fn issue(
    secret: &Secret,
    user_id: i64,
    role: &str,
    court: Option<i64>,
    ver: i64,
    ttl: Duration,
) -> Result<(String, DateTime<Utc>), String> {
    let now = Utc::now();
    let expires = now + ttl;
    let claims = StaffClaims {
        sub: user_id,
        role: role.to_string(),
        court,
        ver,
        aud: STAFF_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: expires.timestamp(),
    };
    let token = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.expose()))
        .map_err(|e| format!("signing failed: {e}"))?;
    Ok((token, expires))
}

/// Accepts only HS256 tokens signed with our secret, for our audience, not
/// expired. `alg: none` and every other algorithm are refused.
pub fn verify<T: for<'de> Deserialize<'de>>(secret: &Secret, token: &str, audience: &str) -> Result<T, String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_audience(&[audience]);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "aud"]);
    decode::<T>(token, &DecodingKey::from_secret(secret.expose()), &validation)
        .map(|data| data.claims)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new(b"0123456789abcdef0123456789abcdef".to_vec())
    }

    #[test]
    fn an_issued_token_verifies() {
        let (t, _) = issue(&secret(), 7, "judge", Some(1), 0, Duration::minutes(5)).unwrap_or_default();
        let c: StaffClaims =
            verify(&secret(), &t, STAFF_AUDIENCE).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.sub, 7);
        assert_eq!(c.role, "judge");
    }

    #[test]
    fn other_secrets_audiences_and_expired_tokens_are_refused() {
        let (t, _) = issue(&secret(), 7, "judge", Some(1), 0, Duration::minutes(5)).unwrap_or_default();
        let other = Secret::new(b"another-secret-another-secret-xx".to_vec());
        assert!(verify::<StaffClaims>(&other, &t, STAFF_AUDIENCE).is_err());
        assert!(verify::<StaffClaims>(&secret(), &t, "amaan-invite").is_err());
        let (old, _) = issue(&secret(), 7, "judge", Some(1), 0, Duration::minutes(-5)).unwrap_or_default();
        assert!(verify::<StaffClaims>(&secret(), &old, STAFF_AUDIENCE).is_err());
    }

    #[test]
    fn alg_none_is_refused() {
        use base64_like::encode_part;
        let header = encode_part(br#"{"alg":"none","typ":"JWT"}"#);
        let body = encode_part(
            br#"{"sub":1,"role":"admin","court":null,"ver":0,"aud":"amaan-staff","iat":0,"exp":9999999999}"#,
        );
        let forged = format!("{header}.{body}.");
        assert!(verify::<StaffClaims>(&secret(), &forged, STAFF_AUDIENCE).is_err());
    }

    mod base64_like {
        /// URL-safe base64 without padding, enough to forge a test token.
        pub fn encode_part(bytes: &[u8]) -> String {
            const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                let chars = chunk.len() + 1;
                for i in 0..chars {
                    out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
                }
            }
            out
        }
    }
}
