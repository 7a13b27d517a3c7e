//! The user-code look-up's failure counters' port.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::clock::Millis;
use crate::domain::login_attempt::CliAttempt;

/// A failure counter of the user-code look-up, kept until its window ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    /// When its window ends: the store may forget it then.
    pub limit_window_end_millis: Millis,
}

#[async_trait]
pub trait CounterStore: Send + Sync {
    /// The counts of `counters` (0 for one never added to, or forgotten)
    /// and, when given, the attempt `attempt_id`: one round trip, strongly
    /// consistent.
    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)>;
    /// Adds one to each of `counters`, creating it on first use.
    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()>;
}
