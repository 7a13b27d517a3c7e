//! The user-code look-up (api.md §8): a person types the short code the
//! CLI shows into a confirm page, which turns it into the login code.
//! Guessing is bounded (RFC 8628 §5.1): failed look-ups are counted per
//! source IP and per project in fixed windows, and past a limit every
//! look-up is refused until the window ends.

use super::{AskedBy, AttemptError, AttemptState};
use crate::clock::Millis;
use crate::domain::store::{Counter, Store};
use crate::secret::{SealingKey, normalize_user_code};

/// How many failed look-ups each window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCodeLimits {
    /// Per source IP, per [`IP_WINDOW_MILLIS`] (default 10).
    pub failures_per_ip: u64,
    /// Per project, per [`PROJECT_WINDOW_MILLIS`] (default 1,000).
    pub failures_per_project: u64,
}

pub const IP_WINDOW_MILLIS: Millis = 10 * 60 * 1000;
pub const PROJECT_WINDOW_MILLIS: Millis = 60 * 1000;

impl Default for UserCodeLimits {
    fn default() -> Self {
        Self {
            failures_per_ip: 10,
            failures_per_project: 1_000,
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

/// The failure counter of a fixed window: its key names the window, and it
/// expires when the window ends.
fn counter(scope: &str, who: &str, window: Millis, now: Millis) -> Counter {
    let start = now - now.rem_euclid(window);
    Counter {
        key: format!("user-code-failures/{scope}/{who}/{start}"),
        limit_window_end_millis: start + window,
    }
}

/// Reads both counters and the attempt together (one round trip); a
/// failure adds one to each counter (one more). Refused while a counter is
/// at its limit, with the seconds until its window ends.
pub async fn look_up(
    store: &dyn Store,
    keys: &[SealingKey],
    project_id: &str,
    typed: &str,
    source_ip: Option<&str>,
    limits: &UserCodeLimits,
    now: Millis,
) -> Result<LookedUp, AttemptError> {
    let mut counters = vec![counter("project", project_id, PROJECT_WINDOW_MILLIS, now)];
    let mut caps = vec![limits.failures_per_project];
    if let Some(ip) = source_ip {
        counters.push(counter("ip", ip, IP_WINDOW_MILLIS, now));
        caps.push(limits.failures_per_ip);
    }
    let code = normalize_user_code(typed);
    let (counts, attempt) = store
        .counters_and_attempt(&counters, code.as_deref())
        .await?;
    let exhausted = counters
        .iter()
        .zip(&caps)
        .zip(&counts)
        .filter(|((_, cap), count)| **count >= **cap)
        .map(|((c, _), _)| c.limit_window_end_millis)
        .max();
    if let Some(window_end) = exhausted {
        let millis = (window_end - now).max(1);
        return Err(AttemptError::TooManyUserCodeAttempts {
            retry_after_seconds: u64::try_from((millis + 999) / 1000).unwrap_or(1),
        });
    }
    let found =
        attempt.filter(|a| a.project_id == project_id && a.state(now) == AttemptState::Pending);
    if let Some(a) = found
        && let Some(login_code) = a.open_login_code(keys)
    {
        return Ok(LookedUp {
            login_code,
            expires_at_millis: a.expires_at_millis,
            asked_by: a.asked_by(),
        });
    }
    store.add_to_counters(&counters).await?;
    Err(AttemptError::InvalidUserCode)
}
