//! The user-code look-up's guess counters: items of the attempts table
//! keyed `user-code-failures/…` (never a code's id), each with a TTL at the
//! end of its window. A reservation is one conditional `UpdateItem` per
//! counter (`count < limit`), sent together: DynamoDB applies each
//! atomically, so a burst of look-ups never gets past the limit.

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;

use super::DynamoStore;
use super::items::{attr, n, s, ttl_seconds, unavailable};
use crate::domain::store::{Counter, CounterStore, Reservation, StoreResult};

/// What one counter's conditional update did.
enum Slot {
    Taken,
    Full,
}

impl DynamoStore {
    /// Adds one to the counter if it is below its limit (creating it, with
    /// its TTL at the window's end, on first use).
    async fn take_slot(&self, c: &Counter) -> StoreResult<Slot> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.attempts)
            .key(attr::ID, s(&c.key))
            // Both names are reserved words in DynamoDB expressions.
            .update_expression("ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", attr::COUNT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(i64::try_from(c.limit).unwrap_or(i64::MAX)))
            .expression_attribute_values(":ttl", n(ttl_seconds(c.window_end_millis)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Slot::Taken),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Slot::Full)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Takes one back, only from a counter that still exists: a counter
    /// already swept by its TTL is not recreated without one.
    async fn give_back(&self, c: &Counter) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.attempts)
            .key(attr::ID, s(&c.key))
            .update_expression("ADD #count :minus_one")
            .condition_expression("#count > :zero")
            .expression_attribute_names("#count", attr::COUNT)
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl CounterStore for DynamoStore {
    /// One conditional UpdateItem per counter, sent together. When one is
    /// full and another took its slot, that slot is given back (one more
    /// round trip, on the refusal path only), so a refused look-up counts
    /// against nothing.
    async fn reserve(&self, counters: &[Counter]) -> StoreResult<Reservation> {
        let slots = futures_util::future::join_all(counters.iter().map(|c| self.take_slot(c)))
            .await
            .into_iter()
            .collect::<StoreResult<Vec<Slot>>>()?;
        let full: Vec<usize> = slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| matches!(slot, Slot::Full))
            .map(|(i, _)| i)
            .collect();
        if full.is_empty() {
            return Ok(Reservation::Reserved);
        }
        let taken: Vec<Counter> = counters
            .iter()
            .zip(&slots)
            .filter(|(_, slot)| matches!(slot, Slot::Taken))
            .map(|(c, _)| c.clone())
            .collect();
        self.release(&taken).await?;
        Ok(Reservation::Full(full))
    }

    /// One conditional UpdateItem per counter, sent together.
    async fn release(&self, counters: &[Counter]) -> StoreResult<()> {
        futures_util::future::join_all(counters.iter().map(|c| self.give_back(c)))
            .await
            .into_iter()
            .collect()
    }
}
