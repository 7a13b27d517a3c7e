//! The DynamoDB adapter of the store port.
//!
//! Four tables, each keyed by the string attribute `id`: projects, users,
//! sessions, CLI attempts. Every once-only transition is a single
//! conditional write (`attempts.rs`). Items that die carry `ttl` (epoch
//! seconds) and the tables have TTL enabled; expiry is still checked in
//! code, since DynamoDB deletes late.
//!
//! Each trait of the port is implemented in the file of its aggregate,
//! under the trait's own method names:
//!
//! - `projects.rs`: [`ProjectStore`](crate::domain::store::ProjectStore)
//! - `accounts.rs`: [`AccountStore`](crate::domain::store::AccountStore), users and sessions
//! - `attempts.rs`: [`AttemptStore`](crate::domain::store::AttemptStore), login attempts and their transitions
//! - `counters.rs`: [`CounterStore`](crate::domain::store::CounterStore)
//! - `lookup.rs`: [`Store`](crate::domain::store::Store)'s read by key, batched
//!
//! and beside them:
//!
//! - `client.rs`: the SDK client, its timeouts and retries
//! - `items.rs`, `attempt_item.rs`: item shapes and attribute names
//! - `provision.rs`: creating the tables
//! - `round_trips.rs`: the request counter the round-trip tests read

mod account_items;
mod accounts;
mod attempt_claim;
mod attempt_item;
mod attempts;
pub mod client;
mod counters;
mod item_size;
mod items;
mod lookup;
mod project_item;
mod projects;
pub mod provision;
mod round_trips;

use aws_sdk_dynamodb::Client;

pub use item_size::{attempt_item_bytes, item_bytes};
use items::attr;
pub use round_trips::RequestCounter;

use crate::domain::store::{StoreError, StoreResult};
use items::{Item, unavailable};

/// The five table names (from the environment in Lambda; see [`crate::config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub projects: String,
    pub users: String,
    pub sessions: String,
    pub attempts: String,
    /// Who a person is at an OpenID provider: (project, issuer, `sub`) →
    /// user id, written once with the user (the hosted page, api.md §10).
    pub identities: String,
}

impl TableNames {
    /// `<prefix>projects`, `<prefix>users`, `<prefix>sessions`,
    /// `<prefix>cli-attempts`, `<prefix>identities`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            projects: format!("{prefix}projects"),
            users: format!("{prefix}users"),
            sessions: format!("{prefix}sessions"),
            attempts: format!("{prefix}cli-attempts"),
            identities: format!("{prefix}identities"),
        }
    }
}

pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        Self { client, tables }
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }
}

impl DynamoStore {
    /// Puts an item; with `only_if_new`, [`StoreError::AlreadyExists`] if
    /// its key is taken.
    pub(super) async fn put(&self, table: &str, item: Item, only_if_new: bool) -> StoreResult<()> {
        let mut request = self
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item));
        if only_if_new {
            request = request.condition_expression(format!("attribute_not_exists({})", attr::ID));
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}
