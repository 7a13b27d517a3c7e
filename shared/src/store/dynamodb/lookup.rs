//! Reads: by key, one `GetItem` for one record, one `BatchGetItem` for
//! several (an attempt, a session and a user at once), strongly consistent;
//! a user's sessions, one `Query` of the sessions-by-user index.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use async_trait::async_trait;

use super::DynamoStore;
use super::account_items::{session_from, user_from};
use super::attempt_item::attempt_from;
use super::items::{Item, attr, s, unavailable};
use crate::domain::store::{Found, Lookup, Store, StoreError, StoreResult};

/// How often a batch read retries keys DynamoDB left unprocessed.
const BATCH_RETRIES: u32 = 4;

#[async_trait]
impl Store for DynamoStore {
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        let wanted: Vec<(&str, &str)> = [
            (self.tables.attempts.as_str(), what.attempt_id),
            (self.tables.sessions.as_str(), what.session_id),
            (self.tables.users.as_str(), what.user_id),
        ]
        .into_iter()
        .filter_map(|(table, id)| id.map(|id| (table, id)))
        .collect();

        let mut items = match wanted.as_slice() {
            [] => HashMap::new(),
            [(table, id)] => self.get_one(table, id).await?,
            many => self.get_many(many).await?,
        };
        let mut take = |table: &str| items.remove(table).and_then(|mut v| v.pop());
        Ok(Found {
            attempt: attempt_from(take(&self.tables.attempts))?,
            session: session_from(take(&self.tables.sessions))?,
            user: user_from(take(&self.tables.users))?,
        })
    }
}

impl DynamoStore {
    async fn get_one(&self, table: &str, id: &str) -> StoreResult<HashMap<String, Vec<Item>>> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .key(attr::ID, s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .item
            .map(|item| HashMap::from([(table.to_owned(), vec![item])]))
            .unwrap_or_default())
    }

    pub(super) async fn get_many(
        &self,
        wanted: &[(&str, &str)],
    ) -> StoreResult<HashMap<String, Vec<Item>>> {
        let mut items: HashMap<String, Vec<Item>> = HashMap::new();
        let mut by_table: HashMap<&str, Vec<HashMap<String, AttributeValue>>> = HashMap::new();
        for (table, id) in wanted {
            by_table
                .entry(table)
                .or_default()
                .push(HashMap::from([(attr::ID.to_owned(), s(id))]));
        }
        let mut request: HashMap<String, KeysAndAttributes> = HashMap::new();
        for (table, keys) in by_table {
            let keys = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(unavailable)?;
            request.insert(table.to_owned(), keys);
        }
        let mut tries = 0;
        while !request.is_empty() {
            if tries > BATCH_RETRIES {
                return Err(StoreError::Unavailable(
                    "batch read left keys unprocessed".into(),
                ));
            }
            if tries > 0 {
                tokio::time::sleep(Duration::from_millis(20 << tries)).await;
            }
            tries += 1;
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .send()
                .await
                .map_err(unavailable)?;
            for (table, found) in out.responses.unwrap_or_default() {
                items.entry(table).or_default().extend(found);
            }
            request = out.unprocessed_keys.unwrap_or_default();
        }
        Ok(items)
    }
}
