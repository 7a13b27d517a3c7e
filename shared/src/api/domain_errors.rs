//! How the domain's refusals become the answers of docs/api.md: each
//! `AttemptError`, `AgentError` and `AccountError` as its known error or
//! plain-text 400.

use http::StatusCode;

use super::errors::{ApiError, KnownError};
use crate::domain::accounts::AccountError;
use crate::domain::agent_auth::AgentError;
use crate::domain::login_attempt::AttemptError;

impl From<AttemptError> for ApiError {
    fn from(e: AttemptError) -> Self {
        let plain = Self::bad_request;
        match e {
            AttemptError::InvalidPollingCode => KnownError::InvalidPollingCode.into(),
            AttemptError::NotPending => KnownError::CliAuthAttemptNotPending.into(),
            AttemptError::InvalidUserCode => KnownError::InvalidUserCode.into(),
            AttemptError::TooManyUserCodeAttempts {
                retry_after_seconds,
            } => KnownError::TooManyUserCodeAttempts {
                retry_after_seconds,
            }
            .into(),
            AttemptError::InvalidLoginCode => plain("Invalid login code or the code has expired"),
            AttemptError::InvalidAnonRefreshToken => plain("Invalid anon refresh token"),
            AttemptError::AnonRefreshTokenNotAnonymous => {
                plain("The provided refresh token does not belong to an anonymous user")
            }
            AttemptError::NoAnonSession => plain("No anonymous session associated with this code"),
            AttemptError::RefreshTokenRequired => {
                plain("refresh_token is required when mode is 'complete'")
            }
            AttemptError::InvalidRefreshToken => plain("Invalid refresh token"),
            AttemptError::RefreshTokenOfOtherProject => {
                plain("Refresh token does not belong to this project")
            }
            AttemptError::Store(e) => e.into(),
            AttemptError::Token(e) => e.into(),
        }
    }
}

impl From<AgentError> for ApiError {
    fn from(e: AgentError) -> Self {
        match e {
            AgentError::InvalidPollToken => KnownError::InvalidPollingCode.into(),
            AgentError::InvalidClaimCode => KnownError::AgentAuthInvalidClaimCode.into(),
            AgentError::TooManyClaimCodeAttempts {
                retry_after_seconds,
            } => KnownError::TooManyClaimCodeAttempts {
                retry_after_seconds,
            }
            .into(),
            AgentError::Store(e) => e.into(),
            AgentError::Token(e) => e.into(),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::UserNotFound => KnownError::UserNotFound.into(),
            AccountError::UserIdDoesNotExist(id) => KnownError::UserIdDoesNotExist(id).into(),
            AccountError::SessionNotFound => KnownError::RefreshTokenNotFoundOrExpired.into(),
            AccountError::UnknownSession => Self::Plain {
                status: StatusCode::NOT_FOUND,
                message: "Session not found.".to_owned(),
            },
            AccountError::OthersSessions => Self::Plain {
                status: StatusCode::FORBIDDEN,
                message: "Client can only list sessions for their own user.".to_owned(),
            },
            AccountError::CannotDeleteCurrentSession => {
                KnownError::CannotDeleteCurrentSession.into()
            }
            AccountError::Store(e) => e.into(),
            AccountError::Token(e) => e.into(),
        }
    }
}
