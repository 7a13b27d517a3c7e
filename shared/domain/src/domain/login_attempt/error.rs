//! Why a step of a login attempt was refused.

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
    /// initiate: the CLI's anonymous refresh token names no live session
    /// (none, or expired: Hexclave answers both alike).
    #[error("invalid anonymous refresh token")]
    InvalidAnonRefreshToken,
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
