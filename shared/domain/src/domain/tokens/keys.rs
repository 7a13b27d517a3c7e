//! Signing keys: each audience's P-256 key, derived (HKDF-SHA256) from a
//! server secret, and its public half (`kid`, JWK, decoding key).

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use p256::elliptic_curve::sec1::ToSec1Point as _;
use p256::pkcs8::EncodePrivateKey as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::claims::TokenError;

const HKDF_SALT: &[u8] = b"cli-auth/access-token-signing-key/v1";

/// The public half of an audience's key: what verifies its tokens.
pub(super) struct VerifyingKey {
    pub(super) kid: String,
    pub(super) decoding: DecodingKey,
    pub(super) jwk: Value,
}

pub(super) struct SigningKey {
    pub(super) public: VerifyingKey,
    /// Parsed once: parsing a PKCS#8 key per signature (as
    /// `jsonwebtoken::EncodingKey` does) costs more than the signature.
    pub(super) key_pair: EcdsaKeyPair,
    /// The JWS protected header, already base64url-encoded.
    pub(super) header: String,
}

/// HKDF-SHA256(secret) expanded with the audience into a P-256 scalar. A
/// counter skips the (≈2⁻³² likely) outputs that are not a valid scalar.
pub(super) fn derive_secret_key(
    secret: &[u8],
    audience: &str,
) -> Result<p256::SecretKey, TokenError> {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
    for counter in 0u8..=255 {
        let mut info = audience.as_bytes().to_vec();
        info.push(counter);
        let mut okm = [0u8; 32];
        hk.expand(&info, &mut okm)
            .map_err(|_| TokenError::Signing)?;
        if let Ok(secret_key) = p256::SecretKey::from_slice(&okm) {
            return Ok(secret_key);
        }
    }
    Err(TokenError::Signing)
}

/// The public half of an audience's key, its `kid` and JWK.
pub(super) fn verifying_key(secret_key: &p256::SecretKey) -> Result<VerifyingKey, TokenError> {
    let point = secret_key.public_key().to_sec1_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(TokenError::Signing);
    };
    let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(point.as_bytes())[..12]);
    let jwk = json!({
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
    });
    let decoding = decoding_key_from_jwk(&jwk).ok_or(TokenError::Signing)?;
    Ok(VerifyingKey { kid, decoding, jwk })
}

/// An audience's whole key: derived, its public half, the parsed key pair.
pub(super) fn derive_key(secret: &[u8], audience: &str) -> Result<SigningKey, TokenError> {
    let secret_key = derive_secret_key(secret, audience)?;
    let public = verifying_key(&secret_key)?;
    let der = secret_key.to_pkcs8_der().map_err(|_| TokenError::Signing)?;
    let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_bytes())
        .map_err(|_| TokenError::Signing)?;
    let header = URL_SAFE_NO_PAD
        .encode(json!({ "alg": "ES256", "typ": "JWT", "kid": public.kid }).to_string());
    Ok(SigningKey {
        public,
        key_pair,
        header,
    })
}

/// A verifier built only from a JWKS document, as any API would build it.
pub fn decoding_key_from_jwk(jwk: &Value) -> Option<DecodingKey> {
    DecodingKey::from_ec_components(jwk["x"].as_str()?, jwk["y"].as_str()?).ok()
}
