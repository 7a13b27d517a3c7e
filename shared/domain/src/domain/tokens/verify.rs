//! Verifying an access token: the key its `kid` names, among the keys of
//! the audience it claims under each server secret; then signature,
//! claims, expiry, project.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::claims::{AccessClaims, audience};
use super::issuer::TokenIssuer;
use super::keys::{SigningKey, VerifyingKey, derive_secret_key, verifying_key};
use crate::clock::Millis;

/// A verifying key found for a token: cached, or derived for it alone.
enum Verifier {
    Cached(Arc<SigningKey>),
    Derived(VerifyingKey),
}

impl Verifier {
    fn public(&self) -> &VerifyingKey {
        match self {
            Self::Cached(key) => &key.public,
            Self::Derived(key) => key,
        }
    }
}

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a JWT of ours: malformed, wrong algorithm, bad signature.
    Unparsable,
    Expired {
        expired_at_millis: i64,
    },
    /// A genuine token of another project.
    OtherProject {
        actual: String,
    },
}

/// The parts of the claims read before the signature is checked, to choose
/// the key (the project and audience the token says it is for).
#[derive(Deserialize)]
struct Unverified {
    project_id: String,
    aud: String,
}

impl TokenIssuer {
    /// The key whose `kid` is `kid`, among the audience's keys under each
    /// secret; cached only when `cacheable`.
    fn verifier(&self, audience: &str, kid: &str, cacheable: bool) -> Option<Verifier> {
        (0..self.secrets.len()).find_map(|generation| {
            let found = if cacheable {
                Verifier::Cached(self.key_of(generation, audience).ok()?)
            } else {
                let secret = derive_secret_key(&self.secrets[generation], audience).ok()?;
                Verifier::Derived(verifying_key(&secret).ok()?)
            };
            (found.public().kid == kid).then_some(found)
        })
    }

    /// Verifies an access token presented for `project_id` at `now`:
    /// signature (with the key of the audience the token names), expiry,
    /// then project. `project_exists` says whether the store knows
    /// `project_id`: only then are its keys cached.
    pub fn verify(
        &self,
        token: &str,
        project_id: &str,
        project_exists: bool,
        now: Millis,
    ) -> Result<AccessClaims, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Unparsable)?;
        if header.alg != Algorithm::ES256 {
            return Err(VerifyError::Unparsable);
        }
        let payload = token.split('.').nth(1).ok_or(VerifyError::Unparsable)?;
        let peek: Unverified = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(VerifyError::Unparsable)?;
        let anonymous = peek.aud.ends_with(":anon");
        if peek.aud != audience(&peek.project_id, anonymous) {
            return Err(VerifyError::Unparsable);
        }
        // The keys of the request's own project, when it exists, are cached.
        // Any other audience's key is derived for this check alone and kept
        // nowhere, so forged tokens naming random projects cost a derivation
        // each and no memory.
        let cacheable = project_exists && peek.project_id == project_id;
        let kid = header.kid.as_deref().ok_or(VerifyError::Unparsable)?;
        let verifier = self
            .verifier(&peek.aud, kid, cacheable)
            .ok_or(VerifyError::Unparsable)?;
        let key = verifier.public();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.set_audience(&[&peek.aud]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        // Expiry is checked below against the service's clock.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
            .map_err(|_| VerifyError::Unparsable)?
            .claims;
        if claims.is_anonymous != anonymous || claims.project_id != peek.project_id {
            return Err(VerifyError::Unparsable);
        }
        if claims.exp.saturating_mul(1000) <= now {
            return Err(VerifyError::Expired {
                expired_at_millis: claims.exp.saturating_mul(1000),
            });
        }
        if claims.project_id != project_id {
            return Err(VerifyError::OtherProject {
                actual: claims.project_id,
            });
        }
        Ok(claims)
    }
}
