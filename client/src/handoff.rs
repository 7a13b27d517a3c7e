//! The CLI's half of the bound hand-off (api.md §8): for one login, a fresh
//! P-256 key pair whose public half goes to initiate (so the refresh token
//! comes back as a compact JWE only this process can open), and a PKCE
//! verifier whose S256 challenge goes to initiate (so every poll must prove
//! it started the login). Neither ever touches the disk.
//!
//! The JOSE work is picky's (Devolutions, on RustCrypto).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use picky::jose::jwe::Jwe;
use picky::jose::jwk::Jwk;
use picky::key::{EcCurve, PrivateKey};
use rand::Rng as _;
use serde_json::Value;
use sha2::Digest as _;

/// What binds one login's hand-off to this process.
pub struct Binding {
    private: PrivateKey,
    public_jwk: Value,
    verifier: String,
}

impl std::fmt::Debug for Binding {
    // Never the private key or the verifier.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binding")
            .field("public_jwk", &self.public_jwk)
            .finish_non_exhaustive()
    }
}

impl Binding {
    /// A fresh key pair and verifier; `None` only if the platform's random
    /// source or key generation fails.
    pub fn generate() -> Option<Self> {
        let private = PrivateKey::generate_ec(EcCurve::NistP256).ok()?;
        let public = private.to_public_key().ok()?;
        let public_jwk =
            serde_json::from_str(&Jwk::from_public_key(&public).ok()?.to_json().ok()?).ok()?;
        // RFC 7636 §4.1: 32 random octets, base64url: 43 characters.
        let mut octets = [0u8; 32];
        rand::rng().fill_bytes(&mut octets);
        Some(Self {
            private,
            public_jwk,
            verifier: URL_SAFE_NO_PAD.encode(octets),
        })
    }

    /// The public key, as the JWK initiate takes.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// The S256 code challenge initiate takes (RFC 7636 §4.2).
    pub fn code_challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(self.verifier.as_bytes()))
    }

    /// The verifier every poll carries.
    pub fn code_verifier(&self) -> &str {
        &self.verifier
    }

    /// Opens a compact JWE made for this key; `None` if it was made for
    /// another key or was altered.
    pub fn open(&self, compact: &str) -> Option<Vec<u8>> {
        Jwe::decode(compact, &self.private)
            .ok()
            .map(|jwe| jwe.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_s256_of_a_fresh_43_character_verifier() {
        let a = Binding::generate().expect("binding");
        let b = Binding::generate().expect("binding");
        assert_eq!(a.code_verifier().len(), 43);
        assert_ne!(a.code_verifier(), b.code_verifier(), "fresh each time");
        assert_ne!(a.public_jwk(), b.public_jwk(), "fresh each time");
        // RFC 7636 appendix B's example.
        let rfc = Binding {
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(),
            ..a
        };
        assert_eq!(
            rfc.code_challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_public_jwk_has_no_private_part() {
        let binding = Binding::generate().expect("binding");
        let jwk = binding.public_jwk();
        assert_eq!((&jwk["kty"], &jwk["crv"]), (&"EC".into(), &"P-256".into()));
        assert!(jwk.get("d").is_none(), "{jwk}");
        assert!(!format!("{binding:?}").contains(binding.code_verifier()));
    }
}
