//! The user-code look-up (api.md §8): a signed-in person types the short
//! code the CLI shows into a confirm page, which turns it into the login
//! code. Guessing is bounded (RFC 8628 §5.1) per source IP and per person,
//! in fixed windows, never by a budget the whole project shares (which one
//! caller could spend to lock everyone out). Each look-up reserves its slot
//! in both counters before it reads the attempt, so a burst of parallel
//! guesses gets no more than the limit; a look-up that finds its attempt
//! gives the slots back, so only failures count.

use super::guesses::{Guesses, Looker, RetryAfter, UserCodeLimits};
use super::{AskedBy, AttemptError, AttemptState};
use crate::clock::Millis;
use crate::domain::store::{Lookup, Store};
use crate::secret::{SealingKey, normalize_user_code};

/// How long after initiate a user code can be looked up, whatever the
/// attempt's lifetime: 15 minutes.
pub const LOOK_UP_WINDOW_MILLIS: Millis = 15 * 60 * 1000;

/// What the look-up hands the confirm page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedUp {
    pub login_code: String,
    pub expires_at_millis: Millis,
    pub asked_by: AskedBy,
}

/// Reserves a slot in the caller's counters (one round trip), reads the
/// attempt (one more), and gives the slots back if it was found (one more).
/// Refused while a counter is full, with the seconds until its window ends.
pub async fn look_up(
    store: &dyn Store,
    keys: &[SealingKey],
    who: Looker<'_>,
    typed: &str,
    limits: &UserCodeLimits,
    now: Millis,
) -> Result<LookedUp, AttemptError> {
    let guesses = Guesses::of("user-code", who, limits, now);
    if let Err(RetryAfter(retry_after_seconds)) = guesses.reserve(store, now).await? {
        return Err(AttemptError::TooManyUserCodeAttempts {
            retry_after_seconds,
        });
    }
    let attempt = match normalize_user_code(typed) {
        Some(id) => {
            let what = Lookup {
                attempt_id: Some(&id),
                ..Lookup::default()
            };
            store.lookup(what).await?.attempt
        }
        None => None,
    };
    let found = attempt.filter(|a| {
        a.project_id == who.project_id
            && !a.is_agent()
            && a.state(now) == AttemptState::Pending
            && now - a.created_at_millis <= LOOK_UP_WINDOW_MILLIS
    });
    if let Some(a) = found
        && let Some(login_code) = a.open_login_code(keys)
    {
        guesses.release(store).await?;
        return Ok(LookedUp {
            login_code,
            expires_at_millis: a.expires_at_millis,
            asked_by: a.asked_by(),
        });
    }
    Err(AttemptError::InvalidUserCode)
}
