//! The user-code look-up (api.md §8): a signed-in person types the short
//! code the CLI shows into a confirm page, which turns it into the login
//! code. Guessing is bounded (RFC 8628 §5.1) per source IP and per person,
//! in fixed windows, never by a budget the whole project shares (which one
//! caller could spend to lock everyone out). Each look-up reserves its slot
//! in both counters before it reads the attempt, so a burst of parallel
//! guesses gets no more than the limit; a look-up that finds its attempt
//! gives the slots back, so only failures count.

use super::{AskedBy, AttemptError, AttemptState};
use crate::clock::Millis;
use crate::domain::store::{Counter, Lookup, Reservation, Store};
use crate::secret::{SealingKey, normalize_user_code};

/// How many failed look-ups each window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCodeLimits {
    /// Per source IP, per [`WINDOW_MILLIS`] (default 10).
    pub failures_per_ip: u64,
    /// Per signed-in user, per [`WINDOW_MILLIS`] (default 10).
    pub failures_per_user: u64,
}

/// The counters' window: 10 minutes.
pub const WINDOW_MILLIS: Millis = 10 * 60 * 1000;
/// How long after initiate a user code can be looked up, whatever the
/// attempt's lifetime: 15 minutes.
pub const LOOK_UP_WINDOW_MILLIS: Millis = 15 * 60 * 1000;
/// The source "address" of requests the front end gave none: they share
/// one counter, so the per-IP bound still holds (fail closed).
const NO_SOURCE_IP: &str = "unknown";

impl Default for UserCodeLimits {
    fn default() -> Self {
        Self {
            failures_per_ip: 10,
            failures_per_user: 10,
        }
    }
}

/// What the look-up hands the confirm page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedUp {
    pub login_code: String,
    pub expires_at_millis: Millis,
    pub asked_by: AskedBy,
}

/// Who is looking a code up: where from, and as whom.
#[derive(Debug, Clone, Copy)]
pub struct Looker<'a> {
    pub project_id: &'a str,
    pub user_id: &'a str,
    pub source_ip: Option<&'a str>,
}

/// The counter of a fixed window: its key names the window, and it expires
/// when the window ends.
fn counter(scope: &str, who: &str, limit: u64, now: Millis) -> Counter {
    let start = now - now.rem_euclid(WINDOW_MILLIS);
    Counter {
        key: format!("user-code-failures/{scope}/{who}/{start}"),
        limit,
        window_end_millis: start + WINDOW_MILLIS,
    }
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
    let counters = [
        counter(
            "ip",
            who.source_ip.unwrap_or(NO_SOURCE_IP),
            limits.failures_per_ip,
            now,
        ),
        counter(
            "user",
            &format!("{}/{}", who.project_id, who.user_id),
            limits.failures_per_user,
            now,
        ),
    ];
    if let Reservation::Full(full) = store.reserve(&counters).await? {
        let window_end = full
            .iter()
            .filter_map(|&i| counters.get(i))
            .map(|c| c.window_end_millis)
            .max()
            .unwrap_or(now + WINDOW_MILLIS);
        let millis = (window_end - now).max(1);
        return Err(AttemptError::TooManyUserCodeAttempts {
            retry_after_seconds: u64::try_from((millis + 999) / 1000).unwrap_or(1),
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
            && a.state(now) == AttemptState::Pending
            && now - a.created_at_millis <= LOOK_UP_WINDOW_MILLIS
    });
    if let Some(a) = found
        && let Some(login_code) = a.open_login_code(keys)
    {
        store.release(&counters).await?;
        return Ok(LookedUp {
            login_code,
            expires_at_millis: a.expires_at_millis,
            asked_by: a.asked_by(),
        });
    }
    Err(AttemptError::InvalidUserCode)
}
