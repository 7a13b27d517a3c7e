//! CLI login attempts: the three-party flow of contract §3.
//!
//! The CLI creates an attempt ([`initiate`]), a signed-in browser completes
//! it by handing over a refresh token ([`complete`]), and the CLI picks the
//! token up exactly once ([`poll`]). The record and its states are in
//! [`attempt`]; every once-only step is one conditional write in the store.
//!
//! Round trips to the store: initiate 1 (3 with an anonymous session to
//! validate), poll 1 in every state, complete 2 (check, complete) or 3
//! (claim-anon-session: the attempt, its anonymous user, then the transaction
//! that detaches the session, last, so that no fault can follow it), deny
//! and cancel 1 (the once-only write of complete, ending the attempt with a
//! refusal instead of a token).

mod asker;
mod attempt;
mod cancel;
mod complete;
mod device;
mod ending;
mod initiate;
mod pkce;
mod poll;
mod user_code;

// Each type of the flow has this one path: `domain::login_attempt::<Name>`.
pub use asker::{AskedBy, Asker, ClientDetails, MAX_CLIENT_FIELD_CHARS, MAX_USER_AGENT_CHARS};
pub use attempt::{
    AttemptKey, AttemptState, CliAttempt, CodeKind, DEFAULT_EXPIRES_IN_MILLIS,
    MAX_EXPIRES_IN_MILLIS, NewAttempt, POLL_INTERVAL_SECONDS, RETAIN_AFTER_EXPIRY_MILLIS,
    open_anon_refresh_token, open_refresh_token,
};
pub use cancel::cancel;
pub use complete::{CompleteMode, Completed, complete};
pub use device::{
    DEVICE_CODE_EXPIRES_IN_MILLIS, DEVICE_INTERVAL_MILLIS, DeviceAnswer, SLOW_DOWN_MILLIS,
    device_poll,
};
pub use ending::{Ending, Refusal};
pub use initiate::{InitiateRequest, Initiated, initiate};
pub use pkce::{Verifier, is_code_challenge, s256};
pub use poll::{PollAnswer, classify_poll, poll};
pub use user_code::{
    IP_WINDOW_MILLIS, LookedUp, PROJECT_WINDOW_MILLIS, UserCodeLimits, look_up as look_up_user_code,
};

use crate::domain::store::StoreError;
use crate::domain::tokens::TokenError;

/// Why a step of a login attempt was refused.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// The polling code is malformed or names no attempt of this project.
    #[error("invalid polling code")]
    InvalidPollingCode,
    /// The login code is malformed, or its attempt is unknown, expired,
    /// already completed or used.
    #[error("invalid or expired login code")]
    InvalidLoginCode,
    /// initiate: the CLI's anonymous refresh token names no session.
    #[error("invalid anonymous refresh token")]
    InvalidAnonRefreshToken,
    #[error("anonymous refresh token of another project")]
    AnonRefreshTokenOfOtherProject,
    #[error("anonymous refresh token expired")]
    AnonRefreshTokenExpired,
    #[error("refresh token of a user who is not anonymous")]
    AnonRefreshTokenNotAnonymous,
    /// claim-anon-session: the attempt carries no live anonymous session.
    #[error("no anonymous session on this attempt")]
    NoAnonSession,
    /// complete: no refresh token was given.
    #[error("refresh token required")]
    RefreshTokenRequired,
    /// cancel: the attempt was already completed, denied, cancelled, used,
    /// or has expired.
    #[error("the attempt is no longer pending")]
    NotPending,
    /// user-code look-up: no pending attempt of this project has that code.
    #[error("invalid user code")]
    InvalidUserCode,
    /// user-code look-up: too many failed look-ups in the window.
    #[error("too many failed user-code look-ups")]
    TooManyUserCodeAttempts { retry_after_seconds: u64 },
    /// complete: the refresh token names no live session.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("refresh token of another project")]
    RefreshTokenOfOtherProject,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}
