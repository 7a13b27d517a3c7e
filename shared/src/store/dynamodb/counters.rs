//! The user-code look-up's failure counters: items of the attempts table
//! keyed `user-code-failures/…` (never a code's id), each with a TTL at the
//! end of its window.

use async_trait::async_trait;

use super::DynamoStore;
use super::attempt_item::attempt_from;
use super::items::{Item, attr, n, s, ttl_seconds, unavailable};
use crate::domain::login_attempt::CliAttempt;
use crate::domain::store::{Counter, CounterStore, StoreResult};

#[async_trait]
impl CounterStore for DynamoStore {
    /// The user-code failure counters (items of the attempts table keyed
    /// `user-code-failures/…`, never a code's id) and the attempt, in one
    /// strongly consistent BatchGetItem.
    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)> {
        let table = self.tables.attempts.as_str();
        let mut wanted: Vec<(&str, &str)> =
            counters.iter().map(|c| (table, c.key.as_str())).collect();
        wanted.extend(attempt_id.map(|id| (table, id)));
        let mut items = self
            .get_many(&wanted)
            .await?
            .remove(table)
            .unwrap_or_default();
        let id_of = |item: &Item| {
            item.get(attr::ID)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        let counts = counters
            .iter()
            .map(|c| {
                items
                    .iter()
                    .find(|i| id_of(i) == c.key)
                    .and_then(|i| i.get(attr::COUNT))
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            })
            .collect();
        let attempt = match attempt_id {
            Some(id) => {
                let found = items
                    .iter()
                    .position(|i| id_of(i) == id)
                    .map(|at| items.swap_remove(at));
                attempt_from(found)?
            }
            None => None,
        };
        Ok((counts, attempt))
    }

    /// Adds one to each counter (`ADD`, so concurrent failures all count),
    /// its TTL set on creation to its window's end: one UpdateItem each,
    /// sent together.
    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()> {
        let updates = counters.iter().map(|c| {
            self.client
                .update_item()
                .table_name(&self.tables.attempts)
                .key(attr::ID, s(&c.key))
                // Both names are reserved words in DynamoDB expressions.
                .update_expression("ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)")
                .expression_attribute_names("#count", attr::COUNT)
                .expression_attribute_names("#ttl", attr::TTL)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":ttl", n(ttl_seconds(c.limit_window_end_millis)))
                .send()
        });
        for result in futures_util::future::join_all(updates).await {
            result.map_err(unavailable)?;
        }
        Ok(())
    }
}
