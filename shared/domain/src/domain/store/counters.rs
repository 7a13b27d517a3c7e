//! The user-code look-up's guess counters' port.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::clock::Millis;

/// A counter of user-code look-ups in one fixed window, kept until the
/// window ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    /// How many look-ups the window allows.
    pub limit: u64,
    /// When its window ends: the store may forget it then.
    pub window_end_millis: Millis,
}

/// What [`CounterStore::reserve`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Every counter took one more.
    Reserved,
    /// These counters (by index) were at their limit; none was added to.
    Full(Vec<usize>),
}

#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Adds one to every counter whose count is below its limit, creating
    /// it on first use: all of them, or none when any is full. Each counter
    /// is checked and added to in one atomic step, so concurrent callers
    /// never get more than the limit between them.
    async fn reserve(&self, counters: &[Counter]) -> StoreResult<Reservation>;
    /// Gives back one reserved slot of each counter (a look-up that found
    /// its attempt). A counter the store has already forgotten stays so.
    async fn release(&self, counters: &[Counter]) -> StoreResult<()>;
}
