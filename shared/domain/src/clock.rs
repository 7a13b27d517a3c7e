//! Time as a dependency, so that expiry is testable without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub trait Clock: Send + Sync {
    fn now_millis(&self) -> Millis;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self(AtomicI64::new(start))
    }

    pub fn advance(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn set(&self, to: Millis) {
        self.0.store(to, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// `2026-11-28T17:04:05.123Z`: ISO 8601 UTC with milliseconds, as api.md wants.
pub fn iso_millis(at: Millis) -> String {
    use chrono::{SecondsFormat, TimeZone, Utc};
    match Utc.timestamp_millis_opt(at).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        // Out of chrono's range (± 262 000 years): not reachable from validated input.
        None => "9999-12-31T23:59:59.999Z".to_owned(),
    }
}

#[cfg(test)]
#[path = "tests/clock.rs"]
mod tests;
