//! Access tokens: ES256 JWTs whose signing keys are derived, per audience,
//! from one server secret (HKDF-SHA256), so every function computes the same
//! keys without a key store and the JWKS endpoint publishes the public halves.
//! Rotating the server secret rotates every key (and every `kid`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use p256::elliptic_curve::sec1::ToSec1Point as _;
use p256::pkcs8::EncodePrivateKey as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::domain::user::{RestrictedReason, User};

/// Default lifetime of an access token: 10 minutes.
pub const DEFAULT_ACCESS_TOKEN_TTL_SECONDS: i64 = 600;
/// The shortest server secret accepted: 32 bytes.
pub const MIN_SERVER_SECRET_BYTES: usize = 32;

const HKDF_SALT: &[u8] = b"cli-auth/access-token-signing-key/v1";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the server secret must be at least {MIN_SERVER_SECRET_BYTES} bytes")]
    SecretTooShort,
    #[error("could not sign an access token")]
    Signing,
}

/// The claims of an access token (contract §4): the JWT's own, Stack's,
/// and the user's values Stack's SDK validates before it uses a token (its
/// `accessTokenPayloadSchema`). The user claims default when absent, so a
/// token minted before they existed still verifies until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub project_id: String,
    pub branch_id: String,
    pub refresh_token_id: String,
    pub role: String,
    pub is_anonymous: bool,
    /// The display name, or null.
    #[serde(default)]
    pub name: Option<String>,
    /// The primary e-mail, or null.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub selected_team_id: Option<String>,
    /// Epoch seconds.
    #[serde(default)]
    pub signed_up_at: i64,
    #[serde(default)]
    pub is_restricted: bool,
    #[serde(default)]
    pub restricted_reason: Option<RestrictedReason>,
    #[serde(default)]
    pub requires_totp_mfa: bool,
}

/// The public half of an audience's key: what verifies its tokens.
struct VerifyingKey {
    kid: String,
    decoding: DecodingKey,
    jwk: Value,
}

struct SigningKey {
    public: VerifyingKey,
    /// Parsed once: parsing a PKCS#8 key per signature (as
    /// `jsonwebtoken::EncodingKey` does) costs more than the signature.
    key_pair: EcdsaKeyPair,
    /// The JWS protected header, already base64url-encoded.
    header: String,
}

/// Most audiences whose keys a process keeps (two per project it serves);
/// past it the cache starts over, as the project cache does.
const MAX_CACHED_AUDIENCES: usize = 4_096;

/// Mints access tokens and publishes their keys.
pub struct TokenIssuer {
    /// The server secret that signs, then (during a rotation) the previous
    /// one, whose keys still verify and are still published.
    secrets: Vec<Vec<u8>>,
    ttl_seconds: i64,
    /// Keys (by secret, then audience) of the audiences this process signed
    /// for or verified tokens of its requests' own projects: only projects
    /// that exist.
    keys: Mutex<HashMap<(usize, String), Arc<SigningKey>>>,
}

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

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

pub fn audience(project_id: &str, is_anonymous: bool) -> String {
    if is_anonymous {
        format!("{project_id}:anon")
    } else {
        project_id.to_owned()
    }
}

impl TokenIssuer {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Result<Self, TokenError> {
        if secret.len() < MIN_SERVER_SECRET_BYTES {
            return Err(TokenError::SecretTooShort);
        }
        Ok(Self {
            secrets: vec![secret.to_vec()],
            ttl_seconds,
            keys: Mutex::new(HashMap::new()),
        })
    }

    /// Also verifies, and publishes the keys of, the secret `previous` (a
    /// rotation without a hard cut: tokens it signed stay valid until they
    /// expire). Signing always uses the current secret.
    pub fn with_previous(mut self, previous: &[u8]) -> Result<Self, TokenError> {
        if previous.len() < MIN_SERVER_SECRET_BYTES {
            return Err(TokenError::SecretTooShort);
        }
        self.secrets.truncate(1);
        self.secrets.push(previous.to_vec());
        Ok(self)
    }

    /// How long an access token lives, in seconds.
    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// The `iss` claim; `base_url` is the service's public base URL.
    pub fn issuer(&self, base_url: &str, project_id: &str, is_anonymous: bool) -> String {
        let kind = if is_anonymous {
            "projects-anonymous-users"
        } else {
            "projects"
        };
        format!(
            "{}/api/v1/{kind}/{project_id}",
            base_url.trim_end_matches('/')
        )
    }

    /// The signing key of one audience, derived once per process. Only for
    /// audiences of projects that exist (the caller knows it): the cache is
    /// never filled by what a request merely claims.
    fn key(&self, audience: &str) -> Result<Arc<SigningKey>, TokenError> {
        self.key_of(0, audience)
    }

    /// The key of one audience under the secret `generation` (0: current).
    fn key_of(&self, generation: usize, audience: &str) -> Result<Arc<SigningKey>, TokenError> {
        let id = (generation, audience.to_owned());
        if let Some(k) = self.keys.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(Arc::clone(k));
        }
        let secret = self.secrets.get(generation).ok_or(TokenError::Signing)?;
        let key = Arc::new(derive_key(secret, audience)?);
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if keys.len() >= MAX_CACHED_AUDIENCES {
            keys.clear();
        }
        keys.insert(id, Arc::clone(&key));
        Ok(key)
    }

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

    /// How many audiences' keys this process holds (for the tests).
    pub fn cached_audiences(&self) -> usize {
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn claims(&self, base_url: &str, user: &User, session_id: &str, now: Millis) -> AccessClaims {
        let iat = now.div_euclid(1000);
        let anonymous = user.is_anonymous;
        let restricted_reason = user.restricted_reason();
        AccessClaims {
            sub: user.id.clone(),
            iss: self.issuer(base_url, &user.project_id, anonymous),
            aud: audience(&user.project_id, anonymous),
            iat,
            exp: iat + self.ttl_seconds,
            project_id: user.project_id.clone(),
            branch_id: "main".to_owned(),
            refresh_token_id: session_id.to_owned(),
            role: "authenticated".to_owned(),
            is_anonymous: anonymous,
            name: user.display_name.clone(),
            email: user.primary_email.clone(),
            email_verified: false,
            selected_team_id: None,
            signed_up_at: user.signed_up_at_millis.div_euclid(1000),
            is_restricted: restricted_reason.is_some(),
            restricted_reason,
            requires_totp_mfa: false,
        }
    }

    /// A signed access token for `user`, minted from its session `session_id`.
    pub fn access_token(
        &self,
        base_url: &str,
        user: &User,
        session_id: &str,
        now: Millis,
    ) -> Result<String, TokenError> {
        let claims = self.claims(base_url, user, session_id, now);
        let key = self.key(&claims.aud)?;
        // JWS compact serialization (RFC 7515): header.payload.signature,
        // ES256 = ECDSA P-256 SHA-256 with the fixed 64-byte r||s signature.
        let payload = serde_json::to_vec(&claims).map_err(|_| TokenError::Signing)?;
        let signing_input = format!("{}.{}", key.header, URL_SAFE_NO_PAD.encode(payload));
        let signature = key
            .key_pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| TokenError::Signing)?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }

    /// The public keys of a project's audiences, as a JWKS document.
    pub fn jwks(&self, project_id: &str, include_anonymous: bool) -> Result<Value, TokenError> {
        let mut audiences = vec![audience(project_id, false)];
        if include_anonymous {
            audiences.push(audience(project_id, true));
        }
        let mut keys = Vec::new();
        for generation in 0..self.secrets.len() {
            for audience in &audiences {
                keys.push(self.key_of(generation, audience)?.public.jwk.clone());
            }
        }
        Ok(json!({ "keys": keys }))
    }
}

/// HKDF-SHA256(secret) expanded with the audience into a P-256 scalar. A
/// counter skips the (≈2⁻³² likely) outputs that are not a valid scalar.
fn derive_secret_key(secret: &[u8], audience: &str) -> Result<p256::SecretKey, TokenError> {
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
fn verifying_key(secret_key: &p256::SecretKey) -> Result<VerifyingKey, TokenError> {
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
fn derive_key(secret: &[u8], audience: &str) -> Result<SigningKey, TokenError> {
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

/// The issuer as seen through one request: which base URL goes in `iss`.
#[derive(Debug, Clone, Copy)]
pub struct Minter<'a> {
    pub tokens: &'a TokenIssuer,
    pub base_url: &'a str,
}

impl Minter<'_> {
    /// A signed access token for `user`, minted from its session `session_id`.
    pub fn access_token(
        &self,
        user: &User,
        session_id: &str,
        now: Millis,
    ) -> Result<String, TokenError> {
        self.tokens
            .access_token(self.base_url, user, session_id, now)
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

/// A verifier built only from a JWKS document, as any API would build it.
pub fn decoding_key_from_jwk(jwk: &Value) -> Option<DecodingKey> {
    DecodingKey::from_ec_components(jwk["x"].as_str()?, jwk["y"].as_str()?).ok()
}

#[cfg(test)]
#[path = "tests/tokens.rs"]
mod tests;
