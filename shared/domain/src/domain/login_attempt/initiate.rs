//! initiate: the CLI starts an attempt and receives its two codes.

use super::{Asker, AttemptError, CliAttempt, DEFAULT_EXPIRES_IN_MILLIS};
use crate::clock::Millis;
use crate::domain::store::{Store, StoreError};
use crate::secret::{LocatedSecret, SealingKey};

/// The codes handed to the CLI by initiate.
#[derive(Debug)]
pub struct Initiated {
    pub polling_code: String,
    pub login_code: String,
    /// The short code a person can compare and type (`BDWP-HQPK`).
    pub user_code: String,
    pub expires_at_millis: Millis,
}

/// How many fresh user codes initiate tries before it gives up: with a
/// million attempts stored (live, or kept a day past expiry) one code in
/// 25,000 is taken, so a second try is already rare.
const USER_CODE_TRIES: usize = 4;

/// What the CLI asks for, and what the service saw of it.
#[derive(Debug, Default)]
pub struct InitiateRequest<'a> {
    pub expires_in_millis: Option<i64>,
    /// The CLI's own anonymous session, offered to the browser.
    pub anon_refresh_token: Option<&'a str>,
    pub asker: Asker,
    /// The bound hand-off: an S256 challenge, a public JWK (text).
    pub code_challenge: Option<String>,
    pub public_key: Option<String>,
    /// Made by the RFC 8628 grant: polled only at its token endpoint, at
    /// its pace.
    pub device_grant: bool,
}

/// Validates the CLI's anonymous session (if any), then writes the attempt:
/// one round trip, or three with an anonymous session to check. The login
/// code is sealed on it under `at_rest`, the server's key.
pub async fn initiate(
    store: &dyn Store,
    at_rest: &SealingKey,
    project_id: &str,
    request: InitiateRequest<'_>,
    now: Millis,
) -> Result<Initiated, AttemptError> {
    let anon = match request.anon_refresh_token {
        Some(token) => {
            let user_id = check_anon_refresh_token(store, project_id, token, now).await?;
            Some((token.to_owned(), user_id))
        }
        None => None,
    };
    let expires_in_millis = request
        .expires_in_millis
        .unwrap_or(DEFAULT_EXPIRES_IN_MILLIS);
    for _ in 0..USER_CODE_TRIES {
        let mut created = CliAttempt::create(project_id, now, expires_in_millis, anon.clone());
        created.attempt.asker = request.asker.clone();
        created.attempt.code_challenge = request.code_challenge.clone();
        created.attempt.public_key = request.public_key.clone();
        created.attempt.device_grant = request.device_grant;
        created
            .attempt
            .seal_login_code(at_rest, &created.login_code);
        match store.create_attempt(&created.attempt).await {
            Ok(()) => {
                return Ok(Initiated {
                    user_code: created.attempt.user_code().unwrap_or_default(),
                    polling_code: created.polling_code.expose(),
                    login_code: created.login_code.expose(),
                    expires_at_millis: created.attempt.expires_at_millis,
                });
            }
            // The user code is taken: draw another.
            Err(StoreError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Unavailable("no free user code after several tries".into()).into())
}

/// The CLI's anonymous session must be live, of this project, and of a user
/// who is still anonymous. Returns that user's id.
async fn check_anon_refresh_token(
    store: &dyn Store,
    project_id: &str,
    token: &str,
    now: Millis,
) -> Result<String, AttemptError> {
    let token = LocatedSecret::parse(token).ok_or(AttemptError::InvalidAnonRefreshToken)?;
    let session = store
        .session(&token.id)
        .await?
        .filter(|s| s.refresh_token_hash.matches(&token.secret))
        .ok_or(AttemptError::InvalidAnonRefreshToken)?;
    if session.project_id != project_id {
        return Err(AttemptError::RefreshTokenOfOtherProject);
    }
    if session.is_expired(now) {
        return Err(AttemptError::InvalidAnonRefreshToken);
    }
    let user = store
        .user(&session.user_id)
        .await?
        .ok_or(AttemptError::InvalidAnonRefreshToken)?;
    if !user.is_anonymous {
        return Err(AttemptError::AnonRefreshTokenNotAnonymous);
    }
    Ok(user.id)
}
