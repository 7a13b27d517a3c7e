//! Why a step of agent auth was refused.

use crate::domain::login_attempt::AttemptError;
use crate::domain::store::StoreError;
use crate::domain::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The poll token is malformed or names no agent attempt of this
    /// project.
    #[error("invalid poll token")]
    InvalidPollToken,
    /// The claim code names no agent attempt of this project that is still
    /// waiting (unknown, expired, approved, denied or used).
    #[error("invalid claim code")]
    InvalidClaimCode,
    /// Too many failed claim-code look-ups in the window.
    #[error("too many failed claim-code look-ups")]
    TooManyClaimCodeAttempts { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl From<AttemptError> for AgentError {
    /// The attempt steps agent auth shares with the CLI flow fail only on
    /// the attempt no longer pending (a lost race) or on the store.
    fn from(e: AttemptError) -> Self {
        match e {
            AttemptError::Store(e) => Self::Store(e),
            AttemptError::Token(e) => Self::Token(e),
            _ => Self::InvalidClaimCode,
        }
    }
}
