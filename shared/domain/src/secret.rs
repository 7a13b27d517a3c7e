//! Secrets: generation, hashing, and the self-locating `<id>.<secret>` format.
//!
//! Every secret the service hands out (polling codes, login codes, refresh
//! tokens) has the form `<record id>.<256-bit random secret>`. The id lets the
//! store find the record with one strongly consistent key lookup; only the
//! SHA-256 of the secret part is stored, and the hash comparison is part of
//! the store's conditional write. API keys are plain prefixed secrets, also
//! stored only as hashes.

use std::sync::OnceLock;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of randomness in every secret: 256 bits (api.md §3 asks ≥ 224).
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

/// The user-code alphabet of RFC 8628 §6.1: consonants only (no vowels, so
/// no words; no easily confused letters).
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Letters in a user code: 20⁸ ≈ 2^34.6 codes.
pub const USER_CODE_LETTERS: usize = 8;

/// Agent auth's claim-code alphabet (Hexclave's): letters and digits
/// without 0, O, 1 and I, so a code survives being read aloud or retyped.
pub const CLAIM_CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Characters in a claim code: 32⁸ = 2^40 codes.
pub const CLAIM_CODE_CHARS: usize = 8;

/// `len` characters drawn uniformly from `alphabet` (at most 256 symbols):
/// bytes past the largest multiple of its size are drawn again.
fn random_code(alphabet: &[u8], len: usize) -> String {
    let size = alphabet.len();
    let limit = 256 - 256 % size;
    let mut code = String::with_capacity(len);
    let mut rng = rand::rng();
    while code.len() < len {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            code.push(char::from(alphabet[b % size]));
        }
    }
    code
}

/// A fresh user code, e.g. `BDWPHQPK` (shown as `BDWP-HQPK`): uniform over
/// the alphabet.
pub fn random_user_code() -> String {
    random_code(USER_CODE_ALPHABET, USER_CODE_LETTERS)
}

/// A fresh claim code, e.g. `K7PQ3XWM` (shown as `K7PQ-3XWM`).
pub fn random_claim_code() -> String {
    random_code(CLAIM_CODE_ALPHABET, CLAIM_CODE_CHARS)
}

/// A code as a person typed it, upper-cased with `ignored` characters
/// dropped; `None` unless that leaves `len` characters of `alphabet`.
fn normalize_code(
    typed: &str,
    ignored: impl Fn(char) -> bool,
    alphabet: &[u8],
    len: usize,
) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !ignored(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = code.len() == len && code.bytes().all(|b| alphabet.contains(&b));
    valid.then_some(code)
}

/// A user code as a person typed it, matched loosely (RFC 8628 §6.1):
/// case-insensitive, hyphens and whitespace ignored. `None` unless that
/// leaves [`USER_CODE_LETTERS`] letters of the alphabet.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    normalize_code(
        typed,
        |c| c == '-' || c.is_whitespace(),
        USER_CODE_ALPHABET,
        USER_CODE_LETTERS,
    )
}

/// A claim code as a person typed it, as Hexclave matches it: any case,
/// anything but letters and digits ignored (a missing dash, stray spaces).
pub fn normalize_claim_code(typed: &str) -> Option<String> {
    normalize_code(
        typed,
        |c| !c.is_ascii_alphanumeric(),
        CLAIM_CODE_ALPHABET,
        CLAIM_CODE_CHARS,
    )
}

/// A user code as people read it: `BDWP-HQPK`.
pub fn display_user_code(code: &str) -> String {
    match (code.get(..4), code.get(4..)) {
        (Some(head), Some(tail)) if !tail.is_empty() => format!("{head}-{tail}"),
        _ => code.to_owned(),
    }
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

    /// Parses `<id>.<43 base64url chars>`, the id a UUID or (for login
    /// attempts, which are keyed by the code a person reads) a user code or
    /// a claim code, in its normal form; anything else is `None` (and
    /// cannot name a record, so callers answer "invalid" without a store
    /// call).
    pub fn parse(text: &str) -> Option<Self> {
        let (id, secret) = text.split_once('.')?;
        let id_ok = uuid::Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id)
            || normalize_user_code(id).as_deref() == Some(id)
            || normalize_claim_code(id).as_deref() == Some(id);
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

/// A key derived from the secret half of a code the service never stores,
/// sealing (AES-256-GCM, random 96-bit nonces) what the store keeps for the
/// code's holder: at rest, in backups and exports it is unreadable without
/// the code.
pub struct SealingKey {
    bytes: [u8; 32],
    /// The AES key schedule, built on first use: a key that seals many
    /// values (the server's at-rest key) builds it once.
    aead: OnceLock<LessSafeKey>,
}

const SEALING_SALT: &[u8] = b"cli-auth/sealing-key/v1";
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;

impl SealingKey {
    /// HKDF-SHA256 of `secret`, for one `purpose`.
    pub fn derive(secret: impl AsRef<[u8]>, purpose: &str) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(SEALING_SALT), secret.as_ref());
        let mut bytes = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit: this cannot fail.
        let _ = hk.expand(purpose.as_bytes(), &mut bytes);
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            bytes,
            aead: OnceLock::new(),
        }
    }

    fn aead(&self) -> Option<&LessSafeKey> {
        if let Some(key) = self.aead.get() {
            return Some(key);
        }
        let key = UnboundKey::new(&AES_256_GCM, &self.bytes).ok()?;
        Some(self.aead.get_or_init(|| LessSafeKey::new(key)))
    }

    /// `plaintext` sealed, bound to `context` (what it is, of which record):
    /// base64url of nonce, ciphertext and tag.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Option<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = Vec::with_capacity(NONCE_BYTES + plaintext.len() + TAG_BYTES);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(plaintext);
        let tag = self
            .aead()?
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed[NONCE_BYTES..],
            )
            .ok()?;
        sealed.extend_from_slice(tag.as_ref());
        Some(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// What [`SealingKey::seal`] sealed under this key and `context`; `None`
    /// for another key, another context, or anything altered.
    pub fn open(&self, context: &str, sealed: &str) -> Option<Vec<u8>> {
        let mut bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let nonce = Nonce::try_assume_unique_for_key(bytes.get(..NONCE_BYTES)?).ok()?;
        let plaintext = self
            .aead()?
            .open_within(
                nonce,
                Aad::from(context.as_bytes()),
                &mut bytes,
                NONCE_BYTES..,
            )
            .ok()?
            .len();
        bytes.truncate(plaintext);
        Some(bytes)
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}
