//! The hand-off's encryption (api.md §8): a CLI may give initiate a P-256
//! public key (a JWK); its refresh token is then handed out only as a
//! compact JWE (ECDH-ES + A256GCM, RFC 7518 §4.6) that only the CLI's
//! private key opens. Every waiting token is also kept as such a JWE, to a
//! key pair derived from the polling code's secret ([`DerivedKeyPair`]), so
//! that only the polling code's holder opens it. The JOSE work is picky's
//! (Devolutions), on RustCrypto. The CLI's half of the bound hand-off (its
//! key pair, opening the JWE) is the client crate's `handoff` module.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::pkcs8::EncodePrivateKey as _;
use picky::jose::jwe::{Jwe, JweAlg, JweEnc};
use picky::jose::jwk::Jwk;
use picky::key::PrivateKey;
use serde_json::Value;
use sha2::Sha256;

/// `apu` (RFC 7518 §4.6.1.2) of every JWE this service makes: who produced
/// it, bound into the key derivation. Always set, so that no header field is
/// `null` (which strict JOSE libraries refuse).
const PRODUCER: &[u8] = b"cli-auth";

/// The JWK a CLI gave, if it is a P-256 public key (`kty` EC, `crv` P-256,
/// `x`, `y`; `alg`, `use`, `kid` allowed and ignored; no private part): its
/// canonical JSON text, to keep on the attempt. Otherwise why not.
pub fn public_p256_jwk(value: &Value) -> Result<String, &'static str> {
    let Value::Object(fields) = value else {
        return Err("must be a JWK object");
    };
    const ALLOWED: [&str; 7] = ["kty", "crv", "x", "y", "alg", "use", "kid"];
    if fields.keys().any(|k| !ALLOWED.contains(&k.as_str())) {
        return Err("must be a public P-256 JWK (kty, crv, x, y only)");
    }
    if fields.get("kty").and_then(Value::as_str) != Some("EC")
        || fields.get("crv").and_then(Value::as_str) != Some("P-256")
    {
        return Err("must be a P-256 key (kty EC, crv P-256)");
    }
    let public = serde_json::json!({
        "kty": "EC",
        "crv": "P-256",
        "x": fields.get("x"),
        "y": fields.get("y"),
    })
    .to_string();
    // The point must be on the curve (picky does not check): RustCrypto's
    // p256 does, from the uncompressed SEC1 encoding 04 || x || y.
    let coordinate = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
            .filter(|bytes| bytes.len() == 32)
    };
    let (Some(x), Some(y)) = (coordinate("x"), coordinate("y")) else {
        return Err("must have x and y of 32 bytes each, base64url");
    };
    let sec1 = [&[0x04][..], &x, &y].concat();
    p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| "must be a point on P-256")?;
    Jwk::from_json(&public)
        .ok()
        .and_then(|jwk| jwk.to_public_key().ok())
        .ok_or("must be a valid P-256 public key")?;
    Ok(public)
}

/// `plaintext` as a compact JWE for the holder of the private key of
/// `public_jwk` (text from [`public_p256_jwk`]).
pub fn encrypt_for(public_jwk: &str, plaintext: &[u8]) -> Option<String> {
    let key = Jwk::from_json(public_jwk).ok()?.to_public_key().ok()?;
    let mut jwe = Jwe::new(JweAlg::EcdhEs, JweEnc::Aes256Gcm, plaintext.to_vec());
    jwe.header.apu = Some(URL_SAFE_NO_PAD.encode(PRODUCER));
    jwe.header.apv = Some(String::new());
    jwe.encode(&key).ok()
}

/// A P-256 key pair derived from a secret: the same secret and purpose
/// always give the same pair, so a record can keep only the public half
/// and the secret's holder can rebuild the private one.
pub struct DerivedKeyPair {
    private: PrivateKey,
}

impl std::fmt::Debug for DerivedKeyPair {
    // Never the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DerivedKeyPair").finish_non_exhaustive()
    }
}

impl DerivedKeyPair {
    /// The pair of `secret` for `purpose`: HKDF-SHA256 output taken as the
    /// private scalar, with a counter for the rare output that is not one
    /// (zero or at least the group order: odds about 2^-32 each).
    pub fn derive(secret: &[u8], purpose: &str) -> Option<Self> {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"cli-auth/derived-p256"), secret);
        let scalar = (0u8..=u8::MAX).find_map(|counter| {
            let mut bytes = [0u8; 32];
            let info = [purpose.as_bytes(), &[counter]].concat();
            hk.expand(&info, &mut bytes).ok()?;
            p256::SecretKey::from_slice(&bytes).ok()
        })?;
        let der = scalar.to_pkcs8_der().ok()?;
        let private = PrivateKey::from_pkcs8(der.as_bytes()).ok()?;
        Some(Self { private })
    }

    /// The public half as JWK text, in the canonical form of
    /// [`public_p256_jwk`], for [`encrypt_for`].
    pub fn public_jwk(&self) -> Option<String> {
        let text = Jwk::from_public_key(&self.private.to_public_key().ok()?)
            .ok()?
            .to_json()
            .ok()?;
        public_p256_jwk(&serde_json::from_str(&text).ok()?).ok()
    }

    /// Opens a compact JWE made for this pair; `None` if it was made for
    /// another key or was altered.
    pub fn open(&self, compact: &str) -> Option<Vec<u8>> {
        Jwe::decode(compact, &self.private)
            .ok()
            .map(|jwe| jwe.payload)
    }
}

#[cfg(test)]
#[path = "tests/jwe.rs"]
mod tests;
