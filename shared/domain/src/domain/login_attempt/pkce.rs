//! The bound hand-off's PKCE (RFC 7636, S256 only; api.md §8): the
//! verifier a poll sends, as the challenge it answers.

/// A poll's answer to the attempt's `code_challenge`, part of naming it:
/// an attempt with a challenge is named only by a poll whose verifier
/// matches (a wrong or missing one answers as an unknown polling code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Verifier {
    /// Not asked: the login code's requests, and cancel.
    #[default]
    NotAsked,
    /// A poll that sent no `code_verifier`.
    Absent,
    /// The S256 challenge (base64url SHA-256) of the poll's verifier.
    Challenge(String),
}

impl Verifier {
    /// The verifier a poll sent, as the challenge it answers (RFC 7636
    /// §4.6: base64url of SHA-256); a malformed one answers nothing.
    pub fn of(code_verifier: Option<&str>) -> Self {
        match code_verifier {
            None => Self::Absent,
            Some(v) if is_code_verifier(v) => Self::Challenge(s256(v)),
            // No challenge is 43 characters of nothing.
            Some(_) => Self::Challenge(String::new()),
        }
    }
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_code_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// An S256 code challenge: base64url (unpadded) of SHA-256.
pub fn s256(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Whether `text` can be an S256 code challenge: 43 base64url characters.
pub fn is_code_challenge(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
