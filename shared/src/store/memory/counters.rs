//! The user-code look-up's failure counters on the in-memory store.

use async_trait::async_trait;

use super::{COUNTER_RETENTION_MILLIS, MemoryStore};
use crate::domain::login_attempt::CliAttempt;
use crate::domain::store::{Counter, CounterStore, StoreResult};

#[async_trait]
impl CounterStore for MemoryStore {
    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)> {
        let t = self.tables();
        let counts = counters
            .iter()
            .map(|c| t.counters.get(&c.key).map_or(0, |(n, _)| *n))
            .collect();
        Ok((counts, attempt_id.and_then(|id| t.attempts.get(id))))
    }

    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()> {
        let mut t = self.tables();
        // Counters of windows long over are never read again: drop them, as
        // DynamoDB's TTL does.
        if let Some(oldest) = counters.iter().map(|c| c.limit_window_end_millis).min() {
            t.counters
                .retain(|_, (_, end)| *end + COUNTER_RETENTION_MILLIS > oldest);
        }
        for c in counters {
            t.counters
                .entry(c.key.clone())
                .or_insert((0, c.limit_window_end_millis))
                .0 += 1;
        }
        Ok(())
    }
}
