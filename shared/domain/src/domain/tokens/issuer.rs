//! The issuer: derives the keys, mints access tokens, publishes the JWKS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::claims::{AccessClaims, MIN_SERVER_SECRET_BYTES, TokenError, audience};
use super::keys::{SigningKey, derive_key};
use crate::clock::Millis;
use crate::domain::user::User;
use crate::secret::SealingKey;

/// attempt, so that the user-code look-up can hand it out while the store
/// holds nothing usable.
const LOGIN_CODE_AT_REST: &str = "cli-attempt/login-code-at-rest";

/// Most audiences whose keys a process keeps (two per project it serves);
/// past it the cache starts over, as the project cache does.
const MAX_CACHED_AUDIENCES: usize = 4_096;

/// Mints access tokens and publishes their keys.
pub struct TokenIssuer {
    /// The server secret that signs, then (during a rotation) the next and
    /// the previous ones, whose keys verify and are published.
    pub(super) secrets: Vec<Vec<u8>>,
    ttl_seconds: i64,
    /// The login code's at-rest keys, one per secret, derived once: the
    /// first (of the signing secret) seals, every one opens (a rotation
    /// keeps what was sealed before readable).
    login_code_keys: Vec<SealingKey>,
    /// Keys (by secret, then audience) of the audiences this process signed
    /// for or verified tokens of its requests' own projects: only projects
    /// that exist.
    pub(super) keys: Mutex<HashMap<(usize, String), Arc<SigningKey>>>,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
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
            login_code_keys: vec![SealingKey::derive(secret, LOGIN_CODE_AT_REST)],
            keys: Mutex::new(HashMap::new()),
        })
    }

    /// Also verifies, and publishes the keys of, `secret`: during a rotation
    /// without a hard cut, the secret that will sign next (its keys are
    /// known everywhere before any token carries them) or the one that
    /// signed before (its tokens stay valid until they expire). Signing
    /// always uses the secret given to [`TokenIssuer::new`].
    pub fn also_verifying(mut self, secret: &[u8]) -> Result<Self, TokenError> {
        if secret.len() < MIN_SERVER_SECRET_BYTES {
            return Err(TokenError::SecretTooShort);
        }
        if !self.secrets.iter().any(|known| known.as_slice() == secret) {
            self.secrets.push(secret.to_vec());
            self.login_code_keys
                .push(SealingKey::derive(secret, LOGIN_CODE_AT_REST));
        }
        Ok(self)
    }

    /// The key that seals the login code behind a user code at rest (of
    /// the signing secret).
    pub fn login_code_sealing_key(&self) -> &SealingKey {
        // `new` derives the signing secret's key first; it is never removed.
        &self.login_code_keys[0]
    }

    /// Every key that opens a sealed login code: the signing secret's, then
    /// those of the secrets that only verify.
    pub fn login_code_keys(&self) -> &[SealingKey] {
        &self.login_code_keys
    }

    /// Keys for `purpose` derived from every server secret, the signing
    /// secret's first (it seals; every one opens, so a rotation keeps what
    /// was sealed before readable). Each purpose gets keys of its own.
    pub fn derived_keys(&self, purpose: &str) -> Vec<SealingKey> {
        self.secrets
            .iter()
            .map(|secret| SealingKey::derive(secret, purpose))
            .collect()
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
    pub(super) fn key_of(
        &self,
        generation: usize,
        audience: &str,
    ) -> Result<Arc<SigningKey>, TokenError> {
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
