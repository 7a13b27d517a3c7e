//! Secrets: generation, hashing, and the self-locating `<id>.<secret>` format.
//!
//! Every secret the service hands out (polling codes, login codes, refresh
//! tokens) has the form `<record id>.<256-bit random secret>`. The id lets the
//! store find the record with one strongly consistent key lookup; only the
//! SHA-256 of the secret part is stored, and the hash comparison is part of
//! the store's conditional write. API keys are plain prefixed secrets, also
//! stored only as hashes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of randomness in every secret: 256 bits (the contract asks ≥ 224).
pub const SECRET_BYTES: usize = 32;
/// Length of the base64url (unpadded) text of a secret.
pub const SECRET_CHARS: usize = 43;

/// `n` bytes from the operating system's CSPRNG, as unpadded base64url.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh 256-bit secret as base64url text.
pub fn random_secret() -> String {
    random_token(SECRET_BYTES)
}

/// A fresh record id: a random UUID (v4), in its hyphenated form.
pub fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// SHA-256 of a secret, as unpadded base64url. SHA-256 is the right tool for
/// high-entropy random secrets: there is nothing to brute-force.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes())))
    }

    /// Wraps a hash read back from the store.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with the hash of `secret`.
    pub fn matches(&self, secret: &str) -> bool {
        self.0
            .as_bytes()
            .ct_eq(Self::of(secret).0.as_bytes())
            .into()
    }

    /// The first characters, enough to correlate log lines, never the secret.
    pub fn prefix(&self) -> &str {
        self.0.get(..8).unwrap_or(&self.0)
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretHash({}…)", self.prefix())
    }
}

/// A parsed `<id>.<secret>` value. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct LocatedSecret {
    pub id: String,
    pub secret: String,
}

impl LocatedSecret {
    /// A new secret for the record `id`.
    pub fn generate(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            secret: random_secret(),
        }
    }

    /// Parses `<uuid>.<43 base64url chars>`; anything else is `None` (and
    /// cannot name a record, so callers answer "invalid" without a store call).
    pub fn parse(text: &str) -> Option<Self> {
        let (id, secret) = text.split_once('.')?;
        let id_ok = uuid::Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id);
        let secret_ok = secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (id_ok && secret_ok).then(|| Self {
            id: id.to_owned(),
            secret: secret.to_owned(),
        })
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.secret)
    }

    /// The text handed to clients.
    pub fn expose(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }
}

impl std::fmt::Debug for LocatedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocatedSecret({}.…)", self.id)
    }
}

#[cfg(test)]
#[path = "tests/secret.rs"]
mod tests;
