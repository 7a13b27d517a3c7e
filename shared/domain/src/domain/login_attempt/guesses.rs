//! Bounded guessing of the short codes people type (RFC 8628 §5.1): the
//! user codes of the CLI flow and agent auth's claim codes. Failures are
//! counted per source IP and per person in fixed windows, never in a
//! budget the whole project shares (which one caller could spend to lock
//! everyone out). A look-up reserves its slot in both counters before it
//! reads anything, so a burst of parallel guesses gets no more than the
//! limit; one that finds what it looked for gives the slots back, so only
//! failures count.

use crate::clock::Millis;
use crate::domain::store::{Counter, Reservation, Store, StoreResult};

/// How many failed look-ups each window allows (user codes and claim
/// codes alike, each kind in counters of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCodeLimits {
    /// Per source IP, per [`WINDOW_MILLIS`] (default 10).
    pub failures_per_ip: u64,
    /// Per signed-in user, per [`WINDOW_MILLIS`] (default 10).
    pub failures_per_user: u64,
}

/// The counters' window: 10 minutes.
pub const WINDOW_MILLIS: Millis = 10 * 60 * 1000;

impl Default for UserCodeLimits {
    fn default() -> Self {
        Self {
            failures_per_ip: 10,
            failures_per_user: 10,
        }
    }
}

/// Who is looking a code up: where from, and as whom.
#[derive(Debug, Clone, Copy)]
pub struct Looker<'a> {
    pub project_id: &'a str,
    pub user_id: &'a str,
    pub source_ip: Option<&'a str>,
}

/// The source "address" of requests the front end gave none: they share
/// one counter, so the per-IP bound still holds (fail closed).
const NO_SOURCE_IP: &str = "unknown";

/// A look-up refused while a counter is full: the seconds until its window
/// ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

/// One look-up's two counters: its source IP's and its person's.
pub struct Guesses {
    counters: [Counter; 2],
}

/// The counter of a fixed window: its key names what is guessed (`what`,
/// e.g. `user-code`), the window, and who; it expires when the window ends.
fn counter(what: &str, scope: &str, who: &str, limit: u64, now: Millis) -> Counter {
    let start = now - now.rem_euclid(WINDOW_MILLIS);
    Counter {
        key: format!("{what}-failures/{scope}/{who}/{start}"),
        limit,
        window_end_millis: start + WINDOW_MILLIS,
    }
}

impl Guesses {
    /// The counters of `who` guessing a `what` (`user-code`, `claim-code`).
    pub fn of(what: &str, who: Looker<'_>, limits: &UserCodeLimits, now: Millis) -> Self {
        Self {
            counters: [
                counter(
                    what,
                    "ip",
                    who.source_ip.unwrap_or(NO_SOURCE_IP),
                    limits.failures_per_ip,
                    now,
                ),
                counter(
                    what,
                    "user",
                    &format!("{}/{}", who.project_id, who.user_id),
                    limits.failures_per_user,
                    now,
                ),
            ],
        }
    }

    /// Reserves a slot in both counters (one round trip): refused while
    /// either is full.
    pub async fn reserve(
        &self,
        store: &dyn Store,
        now: Millis,
    ) -> StoreResult<Result<(), RetryAfter>> {
        let Reservation::Full(full) = store.reserve(&self.counters).await? else {
            return Ok(Ok(()));
        };
        let window_end = full
            .iter()
            .filter_map(|&i| self.counters.get(i))
            .map(|c| c.window_end_millis)
            .max()
            .unwrap_or(now + WINDOW_MILLIS);
        let millis = (window_end - now).max(1);
        Ok(Err(RetryAfter(
            u64::try_from((millis + 999) / 1000).unwrap_or(1),
        )))
    }

    /// Gives the reserved slots back: the look-up found what it looked for
    /// (one round trip).
    pub async fn release(&self, store: &dyn Store) -> StoreResult<()> {
        store.release(&self.counters).await
    }
}
