//! poll: the CLI asks for its refresh token; exactly one poll receives it.

use super::attempt::open_refresh_token;
use super::{AttemptError, AttemptKey, AttemptState, CliAttempt, CodeKind, Refusal, Verifier};
use crate::clock::Millis;
use crate::domain::store::{PickUp, Store, StoreError};
use crate::secret::LocatedSecret;

/// A strongly consistent read, and the pickup's conditional write only when
/// that read finds the token waiting. Most polls find the attempt waiting:
/// a read costs a fifth of the write that would fail its condition
/// (`docs/performance.md`, "The cost of a login on AWS"). The write still
/// decides who gets the token, exactly once: a poll that read "ready" but
/// lost the race hears what the failed condition hands back. The token it
/// takes is sealed for the polling code, opened here.
/// `code_verifier`: the bound hand-off's proof (api.md §8), required when
/// the attempt has a challenge; it is part of the write's condition.
pub async fn poll(
    store: &dyn Store,
    project_id: &str,
    polling_code: &str,
    code_verifier: Option<&str>,
    now: Millis,
) -> Result<PollAnswer, AttemptError> {
    let code = LocatedSecret::parse(polling_code).ok_or(AttemptError::InvalidPollingCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling)
        .with_verifier(Verifier::of(code_verifier));
    // A device grant's attempt is not the Stack poll's to answer: as if
    // unknown. Whether the grant made it never changes, so this read
    // decides it for the write below too.
    let seen = store
        .attempt(&code.id)
        .await?
        .filter(|a| !a.is_device_grant());
    let answer = match seen {
        Some(attempt) if attempt.can_be_picked_up(&key, now) => {
            pick_up(store, &code, &key, now).await?
        }
        seen => classify_poll(seen.as_ref(), &key, now),
    };
    if answer == PollAnswer::Invalid {
        return Err(AttemptError::InvalidPollingCode);
    }
    Ok(answer)
}

/// The pickup: one conditional write that takes the waiting token, once.
async fn pick_up(
    store: &dyn Store,
    code: &LocatedSecret,
    key: &AttemptKey,
    now: Millis,
) -> Result<PollAnswer, AttemptError> {
    let request = crate::secret::random_token(16);
    Ok(match store.pick_up(key, now, &request).await? {
        PickUp::Taken {
            refresh_token,
            encrypted,
        } => {
            let opened = open_refresh_token(code, &refresh_token).ok_or_else(|| {
                StoreError::Corrupt("the picked-up refresh token does not open".into())
            })?;
            if encrypted {
                PollAnswer::Encrypted { jwe: opened }
            } else {
                PollAnswer::Success {
                    refresh_token: opened,
                }
            }
        }
        PickUp::NotTaken(attempt) => classify_poll(attempt.as_deref(), key, now),
    })
}

/// What a poll answers, decided from the attempt as the store last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollAnswer {
    Invalid,
    Expired,
    Used,
    Refused(Refusal),
    Waiting,
    Success {
        refresh_token: String,
    },
    /// The bound hand-off: the refresh token as a compact JWE for the CLI's
    /// public key.
    Encrypted {
        jwe: String,
    },
}

/// Classifies a poll that takes nothing, from the attempt as the store
/// last saw it: read, or handed back by a pickup's failed condition.
pub fn classify_poll(attempt: Option<&CliAttempt>, key: &AttemptKey, now: Millis) -> PollAnswer {
    match attempt {
        Some(a) if a.is_named_by(key) => match a.state(now) {
            AttemptState::Expired => PollAnswer::Expired,
            AttemptState::Used => PollAnswer::Used,
            AttemptState::Refused(refusal) => PollAnswer::Refused(refusal),
            // Completed with no token would be a contradiction of the single
            // write that sets both; "waiting" is the safe answer.
            AttemptState::Completed | AttemptState::Pending => PollAnswer::Waiting,
        },
        _ => PollAnswer::Invalid,
    }
}
