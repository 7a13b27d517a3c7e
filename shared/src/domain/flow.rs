//! What each CLI endpoint decides (contract §3), over the store port.
//!
//! Round trips to the store: initiate 1 (3 with an anonymous session to
//! validate), poll 1 in every state, complete 2 in every mode.

use crate::clock::Millis;
use crate::domain::cli::{
    AttemptKey, CliAttempt, CodeKind, DEFAULT_EXPIRES_IN_MILLIS, PollAnswer, classify_failed_poll,
};
use crate::domain::session::Session;
use crate::domain::tokens::{Minter, Subject};
use crate::domain::user::User;
use crate::error::{ApiError, KnownError};
use crate::secret::LocatedSecret;
use crate::store::{Claim, Lookup, PickUp, Store};

pub const INVALID_LOGIN_CODE: &str = "Invalid login code or the code has expired";
pub const NO_ANON_SESSION: &str = "No anonymous session associated with this code";

/// The codes handed to the CLI by initiate.
#[derive(Debug)]
pub struct Initiated {
    pub polling_code: String,
    pub login_code: String,
    pub expires_at_millis: Millis,
}

pub async fn initiate(
    store: &dyn Store,
    project_id: &str,
    expires_in_millis: Option<i64>,
    anon_refresh_token: Option<&str>,
    now: Millis,
) -> Result<Initiated, ApiError> {
    let anon = match anon_refresh_token {
        Some(token) => {
            let user_id = check_anon_refresh_token(store, project_id, token, now).await?;
            Some((token.to_owned(), user_id))
        }
        None => None,
    };
    let created = CliAttempt::create(
        project_id,
        now,
        expires_in_millis.unwrap_or(DEFAULT_EXPIRES_IN_MILLIS),
        anon,
    );
    store.create_attempt(&created.attempt).await?;
    Ok(Initiated {
        polling_code: created.polling_code.expose(),
        login_code: created.login_code.expose(),
        expires_at_millis: created.attempt.expires_at_millis,
    })
}

/// The CLI's anonymous session must be live, of this project, and of a user
/// who is still anonymous. Returns that user's id.
async fn check_anon_refresh_token(
    store: &dyn Store,
    project_id: &str,
    token: &str,
    now: Millis,
) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_request("Invalid anon refresh token");
    let token = LocatedSecret::parse(token).ok_or_else(invalid)?;
    let session = store
        .session(&token.id)
        .await?
        .filter(|s| s.refresh_token_hash.matches(&token.secret))
        .ok_or_else(invalid)?;
    if session.project_id != project_id {
        return Err(ApiError::bad_request(
            "Anon refresh token does not belong to this project",
        ));
    }
    if session.is_expired(now) {
        return Err(ApiError::bad_request(
            "The provided anon refresh token has expired",
        ));
    }
    let user = store.user(&session.user_id).await?.ok_or_else(invalid)?;
    if !user.is_anonymous {
        return Err(ApiError::bad_request(
            "The provided refresh token does not belong to an anonymous user",
        ));
    }
    Ok(user.id)
}

pub async fn poll(
    store: &dyn Store,
    project_id: &str,
    polling_code: &str,
    now: Millis,
) -> Result<PollAnswer, ApiError> {
    let code = LocatedSecret::parse(polling_code).ok_or(KnownError::InvalidPollingCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling);
    let answer = match store.pick_up(&key, now).await? {
        PickUp::Taken { refresh_token } => PollAnswer::Success { refresh_token },
        PickUp::NotTaken(attempt) => classify_failed_poll(attempt.as_ref(), &key, now),
    };
    if answer == PollAnswer::Invalid {
        return Err(KnownError::InvalidPollingCode.into());
    }
    Ok(answer)
}

/// The three modes of `POST /auth/cli/complete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompleteMode {
    Check,
    ClaimAnonSession,
    Complete { refresh_token: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completed {
    /// `check`: whether the CLI carries a live anonymous session.
    SessionState { anonymous: bool },
    /// `claim-anon-session`: the CLI's anonymous session, now the browser's.
    Claimed {
        access_token: String,
        refresh_token: String,
    },
    /// `complete`: the refresh token is set on the attempt.
    Success,
}

pub async fn complete(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    login_code: &str,
    mode: CompleteMode,
    now: Millis,
) -> Result<Completed, ApiError> {
    let invalid_login = || ApiError::bad_request(INVALID_LOGIN_CODE);
    let code = LocatedSecret::parse(login_code).ok_or_else(invalid_login)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Login);
    match mode {
        CompleteMode::Check => {
            let attempt = store
                .attempt(&key.attempt_id)
                .await?
                .filter(|a| a.is_pending_for(&key, now))
                .ok_or_else(invalid_login)?;
            let anonymous = match (&attempt.anon_refresh_token, &attempt.anon_user_id) {
                (Some(token), Some(user_id)) => {
                    live_anonymous_session(store, project_id, token, user_id, now)
                        .await?
                        .is_some()
                }
                _ => false,
            };
            Ok(Completed::SessionState { anonymous })
        }
        CompleteMode::ClaimAnonSession => match store.claim_anon_session(&key, now).await? {
            Claim::Claimed {
                anon_refresh_token,
                anon_user_id,
                session_id,
            } => {
                let subject = Subject {
                    user_id: anon_user_id,
                    project_id: project_id.to_owned(),
                    is_anonymous: true,
                    session_id,
                };
                Ok(Completed::Claimed {
                    access_token: minter.subject_token(&subject, now)?,
                    refresh_token: anon_refresh_token,
                })
            }
            Claim::NoLiveSession => Err(ApiError::bad_request(NO_ANON_SESSION)),
            Claim::NotPending => Err(invalid_login()),
        },
        CompleteMode::Complete { refresh_token } => {
            let token = refresh_token.as_deref().map(LocatedSecret::parse);
            let found = store
                .lookup(Lookup {
                    attempt_id: Some(&key.attempt_id),
                    session_id: token
                        .as_ref()
                        .and_then(|t| t.as_ref())
                        .map(|t| t.id.as_str()),
                    ..Lookup::default()
                })
                .await?;
            if !found.attempt.is_some_and(|a| a.is_pending_for(&key, now)) {
                return Err(invalid_login());
            }
            let (Some(text), Some(token)) = (refresh_token, token) else {
                return Err(ApiError::bad_request(
                    "refresh_token is required when mode is 'complete'",
                ));
            };
            let invalid_token = || ApiError::bad_request("Invalid refresh token");
            let token = token.ok_or_else(invalid_token)?;
            let session = found
                .session
                .filter(|s| s.is_live_for(&token, now))
                .ok_or_else(invalid_token)?;
            if session.project_id != project_id {
                return Err(ApiError::bad_request(
                    "Refresh token does not belong to this project",
                ));
            }
            if store.complete(&key, &text, now).await? {
                Ok(Completed::Success)
            } else {
                Err(invalid_login())
            }
        }
    }
}

/// The anonymous session behind `token` if it is live, of this project, and
/// its user (`user_id`) is still anonymous. One round trip.
async fn live_anonymous_session(
    store: &dyn Store,
    project_id: &str,
    token: &str,
    user_id: &str,
    now: Millis,
) -> Result<Option<(User, Session)>, ApiError> {
    let Some(token) = LocatedSecret::parse(token) else {
        return Ok(None);
    };
    let found = store
        .lookup(Lookup {
            session_id: Some(&token.id),
            user_id: Some(user_id),
            ..Lookup::default()
        })
        .await?;
    Ok(match (found.session, found.user) {
        (Some(session), Some(user))
            if session.is_live_for(&token, now)
                && session.project_id == project_id
                && session.user_id == user.id
                && user.is_anonymous =>
        {
            Some((user, session))
        }
        _ => None,
    })
}
