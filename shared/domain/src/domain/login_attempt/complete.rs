//! complete: the signed-in browser checks an attempt, claims the CLI's
//! anonymous session, completes the attempt with its own refresh token, or
//! denies it.

use super::attempt::open_anon_refresh_token;
use super::{AskedBy, AttemptError, AttemptKey, CliAttempt, CodeKind, Ending, Refusal};
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::store::{Claim, Finish, Lookup, Store, StoreError};
use crate::domain::tokens::Minter;
use crate::domain::user::User;
use crate::secret::LocatedSecret;

/// The modes of `POST /auth/cli/complete`: Stack's three, and `deny`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompleteMode {
    Check,
    ClaimAnonSession,
    Complete { refresh_token: Option<String> },
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completed {
    /// `check`: whether the CLI carries a live anonymous session, and who
    /// is asking when the CLI said who it is (so that Stack's own answer
    /// stays byte for byte when it did not).
    SessionState {
        anonymous: bool,
        asked_by: Option<AskedBy>,
    },
    /// `claim-anon-session`: the CLI's anonymous session, now the browser's.
    Claimed {
        access_token: String,
        refresh_token: String,
    },
    /// `complete`: the refresh token is set on the attempt; `deny`: the
    /// attempt is denied.
    Success,
}

/// Runs one mode of complete. Every mode first needs the attempt named by
/// the login code to be pending (neither completed, used nor expired).
pub async fn complete(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    login_code: &str,
    mode: CompleteMode,
    now: Millis,
) -> Result<Completed, AttemptError> {
    let code = LocatedSecret::parse(login_code).ok_or(AttemptError::InvalidLoginCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Login);
    match mode {
        CompleteMode::Check => check(store, &key, &code, now).await,
        CompleteMode::ClaimAnonSession => claim_anon_session(store, minter, &key, &code, now).await,
        CompleteMode::Complete { refresh_token } => {
            complete_with(store, &key, refresh_token, now).await
        }
        CompleteMode::Deny => deny(store, &key, now).await,
    }
}

/// `deny`: the once-only write of `complete`, ending the attempt with a
/// refusal; no read first (the write's condition names the attempt).
async fn deny(store: &dyn Store, key: &AttemptKey, now: Millis) -> Result<Completed, AttemptError> {
    let request = crate::secret::random_token(16);
    match store
        .complete(key, &Ending::Refused(Refusal::Denied), now, &request)
        .await?
    {
        Finish::Done => Ok(Completed::Success),
        Finish::NotPending(_) => Err(AttemptError::InvalidLoginCode),
    }
}

/// `check`: one read of the attempt, one of its anonymous session and user.
async fn check(
    store: &dyn Store,
    key: &AttemptKey,
    code: &LocatedSecret,
    now: Millis,
) -> Result<Completed, AttemptError> {
    let attempt = store
        .attempt(&key.attempt_id)
        .await?
        .filter(|a| a.is_pending_for(key, now))
        .ok_or(AttemptError::InvalidLoginCode)?;
    let anonymous = match (attempt.anon_refresh_token(code), &attempt.anon_user_id) {
        (Some(token), Some(user_id)) => {
            live_anonymous_session(store, &key.project_id, &token, user_id, now)
                .await?
                .is_some()
        }
        _ => false,
    };
    let asked_by = attempt.asker.client.is_some().then(|| attempt.asked_by());
    Ok(Completed::SessionState {
        anonymous,
        asked_by,
    })
}

/// `claim-anon-session`: the store detaches the live anonymous session in
/// one atomic step, its last; the browser gets it with a fresh access token,
/// whose claims carry the anonymous user's values.
async fn claim_anon_session(
    store: &dyn Store,
    minter: Minter<'_>,
    key: &AttemptKey,
    code: &LocatedSecret,
    now: Millis,
) -> Result<Completed, AttemptError> {
    match store.claim_anon_session(key, now).await? {
        Claim::Claimed {
            anon_refresh_token,
            anon_user,
            session_id,
        } => Ok(Completed::Claimed {
            access_token: minter.access_token(&anon_user, &session_id, now)?,
            refresh_token: open_anon_refresh_token(code, &anon_refresh_token)
                .ok_or_else(|| unreadable("the claimed anonymous refresh token"))?,
        }),
        Claim::NoLiveSession => Err(AttemptError::NoAnonSession),
        Claim::NotPending => Err(AttemptError::InvalidLoginCode),
    }
}

/// `complete`: the attempt and the browser's session in one read, then the
/// conditional write that sets the refresh token (once).
async fn complete_with(
    store: &dyn Store,
    key: &AttemptKey,
    refresh_token: Option<String>,
    now: Millis,
) -> Result<Completed, AttemptError> {
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
    let Some(attempt) = found.attempt.filter(|a| a.is_pending_for(key, now)) else {
        return Err(AttemptError::InvalidLoginCode);
    };
    let (Some(text), Some(token)) = (refresh_token, token) else {
        return Err(AttemptError::RefreshTokenRequired);
    };
    let token = token.ok_or(AttemptError::InvalidRefreshToken)?;
    let session = found
        .session
        .filter(|s| s.is_live_for(&token, now))
        .ok_or(AttemptError::InvalidRefreshToken)?;
    if session.project_id != key.project_id {
        return Err(AttemptError::RefreshTokenOfOtherProject);
    }
    hand_over(store, key, &attempt, &text, &session.id, now).await
}

/// The once-only write that hands `refresh_token` (of the session
/// `session_id`) to the attempt's CLI,
/// encrypted for it, if the attempt is still pending. The bound hand-off's
/// token is first a JWE only the CLI's private key opens; either way what
/// waits is encrypted to the polling code's key pair.
pub(super) async fn hand_over(
    store: &dyn Store,
    key: &AttemptKey,
    attempt: &CliAttempt,
    refresh_token: &str,
    session_id: &str,
    now: Millis,
) -> Result<Completed, AttemptError> {
    let not_encrypting = |what: &str| StoreError::Corrupt(format!("{what} does not encrypt"));
    let handed = match &attempt.public_key {
        Some(public) => crate::jwe::encrypt_for(public, refresh_token.as_bytes())
            .ok_or_else(|| not_encrypting("the attempt's public key"))?,
        None => refresh_token.to_owned(),
    };
    let sealed = attempt
        .seal_refresh_token(&handed)
        .ok_or_else(|| not_encrypting("the attempt's poll key"))?;
    let request = crate::secret::random_token(16);
    let ending = Ending::Token {
        sealed,
        session_id: session_id.to_owned(),
    };
    match store.complete(key, &ending, now, &request).await? {
        Finish::Done => Ok(Completed::Success),
        Finish::NotPending(_) => Err(AttemptError::InvalidLoginCode),
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
) -> Result<Option<(User, Session)>, AttemptError> {
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

/// A sealed value the login code should open and does not: the record was
/// altered, or written by other code. Never the caller's fault.
fn unreadable(what: &str) -> AttemptError {
    StoreError::Corrupt(format!("{what} does not open with the login code")).into()
}
