//! The user-code look-up's guess counters on the in-memory store: checked
//! and added to under the store's one lock, so concurrent look-ups never
//! get more than the limit between them.

use async_trait::async_trait;

use super::{COUNTER_RETENTION_MILLIS, MemoryStore};
use crate::domain::store::{Counter, CounterStore, Reservation, StoreResult};

#[async_trait]
impl CounterStore for MemoryStore {
    async fn reserve(&self, counters: &[Counter]) -> StoreResult<Reservation> {
        let mut t = self.tables();
        // Counters of windows long over are never read again: drop them, as
        // DynamoDB's TTL does.
        if let Some(oldest) = counters.iter().map(|c| c.window_end_millis).min() {
            t.counters
                .retain(|_, (_, end)| *end + COUNTER_RETENTION_MILLIS > oldest);
        }
        let full: Vec<usize> = counters
            .iter()
            .enumerate()
            .filter(|(_, c)| t.counters.get(&c.key).map_or(0, |(n, _)| *n) >= c.limit)
            .map(|(i, _)| i)
            .collect();
        if !full.is_empty() {
            return Ok(Reservation::Full(full));
        }
        for c in counters {
            t.counters
                .entry(c.key.clone())
                .or_insert((0, c.window_end_millis))
                .0 += 1;
        }
        Ok(Reservation::Reserved)
    }

    async fn release(&self, counters: &[Counter]) -> StoreResult<()> {
        let mut t = self.tables();
        for c in counters {
            if let Some((n, _)) = t.counters.get_mut(&c.key) {
                *n = n.saturating_sub(1);
            }
        }
        Ok(())
    }
}
