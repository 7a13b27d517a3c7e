//! Access tokens: ES256 JWTs whose signing keys are derived, per audience,
//! from one server secret (HKDF-SHA256), so every function computes the same
//! keys without a key store and the JWKS endpoint publishes the public halves.
//! Rotating the server secret rotates every key (and every `kid`).

mod claims;
mod issuer;
mod keys;
mod verify;

pub use claims::{
    AccessClaims, DEFAULT_ACCESS_TOKEN_TTL_SECONDS, MIN_SERVER_SECRET_BYTES, TokenError, audience,
};
pub use issuer::{Minter, TokenIssuer};
pub use keys::decoding_key_from_jwk;
pub use verify::VerifyError;

#[cfg(test)]
#[path = "../tests/tokens.rs"]
mod tests;
