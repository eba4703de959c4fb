//! Who is asking: password hashes, tokens, and the extractors that turn a
//! request into an authorised user.

pub mod extract;
pub mod password;
pub mod token;

pub use extract::{AuthUser, Authorized};
